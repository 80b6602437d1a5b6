"""What schemathesis found when fuzzing the live API (scripts/fuzz_api.py), and what the .http
suite found running against it (scripts/run_http_suite.py): one test per finding, so each stays
fixed at its cause."""

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.conftest import login, unique
from tests.fakes import FakeUpstream, serve_upstream
from tests.routing import make_application, make_assistant, model_id, provider_ids, route_providers, sse_events


@pytest.fixture(scope="module")
def fake(client: TestClient, admin_headers: dict[str, str]) -> Iterator[FakeUpstream]:
    with serve_upstream() as upstream:
        route_providers(client, admin_headers, upstream)
        yield upstream


def field_errors(body: dict[str, Any]) -> str:
    return " ".join(str(e["msg"]) for e in body["detail"])


# --- streamed answers: each SSE event must match what /openapi.json documents (ST108) ---

def test_streamed_events_match_the_documented_event_schema(client, admin_headers, fake) -> None:
    doc = client.get("/openapi.json").json()["paths"]["/chat/"]["post"]["responses"]["200"]["content"]
    event_schema = doc["text/event-stream"]["itemSchema"]
    r = client.post("/chat/", headers=admin_headers,
                    json={"provider": "openai", "model": "gpt-4o-mini", "prompt": "hi there", "streaming": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = [{"data": line[5:].strip()} for line in r.text.splitlines() if line.startswith("data:")]
    assert events[-1] == {"data": "[DONE]"} and sse_events(r.text.splitlines())[-1] == "[DONE]"
    for event in events:
        jsonschema.validate(event, event_schema)
    jsonschema.validate(events, doc["text/event-stream"]["schema"])


# --- API keys that cannot travel in an HTTP header: refused on input (422), not a 502 at chat time ---

@pytest.mark.parametrize("key", ["sk-with space", "sk-\x7fdel", "sk-ключ", "sk-tab\there"])
def test_provider_api_key_that_cannot_be_sent_in_a_header_is_422(client, admin_headers, key) -> None:
    pid = provider_ids(client, admin_headers)["openai"]
    r = client.post("/admin/api-keys", headers=admin_headers,
                    json={"name": unique("bad-key"), "provider_id": pid, "api_key": key})
    assert r.status_code == 422, r.text
    assert "HTTP header" in field_errors(r.json()) and key not in r.text


def test_assistant_api_key_that_cannot_be_sent_in_a_header_is_422(client, admin_headers) -> None:
    app = make_application(client, admin_headers)
    r = client.post("/admin/assistants", headers=admin_headers, json={
        "name": unique("Helper"), "application_id": app["id"],
        "model_id": model_id(client, admin_headers, "openai", "gpt-4o-mini"), "api_key": "sk-\x01ctl"})
    assert r.status_code == 422 and "HTTP header" in field_errors(r.json())


def test_direct_chat_api_key_that_cannot_be_sent_in_a_header_is_422(client, admin_headers, fake) -> None:
    r = client.post("/chat/", headers=admin_headers, json={
        "provider": "openai", "model": "gpt-4o-mini", "prompt": "hi", "api_key": "sk with spaces"})
    assert r.status_code == 422 and "HTTP header" in field_errors(r.json())


def test_api_key_pattern_is_documented_for_clients(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["ApiKeyCreate"]["properties"]["api_key"]["pattern"] == "^[!-~]+$"


# --- an id that is not a number matches no route: a 404 for every method, not an undeclared 405 ---

@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_write_to_a_non_numeric_id_is_404(client, admin_headers, method) -> None:
    r = client.request(method, "/admin/users/null,null", headers=admin_headers, json={})
    assert r.status_code == 404 and r.json()["detail"].startswith(f"No route {method} /admin/users/null,null")


def test_a_known_path_with_another_method_is_still_405_with_allow(client, admin_headers) -> None:
    r = client.delete("/admin/providers/1", headers=admin_headers)
    assert r.status_code == 405 and r.json() == {"detail": "Method Not Allowed"}
    assert set(r.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH"}


# --- a body that is not UTF-8: the same 422 as any malformed JSON, saying what to send ---

@pytest.mark.parametrize("method,path", [("POST", "/chat/assistant"), ("PUT", "/suncar/vehicle-profile"),
                                         ("POST", "/admin/applications"), ("POST", "/admin/providers/code/validate")])
def test_body_that_is_not_utf8_is_422_json_invalid(client, admin_headers, method, path) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    r = client.request(method, path, content=b"\xff\xfe{", headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == [{"type": "json_invalid", "loc": ["body"],
                                   "msg": "The body is not UTF-8 text: send JSON encoded as UTF-8"}]


# --- found by test_assistants_routers.http: a new user inherited a deleted user's Suncar vehicle ---
# (SQLite gives a new row the id of the newest deleted one; data keyed by "user:<id>" must go too.)

def test_a_deleted_users_vehicle_and_conversations_do_not_pass_to_the_next_user(client, admin_headers, fake) -> None:
    def new_user() -> tuple[int, dict[str, str]]:
        name = unique("driver")
        r = client.post("/admin/users", headers=admin_headers,
                        json={"username": name, "email": f"{name}@example.com", "password": "driver-pass-1"})
        assert r.status_code == 201, r.text
        return r.json()["id"], login(client, name, "driver-pass-1")

    apps = client.get("/admin/applications", headers=admin_headers, params={"limit": 500}).json()["data"]
    suncar = next(x["id"] for x in apps if x["name"] == "Suncar")
    app = make_application(client, admin_headers)
    a = make_assistant(client, admin_headers, application_id=app["id"])
    first_id, first = new_user()
    client.put(f"/admin/users/{first_id}/applications", headers=admin_headers,
               json={"application_ids": [app["id"], suncar]})
    r = client.put("/suncar/vehicle-profile", headers=first, json={"vehicle_make": "Toyota", "vehicle_model": "Yaris"})
    assert r.status_code == 200
    conv = client.post("/chat/assistant", headers=first, json={"assistant_id": a["id"], "message": "secret"})
    assert conv.status_code == 200, conv.text
    assert client.delete(f"/admin/users/{first_id}", headers=admin_headers).status_code == 204

    second_id, second = new_user()
    client.put(f"/admin/users/{second_id}/applications", headers=admin_headers,
               json={"application_ids": [app["id"], suncar]})
    assert client.get("/suncar/vehicle-profile", headers=second).json()["vehicle_make"] is None
    r = client.post("/chat/assistant", headers=second, json={
        "assistant_id": a["id"], "message": "x", "conversation_id": conv.json()["conversation_id"]})
    assert r.status_code == 404 and "Conversation" in r.json()["detail"]


def test_a_revoked_client_keys_vehicle_does_not_pass_to_the_next_key(client, admin_headers) -> None:
    apps = client.get("/admin/applications", headers=admin_headers, params={"limit": 500}).json()["data"]
    suncar = next(x["id"] for x in apps if x["name"] == "Suncar")  # a key keeps a vehicle only there
    url = f"/admin/applications/{suncar}/client-keys"
    first = client.post(url, headers=admin_headers, json={"name": "first"}).json()
    r = client.put("/suncar/vehicle-profile", headers={"X-API-Key": first["key"]}, json={"vehicle_make": "Kia"})
    assert r.status_code == 200
    assert client.delete(f"{url}/{first['id']}", headers=admin_headers).status_code == 204
    second = client.post(url, headers=admin_headers, json={"name": "second"}).json()
    assert client.get("/suncar/vehicle-profile", headers={"X-API-Key": second["key"]}).json()["vehicle_make"] is None


# --- PostgreSQL refuses NUL in text: chat input carrying one was a 500 (conversation_id) or a 503
# (the turn could not be stored); it is a 422 naming the field on every database ---

@pytest.mark.parametrize("path,body,loc", [
    ("/moneytracker/chat", {"message": "hi\u0000"}, "body.message"),
    ("/moneytracker/budget-advice", {"monthly_income": 1, "monthly_expenses": 1, "financial_goals": ["a\u0000"]},
     "body.financial_goals.0"),
    ("/suncar/diagnose-problem", {"symptoms": "noise", "warning_lights": ["\u0000"]}, "body.warning_lights.0"),
    ("/chat/assistant", {"assistant_id": 1, "message": "\u0000"}, "body.message"),
])
def test_chat_text_with_nul_is_422(client, admin_headers, path, body, loc) -> None:
    r = client.post(path, headers=admin_headers, json=body)
    assert r.status_code == 422, r.text
    errors = {".".join(map(str, e["loc"])): e["msg"] for e in r.json()["detail"]}
    assert "NUL" in errors[loc]


@pytest.mark.parametrize("path", ["/app/suncar/suncar", "/suncar/chat", "/chat/assistant"])
def test_conversation_id_that_is_not_one_we_issued_is_422(client, admin_headers, path) -> None:
    body = {"message": "hi", "conversation_id": "\u0000\u00e4B"}
    if path == "/chat/assistant":
        body["assistant_name"] = "Suncar"
    r = client.post(path, headers=admin_headers, json=body)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "conversation_id"]]
