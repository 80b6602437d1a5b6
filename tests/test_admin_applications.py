from fastapi.testclient import TestClient

from config import Settings
from tests.conftest import unique
from tests.factories import count_rows, create_application, create_assistant, insert_conversation, user_with_access

H = dict[str, str]


def test_create_application_returns_201_with_slug_and_creator(client: TestClient, admin_headers: H) -> None:
    name = unique("Bars Shop")
    r = client.post("/admin/applications", json={"name": name, "description": "d"}, headers=admin_headers)
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == name and body["slug"] == name.lower().replace(" ", "-")
    assert body["is_active"] is True and body["endpoint"] is None
    assert body["created_by"] == client.get("/auth/me", headers=admin_headers).json()["id"]


def test_get_application(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.get(f"/admin/applications/{app['id']}", headers=admin_headers)
    assert r.status_code == 200 and r.json() == app


def test_get_unknown_application_is_404(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/applications/2000000000", headers=admin_headers)
    assert r.status_code == 404
    assert r.json()["detail"] == "Application 2000000000 not found"


def test_list_applications_pages_and_counts(client: TestClient, admin_headers: H) -> None:
    for _ in range(3):
        create_application(client, admin_headers)
    page = client.get("/admin/applications", params={"skip": 1, "limit": 2}, headers=admin_headers).json()
    assert len(page["data"]) == 2 and page["count"] >= 3
    everything = client.get("/admin/applications", params={"limit": 500}, headers=admin_headers).json()
    assert [a["id"] for a in everything["data"][1:3]] == [a["id"] for a in page["data"]]


def test_list_applications_filters_by_is_active(client: TestClient, admin_headers: H) -> None:
    off = create_application(client, admin_headers, is_active=False)
    on = create_application(client, admin_headers)
    listed = client.get("/admin/applications", params={"is_active": False, "limit": 500}, headers=admin_headers)
    ids = {a["id"] for a in listed.json()["data"]}
    assert off["id"] in ids and on["id"] not in ids


def test_list_rejects_limit_over_500(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/applications", params={"limit": 501}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "limit"]


def test_duplicate_application_name_is_409(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.post("/admin/applications", json={"name": app["name"]}, headers=admin_headers)
    assert r.status_code == 409
    assert "already exists" in r.json()["detail"]


def test_names_with_colliding_slugs_are_duplicates(client: TestClient, admin_headers: H) -> None:
    base = unique("Slug Clash")
    create_application(client, admin_headers, name=base)
    r = client.post("/admin/applications", json={"name": base.upper().replace(" ", "--")}, headers=admin_headers)
    assert r.status_code == 409
    assert "slug" in r.json()["detail"]


def test_name_without_letters_or_digits_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/applications", json={"name": "!!!"}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]


def test_unknown_body_field_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/applications", json={"name": unique(), "colour": "red"}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "colour"]


def test_text_with_nul_character_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/applications", json={"name": unique(), "description": "a\x00b"}, headers=admin_headers)
    assert r.status_code == 422


def test_put_changes_only_the_fields_sent(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers, description="before")
    r = client.put(f"/admin/applications/{app['id']}", json={"is_active": False}, headers=admin_headers)
    assert r.status_code == 200
    body = r.json()
    assert body["is_active"] is False and body["description"] == "before" and body["name"] == app["name"]
    assert body["updated_at"] >= app["updated_at"]


def test_patch_behaves_like_put(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.patch(f"/admin/applications/{app['id']}", json={"description": "patched"}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["description"] == "patched"


def test_rename_updates_slug(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    new = unique("Renamed App")
    r = client.put(f"/admin/applications/{app['id']}", json={"name": new}, headers=admin_headers)
    assert r.json()["slug"] == new.lower().replace(" ", "-")


def test_null_for_a_required_field_is_422(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.put(f"/admin/applications/{app['id']}", json={"name": None}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]


def test_null_clears_a_nullable_field(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers, description="x")
    r = client.put(f"/admin/applications/{app['id']}", json={"description": None}, headers=admin_headers)
    assert r.json()["description"] is None


def test_rename_to_a_taken_name_is_409(client: TestClient, admin_headers: H) -> None:
    first, second = create_application(client, admin_headers), create_application(client, admin_headers)
    r = client.put(f"/admin/applications/{second['id']}", json={"name": first["name"]}, headers=admin_headers)
    assert r.status_code == 409


def test_update_unknown_application_is_404(client: TestClient, admin_headers: H) -> None:
    r = client.put("/admin/applications/2000000000", json={"description": "x"}, headers=admin_headers)
    assert r.status_code == 404


def test_delete_empty_application_is_204(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.delete(f"/admin/applications/{app['id']}", headers=admin_headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/admin/applications/{app['id']}", headers=admin_headers).status_code == 404


def test_delete_application_with_assistants_is_409(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    r = client.delete(f"/admin/applications/{assistant['application_id']}", headers=admin_headers)
    assert r.status_code == 409
    assert "force=true" in r.json()["detail"]


def test_force_delete_removes_application_and_its_assistants(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    r = client.delete(f"/admin/applications/{assistant['application_id']}", params={"force": True},
                      headers=admin_headers)
    assert r.status_code == 204
    assert client.get(f"/admin/assistants/{assistant['id']}", headers=admin_headers).status_code == 404


def test_force_delete_removes_the_conversations_too(client: TestClient, admin_headers: H,
                                                    settings: Settings) -> None:
    assistant = create_assistant(client, admin_headers)
    conversation_id = insert_conversation(settings, assistant["id"])
    client.delete(f"/admin/applications/{assistant['application_id']}", params={"force": True}, headers=admin_headers)
    assert count_rows(settings, "conversations", id=conversation_id) == 0
    assert count_rows(settings, "conversation_messages", conversation_id=conversation_id) == 0


def test_delete_unknown_application_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.delete("/admin/applications/2000000000", headers=admin_headers).status_code == 404


def test_application_assistants_lists_only_that_application(client: TestClient, admin_headers: H) -> None:
    mine = create_assistant(client, admin_headers)
    create_assistant(client, admin_headers)
    r = client.get(f"/admin/applications/{mine['application_id']}/assistants", headers=admin_headers)
    assert r.status_code == 200
    assert [a["id"] for a in r.json()["data"]] == [mine["id"]] and r.json()["count"] == 1


def test_application_assistants_of_unknown_application_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.get("/admin/applications/2000000000/assistants", headers=admin_headers).status_code == 404


def test_regular_user_cannot_create_application(client: TestClient, user_headers: H) -> None:
    r = client.post("/admin/applications", json={"name": unique()}, headers=user_headers)
    assert r.status_code == 403
    assert r.json()["detail"] == "This action needs an administrator account"


def test_regular_user_cannot_update_or_delete_application(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    headers = user_with_access(client, admin_headers, [app["id"]])
    assert client.put(f"/admin/applications/{app['id']}", json={"description": "x"}, headers=headers).status_code == 403
    assert client.delete(f"/admin/applications/{app['id']}", headers=headers).status_code == 403


def test_anonymous_read_is_401(client: TestClient) -> None:
    r = client.get("/admin/applications")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_regular_user_lists_only_applications_given_to_them(client: TestClient, admin_headers: H) -> None:
    allowed, hidden = create_application(client, admin_headers), create_application(client, admin_headers)
    headers = user_with_access(client, admin_headers, [allowed["id"]])
    r = client.get("/admin/applications", params={"limit": 500}, headers=headers)
    assert [a["id"] for a in r.json()["data"]] == [allowed["id"]] and r.json()["count"] == 1
    assert hidden["id"] not in {a["id"] for a in r.json()["data"]}


def test_regular_user_gets_404_for_another_application(client: TestClient, admin_headers: H) -> None:
    allowed, hidden = create_application(client, admin_headers), create_application(client, admin_headers)
    headers = user_with_access(client, admin_headers, [allowed["id"]])
    assert client.get(f"/admin/applications/{allowed['id']}", headers=headers).status_code == 200
    r = client.get(f"/admin/applications/{hidden['id']}", headers=headers)
    assert r.status_code == 404 and r.json()["detail"] == f"Application {hidden['id']} not found"
    assert client.get(f"/admin/applications/{hidden['id']}/assistants", headers=headers).status_code == 404
