"""Every template, saved unchanged with a base_url pointing at a local fake of its API: validate,
test, save, then chat and stream through a stored assistant like any built-in provider. Our app is
served on loopback so the stream is read as it arrives (TestClient would buffer it)."""

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from main import create_app
from tests.conftest import login, make_settings, unique
from tests.factories import create_assistant
from tests.fakes import ECHO_PREFIX, FakeUpstream, serve_upstream
from tests.servers import serve_in_thread

TEMPLATES = ["openai", "anthropic", "cohere", "gemini", "generic"]
WIRE = {"generic": "openai"}  # the generic template speaks the OpenAI-compatible format


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    with serve_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with serve_in_thread(create_app(make_settings(database_url, sandbox_timeout_seconds=10))) as url:
        yield url


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[TestClient]:
    # A plain HTTP client to the served app, with TestClient's call style for the factories.
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client  # type: ignore[misc]


@pytest.fixture(scope="module")
def admin(api: TestClient) -> dict[str, str]:
    return login(api, "admin", "password123")


def template(api: TestClient, admin: dict[str, str], provider_type: str) -> dict[str, Any]:
    r = api.get("/admin/providers/code/template", params={"provider_type": provider_type}, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def base_url(fake: FakeUpstream, provider_type: str) -> str:
    return fake.base_url(WIRE.get(provider_type, provider_type))


@pytest.mark.parametrize("provider_type", TEMPLATES)
def test_template_validates(api: TestClient, admin: dict[str, str], provider_type: str) -> None:
    t = template(api, admin, provider_type)
    r = api.post("/admin/providers/code/validate", headers=admin, json={
        "python_code": t["python_code"], "config_schema": t["config_schema"],
        "required_dependencies": t["required_dependencies"], "validation_code": t["validation_code"]})
    assert r.json()["valid"] is True, r.json()


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("provider_type", TEMPLATES)
def test_template_passes_the_test_endpoint(api: TestClient, admin: dict[str, str], fake: FakeUpstream,
                                           provider_type: str, stream: bool) -> None:
    t = template(api, admin, provider_type)
    r = api.post("/admin/providers/dynamic/test", headers=admin, json={
        "python_code": t["python_code"], "config_schema": t["config_schema"], "validation_code": t["validation_code"],
        "base_url": base_url(fake, provider_type), "api_key": "sk-template-test", "model": "fake-model",
        "prompt": "hello there", "stream": stream})
    body = r.json()
    assert r.status_code == 200 and body["success"] is True, body
    assert body["answer"] == ECHO_PREFIX + "hello there" and body["validation"]["passed"] is True
    if stream:
        assert body["deltas"] == ["echo: ", "hello ", "there"]


def saved_assistant(api: TestClient, admin: dict[str, str], fake: FakeUpstream, provider_type: str) -> int:
    t = template(api, admin, provider_type)
    r = api.post("/admin/providers/dynamic", headers=admin, json={
        "name": unique(provider_type), "display_name": f"Dynamic {provider_type}",
        "base_url": base_url(fake, provider_type), "api_key": "sk-saved-template-key",
        "python_code": t["python_code"], "config_schema": t["config_schema"],
        "required_dependencies": t["required_dependencies"], "validation_code": t["validation_code"]})
    assert r.status_code == 201, r.text
    model = api.post("/admin/models", headers=admin, json={"name": unique("fake-model"), "provider_id": r.json()["id"]})
    assert model.status_code == 201, model.text
    return int(create_assistant(api, admin, model_id=model.json()["id"], system_prompt="Be brief.")["id"])


@pytest.mark.parametrize("provider_type", TEMPLATES)
def test_saved_template_answers_a_chat_through_an_assistant(api: TestClient, admin: dict[str, str],
                                                            fake: FakeUpstream, provider_type: str) -> None:
    assistant_id = saved_assistant(api, admin, fake, provider_type)
    r = api.post("/chat/assistant", headers=admin, json={"assistant_id": assistant_id, "message": "hi there"})
    assert r.status_code == 200, r.text
    assert r.json()["response"] == ECHO_PREFIX + "hi there"
    assert r.json()["usage"]["output_tokens"] == 3 and r.json()["finish_reason"] == "stop"


@pytest.mark.parametrize("provider_type", TEMPLATES)
def test_saved_template_streams_through_an_assistant(api: TestClient, admin: dict[str, str], fake: FakeUpstream,
                                                     provider_type: str) -> None:
    assistant_id = saved_assistant(api, admin, fake, provider_type)
    events = []
    with api.stream("POST", "/chat/assistant", headers=admin,
                    json={"assistant_id": assistant_id, "message": "hi there", "stream": True}) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                events.append(orjson.loads(line[5:]))
    deltas = [e["delta"] for e in events if "delta" in e]
    assert deltas == ["echo: ", "hi ", "there"], events
    assert events[-1]["done"] is True


GATED = '''
import httpx
class Gated:
    def __init__(self, config):
        self.base_url = config["base_url"]
    async def chat(self, messages, system_prompt, model, params):
        return {"text": "not used"}
    async def stream(self, messages, system_prompt, model, params):
        yield "first "
        async with httpx.AsyncClient(timeout=30) as client:
            yield (await client.get(self.base_url + "/wait")).text
'''


@pytest.fixture(scope="module")
def gate() -> Iterator[tuple[str, threading.Event]]:
    """An upstream whose /wait answers only once the test has seen the first delta."""
    released = threading.Event()

    async def wait(_request: Any) -> PlainTextResponse:
        ok = await asyncio.to_thread(released.wait, 30)
        return PlainTextResponse("released" if ok else "never released")

    with serve_in_thread(Starlette(routes=[Route("/wait", wait)])) as url:
        yield url, released


def test_dynamic_stream_delivers_deltas_as_they_come(api: TestClient, admin: dict[str, str],
                                                     gate: tuple[str, threading.Event]) -> None:
    url, released = gate
    provider = api.post("/admin/providers/dynamic", headers=admin, json={
        "name": unique("gated"), "display_name": "Gated", "base_url": url, "python_code": GATED,
        "api_key": "sk-gated-key"}).json()
    model = api.post("/admin/models", headers=admin, json={"name": unique("m"), "provider_id": provider["id"]}).json()
    assistant_id = create_assistant(api, admin, model_id=model["id"])["id"]
    deltas = []
    with api.stream("POST", "/chat/assistant", headers=admin,
                    json={"assistant_id": assistant_id, "message": "go", "stream": True}) as r:
        for line in r.iter_lines():
            if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                continue
            event = orjson.loads(line[5:])
            if "delta" in event:
                deltas.append(event["delta"])
                released.set()  # only now may the code produce its second piece
    assert deltas == ["first ", "released"]


def test_assistant_on_a_deleted_dynamic_provider_gets_a_clear_error(api: TestClient, admin: dict[str, str],
                                                                    fake: FakeUpstream) -> None:
    assistant_id = saved_assistant(api, admin, fake, "openai")
    assistant = api.get(f"/admin/assistants/{assistant_id}", headers=admin).json()
    model = api.get(f"/admin/models/{assistant['model_id']}", headers=admin).json()
    assert api.delete(f"/admin/providers/dynamic/{model['provider_id']}", headers=admin).status_code == 200
    r = api.post("/chat/assistant", headers=admin, json={"assistant_id": assistant_id, "message": "hi"})
    assert r.status_code == 403 and "re-point it to an active model" in r.json()["detail"], r.text
