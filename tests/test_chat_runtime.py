"""The chat runtime against a local fake upstream: assistants from the database, per-app routes,
hot reload across instances, streaming, conversations, callers and keys."""

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from config import Settings
from main import create_app
from tests.conftest import login, make_settings, unique
from tests.fakes import ECHO_PREFIX, FakeUpstream, serve_upstream
from tests.routing import (
    PROVIDER_KEYS,
    make_application,
    make_assistant,
    model_id,
    provider_ids,
    route_providers,
    sse_events,
)
from tests.servers import serve_in_thread


@pytest.fixture(scope="module")
def fake(client: TestClient, admin_headers: dict[str, str]) -> Iterator[FakeUpstream]:
    with serve_upstream() as upstream:
        route_providers(client, admin_headers, upstream)
        yield upstream


@pytest.fixture(scope="module")
def live(settings: Settings, fake: FakeUpstream) -> Iterator[str]:
    """A second instance of the service on loopback, sharing the database (real streaming, too)."""
    with serve_in_thread(create_app(settings)) as url:
        yield url


def chat(client: TestClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return client.post("/chat/assistant", headers=headers, json=body)


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    """Poll until `check()` is truthy (a hang guard, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_chat_with_assistant_by_id_uses_stored_configuration(client, admin_headers, fake) -> None:
    a = make_assistant(client, admin_headers, system_prompt="Be brief.", config={"temperature": 0.3})
    r = chat(client, admin_headers, assistant_id=a["id"], message="hello there")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["response"] == ECHO_PREFIX + "hello there"
    assert body["assistant_name"] == a["name"] and body["application"] == a["application_name"]
    assert body["provider_used"] == "openai" and body["model_used"] == "gpt-4o-mini"
    assert body["usage"]["output_tokens"] > 0 and body["conversation_id"]
    sent = fake.recorder.last("gpt-4o-mini")
    assert sent.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent.body["temperature"] == 0.3
    assert sent.headers["authorization"] == f"Bearer {PROVIDER_KEYS['openai']}"


def test_chat_by_assistant_name(client, admin_headers, fake) -> None:
    a = make_assistant(client, admin_headers, provider="anthropic", model="claude-3-5-haiku-20241022")
    r = chat(client, admin_headers, assistant_name=a["name"], message="hi")
    assert r.status_code == 200, r.text
    assert r.json()["provider_used"] == "anthropic"
    assert fake.recorder.last("claude-3-5-haiku-20241022").body["system"] == "You are terse."


def test_chat_needs_exactly_one_assistant_reference(client, admin_headers) -> None:
    assert chat(client, admin_headers, message="x").status_code == 422
    assert chat(client, admin_headers, assistant_id=1, assistant_name="x", message="x").status_code == 422


def test_unknown_assistant_is_404(client, admin_headers, fake) -> None:
    r = chat(client, admin_headers, assistant_id=987654, message="x")
    assert r.status_code == 404 and "not found" in r.json()["detail"]


def test_app_routes_by_slug(client, admin_headers, fake) -> None:
    app = make_application(client, admin_headers, name=unique("Bars Shop"))
    a = make_assistant(client, admin_headers, application_id=app["id"], name=unique("Order Helper"))
    info = client.get(f"/app/{app['slug']}/", headers=admin_headers)
    assert info.status_code == 200
    assert [x["slug"] for x in info.json()["assistants"]] == [a["slug"]]
    r = client.post(f"/app/{app['slug']}/{a['slug']}", headers=admin_headers, json={"message": "menu?"})
    assert r.status_code == 200, r.text
    assert r.json()["response"] == ECHO_PREFIX + "menu?"
    assert client.post(f"/app/{app['slug']}/nope", headers=admin_headers, json={"message": "x"}).status_code == 404


def test_admin_changes_take_effect_on_the_next_request(client, admin_headers, fake) -> None:
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"])
    url = f"/app/{app['slug']}/{a['slug']}"
    assert client.post(url, headers=admin_headers, json={"message": "one"}).status_code == 200

    client.put(f"/admin/assistants/{a['id']}", headers=admin_headers, json={"system_prompt": "New prompt."})
    assert client.post(url, headers=admin_headers, json={"message": "two"}).status_code == 200
    assert fake.recorder.last("gpt-4o-mini").body["messages"][0]["content"] == "New prompt."

    claude = model_id(client, admin_headers, "anthropic", "claude-sonnet-4-20250514")
    client.put(f"/admin/assistants/{a['id']}", headers=admin_headers, json={"model_id": claude})
    assert client.post(url, headers=admin_headers, json={"message": "x"}).json()["provider_used"] == "anthropic"

    renamed = unique("Renamed")
    r = client.put(f"/admin/assistants/{a['id']}", headers=admin_headers, json={"name": renamed})
    new_url = f"/app/{app['slug']}/{r.json()['slug']}"
    assert client.post(url, headers=admin_headers, json={"message": "x"}).status_code == 404
    assert client.post(new_url, headers=admin_headers, json={"message": "x"}).status_code == 200

    client.put(f"/admin/assistants/{a['id']}", headers=admin_headers, json={"is_active": False})
    r = client.post(new_url, headers=admin_headers, json={"message": "x"})
    assert r.status_code == 403 and "disabled" in r.json()["detail"]

    assert client.delete(f"/admin/assistants/{a['id']}", headers=admin_headers).status_code == 204
    assert client.post(new_url, headers=admin_headers, json={"message": "x"}).status_code == 404


def test_a_change_through_one_instance_reaches_another(client, admin_headers, fake, live) -> None:
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"], system_prompt="Before.")
    url = f"{live}/app/{app['slug']}/{a['slug']}"
    assert httpx.post(url, headers=admin_headers, json={"message": "x"}).status_code == 200
    assert fake.recorder.last("gpt-4o-mini").body["messages"][0]["content"] == "Before."

    client.put(f"/admin/assistants/{a['id']}", headers=admin_headers, json={"system_prompt": "After."})

    def seen() -> bool:
        httpx.post(url, headers=admin_headers, json={"message": "x"})
        return fake.recorder.last("gpt-4o-mini").body["messages"][0]["content"] == "After."

    assert wait_until(seen)


def _stream(base: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[httpx.Response, list[Any]]:
    with httpx.stream("POST", base + path, headers=headers, json=body, timeout=30) as r:
        lines = list(r.iter_lines())
    return r, sse_events(lines)


def test_streaming_sends_deltas_then_done(client, admin_headers, fake, live) -> None:
    a = make_assistant(client, admin_headers)
    r, events = _stream(live, "/chat/assistant", admin_headers,
                        {"assistant_id": a["id"], "message": "one two three", "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    deltas = [e["delta"] for e in events if isinstance(e, dict) and "delta" in e]
    assert len(deltas) > 1 and "".join(deltas) == ECHO_PREFIX + "one two three"
    done = events[-2]
    assert done["done"] is True and done["provider_used"] == "openai" and done["conversation_id"]
    assert done["usage"]["output_tokens"] > 0
    assert events[-1] == "[DONE]"
    assert fake.recorder.last("gpt-4o-mini").body["stream"] is True


def test_assistant_streaming_default_applies_when_request_is_silent(client, admin_headers, fake, live) -> None:
    a = make_assistant(client, admin_headers, is_streaming=True)
    r, events = _stream(live, "/chat/assistant", admin_headers, {"assistant_id": a["id"], "message": "x"})
    assert events[-1] == "[DONE]"
    r = chat(client, admin_headers, assistant_id=a["id"], message="x", stream=False)
    assert r.headers["content-type"].startswith("application/json")


def test_failure_before_first_byte_is_an_http_error(client, admin_headers, fake, live) -> None:
    a = make_assistant(client, admin_headers, model="fake-429")
    r, _ = _stream(live, "/chat/assistant", admin_headers, {"assistant_id": a["id"], "message": "x", "stream": True})
    assert r.status_code == 429 and r.headers["retry-after"]
    b = make_assistant(client, admin_headers, model="fake-401")
    r = chat(client, admin_headers, assistant_id=b["id"], message="x")
    assert r.status_code == 502 and "key" in r.json()["detail"].lower()
    assert PROVIDER_KEYS["openai"] not in r.text


def test_failure_mid_stream_becomes_an_error_event(client, admin_headers, fake, live) -> None:
    a = make_assistant(client, admin_headers, model="fake-cut")
    r, events = _stream(live, "/chat/assistant", admin_headers, {"assistant_id": a["id"], "message": "a b c d e f",
                                                                 "stream": True})
    assert r.status_code == 200
    assert any(isinstance(e, dict) and "delta" in e for e in events)
    error = events[-2]["error"]
    assert error["status"] >= 500 and error["detail"]
    assert events[-1] == "[DONE]"


def test_conversation_continues_with_history(client, admin_headers, fake) -> None:
    a = make_assistant(client, admin_headers)
    first = chat(client, admin_headers, assistant_id=a["id"], message="my name is Ana").json()
    second = chat(client, admin_headers, assistant_id=a["id"], message="what is my name?",
                  conversation_id=first["conversation_id"])
    assert second.status_code == 200 and second.json()["conversation_id"] == first["conversation_id"]
    sent = [m for m in fake.recorder.last("gpt-4o-mini").body["messages"] if m["role"] != "system"]
    assert sent == [{"role": "user", "content": "my name is Ana"},
                    {"role": "assistant", "content": ECHO_PREFIX + "my name is Ana"},
                    {"role": "user", "content": "what is my name?"}]


def test_history_window_bounds_what_is_sent(client, admin_headers, fake) -> None:
    a = make_assistant(client, admin_headers, config={"history_window": 2})
    conv = chat(client, admin_headers, assistant_id=a["id"], message="m1").json()["conversation_id"]
    for text in ("m2", "m3"):
        chat(client, admin_headers, assistant_id=a["id"], message=text, conversation_id=conv)
    sent = [m["content"] for m in fake.recorder.last("gpt-4o-mini").body["messages"] if m["role"] != "system"]
    assert sent == ["m2", ECHO_PREFIX + "m2", "m3"]


def test_streamed_turn_is_stored_before_the_stream_ends(client, admin_headers, fake, live) -> None:
    a = make_assistant(client, admin_headers)
    _, events = _stream(live, "/chat/assistant", admin_headers, {"assistant_id": a["id"], "message": "first",
                                                                 "stream": True})
    conv = events[-2]["conversation_id"]
    r = httpx.post(f"{live}/chat/assistant", headers=admin_headers,
                   json={"assistant_id": a["id"], "message": "second", "conversation_id": conv})
    assert r.status_code == 200
    contents = [m["content"] for m in fake.recorder.last("gpt-4o-mini").body["messages"]]
    assert "first" in contents and ECHO_PREFIX + "first" in contents


def test_conversation_of_another_caller_is_404(client, admin_headers, user_headers, fake) -> None:
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"])
    conv = chat(client, admin_headers, assistant_id=a["id"], message="secret").json()["conversation_id"]
    user_id = client.get("/auth/me", headers=user_headers).json()["id"]
    client.put(f"/admin/users/{user_id}/applications", headers=admin_headers, json={"application_ids": [app["id"]]})
    r = chat(client, user_headers, assistant_id=a["id"], message="x", conversation_id=conv)
    assert r.status_code == 404 and "Conversation" in r.json()["detail"]


def test_regular_user_needs_access_to_the_application(client, admin_headers, user_headers, fake) -> None:
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"])
    assert chat(client, user_headers, assistant_id=a["id"], message="x").status_code == 404
    user_id = client.get("/auth/me", headers=user_headers).json()["id"]
    current = client.get(f"/admin/users/{user_id}/applications", headers=admin_headers).json()["application_ids"]
    r = client.put(f"/admin/users/{user_id}/applications", headers=admin_headers,
                   json={"application_ids": [*current, app["id"]]})
    assert r.status_code == 200, r.text
    assert chat(client, user_headers, assistant_id=a["id"], message="x").status_code == 200


def test_client_key_opens_only_its_application(client, admin_headers, fake) -> None:
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"])
    other = make_assistant(client, admin_headers)
    r = client.post(f"/admin/applications/{app['id']}/client-keys", headers=admin_headers, json={"name": "web"})
    assert r.status_code == 201, r.text
    key, key_id = r.json()["key"], r.json()["id"]
    url = f"/app/{app['slug']}/{a['slug']}"
    assert client.post(url, headers={"Authorization": f"Bearer {key}"}, json={"message": "x"}).status_code == 200
    assert client.post(url, headers={"X-API-Key": key}, json={"message": "x"}).status_code == 200
    assert chat(client, {"X-API-Key": key}, assistant_id=other["id"], message="x").status_code == 404
    assert client.delete(f"/admin/applications/{app['id']}/client-keys/{key_id}",
                         headers=admin_headers).status_code == 204
    assert client.post(url, headers={"X-API-Key": key}, json={"message": "x"}).status_code == 401


def test_custom_endpoints_route_to_application_and_assistant(client, admin_headers, fake) -> None:
    app_ep = f"/chat/customer-support-{unique('x')}"
    app = make_application(client, admin_headers, endpoint=app_ep)
    a = make_assistant(client, admin_headers, application_id=app["id"], endpoint=f"/bots/{unique('b')}")
    info = client.get(app_ep, headers=admin_headers)
    assert info.status_code == 200 and info.json()["name"] == app["name"]
    r = client.post(f"{app_ep}/{a['slug']}", headers=admin_headers, json={"message": "via app endpoint"})
    assert r.status_code == 200 and r.json()["response"] == ECHO_PREFIX + "via app endpoint"
    r = client.post(a["endpoint"], headers=admin_headers, json={"message": "via own endpoint"})
    assert r.status_code == 200 and r.json()["assistant_name"] == a["name"]
    assert client.post(a["endpoint"], json={"message": "x"}).status_code == 401
    assert client.post(a["endpoint"], headers=admin_headers, json={"nope": 1}).status_code == 422
    assert client.get("/no/such/route").status_code == 404


def test_openapi_lists_each_application_under_its_tag(client, admin_headers, fake) -> None:
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"])
    schema = client.get("/openapi.json").json()
    path = f"/app/{app['slug']}/{a['slug']}"
    assert schema["paths"][path]["post"]["tags"] == [f"app: {app['name']}"]
    renamed = client.put(f"/admin/assistants/{a['id']}", headers=admin_headers,
                         json={"name": unique("Other")}).json()
    schema = client.get("/openapi.json").json()
    assert path not in schema["paths"] and f"/app/{app['slug']}/{renamed['slug']}" in schema["paths"]


def test_assistant_key_wins_over_provider_key(client, admin_headers, fake) -> None:
    a = make_assistant(client, admin_headers, api_key="sk-assistant-own-key-123456")
    chat(client, admin_headers, assistant_id=a["id"], message="x")
    assert fake.recorder.last("gpt-4o-mini").headers["authorization"] == "Bearer sk-assistant-own-key-123456"


def test_direct_chat_and_stream_alias(client, admin_headers, fake, live) -> None:
    r = client.post("/chat/", headers=admin_headers,
                    json={"provider": "cohere", "model": "command-r", "prompt": "hey", "system_prompt": "S"})
    assert r.status_code == 200 and r.json()["response"] == ECHO_PREFIX + "hey"
    assert fake.recorder.last("command-r").body["messages"][0] == {"role": "system", "content": "S"}
    r, events = _stream(live, "/chat/", admin_headers,
                        {"provider": "gemini", "model": "gemini-2.5-flash", "prompt": "a b", "stream": True})
    assert "".join(e["delta"] for e in events if isinstance(e, dict) and "delta" in e) == ECHO_PREFIX + "a b"
    r = client.post("/chat/", headers=admin_headers, json={"provider": "nope", "model": "m", "prompt": "x"})
    assert r.status_code == 422


def test_gemini_smoke_test(client, admin_headers, fake) -> None:
    r = client.get("/chat/test", headers=admin_headers)
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_missing_key_is_a_clear_error(tmp_sqlite_url: str) -> None:
    with TestClient(create_app(make_settings(tmp_sqlite_url))) as fresh:
        r = fresh.post("/auth/login", json={"username": "admin", "password": "password123"})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = fresh.get("/chat/test", headers=headers)
        assert r.status_code == 502
        assert "POST /admin/api-keys" in r.json()["detail"] and "GEMINI_API_KEY" in r.json()["detail"]


def test_client_disconnect_cancels_the_upstream_call(client, admin_headers, settings, fake) -> None:
    cancelled = threading.Event()

    async def stalling(_request: Any) -> StreamingResponse:
        async def frames() -> AsyncIterator[bytes]:
            chunk = {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
                     "choices": [{"index": 0, "delta": {"content": "first"}, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return StreamingResponse(frames(), media_type="text/event-stream")

    upstream = Starlette(routes=[Route("/v1/chat/completions", stalling, methods=["POST"])])
    pid = provider_ids(client, admin_headers)["openai"]
    a = make_assistant(client, admin_headers)
    with serve_in_thread(upstream) as stall_url:
        client.put(f"/admin/providers/{pid}", headers=admin_headers, json={"base_url": stall_url + "/v1"})
        try:
            with serve_in_thread(create_app(settings)) as base:
                with httpx.stream("POST", f"{base}/chat/assistant", headers=admin_headers, timeout=30,
                                  json={"assistant_id": a["id"], "message": "x", "stream": True}) as r:
                    first = next(line for line in r.iter_lines() if line.startswith("data:"))
                    assert json.loads(first[5:]) == {"delta": "first"}
                assert wait_until(cancelled.is_set)
        finally:
            client.put(f"/admin/providers/{pid}", headers=admin_headers, json={"base_url": fake.base_url("openai")})


def test_direct_chat_and_smoke_test_are_for_admins(client, user_headers, fake) -> None:
    r = client.post("/chat/", headers=user_headers, json={"provider": "openai", "model": "gpt-4o", "prompt": "x"})
    assert r.status_code == 403
    assert client.get("/chat/test", headers=user_headers).status_code == 403


def test_smoke_test_without_an_active_gemini_model_is_a_clear_error(tmp_sqlite_url: str) -> None:
    with TestClient(create_app(make_settings(tmp_sqlite_url))) as fresh:
        headers = login(fresh, "admin", "password123")
        gemini = provider_ids(fresh, headers)["gemini"]
        for m in fresh.get(f"/admin/providers/{gemini}/models", headers=headers).json()["data"]:
            assert fresh.put(f"/admin/models/{m['id']}", headers=headers, json={"is_active": False}).status_code == 200
        r = fresh.get("/chat/test", headers=headers)
        assert r.status_code == 502 and "no active model" in r.json()["detail"]
