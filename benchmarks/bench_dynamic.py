"""Dynamic-provider overhead: `python -m benchmarks.bench_dynamic [--requests 400]`.

Runs the service (one uvicorn worker, SQLite) and the zero-latency fake upstream in their own
processes, then sends the same chat, one request at a time over a kept-alive connection, to two
assistants: one on the built-in `openai` provider and one on a dynamic provider saved unchanged from
the OpenAI template (its code runs in a warm bubblewrap worker, its HTTP goes through the allow-list
proxy). Reports p50/p90/p99 of both and the difference at p50 (the target: at most 3 ms)."""

import argparse
import statistics
import time
import uuid

import httpx

from benchmarks.common import fake_upstream, login, service

TARGET_MS = 3.0


def make_assistant(client: httpx.Client, headers: dict[str, str], provider_id: int, model: str, app_id: int) -> int:
    model_id = client.post("/admin/models", headers=headers, json={"name": model, "provider_id": provider_id})
    model_id.raise_for_status()
    assistant = client.post("/admin/assistants", headers=headers, json={
        "name": f"bench-{uuid.uuid4().hex[:6]}", "application_id": app_id, "model_id": model_id.json()["id"],
        "system_prompt": "You are a benchmark."})
    assistant.raise_for_status()
    return int(assistant.json()["id"])


def configure(client: httpx.Client, headers: dict[str, str], upstream: str) -> tuple[int, int]:
    """(built-in assistant id, dynamic assistant id), both pointed at the same fake."""
    providers = {p["name"]: p for p in client.get("/admin/providers", headers=headers).json()["data"]}
    openai_id = providers["openai"]["id"]
    client.put(f"/admin/providers/{openai_id}", headers=headers, json={"base_url": upstream + "/v1"}).raise_for_status()
    client.post("/admin/api-keys", headers=headers, json={"name": "bench", "provider_id": openai_id,
                                                          "api_key": "sk-bench-0000000000"}).raise_for_status()
    template = client.get("/admin/providers/code/template", params={"provider_type": "openai"}, headers=headers).json()
    dynamic = client.post("/admin/providers/dynamic", headers=headers, json={
        "name": f"bench-openai-{uuid.uuid4().hex[:6]}", "display_name": "Bench dynamic OpenAI",
        "base_url": upstream + "/v1", "api_key": "sk-bench-0000000000", "python_code": template["python_code"],
        "config_schema": template["config_schema"], "required_dependencies": template["required_dependencies"]})
    dynamic.raise_for_status()
    app = client.post("/admin/applications", headers=headers, json={"name": f"Bench {uuid.uuid4().hex[:6]}"})
    app.raise_for_status()
    builtin = make_assistant(client, headers, openai_id, f"gpt-bench-{uuid.uuid4().hex[:4]}", app.json()["id"])
    dyn = make_assistant(client, headers, dynamic.json()["id"], "gpt-bench", app.json()["id"])
    return builtin, dyn


def timings(client: httpx.Client, headers: dict[str, str], assistant_id: int, n: int) -> list[float]:
    body = {"assistant_id": assistant_id, "message": "benchmark this sentence please"}
    out = []
    for _ in range(n):
        started = time.perf_counter()
        r = client.post("/chat/assistant", headers=headers, json=body)
        out.append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
    return out


def summary(values: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values, n=100)
    return {"p50": statistics.median(values), "p90": q[89], "p99": q[98]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with fake_upstream() as upstream, service() as (url, _proc), httpx.Client(base_url=url, timeout=60) as client:
        headers = login(url)
        builtin, dynamic = configure(client, headers, upstream)
        for assistant in (builtin, dynamic):  # warm-up: connections, the sandbox worker, caches
            timings(client, headers, assistant, 30)
        results: dict[str, list[float]] = {"builtin": [], "dynamic": []}
        for _ in range(4):  # interleaved rounds, so drift on the machine hits both alike
            results["builtin"] += timings(client, headers, builtin, args.requests // 4)
            results["dynamic"] += timings(client, headers, dynamic, args.requests // 4)
    stats = {name: summary(values) for name, values in results.items()}
    for name, s in stats.items():
        print(f"{name:8} n={len(results[name])}  p50 {s['p50']:.2f} ms  p90 {s['p90']:.2f} ms  p99 {s['p99']:.2f} ms")  # noqa: T201
    extra = stats["dynamic"]["p50"] - stats["builtin"]["p50"]
    verdict = "OK" if extra <= TARGET_MS else "OVER TARGET"
    print(f"dynamic - builtin at p50: {extra:+.2f} ms (target <= {TARGET_MS:.0f} ms): {verdict}")  # noqa: T201


if __name__ == "__main__":
    main()
