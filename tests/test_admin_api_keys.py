from fastapi.testclient import TestClient

from config import Settings
from tests.conftest import unique
from tests.factories import create_api_key, dump_database, insert_provider

H = dict[str, str]


def test_create_api_key_returns_masked_preview_only(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    secret = f"sk-{unique('plain')}-9f2c"
    r = client.post("/admin/api-keys", json={"name": "main", "provider_id": provider_id, "api_key": secret},
                    headers=admin_headers)
    assert r.status_code == 201
    body = r.json()
    assert body["key_preview"] == "sk-...9f2c" and body["provider_id"] == provider_id and body["is_active"] is True
    assert secret not in r.text and "api_key" not in body and "encrypted_key" not in body
    assert body["created_by"] == client.get("/auth/me", headers=admin_headers).json()["id"]


def test_plaintext_is_in_no_response_and_no_database_column(client: TestClient, admin_headers: H,
                                                            settings: Settings) -> None:
    provider_id = insert_provider(settings)
    secret, rotated = f"sk-first-{unique('x')}", f"sk-second-{unique('y')}"
    key = create_api_key(client, admin_headers, provider_id=provider_id, api_key=secret)
    responses = [
        client.get("/admin/api-keys", params={"limit": 500}, headers=admin_headers),
        client.get(f"/admin/api-keys/{key['id']}", headers=admin_headers),
        client.get(f"/admin/providers/{provider_id}/api-keys", headers=admin_headers),
        client.get(f"/admin/providers/{provider_id}", headers=admin_headers),
        client.put(f"/admin/api-keys/{key['id']}", json={"api_key": rotated}, headers=admin_headers),
    ]
    for r in responses:
        assert r.status_code == 200 and secret not in r.text and rotated not in r.text
    stored = dump_database(settings)
    assert secret not in stored and rotated not in stored


def test_rotating_the_secret_changes_the_preview(client: TestClient, admin_headers: H,
                                                            settings: Settings) -> None:
    key = create_api_key(client, admin_headers, provider_id=insert_provider(settings), api_key="sk-old-key-0000aaaa")
    r = client.put(f"/admin/api-keys/{key['id']}", json={"api_key": "sk-new-key-1111bbbb"}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["key_preview"] == "sk-...bbbb" and r.json()["name"] == key["name"]


def test_rename_and_deactivate_api_key(client: TestClient, admin_headers: H, settings: Settings) -> None:
    key = create_api_key(client, admin_headers, provider_id=insert_provider(settings))
    r = client.patch(f"/admin/api-keys/{key['id']}", json={"name": "renamed", "is_active": False},
                     headers=admin_headers)
    assert r.status_code == 200
    assert r.json()["name"] == "renamed" and r.json()["is_active"] is False
    assert r.json()["key_preview"] == key["key_preview"]


def test_null_api_key_on_update_is_422(client: TestClient, admin_headers: H, settings: Settings) -> None:
    key = create_api_key(client, admin_headers, provider_id=insert_provider(settings))
    r = client.put(f"/admin/api-keys/{key['id']}", json={"api_key": None}, headers=admin_headers)
    assert r.status_code == 422


def test_create_api_key_for_unknown_provider_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/api-keys", json={"name": "x", "provider_id": 2000000000, "api_key": "sk-abcdefgh1234"},
                    headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "provider_id"]


def test_blank_api_key_is_422_and_not_echoed(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/api-keys", json={"name": "x", "provider_id": 1, "api_key": "   "}, headers=admin_headers)
    assert r.status_code == 422
    assert "input" not in r.json()["detail"][0]


def test_provider_api_keys_lists_that_providers_keys(client: TestClient, admin_headers: H,
                                                     settings: Settings) -> None:
    provider_id = insert_provider(settings)
    key = create_api_key(client, admin_headers, provider_id=provider_id)
    create_api_key(client, admin_headers, provider_id=insert_provider(settings))
    r = client.get(f"/admin/providers/{provider_id}/api-keys", headers=admin_headers)
    assert r.status_code == 200 and [k["id"] for k in r.json()["data"]] == [key["id"]]


def test_provider_api_keys_of_unknown_provider_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.get("/admin/providers/2000000000/api-keys", headers=admin_headers).status_code == 404


def test_get_update_delete_unknown_api_key_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.get("/admin/api-keys/2000000000", headers=admin_headers).status_code == 404
    assert client.put("/admin/api-keys/2000000000", json={"name": "x"}, headers=admin_headers).status_code == 404
    assert client.delete("/admin/api-keys/2000000000", headers=admin_headers).status_code == 404


def test_delete_api_key_is_204(client: TestClient, admin_headers: H, settings: Settings) -> None:
    key = create_api_key(client, admin_headers, provider_id=insert_provider(settings))
    assert client.delete(f"/admin/api-keys/{key['id']}", headers=admin_headers).status_code == 204
    assert client.get(f"/admin/api-keys/{key['id']}", headers=admin_headers).status_code == 404


def test_regular_user_can_neither_read_nor_write_api_keys(client: TestClient, user_headers: H,
                                                          admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    key = create_api_key(client, admin_headers, provider_id=provider_id)
    assert client.get("/admin/api-keys", headers=user_headers).status_code == 403
    assert client.get(f"/admin/providers/{provider_id}/api-keys", headers=user_headers).status_code == 403
    body = {"name": "x", "provider_id": provider_id, "api_key": "sk-abcdefgh1234"}
    assert client.post("/admin/api-keys", json=body, headers=user_headers).status_code == 403
    assert client.put(f"/admin/api-keys/{key['id']}", json={"name": "y"}, headers=user_headers).status_code == 403
    assert client.delete(f"/admin/api-keys/{key['id']}", headers=user_headers).status_code == 403


def test_plaintext_is_in_no_log_line(client: TestClient, admin_headers: H, settings: Settings,
                                     caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG")
    secret = f"sk-logged-{unique('z')}"
    key = create_api_key(client, admin_headers, provider_id=insert_provider(settings), api_key=secret)
    client.put(f"/admin/api-keys/{key['id']}", json={"api_key": secret + "2"}, headers=admin_headers)
    client.post("/admin/api-keys", json={"name": "bad", "provider_id": 2000000000, "api_key": secret},
                headers=admin_headers)
    assert caplog.records and secret not in caplog.text
