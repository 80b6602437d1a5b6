from fastapi.testclient import TestClient

from tests.conftest import login, unique
from tests.factories import create_application, create_assistant, create_user, user_with_access

H = dict[str, str]


def test_create_user_never_returns_the_password(client: TestClient, admin_headers: H) -> None:
    name = unique("ann")
    body = {"username": name, "email": f"{name}@example.com", "password": "s3cret-pass-word", "full_name": "Ann"}
    r = client.post("/admin/users", json=body, headers=admin_headers)
    assert r.status_code == 201
    assert r.json()["username"] == name and r.json()["is_admin"] is False and r.json()["is_active"] is True
    assert "s3cret-pass-word" not in r.text and "password" not in r.json()
    assert login(client, name, "s3cret-pass-word")


def test_create_user_validates_fields(client: TestClient, admin_headers: H) -> None:
    body = {"username": "a b", "email": "not-an-email", "password": "short"}
    r = client.post("/admin/users", json=body, headers=admin_headers)
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["detail"]} == {("body", "username"), ("body", "email"),
                                                             ("body", "password")}


def test_duplicate_username_is_409(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    body = {"username": user["username"].upper(), "email": f"{unique()}@example.com", "password": "12345678"}
    r = client.post("/admin/users", json=body, headers=admin_headers)
    assert r.status_code == 409 and "username" in r.json()["detail"]


def test_duplicate_email_is_409(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    r = client.post("/admin/users", json={"username": unique(), "email": user["email"], "password": "12345678"},
                    headers=admin_headers)
    assert r.status_code == 409 and "email" in r.json()["detail"]


def test_list_users_filters_by_is_admin(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/users", params={"is_admin": True, "limit": 500}, headers=admin_headers)
    assert r.status_code == 200 and "admin" in {u["username"] for u in r.json()["data"]}
    assert all(u["is_admin"] for u in r.json()["data"]) and "hashed_password" not in r.text


def test_get_user_and_unknown_user(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    assert client.get(f"/admin/users/{user['id']}", headers=admin_headers).json() == user
    r = client.get("/admin/users/2000000000", headers=admin_headers)
    assert r.status_code == 404 and r.json()["detail"] == "User 2000000000 not found"


def test_update_user_password_changes_login(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    r = client.put(f"/admin/users/{user['id']}", json={"password": "brand-new-pass"}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["email"] == user["email"]
    assert login(client, user["username"], "brand-new-pass")


def test_update_user_to_a_taken_email_is_409(client: TestClient, admin_headers: H) -> None:
    first, second = create_user(client, admin_headers), create_user(client, admin_headers)
    r = client.patch(f"/admin/users/{second['id']}", json={"email": first["email"]}, headers=admin_headers)
    assert r.status_code == 409


def test_update_unknown_user_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.put("/admin/users/2000000000", json={"full_name": "x"}, headers=admin_headers).status_code == 404


def test_deactivated_user_token_is_refused_on_the_next_request(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    headers = login(client, user["username"], "correct-horse-1")
    assert client.get("/admin/applications", headers=headers).status_code == 200
    client.put(f"/admin/users/{user['id']}", json={"is_active": False}, headers=admin_headers)
    r = client.get("/admin/applications", headers=headers)
    assert r.status_code == 401


def test_deleted_user_token_is_refused_on_the_next_request(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    headers = login(client, user["username"], "correct-horse-1")
    assert client.get("/auth/me", headers=headers).status_code == 200
    assert client.delete(f"/admin/users/{user['id']}", headers=admin_headers).status_code == 204
    assert client.get("/auth/me", headers=headers).status_code == 401


def test_delete_unknown_user_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.delete("/admin/users/2000000000", headers=admin_headers).status_code == 404


def test_admin_can_delete_themselves_while_another_admin_remains(client: TestClient, admin_headers: H) -> None:
    other = create_user(client, admin_headers, is_admin=True)
    headers = login(client, other["username"], "correct-horse-1")
    assert client.delete(f"/admin/users/{other['id']}", headers=headers).status_code == 204


def test_last_active_admin_cannot_be_demoted_deactivated_or_deleted(client: TestClient, admin_headers: H) -> None:
    """Other tests may have left active admins: demote them all, but through a fresh admin, then
    check the fresh admin (the last) is protected; restore the seeded admin at the end."""
    fresh = create_user(client, admin_headers, is_admin=True)
    headers = login(client, fresh["username"], "correct-horse-1")
    admins = client.get("/admin/users", params={"is_admin": True, "is_active": True, "limit": 500},
                        headers=headers).json()["data"]
    others = [u for u in admins if u["id"] != fresh["id"]]
    try:
        for u in others:
            assert client.put(f"/admin/users/{u['id']}", json={"is_admin": False}, headers=headers).status_code == 200
        for body in ({"is_admin": False}, {"is_active": False}):
            r = client.put(f"/admin/users/{fresh['id']}", json=body, headers=headers)
            assert r.status_code == 409 and "last active administrator" in r.json()["detail"]
        assert client.delete(f"/admin/users/{fresh['id']}", headers=headers).status_code == 409
    finally:
        for u in others:
            client.put(f"/admin/users/{u['id']}", json={"is_admin": True}, headers=headers)
    assert client.delete(f"/admin/users/{fresh['id']}", headers=admin_headers).status_code == 204


def test_regular_user_can_neither_read_nor_write_users(client: TestClient, user_headers: H) -> None:
    assert client.get("/admin/users", headers=user_headers).status_code == 403
    assert client.get("/admin/users/1", headers=user_headers).status_code == 403
    body = {"username": unique(), "email": f"{unique()}@example.com", "password": "12345678"}
    assert client.post("/admin/users", json=body, headers=user_headers).status_code == 403
    assert client.put("/admin/users/1", json={"full_name": "x"}, headers=user_headers).status_code == 403
    assert client.delete("/admin/users/1", headers=user_headers).status_code == 403
    assert client.get("/admin/users/1/applications", headers=user_headers).status_code == 403


def test_set_and_get_user_applications(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    app_id, other_app = assistant["application_id"], create_application(client, admin_headers)["id"]
    user = create_user(client, admin_headers)
    body = {"application_ids": [other_app, app_id], "assistant_ids": {str(app_id): [assistant["id"]]}}
    r = client.put(f"/admin/users/{user['id']}/applications", json=body, headers=admin_headers)
    expected = {"application_ids": sorted([app_id, other_app]), "assistant_ids": {str(app_id): [assistant["id"]]}}
    assert r.status_code == 200 and r.json() == expected
    assert client.get(f"/admin/users/{user['id']}/applications", headers=admin_headers).json() == expected


def test_documented_application_ids_shape_alone_works(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    user = create_user(client, admin_headers)
    r = client.put(f"/admin/users/{user['id']}/applications", json={"application_ids": [app["id"]]},
                   headers=admin_headers)
    assert r.status_code == 200 and r.json() == {"application_ids": [app["id"]], "assistant_ids": {}}


def test_user_applications_with_unknown_application_is_422(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    r = client.put(f"/admin/users/{user['id']}/applications", json={"application_ids": [2000000000]},
                   headers=admin_headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "application_ids"]


def test_assistant_of_another_application_is_422_and_nothing_changes(client: TestClient, admin_headers: H) -> None:
    app, foreign = create_application(client, admin_headers), create_assistant(client, admin_headers)
    user = create_user(client, admin_headers)
    url = f"/admin/users/{user['id']}/applications"
    client.put(url, json={"application_ids": [app["id"]]}, headers=admin_headers)
    r = client.put(url, json={"application_ids": [app["id"], foreign["application_id"]],
                              "assistant_ids": {str(app["id"]): [foreign["id"]]}}, headers=admin_headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "assistant_ids"]
    assert client.get(url, headers=admin_headers).json()["application_ids"] == [app["id"]]


def test_narrowing_an_application_not_listed_is_422(client: TestClient, admin_headers: H) -> None:
    user = create_user(client, admin_headers)
    r = client.put(f"/admin/users/{user['id']}/applications", json={"application_ids": [], "assistant_ids": {"5": [1]}},
                   headers=admin_headers)
    assert r.status_code == 422


def test_user_applications_of_unknown_user_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.get("/admin/users/2000000000/applications", headers=admin_headers).status_code == 404
    r = client.put("/admin/users/2000000000/applications", json={"application_ids": []}, headers=admin_headers)
    assert r.status_code == 404


def test_access_change_applies_to_the_users_next_request(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    headers = user_with_access(client, admin_headers, [app["id"]])
    me = client.get("/auth/me", headers=headers).json()
    client.put(f"/admin/users/{me['id']}/applications", json={"application_ids": []}, headers=admin_headers)
    assert client.get(f"/admin/applications/{app['id']}", headers=headers).status_code == 404
