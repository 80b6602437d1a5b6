"""Hostile provider code against the real sandbox (bubblewrap, real processes, nothing mocked):
each attempt is refused or contained, no secret comes back, and the worker pool keeps serving."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from errors import ProviderCodeFailed, SandboxError, SandboxTimeout
from sandbox.launcher import Launcher, SandboxLimits
from sandbox.pool import SandboxPool
from sandbox.proxy import allow_list
from sandbox.worker import WorkerSpec
from tests.servers import serve_in_thread

PROJECT = Path(__file__).resolve().parents[1]
LIMITS = SandboxLimits(cpu_seconds=20, memory_mb=512, processes=32)
SECRET = "sk-live-0123456789abcdef"

PROVIDER = '''
import os, signal, socket
class Hostile:
    def __init__(self, config):
        self.config = config
    async def chat(self, messages, system_prompt, model, params):
        return {"text": str(attack(self.config))}
    async def stream(self, messages, system_prompt, model, params):
        yield str(attack(self.config))
'''


@pytest.fixture(scope="module")
def upstream() -> str:
    app = Starlette(routes=[Route("/", lambda _r: PlainTextResponse("upstream ok"))])
    with serve_in_thread(app) as url:
        yield url


@asynccontextmanager
async def pool(timeout: float = 5.0) -> AsyncIterator[SandboxPool]:
    p = SandboxPool(Launcher(mode="strict"), limits=LIMITS, timeout=timeout)
    await p.ensure_available()
    try:
        yield p
    finally:
        await p.aclose()


def spec(attack: str, base_url: str = "http://127.0.0.1:9/") -> WorkerSpec:
    config = {"api_key": SECRET, "base_url": base_url}
    return WorkerSpec("hostile", PROVIDER + attack, config, allow_list(base_url, []), (SECRET,))


async def run(p: SandboxPool, attack: str, base_url: str = "http://127.0.0.1:9/") -> str:
    worker = await p.worker_for("hostile", spec(attack, base_url))
    answer = await worker.call("chat", {"messages": [], "model": "m"})
    return str(answer["text"])


async def still_serving(p: SandboxPool) -> None:
    assert await run(p, "def attack(config):\n    return 'fine'\n") == "fine"


async def test_environment_holds_no_server_secret() -> None:
    os.environ["SECRET_KEY"] = "server-secret-value-xyz"
    try:
        async with pool() as p:
            text = await run(p, "def attack(config):\n    return sorted(os.environ.items())\n")
    finally:
        del os.environ["SECRET_KEY"]
    for name in ("SECRET_KEY", "ENCRYPTION_KEY", "DATABASE_URL"):
        assert name not in text
    assert "server-secret-value-xyz" not in text


@pytest.mark.parametrize("path", [str(PROJECT / ".env.example"), str(PROJECT / "data" / "app.db"),
                                  str(PROJECT / "config.py"), "/root/.bashrc", "/etc/passwd"])
async def test_project_and_host_files_are_not_visible(path: str) -> None:
    attack = f"def attack(config):\n    return os.path.exists({path!r})\n"
    async with pool() as p:
        assert await run(p, attack) == "False"


async def test_sqlite_database_of_the_server_cannot_be_opened(settings) -> None:  # type: ignore[no-untyped-def]
    db = settings.database_url.split("sqlite:///", 1)[-1]
    attack = (f"def attack(config):\n    try:\n        open({db!r}, 'rb')\n"
              "    except OSError as e:\n        return type(e).__name__\n")
    async with pool() as p:
        assert await run(p, attack) == "FileNotFoundError"


@pytest.mark.parametrize("path", ["/usr/pwned", "/etc/pwned", f"{sys.prefix}/pwned", "/pwned"])
async def test_writing_outside_tmp_is_refused(path: str) -> None:
    attack = (f"def attack(config):\n    try:\n        open({path!r}, 'w').write('x')\n        return 'wrote'\n"
              "    except OSError as e:\n        return type(e).__name__\n")
    async with pool() as p:
        assert await run(p, attack) in ("PermissionError", "OSError", "FileNotFoundError")
    assert not Path(path).exists()


async def test_writing_inside_its_own_tmp_works() -> None:
    attack = "def attack(config):\n    open('/tmp/scratch', 'w').write('x')\n    return open('/tmp/scratch').read()\n"
    async with pool() as p:
        assert await run(p, attack) == "x"


async def test_signals_reach_no_process_outside_the_sandbox() -> None:
    attack = f'''def attack(config):
    results = {{}}
    targets = {{int(p) for p in os.listdir("/proc") if p.isdigit()}} | {{os.getppid(), {os.getpid()}, 1}}
    for pid in sorted(targets - {{os.getpid()}}):
        try:
            os.kill(pid, signal.SIGKILL)
            results[pid] = "killed"
        except OSError as e:
            results[pid] = type(e).__name__
    return results
'''
    async with pool() as p:
        text = await run(p, attack)
        assert "killed" not in text
        await still_serving(p)
    # The test process (the "server") is alive: we are still running.


async def test_proc_shows_only_the_sandbox() -> None:
    attack = "def attack(config):\n    return len([p for p in os.listdir('/proc') if p.isdigit()])\n"
    async with pool() as p:
        assert int(await run(p, attack)) <= 3  # bwrap's init, the worker (and maybe a relay child)


async def test_fork_bomb_is_bounded_and_the_pool_recovers() -> None:
    attack = '''def attack(config):
    children = 0
    try:
        while True:
            if os.fork() == 0:
                import time
                time.sleep(30)
                os._exit(0)
            children += 1
    except OSError as e:
        return f"stopped after {children}: {type(e).__name__}"
'''
    async with pool() as p:
        text = await run(p, attack)
        assert text.startswith("stopped after") and int(text.split()[2].rstrip(":")) < LIMITS.processes
        await still_serving(p)


async def test_infinite_loop_times_out_and_the_worker_is_replaced() -> None:
    async with pool(timeout=2) as p:
        with pytest.raises(SandboxTimeout, match="did not answer within 2 s"):
            await run(p, "def attack(config):\n    while True:\n        pass\n")
        await still_serving(p)


async def test_allocating_8_gb_fails_inside_the_sandbox() -> None:
    attack = "def attack(config):\n    block = bytearray(8 * 1024 ** 3)\n    return len(block)\n"
    async with pool() as p:
        with pytest.raises(ProviderCodeFailed, match="MemoryError"):
            await run(p, attack)
        await still_serving(p)


async def test_os_exit_at_import_is_a_clear_load_failure() -> None:
    async with pool() as p:
        with pytest.raises(ProviderCodeFailed, match="stopped during loading"):
            await run(p, "os._exit(3)\ndef attack(config):\n    return 1\n")
        await still_serving(p)


async def test_postgresql_on_loopback_is_unreachable_directly() -> None:
    attack = '''def attack(config):
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        return "connected"
    except OSError as e:
        return type(e).__name__
'''
    async with pool() as p:
        assert await run(p, attack) == "ConnectionRefusedError"


async def test_postgresql_through_the_proxy_is_refused(upstream: str) -> None:
    attack = '''def attack(config):
    import httpx
    with httpx.Client() as client:
        return client.get("http://127.0.0.1:5432/").status_code
'''
    async with pool() as p:
        assert await run(p, attack, base_url=upstream) == "403"


async def test_the_configured_upstream_is_reachable_through_the_proxy(upstream: str) -> None:
    attack = '''def attack(config):
    import httpx
    with httpx.Client() as client:
        return client.get(config["base_url"]).text
'''
    async with pool() as p:
        assert await run(p, attack, base_url=upstream) == "upstream ok"


async def test_the_api_key_is_masked_in_errors_and_output() -> None:
    attack = "def attack(config):\n    print(config['api_key'])\n    raise ValueError(config['api_key'])\n"
    async with pool() as p:
        with pytest.raises(ProviderCodeFailed) as caught:
            await run(p, attack)
    assert SECRET not in caught.value.detail and SECRET not in caught.value.output
    assert "***" in caught.value.detail


async def test_writing_to_the_protocol_channel_kills_only_that_worker() -> None:
    # Every open descriptor: the channel keeps the number the server gave it, which can be high.
    attack = '''def attack(config):
    for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
        if fd < 3:
            continue
        try:
            os.write(fd, b"garbage\\n")
        except OSError:
            pass
    return "sent"
'''
    padding = [os.open("/dev/null", os.O_RDONLY) for _ in range(80)]  # as in a busy server: a high fd
    try:
        async with pool() as p:
            with pytest.raises(SandboxError, match="protocol breach"):
                await run(p, attack)
            await still_serving(p)
    finally:
        for fd in padding:
            os.close(fd)


async def test_no_sandbox_process_outlives_its_worker() -> None:
    async with pool() as p:
        worker = await p.worker_for("hostile", spec("def attack(config):\n    return os.getuid()\n"))
        uid = int((await worker.call("chat", {"messages": [], "model": "m"}))["text"])
    await asyncio.sleep(0.2)
    leftovers = [pid for pid in os.listdir("/proc") if pid.isdigit() and _uid_of(pid) == uid]
    assert uid != 0 and leftovers == []


def _uid_of(pid: str) -> int | None:
    try:
        return Path(f"/proc/{pid}").stat().st_uid
    except OSError:
        return None


async def test_a_forked_copy_of_the_worker_cannot_answer_for_it() -> None:
    attack = "def attack(config):\n    return 'child' if os.fork() == 0 else 'parent'\n"
    async with pool() as p:
        worker = await p.worker_for("hostile", spec(attack))
        answers = [(await worker.call("chat", {"messages": [], "model": "m"}))["text"] for _ in range(5)]
    assert answers == ["parent"] * 5


async def test_two_pools_never_share_a_worker_uid() -> None:
    # Several server processes (uvicorn workers, instances) each run a pool: uids are leased machine-wide.
    code = spec("def attack(config):\n    return os.getuid()\n")
    async with pool() as first, pool() as second:
        a = await first.worker_for("hostile", code)
        b = await second.worker_for("hostile", code)
        uids = {int((await w.call("chat", {"messages": [], "model": "m"}))["text"]) for w in (a, b)}
    assert len(uids) == 2 and 0 not in uids
