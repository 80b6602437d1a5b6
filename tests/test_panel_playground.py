"""The playground's send endpoint: one chat turn through the chat runtime, streamed as SSE, with
the panel's cookie session and CSRF header."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.e2e.panel_http import panel_login
from tests.fakes import ECHO_PREFIX, FakeUpstream, serve_upstream
from tests.routing import make_application, make_assistant, route_providers, sse_events


@pytest.fixture(scope="module")
def fake(client: TestClient, admin_headers: dict[str, str]) -> Iterator[FakeUpstream]:
    with serve_upstream() as upstream:
        route_providers(client, admin_headers, upstream)
        yield upstream


@pytest.fixture
def admin(client: TestClient) -> Iterator[tuple[TestClient, str]]:
    csrf = panel_login(client, "admin", "password123")
    yield client, csrf
    client.cookies.clear()


def send(panel: TestClient, csrf: str, **body: object) -> object:
    return panel.post("/panel/playground/send", json=body,
                      headers={"X-CSRF-Token": csrf, "Accept": "text/event-stream, application/json"})


def test_send_streams_the_answer_with_provider_model_and_usage(admin: tuple[TestClient, str],
                                                               admin_headers: dict[str, str],
                                                               fake: FakeUpstream) -> None:
    panel, csrf = admin
    assistant = make_assistant(panel, admin_headers, is_streaming=True)
    r = send(panel, csrf, assistant_id=assistant["id"], message="hello panel")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")  # type: ignore[attr-defined]
    events = sse_events(r.text.splitlines())  # type: ignore[attr-defined]
    assert "".join(e["delta"] for e in events if isinstance(e, dict) and "delta" in e) == ECHO_PREFIX + "hello panel"
    done = next(e for e in events if isinstance(e, dict) and e.get("done"))
    assert done["provider_used"] == "openai" and done["model_used"] == "gpt-4o-mini"
    assert done["usage"]["output_tokens"] > 0 and done["conversation_id"]
    assert events[-1] == "[DONE]"


def test_send_continues_a_conversation(admin: tuple[TestClient, str], admin_headers: dict[str, str],
                                       fake: FakeUpstream) -> None:
    panel, csrf = admin
    assistant = make_assistant(panel, admin_headers, is_streaming=True)
    first = sse_events(send(panel, csrf, assistant_id=assistant["id"], message="one").text.splitlines())  # type: ignore[attr-defined]
    conversation = next(e for e in first if isinstance(e, dict) and e.get("done"))["conversation_id"]
    send(panel, csrf, assistant_id=assistant["id"], message="two", conversation_id=conversation)
    sent = fake.recorder.last("gpt-4o-mini").body["messages"]
    assert [m["content"] for m in sent if m["role"] != "system"] == ["one", ECHO_PREFIX + "one", "two"]


def test_send_without_csrf_header_is_refused(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, _ = admin
    r = panel.post("/panel/playground/send", json={"assistant_id": 1, "message": "hi"},
                   headers={"Accept": "application/json"})
    assert r.status_code == 403 and "reload the page" in r.json()["detail"]


def test_send_to_an_assistant_the_user_may_not_use_is_not_found(client: TestClient, admin_headers: dict[str, str],
                                                                fake: FakeUpstream) -> None:
    hidden = make_assistant(client, admin_headers)
    csrf = panel_login(client, "user1", "user123")
    try:
        r = send(client, csrf, assistant_id=hidden["id"], message="hi")
        assert r.status_code == 404 and "not found" in r.json()["detail"]  # type: ignore[attr-defined]
    finally:
        client.cookies.clear()


def test_send_with_an_empty_message_explains_the_problem(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = send(panel, csrf, assistant_id=1, message="")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "message"]  # type: ignore[attr-defined]


def test_send_after_the_session_ended_points_to_the_login_page(client: TestClient) -> None:
    client.cookies.clear()
    r = client.post("/panel/playground/send", json={"assistant_id": 1, "message": "hi"},
                    headers={"Accept": "text/event-stream, application/json"})
    assert r.status_code == 401 and json.loads(r.text)["login"] == "/panel/login?reason=required"


def test_playground_lists_the_applications_assistants(admin: tuple[TestClient, str],
                                                      admin_headers: dict[str, str]) -> None:
    panel, _ = admin
    app = make_application(panel, admin_headers, name=unique("PlayApp"))
    assistant = make_assistant(panel, admin_headers, application_id=app["id"])
    page = panel.get(f"/panel/playground?application_id={app['id']}").text
    assert '<label for="pg-assistant">Assistant</label>' in page and assistant["name"] in page
    options = panel.get(f"/panel/playground/assistant-options?application_id={app['id']}").text
    assert assistant["name"] in options
