"""Panel forms: service errors next to the field they concern, what was typed kept, success
confirmed, and secrets never rendered."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.e2e.panel_http import field_error, field_value, panel_login
from tests.factories import builtin_provider_id, create_application, create_assistant


@pytest.fixture
def admin(client: TestClient) -> Iterator[tuple[TestClient, str]]:
    """The shared client logged into the panel as admin, and the session's CSRF token."""
    csrf = panel_login(client, "admin", "password123")
    yield client, csrf
    client.cookies.clear()


def test_created_application_is_confirmed(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    name = unique("Shop")
    r = panel.post("/panel/applications", data={"name": name, "is_active": "on", "csrf_token": csrf})
    assert r.status_code == 200 and f"Application &#39;{name}&#39; created." in r.text


def test_duplicate_application_name_is_shown_at_the_name_field(admin: tuple[TestClient, str],
                                                                admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    taken = create_application(panel, admin_headers)["name"]
    r = panel.post("/panel/applications", data={"name": taken, "description": "typed text", "csrf_token": csrf})
    assert r.status_code == 409
    assert "already exists" in (field_error(r.text, "name") or "")
    assert field_value(r.text, "description") == "typed text"
    assert field_value(r.text, "name") == taken


def test_reserved_endpoint_is_shown_at_the_endpoint_field(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = panel.post("/panel/applications", data={"name": unique("Ep"), "endpoint": "/admin/x", "csrf_token": csrf})
    assert r.status_code == 422
    assert "reserved" in (field_error(r.text, "endpoint") or "")


def test_model_list_follows_the_chosen_provider(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, _ = admin
    anthropic = builtin_provider_id(panel, admin_headers, "anthropic")
    options = panel.get(f"/panel/assistants/model-options?provider_id={anthropic}").text
    assert "claude" in options and "gpt-4o" not in options


def test_assistant_setting_out_of_range_is_shown_at_its_field(admin: tuple[TestClient, str],
                                                               admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    app = create_application(panel, admin_headers)
    models = panel.get(f"/panel/assistants/model-options?provider_id={builtin_provider_id(panel, admin_headers)}")
    model_id = re.search(r'<option value="(\d+)"', models.text).group(1)  # type: ignore[union-attr]
    r = panel.post("/panel/assistants", data={
        "name": unique("Hot"), "application_id": app["id"], "model_id": model_id, "system_prompt": "Be warm.",
        "config.temperature": "5", "is_active": "on", "csrf_token": csrf})
    assert r.status_code == 422
    assert "less than or equal to 2" in (field_error(r.text, "config.temperature") or "")
    assert field_value(r.text, "system_prompt") == "Be warm."


def test_assistant_api_key_is_never_shown_back(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    secret = "sk-never-shown-" + unique("k")
    assistant = create_assistant(panel, admin_headers)
    r = panel.post(f"/panel/assistants/{assistant['id']}", data={
        "name": assistant["name"], "application_id": assistant["application_id"],
        "model_id": assistant["model_id"], "api_key_action": "replace", "api_key": secret, "is_active": "on",
        "csrf_token": csrf})
    assert r.status_code == 200 and "a key is stored" in r.text
    assert secret not in r.text


def test_failed_assistant_save_does_not_echo_the_api_key(admin: tuple[TestClient, str],
                                                         admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    secret = "sk-typed-" + unique("k")
    assistant = create_assistant(panel, admin_headers)
    r = panel.post(f"/panel/assistants/{assistant['id']}", data={
        "name": "", "application_id": assistant["application_id"], "model_id": assistant["model_id"],
        "api_key_action": "replace", "api_key": secret, "csrf_token": csrf})
    assert r.status_code == 422 and field_error(r.text, "name")
    assert secret not in r.text


def test_provider_api_key_is_listed_masked_only(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    secret = "sk-plaintext-" + unique("key")
    provider_id = builtin_provider_id(panel, admin_headers, "cohere")
    r = panel.post("/panel/api-keys", data={"name": unique("Key"), "provider_id": provider_id, "api_key": secret,
                                            "is_active": "on", "csrf_token": csrf})
    assert r.status_code == 200
    assert secret not in r.text and f"{secret[:3]}...{secret[-4:]}" in r.text


def test_rotating_a_provider_api_key_changes_its_preview(admin: tuple[TestClient, str],
                                                         admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    provider_id = builtin_provider_id(panel, admin_headers, "cohere")
    created = panel.post("/admin/api-keys", headers=admin_headers, json={
        "name": unique("Rot"), "provider_id": provider_id, "api_key": "co-old-secret-0000AAAA"}).json()
    r = panel.post(f"/panel/api-keys/{created['id']}/rotate", data={"api_key": "co-new-secret-1111BBBB",
                                                                   "csrf_token": csrf})
    assert r.status_code == 200 and "it is now co-...BBBB" in r.text
    assert "co-new-secret-1111BBBB" not in r.text


def test_client_key_is_shown_once(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    app = create_application(panel, admin_headers)
    r = panel.post(f"/panel/applications/{app['id']}/client-keys", data={"name": "mobile", "csrf_token": csrf})
    assert r.status_code == 201
    key = re.search(r'id="new-client-key" class="secret">(vak_[^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    later = panel.get(f"/panel/applications/{app['id']}").text
    assert key not in later and f"{key[:3]}...{key[-4:]}" in later


def test_deleting_an_application_with_assistants_needs_the_force_box(admin: tuple[TestClient, str],
                                                                     admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    assistant = create_assistant(panel, admin_headers)
    url = f"/panel/applications/{assistant['application_id']}/delete"
    r = panel.post(url, data={"csrf_token": csrf})
    assert r.status_code == 409 and "still has 1 assistant" in r.text
    r = panel.post(url, data={"csrf_token": csrf, "force": "on"})
    assert r.status_code == 200 and "deleted." in r.text


def test_duplicate_username_is_shown_at_the_username_field(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = panel.post("/panel/users", data={"username": "admin", "email": f"{unique('x')}@example.com",
                                         "password": "long-enough-1", "is_active": "on", "csrf_token": csrf})
    assert r.status_code == 409
    assert "is taken" in (field_error(r.text, "username") or "")
    assert "long-enough-1" not in r.text


def test_user_access_list_is_saved(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    app = create_application(panel, admin_headers)
    name = unique("member")
    r = panel.post("/panel/users", data={"username": name, "email": f"{name}@example.com", "password": "long-enough-1",
                                         "is_active": "on", "applications": str(app["id"]), "csrf_token": csrf},
                   follow_redirects=False)
    assert r.status_code == 303
    user_id = int(r.headers["location"].rsplit("/", 1)[1])
    access = panel.get(f"/admin/users/{user_id}/applications", headers=admin_headers).json()
    assert access["application_ids"] == [app["id"]]


def test_invalid_base_url_is_shown_at_its_field(admin: tuple[TestClient, str], admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    provider_id = builtin_provider_id(panel, admin_headers, "gemini")
    r = panel.post(f"/panel/providers/{provider_id}", data={"display_name": "Gemini", "base_url": "ftp://x",
                                                            "is_active": "on", "csrf_token": csrf})
    assert r.status_code == 422 and "http(s) URL" in (field_error(r.text, "base_url") or "")


def test_unknown_panel_page_is_a_not_found_page(admin: tuple[TestClient, str]) -> None:
    panel, _ = admin
    r = panel.get("/panel/nothing-here")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_max_tokens_above_the_models_limit_is_shown_at_its_field(admin: tuple[TestClient, str],
                                                                  admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    assistant = create_assistant(panel, admin_headers)
    r = panel.post(f"/panel/assistants/{assistant['id']}", data={
        "name": assistant["name"], "application_id": assistant["application_id"],
        "model_id": assistant["model_id"], "config.max_tokens": "999999999", "is_active": "on", "csrf_token": csrf})
    assert r.status_code == 422
    assert "more than model" in (field_error(r.text, "config.max_tokens") or "")


@pytest.mark.parametrize("path", ["/panel/assistants?application_id=", "/panel/api-keys?provider_id=",
                                  "/panel/playground?application_id="])
def test_a_filters_all_choice_means_no_filter(admin: tuple[TestClient, str], path: str) -> None:
    panel, _ = admin
    assert panel.get(path).status_code == 200


def test_assistant_form_keeps_and_edits_provider_options(admin: tuple[TestClient, str],
                                                         admin_headers: dict[str, str]) -> None:
    panel, csrf = admin
    assistant = create_assistant(panel, admin_headers)
    r = panel.put(f"/admin/assistants/{assistant['id']}", headers=admin_headers,
                  json={"config": {"temperature": 0.3, "provider_options": {"organization": "org-42"}}})
    assert r.status_code == 200, r.text
    form = panel.get(f"/panel/assistants/{assistant['id']}")
    assert "org-42" in form.text
    base = {"name": assistant["name"], "application_id": assistant["application_id"],
            "model_id": assistant["model_id"], "is_active": "on", "config.temperature": "0.3",
            "api_key_action": "keep", "csrf_token": csrf}
    r = panel.post(f"/panel/assistants/{assistant['id']}",
                   data={**base, "config.provider_options": '{"organization": "org-42"}'})
    assert r.status_code in (200, 303), r.text
    stored = panel.get(f"/admin/assistants/{assistant['id']}", headers=admin_headers).json()["config"]
    assert stored == {"temperature": 0.3, "provider_options": {"organization": "org-42"}}
    r = panel.post(f"/panel/assistants/{assistant['id']}", data={**base, "config.provider_options": "[1, 2]"})
    assert field_error(r.text, "config.provider_options")
