"""Every admin write records who made it: created_by on create, updated_by on each change."""

from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.routing import make_application, provider_ids


def test_create_and_update_record_the_acting_admin(client: TestClient, admin_headers: dict[str, str]) -> None:
    admin_id = client.get("/auth/me", headers=admin_headers).json()["id"]
    pid = provider_ids(client, admin_headers)["cohere"]
    model = client.post("/admin/models", headers=admin_headers, json={"name": unique("m"), "provider_id": pid})
    assert model.status_code == 201
    assert model.json()["created_by"] == admin_id and model.json()["updated_by"] == admin_id

    second = client.post("/admin/users", headers=admin_headers, json={
        "username": unique("boss"), "email": f"{unique('b')}@example.com", "password": "long-password-1",
        "is_admin": True})
    assert second.status_code == 201 and second.json()["created_by"] == admin_id
    login = client.post("/auth/login", json={"username": second.json()["username"], "password": "long-password-1"})
    other = {"Authorization": f"Bearer {login.json()['access_token']}"}

    app = make_application(client, admin_headers)
    r = client.put(f"/admin/applications/{app['id']}", headers=other, json={"description": "changed"})
    assert r.status_code == 200
    assert r.json()["created_by"] == admin_id and r.json()["updated_by"] == second.json()["id"]
    r = client.put(f"/admin/providers/{pid}", headers=other, json={"display_name": unique("Cohere")})
    assert r.json()["updated_by"] == second.json()["id"]
