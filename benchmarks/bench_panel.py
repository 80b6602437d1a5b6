"""Admin panel page times: `python -m benchmarks.bench_panel [--requests 100] [--database-url URL]`.

Starts the service (one uvicorn worker, its own process) on a fresh SQLite database (or the given
empty PostgreSQL one), seeds 200 applications and 1,000 assistants through the admin API, logs into
the panel like a browser and fetches each page's HTML `--requests` times, one at a time, over
loopback. Reports p50, p95 and max per page in milliseconds (client-side wall time, so it includes
the loopback round trip). The issue's target: p50 under 50 ms for every page."""

import argparse
import re
import statistics
import time

import httpx

from benchmarks.common import login, service

APPLICATIONS, ASSISTANTS = 200, 1000


def seed(url: str, headers: dict[str, str]) -> dict[str, int]:
    """200 applications with 5 assistants each, a user with access to all of them; returns ids."""
    with httpx.Client(base_url=url, headers=headers, timeout=30) as api:
        providers = {p["name"]: p["id"] for p in api.get("/admin/providers").json()["data"]}
        models = api.get(f"/admin/providers/{providers['openai']}/models").json()["data"]
        model_id = next(m["id"] for m in models if m["name"] == "gpt-4o-mini")
        app_ids, assistant_id = [], 0
        for i in range(APPLICATIONS):
            app = api.post("/admin/applications", json={"name": f"Bench app {i:03d}",
                                                        "description": f"Application number {i}"})
            app.raise_for_status()
            app_ids.append(app.json()["id"])
            for j in range(ASSISTANTS // APPLICATIONS):
                r = api.post("/admin/assistants", json={
                    "name": f"Assistant {i:03d}-{j}", "application_id": app_ids[-1], "model_id": model_id,
                    "system_prompt": "You are a helpful assistant. " * 20, "config": {"temperature": 0.5}})
                r.raise_for_status()
                assistant_id = r.json()["id"]
        user = api.post("/admin/users", json={"username": "bench-user", "email": "bench@example.com",
                                               "password": "bench-password-1"})
        user.raise_for_status()
        api.put(f"/admin/users/{user.json()['id']}/applications",
                json={"application_ids": app_ids}).raise_for_status()
        api.post("/admin/api-keys", json={"name": "bench key", "provider_id": providers["openai"],
                                          "api_key": "sk-bench-0000000000000"}).raise_for_status()
    return {"application": app_ids[len(app_ids) // 2], "assistant": assistant_id, "user": user.json()["id"],
            "provider": providers["openai"]}


def panel_client(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
    page = client.get("/panel/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post("/panel/login", data={"username": "admin", "password": "password123", "csrf_token": token})
    assert r.status_code == 303, r.text
    return client


def measure(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(5):  # warm the worker's caches and compiled templates
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with service(args.database_url) as (url, _proc):
        started = time.perf_counter()
        ids = seed(url, login(url))
        print(f"seeded {APPLICATIONS} applications and {ASSISTANTS} assistants "  # noqa: T201
              f"in {time.perf_counter() - started:.1f} s")
        pages = [
            "/panel/login", "/panel/applications", f"/panel/applications?page={APPLICATIONS // 25}",
            f"/panel/applications/{ids['application']}", "/panel/assistants",
            f"/panel/assistants?page={ASSISTANTS // 25}",
            f"/panel/assistants?application_id={ids['application']}", f"/panel/assistants/{ids['assistant']}",
            "/panel/assistants/new", "/panel/providers", f"/panel/providers/{ids['provider']}", "/panel/api-keys",
            "/panel/users", f"/panel/users/{ids['user']}", "/panel/dynamic-providers",
            "/panel/dynamic-providers/new", "/panel/playground",
        ]
        client = panel_client(url)
        try:
            print(f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")  # noqa: T201
            worst = 0.0
            for path in pages:
                times = sorted(measure(client, path, args.requests))
                p50 = statistics.median(times)
                worst = max(worst, p50)
                p95 = times[int(len(times) * 0.95) - 1]
                print(f"{path:<44} {p50:8.1f} {p95:8.1f} {times[-1]:8.1f}")  # noqa: T201
            print(f"slowest page p50: {worst:.1f} ms (target: under 50 ms)")  # noqa: T201
        finally:
            client.close()


if __name__ == "__main__":
    main()
