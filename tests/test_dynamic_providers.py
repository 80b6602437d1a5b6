"""The dynamic-provider admin API: templates, validation, CRUD, soft delete, hot reload, debug.
Code runs in the real sandbox (nothing mocked)."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import Settings
from errors import ProviderNotConfigured
from main import create_app
from providers.llm_provider import ChatMessage
from tests.conftest import login, make_settings, unique

SECRET = "sk-dyn-secret-0123456789"
ECHO = '''
class Echo:
    def __init__(self, config):
        self.config = config
    async def chat(self, messages, system_prompt, model, params):
        return {"text": "VERSION-1 " + messages[-1]["content"]}
    async def stream(self, messages, system_prompt, model, params):
        yield "VERSION-1 "
        yield messages[-1]["content"]
'''


@pytest.fixture(scope="module")
def dyn_settings(database_url: str) -> Settings:
    return make_settings(database_url, sandbox_timeout_seconds=5)


@pytest.fixture(scope="module")
def dyn(dyn_settings: Settings) -> Iterator[TestClient]:
    """An app of its own with short sandbox timeouts, on the shared test database."""
    with TestClient(create_app(dyn_settings)) as client:
        yield client


@pytest.fixture(scope="module")
def admin(dyn: TestClient) -> dict[str, str]:
    return login(dyn, "admin", "password123")


def create(dyn: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": unique("dyn"), "display_name": "Dynamic", "base_url": "http://127.0.0.1:9/v1",
            "python_code": ECHO, **fields}
    r = dyn.post("/admin/providers/dynamic", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


def chat_through_factory(dyn: TestClient, name: str, text: str = "hi", **create_args: Any) -> str:
    """What the chat runtime does: resolve the provider by name from the app's runtime and call it."""
    runtime = dyn.app.state.dynamic_providers  # type: ignore[attr-defined]

    async def call() -> str:
        provider = runtime_provider(runtime, name, **create_args)
        return (await provider.chat([ChatMessage("user", text)], model="m")).text

    return dyn.portal.call(call)  # type: ignore[union-attr]


def runtime_provider(runtime: Any, name: str, **create_args: Any) -> Any:
    from providers.dynamic import provider_class_for
    args = {"api_key": SECRET, "base_url": None, **create_args}
    return provider_class_for(name, runtime)(**args)


# --- templates and validation -------------------------------------------------------------------

@pytest.mark.parametrize("provider_type", ["openai", "anthropic", "cohere", "gemini", "generic"])
def test_template_is_complete(dyn: TestClient, admin: dict[str, str], provider_type: str) -> None:
    r = dyn.get("/admin/providers/code/template", params={"provider_type": provider_type}, headers=admin)
    assert r.status_code == 200
    body = r.json()
    assert "async def chat" in body["python_code"] and "async def stream" in body["python_code"]
    assert body["config_schema"]["type"] == "object" and body["required_dependencies"] == ["httpx"]
    assert "def validate" in body["validation_code"] and "Interface" in body["notes"]


def test_template_rejects_an_unknown_type(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.get("/admin/providers/code/template", params={"provider_type": "llama"}, headers=admin)
    assert r.status_code == 422


def test_validate_takes_python_code_alone(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/code/validate", json={"python_code": ECHO}, headers=admin)
    assert r.status_code == 200
    assert r.json()["valid"] is True and r.json()["provider_class"] == "Echo"


def test_validate_takes_schema_and_dependencies(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/code/validate", headers=admin, json={
        "python_code": ECHO, "config_schema": {"type": "object", "properties": {"region": {"type": "string"}}},
        "required_dependencies": ["httpx", "json"]})
    assert r.json()["valid"] is True and r.json()["missing_dependencies"] == []


def test_validate_reports_a_syntax_error_with_line_and_column(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/code/validate", json={"python_code": "class P:\n    def chat(self:\n"},
                 headers=admin)
    error = r.json()["errors"][0]
    assert r.json()["valid"] is False and error["kind"] == "syntax"
    assert error["line"] == 2 and error["column"] is not None and "line 2" in error["message"]


@pytest.mark.parametrize(("code", "expected"), [
    ("x = 1\n", "no provider class"),
    (ECHO + ECHO.replace("class Echo", "class Echo2"), "several provider classes"),
    (ECHO.replace("async def chat", "def chat"), "must be async"),
    (ECHO.replace("def chat(self, messages, system_prompt, model, params)", "def chat(self)"), "must accept"),
    ("class P:\n    async def chat(self, m, s, mo, p):\n        return {}\n", "has no stream() method"),
])
def test_validate_reports_the_wrong_class_shape(dyn: TestClient, admin: dict[str, str], code: str,
                                               expected: str) -> None:
    r = dyn.post("/admin/providers/code/validate", json={"python_code": code}, headers=admin)
    assert r.json()["valid"] is False
    assert any(expected in e["message"] for e in r.json()["errors"]), r.json()


def test_validate_reports_a_malformed_config_schema(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/code/validate", headers=admin,
                 json={"python_code": ECHO, "config_schema": {"type": "object", "properties": {"a": {"type": 5}}}})
    assert r.json()["valid"] is False and r.json()["errors"][0]["kind"] == "config_schema"


def test_validate_lists_dependencies_missing_in_the_sandbox(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/code/validate", headers=admin,
                 json={"python_code": ECHO, "required_dependencies": ["httpx", "surely_not_installed_pkg"]})
    assert r.json()["valid"] is False and r.json()["missing_dependencies"] == ["surely_not_installed_pkg"]


# --- CRUD -----------------------------------------------------------------------------------------

def test_create_answers_the_documented_fields_and_never_the_key(dyn: TestClient, admin: dict[str, str]) -> None:
    body = create(dyn, admin, api_key=SECRET, validation_code="def validate(provider, config, model):\n    pass\n",
                  required_dependencies=["httpx"], config_schema={"type": "object"})
    assert body["is_dynamic"] is True and body["has_validation_code"] is True and body["has_api_key"] is True
    assert body["required_dependencies"] == ["httpx"] and body["config_schema"] == {"type": "object"}
    assert SECRET not in str(body) and "python_code" not in body


def test_code_endpoint_returns_the_code(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin)
    r = dyn.get(f"/admin/providers/dynamic/{created['id']}/code", headers=admin)
    assert r.status_code == 200 and r.json()["python_code"] == ECHO


def test_list_and_get(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin)
    listed = dyn.get("/admin/providers/dynamic", params={"limit": 500}, headers=admin).json()
    assert created["id"] in [p["id"] for p in listed["data"]]
    assert dyn.get(f"/admin/providers/dynamic/{created['id']}", headers=admin).json()["name"] == created["name"]


def test_create_refuses_code_with_a_syntax_error(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/dynamic", headers=admin, json={
        "name": unique("dyn"), "display_name": "Broken", "base_url": "http://127.0.0.1:9", "python_code": "def ("})
    assert r.status_code == 422 and "line 1" in r.json()["detail"][0]["msg"]


def test_create_refuses_a_builtin_name(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/dynamic", headers=admin, json={
        "name": "openai", "display_name": "Fake", "base_url": "http://127.0.0.1:9", "python_code": ECHO})
    assert r.status_code == 409


