"""Fail closed without the sandbox, the documented unsafe-local mode, and the allow-list proxy."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from errors import SandboxUnavailable
from main import create_app
from sandbox.launcher import Launcher, SandboxLimits
from sandbox.pool import SandboxPool
from sandbox.proxy import allow_list
from sandbox.worker import WorkerSpec
from tests.conftest import login, make_settings
from tests.servers import serve_in_thread

CODE = '''
import httpx
class P:
    def __init__(self, config):
        self.config = config
    async def chat(self, messages, system_prompt, model, params):
        async with httpx.AsyncClient() as client:
            return {"text": (await client.get(self.config["base_url"])).text}
    async def stream(self, messages, system_prompt, model, params):
        yield "x"
'''


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    app = Starlette(routes=[Route("/", lambda _r: PlainTextResponse("upstream ok"))])
    with serve_in_thread(app) as url:
        yield url


async def test_missing_bubblewrap_refuses_to_run_code() -> None:
    pool = SandboxPool(Launcher(mode="strict", bwrap="/nonexistent/bwrap"), limits=SandboxLimits(), timeout=5)
    with pytest.raises(SandboxUnavailable) as caught:
        await pool.worker_for("p", WorkerSpec("p", CODE))
    assert caught.value.status_code == 503
    assert "apt-get install bubblewrap" in caught.value.detail and "SANDBOX_MODE=unsafe-local" in caught.value.detail


async def test_missing_bubblewrap_refuses_the_dependency_check() -> None:
    pool = SandboxPool(Launcher(mode="strict", bwrap="/nonexistent/bwrap"), limits=SandboxLimits(), timeout=5)
    with pytest.raises(SandboxUnavailable):
        await pool.check_dependencies(["httpx"])


async def test_unsafe_local_mode_runs_code_without_bubblewrap(upstream: str) -> None:
    pool = SandboxPool(Launcher(mode="unsafe-local", bwrap="/nonexistent/bwrap"), limits=SandboxLimits(), timeout=5)
    try:
        worker = await pool.worker_for("p", WorkerSpec("p", CODE, {"base_url": upstream}, allow_list(upstream, [])))
        assert (await worker.call("chat", {"messages": [], "model": "m"}))["text"] == "upstream ok"
        assert pool.status()["isolated"] is False
    finally:
        await pool.aclose()


def test_allow_list_takes_base_url_and_extra_hosts() -> None:
    allowed = allow_list("https://api.example.com/v1", ["other.example.com:8443", "plain.example.com",
                                                        "http://127.0.0.1:9000"])
    assert allowed == {("api.example.com", 443), ("other.example.com", 8443), ("plain.example.com", 80),
                       ("plain.example.com", 443), ("127.0.0.1", 9000)}


def test_api_reports_the_unsafe_mode(database_url: str, upstream: str) -> None:
    settings = make_settings(database_url, sandbox_mode="unsafe-local", sandbox_timeout_seconds=5)
    with TestClient(create_app(settings)) as client:
        admin = login(client, "admin", "password123")
        debug = client.post("/admin/providers/dynamic/debug", json={"python_code": CODE, "base_url": upstream},
                            headers=admin).json()
        assert debug["sandbox"]["mode"] == "unsafe-local" and debug["sandbox"]["isolated"] is False
        result = client.post("/admin/providers/dynamic/test", headers=admin,
                             json={"python_code": CODE, "base_url": upstream}).json()
        assert result["success"] is True and result["answer"] == "upstream ok"


CONNECT_CODE = '''
import httpx
class P:
    def __init__(self, config):
        pass
    async def chat(self, messages, system_prompt, model, params):
        try:
            async with httpx.AsyncClient() as client:
                await client.get("https://example.invalid/")
        except httpx.ProxyError as exc:
            return {"text": str(exc)}
        return {"text": "reached"}
    async def stream(self, messages, system_prompt, model, params):
        yield "x"
'''


async def test_https_to_a_host_outside_the_allow_list_is_refused(upstream: str) -> None:
    pool = SandboxPool(Launcher(mode="strict"), limits=SandboxLimits(), timeout=5)
    try:
        worker = await pool.worker_for("p", WorkerSpec("p", CONNECT_CODE, {"base_url": upstream},
                                                       allow_list(upstream, [])))
        text = str((await worker.call("chat", {"messages": [], "model": "m"}))["text"])
        assert "403" in text and worker.denied_hosts == ["example.invalid:443"]
    finally:
        await pool.aclose()
