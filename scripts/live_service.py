"""The service as a client outside our code sees it: `uvicorn main:app` on a fresh SQLite database,
the combined fake upstream (`benchmarks.fake_upstream`) in a process of its own, and the four
built-in providers pointed at that fake through the admin API, each with a stored key.

Used by `scripts/run_http_suite.py` and `scripts/fuzz_api.py`; run alone it serves until Ctrl-C:
`python scripts/live_service.py [DATABASE_URL]` prints the base URL.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("admin", "password123")
# Keys the fake accepts (it checks only that one is sent); stored encrypted like real ones.
PROVIDER_KEYS = {"openai": "sk-live-suite-openai-0001", "anthropic": "sk-ant-live-suite-0002",
                 "cohere": "co-live-suite-0003", "gemini": "AIza-live-suite-0004"}
# The service must not pick these up from the developer's shell: it would talk to real providers.
_ENV_TO_DROP = ("GEMINI_API_KEY", "COHERE_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HTTP_PROXY",
                "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
START_TIMEOUT = 90.0  # a hang guard for a cold start (migrations, sandbox probe), not a benchmark


@dataclass(frozen=True)
class LiveService:
    base_url: str
    upstream_url: str
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _child_env(database_url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_TO_DROP}
    env.update(DATABASE_URL=database_url, APP_ENV="development", SEED_DEFAULT_USERS="true",
               PYTHONUNBUFFERED="1", **extra)
    return env


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        # A session of its own, so stopping it also stops whatever it started (sandbox workers).
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def _wait_until_up(url: str, procs: list[subprocess.Popen[bytes]], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"a process exited while starting; log:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f}s; log:\n"
                       f"{log.read_text(errors='replace')[-4000:]}")


def login(base_url: str, username: str, password: str) -> str:
    r = httpx.post(f"{base_url}/auth/login", json={"username": username, "password": password}, timeout=30)
    r.raise_for_status()
    return str(r.json()["access_token"])


def route_providers(base_url: str, upstream_url: str) -> None:
    """What an administrator would do: point each built-in provider at the fake, store a key."""
    headers = {"Authorization": f"Bearer {login(base_url, *ADMIN)}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        r = api.get("/admin/providers", params={"limit": 500, "is_dynamic": "false"})
        r.raise_for_status()
        ids = {p["name"]: p["id"] for p in r.json()["data"]}
        for name, key in PROVIDER_KEYS.items():
            target = f"{upstream_url}/v1" if name == "openai" else upstream_url  # as each SDK takes it
            api.put(f"/admin/providers/{ids[name]}", json={"base_url": target, "is_active": True}).raise_for_status()
            api.post("/admin/api-keys", json={"name": f"{name} (fake upstream)", "provider_id": ids[name],
                                              "api_key": key}).raise_for_status()


@contextmanager
def live_service(database_url: str | None = None, env: dict[str, str] | None = None) -> Iterator[LiveService]:
    """Start fake upstream and service on free loopback ports; stop both (and their children) after.
    The database is a fresh SQLite file unless `database_url` names another (empty) one."""
    with tempfile.TemporaryDirectory(prefix="va-live-") as tmp:
        log = Path(tmp) / "service.log"
        app_port, fake_port = free_port(), free_port()
        child_env = _child_env(database_url or f"sqlite:///{tmp}/app.db", env or {})
        procs = [_start([sys.executable, "-m", "benchmarks.fake_upstream", str(fake_port)], child_env, log)]
        try:
            procs.append(_start([sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1",
                                 "--port", str(app_port), "--no-access-log"], child_env, log))
            base_url, upstream_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{fake_port}"
            _wait_until_up(f"{upstream_url}/", procs, log)
            _wait_until_up(f"{base_url}/health", procs, log)
            route_providers(base_url, upstream_url)
            yield LiveService(base_url, upstream_url, log)
        finally:
            for proc in reversed(procs):
                _stop(proc)


if __name__ == "__main__":
    with live_service(database_url=sys.argv[1] if len(sys.argv) > 1 else None) as service:
        sys.stdout.write(f"service: {service.base_url}  fake upstream: {service.upstream_url}  "
                         f"log: {service.log_path}\n")
        sys.stdout.flush()
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