def test_builtin_providers_are_not_dynamic(dyn: TestClient, admin: dict[str, str]) -> None:
    listed = dyn.get("/admin/providers", params={"limit": 500}, headers=admin).json()["data"]
    builtin = next(p for p in listed if p["name"] == "openai")
    assert dyn.get(f"/admin/providers/dynamic/{builtin['id']}", headers=admin).status_code == 404


def test_dynamic_endpoints_need_an_admin(dyn: TestClient) -> None:
    user = login(dyn, "user1", "user123")
    assert dyn.get("/admin/providers/dynamic", headers=user).status_code == 403
    assert dyn.post("/admin/providers/code/validate", json={"python_code": ECHO}, headers=user).status_code == 403
    assert dyn.get("/admin/providers/dynamic").status_code == 401


def test_saved_provider_answers_through_the_factory(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin)
    assert chat_through_factory(dyn, created["name"], "hello") == "VERSION-1 hello"


def test_updating_the_code_changes_the_next_answer(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin)
    assert chat_through_factory(dyn, created["name"]).startswith("VERSION-1")
    r = dyn.put(f"/admin/providers/dynamic/{created['id']}", headers=admin,
                json={"python_code": ECHO.replace("VERSION-1", "VERSION-2")})
    assert r.status_code == 200 and r.json()["code_sha256"] != created["code_sha256"]
    assert chat_through_factory(dyn, created["name"]).startswith("VERSION-2")


def test_soft_delete_keeps_the_row_and_gives_a_clear_error(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin)
    r = dyn.delete(f"/admin/providers/dynamic/{created['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["is_active"] is False
    with pytest.raises(ProviderNotConfigured, match="was deleted"):
        chat_through_factory(dyn, created["name"])


def test_assistant_config_values_reach_the_code(dyn: TestClient, admin: dict[str, str]) -> None:
    code = ECHO.replace('"VERSION-1 " + messages[-1]["content"]', 'self.config["greeting"]')
    created = create(dyn, admin, python_code=code, config_schema={
        "type": "object", "properties": {"greeting": {"type": "string", "default": "hello"}}})
    assert chat_through_factory(dyn, created["name"]) == "hello"
    assert chat_through_factory(dyn, created["name"], extra_config={"greeting": "ahoy", "temperature": 1}) == "ahoy"


def test_config_that_breaks_the_schema_is_refused_before_the_call(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin, config_schema={
        "type": "object", "properties": {"region": {"enum": ["eu", "us"]}}, "required": ["region"]})
    with pytest.raises(ProviderNotConfigured, match="does not match its config_schema"):
        chat_through_factory(dyn, created["name"])


def test_debug_reports_the_definition_and_nothing_secret(dyn: TestClient, admin: dict[str, str]) -> None:
    created = create(dyn, admin, api_key=SECRET, allowed_hosts=["api.example.com:443"])
    chat_through_factory(dyn, created["name"])
    r = dyn.post("/admin/providers/dynamic/debug", json={"provider_id": created["id"]}, headers=admin)
    body = r.json()
    assert r.status_code == 200 and body["parsed"] is True and body["validation"]["provider_class"] == "Echo"
    assert body["sandbox"]["available"] is True and body["sandbox"]["isolated"] is True
    assert sorted(body["effective_allowed_hosts"]) == ["127.0.0.1:9", "api.example.com:443"]
    assert body["registered_in_factory"] is True and body["workers"][0]["alive"] is True
    assert SECRET not in r.text


def test_test_endpoint_runs_a_saved_provider_with_its_stored_key(dyn: TestClient, admin: dict[str, str]) -> None:
    code = ECHO.replace('"VERSION-1 " + messages[-1]["content"]',
                        '"key ok" if self.config["api_key"] == "' + SECRET + '" else "wrong key"')
    created = create(dyn, admin, python_code=code, api_key=SECRET)
    r = dyn.post("/admin/providers/dynamic/test", json={"provider_id": created["id"]}, headers=admin)
    assert r.status_code == 200 and r.json()["success"] is True and r.json()["answer"] == "key ok"
    assert SECRET not in r.text


def test_test_endpoint_of_an_unknown_provider_is_404(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/dynamic/test", json={"provider_id": 2_000_000_000}, headers=admin)
    assert r.status_code == 404
