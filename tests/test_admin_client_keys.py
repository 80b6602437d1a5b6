from fastapi.testclient import TestClient

from config import Settings
from tests.factories import create_application, dump_database

H = dict[str, str]


def test_create_client_key_returns_the_key_once(client: TestClient, admin_headers: H, settings: Settings) -> None:
    app = create_application(client, admin_headers)
    r = client.post(f"/admin/applications/{app['id']}/client-keys", json={"name": "mobile"}, headers=admin_headers)
    assert r.status_code == 201
    body = r.json()
    assert body["key"].startswith("vak_") and body["application_id"] == app["id"] and body["name"] == "mobile"
    assert body["key_preview"] == f"vak...{body['key'][-4:]}"
    listed = client.get(f"/admin/applications/{app['id']}/client-keys", headers=admin_headers)
    assert listed.status_code == 200 and [k["id"] for k in listed.json()["data"]] == [body["id"]]
    assert body["key"] not in listed.text and "key" not in listed.json()["data"][0]
    assert body["key"] not in dump_database(settings)


def test_client_key_authenticates_as_the_application(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    key = client.post(f"/admin/applications/{app['id']}/client-keys", json={"name": "k"}, headers=admin_headers)
    # Admin routes take user tokens only: a client key is not a login.
    r = client.get("/admin/applications", headers={"Authorization": f"Bearer {key.json()['key']}"})
    assert r.status_code == 401


def test_revoke_client_key_is_204(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    key = client.post(f"/admin/applications/{app['id']}/client-keys", json={"name": "k"}, headers=admin_headers).json()
    r = client.delete(f"/admin/applications/{app['id']}/client-keys/{key['id']}", headers=admin_headers)
    assert r.status_code == 204
    assert client.get(f"/admin/applications/{app['id']}/client-keys", headers=admin_headers).json()["count"] == 0


def test_revoked_key_is_refused_on_the_next_request(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    key = client.post(f"/admin/applications/{app['id']}/client-keys", json={"name": "k"}, headers=admin_headers).json()
    as_client = {"X-API-Key": key["key"]}
    assert client.get(f"/app/{app['slug']}/", headers=as_client).status_code == 200
    client.delete(f"/admin/applications/{app['id']}/client-keys/{key['id']}", headers=admin_headers)
    r = client.get(f"/app/{app['slug']}/", headers=as_client)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_revoke_key_of_another_application_is_404(client: TestClient, admin_headers: H) -> None:
    app, other = create_application(client, admin_headers), create_application(client, admin_headers)
    key = client.post(f"/admin/applications/{app['id']}/client-keys", json={"name": "k"}, headers=admin_headers).json()
    r = client.delete(f"/admin/applications/{other['id']}/client-keys/{key['id']}", headers=admin_headers)
    assert r.status_code == 404


def test_client_keys_of_unknown_application_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.get("/admin/applications/2000000000/client-keys", headers=admin_headers).status_code == 404
    r = client.post("/admin/applications/2000000000/client-keys", json={"name": "k"}, headers=admin_headers)
    assert r.status_code == 404


def test_client_key_without_name_is_422(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.post(f"/admin/applications/{app['id']}/client-keys", json={}, headers=admin_headers)
    assert r.status_code == 422


def test_regular_user_cannot_manage_client_keys(client: TestClient, admin_headers: H, user_headers: H) -> None:
    app = create_application(client, admin_headers)
    url = f"/admin/applications/{app['id']}/client-keys"
    assert client.get(url, headers=user_headers).status_code == 403
    assert client.post(url, json={"name": "k"}, headers=user_headers).status_code == 403
    assert client.delete(f"{url}/1", headers=user_headers).status_code == 403
