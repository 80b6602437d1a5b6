"""Chat runtime benchmark: `python -m benchmarks.bench_chat [--seconds 10] [--database-url URL]`.

Runs the service with one uvicorn worker against the fake upstream in its own process and loads it
with wrk (Debian package `wrk`) over loopback:
  1. GET /health (the baseline) and POST /chat/assistant, zero-latency upstream, 32 connections;
  2. POST /chat/assistant with 50 ms upstream latency, 32 connections (ideal: 640 req/s), and the
     fake upstream loaded directly the same way (what the machine allows at best);
  3. 1,000 concurrent streaming requests held open against a slow upstream;
and reports req/s, p50/p99, the worker's CPU time per request and its RSS idle and under load."""

import argparse
import asyncio
import json
import time

import aiohttp
import httpx

from benchmarks.common import cpu_seconds, fake_upstream, login, rss_mb, service, wrk


def configure(url: str, upstream: str, headers: dict[str, str]) -> int:
    """Point OpenAI at the fake, store a key, create an app and an assistant; return its id."""
    providers = {p["name"]: p for p in httpx.get(f"{url}/admin/providers", headers=headers).json()["data"]}
    pid = providers["openai"]["id"]
    httpx.put(f"{url}/admin/providers/{pid}", headers=headers, json={"base_url": upstream + "/v1"}).raise_for_status()
    httpx.post(f"{url}/admin/api-keys", headers=headers,
               json={"name": "bench", "provider_id": pid, "api_key": "sk-bench-0000000000"}).raise_for_status()
    models = httpx.get(f"{url}/admin/providers/{pid}/models", headers=headers).json()["data"]
    model_id = next(m["id"] for m in models if m["name"] == "gpt-4o-mini")
    app = httpx.post(f"{url}/admin/applications", headers=headers, json={"name": "Bench"}).json()
    assistant = httpx.post(f"{url}/admin/assistants", headers=headers, json={
        "name": "Bench Bot", "application_id": app["id"], "model_id": model_id,
        "system_prompt": "You are a benchmark."}).json()
    return int(assistant["id"])


def repoint(url: str, upstream: str, headers: dict[str, str]) -> None:
    providers = {p["name"]: p for p in httpx.get(f"{url}/admin/providers", headers=headers).json()["data"]}
    httpx.put(f"{url}/admin/providers/{providers['openai']['id']}", headers=headers,
              json={"base_url": upstream + "/v1"}).raise_for_status()
    time.sleep(1)


async def hold_streams(url: str, headers: dict[str, str], assistant_id: int, n: int,
                       proc_pid: int) -> dict[str, float]:
    body = {"assistant_id": assistant_id, "message": "stream please", "stream": True}
    peak = 0.0
    ok = errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async def one() -> bool:
            async with session.post(f"{url}/chat/assistant", json=body, headers=headers) as r:
                if r.status != 200:
                    return False
                text = (await r.read()).decode()
                return text.rstrip().endswith("data: [DONE]") and '"error"' not in text

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, rss_mb(proc_pid))
                await asyncio.sleep(0.2)

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
        elapsed = time.perf_counter() - started
        sampler.cancel()
    ok = sum(1 for r in results if r is True)
    errors = n - ok
    return {"streams": n, "completed": ok, "errors": errors, "seconds": round(elapsed, 2),
            "peak_rss_mb": round(peak, 1)}


def measured(pid: int, url: str, seconds: int, body: str | None = None,
             headers: dict[str, str] | None = None) -> dict[str, float]:
    """wrk's figures plus the service's CPU time per request: steadier than req/s on a shared machine."""
    before = cpu_seconds(pid)
    result = wrk(url, connections=32, seconds=seconds, body=body, headers=headers)
    result["cpu_ms_per_request"] = round((cpu_seconds(pid) - before) * 1000 / (result["rps"] * seconds), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args()
    report: dict[str, object] = {}
    with fake_upstream(0.0) as fast, fake_upstream(0.05) as slow50, fake_upstream(2.0) as slow, \
            service(args.database_url) as (url, proc):
        headers = login(url)
        assistant_id = configure(url, fast, headers)
        body = json.dumps({"assistant_id": assistant_id, "message": "hello"})
        httpx.post(f"{url}/chat/assistant", headers={**headers, "Content-Type": "application/json"},
                   content=body).raise_for_status()  # warm
        report["rss_idle_mb"] = round(rss_mb(proc.pid), 1)
        health = measured(proc.pid, f"{url}/health", args.seconds)
        chat = measured(proc.pid, f"{url}/chat/assistant", args.seconds, body=body, headers=headers)
        report["rss_after_load_mb"] = round(rss_mb(proc.pid), 1)
        report["health"] = health
        report["chat_zero_latency"] = chat
        report["chat_vs_health"] = round(chat["rps"] / health["rps"], 3)
        repoint(url, slow50, headers)
        report["chat_50ms_latency"] = measured(proc.pid, f"{url}/chat/assistant", args.seconds,
                                               body=body, headers=headers)
        chat50 = report["chat_50ms_latency"]["rps"]  # type: ignore[index]
        report["chat_50ms_share_of_ideal_640"] = round(chat50 / 640, 3)
        # The fake upstream itself, loaded directly the same way: the ceiling this machine allows.
        upstream_body = json.dumps({"model": "gpt-4o-mini", "messages": [
            {"role": "system", "content": "You are a benchmark."}, {"role": "user", "content": "hello"}]})
        alone = wrk(f"{slow50}/v1/chat/completions", connections=32, seconds=args.seconds, body=upstream_body,
                    headers={"Authorization": "Bearer sk-bench-0000000000"})
        report["fake_upstream_alone_50ms"] = alone
        report["chat_50ms_share_of_upstream_alone"] = round(chat50 / alone["rps"], 3)
        repoint(url, slow, headers)
        report["streaming_1000"] = asyncio.run(hold_streams(url, headers, assistant_id, args.streams, proc.pid))
    print(json.dumps(report, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
