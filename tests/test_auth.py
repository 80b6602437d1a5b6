from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient

from config import Settings


def test_login_with_json_returns_bearer_token(client: TestClient) -> None:
    r = client.post("/auth/login", json={"username": "admin", "password": "password123"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    assert body["access_token"].count(".") == 2


def test_login_with_oauth2_form_works_for_swagger(client: TestClient) -> None:
    r = client.post("/auth/login", data={"username": "user1", "password": "user123", "grant_type": "password"})
    assert r.status_code == 200
    assert r.json()["access_token"]


def test_login_rejects_wrong_password(client: TestClient) -> None:
    r = client.post("/auth/login", json={"username": "admin", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["detail"] == "Incorrect username or password"


def test_login_rejects_unknown_user_with_same_message(client: TestClient) -> None:
    r = client.post("/auth/login", json={"username": "ghost", "password": "whatever"})
    assert r.status_code == 401
    assert r.json()["detail"] == "Incorrect username or password"


def test_login_rejects_malformed_body_with_field_errors(client: TestClient) -> None:
    r = client.post("/auth/login", json={"username": 5})
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["detail"]}
    assert ("body", "username") in locs and ("body", "password") in locs


def test_login_rejects_non_json_garbage(client: TestClient) -> None:
    r = client.post("/auth/login", content=b"\xff\x00garbage", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_me_returns_user_without_password_hash(client: TestClient, admin_headers: dict[str, str]) -> None:
    r = client.get("/auth/me", headers=admin_headers)
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "admin" and body["is_admin"] is True
    assert "hashed_password" not in body and "password" not in r.text
    assert body["created_at"].endswith("+00:00") or body["created_at"].endswith("Z")


def test_me_without_token_is_401(client: TestClient) -> None:
    r = client.get("/auth/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def _token(settings: Settings, key: str | None = None, alg: str = "HS256", **claims: object) -> str:
    now = datetime.now(UTC)
    payload = {"sub": "1", "iat": now, "exp": now + timedelta(minutes=5), **claims}
    return jwt.encode(payload, key or settings.secret_key, algorithm=alg)


def test_expired_token_is_rejected(client: TestClient, settings: Settings) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {_token(settings, exp=past)}"})
    assert r.status_code == 401
    assert "expired" in r.json()["detail"].lower()


def test_token_signed_with_another_key_is_rejected(client: TestClient, settings: Settings) -> None:
    forged = _token(settings, key="another-secret-key-that-is-long-enough-000")
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_unsigned_alg_none_token_is_rejected(client: TestClient, settings: Settings) -> None:
    now = datetime.now(UTC)
    unsigned = jwt.encode({"sub": "1", "iat": now, "exp": now + timedelta(minutes=5)}, None, algorithm="none")
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401


def test_token_without_exp_is_rejected(client: TestClient, settings: Settings) -> None:
    token = jwt.encode({"sub": "1", "iat": datetime.now(UTC)}, settings.secret_key, algorithm="HS256")
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_valid_hand_made_token_is_accepted(client: TestClient, settings: Settings) -> None:
    # Proves the rejections above are about the tampering, not about hand-made tokens as such.
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {_token(settings)}"})
    assert r.status_code == 200


def test_smoke_endpoints(client: TestClient) -> None:
    assert client.get("/").json() == {"message": "Hello World"}
    assert client.get("/hello/Ana").json() == {"message": "Hello Ana"}
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200


def test_oversized_body_gets_413_before_any_route(client: TestClient, settings: Settings) -> None:
    big = b"x" * (settings.max_request_body_bytes + 1)
    r = client.post("/auth/login", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]


def test_oversized_chunked_body_gets_413_too(client: TestClient, settings: Settings,
                                             admin_headers: dict[str, str]) -> None:
    def chunks():  # no Content-Length: the limit must hold while the body streams in
        for _ in range(settings.max_request_body_bytes // 65536 + 2):
            yield b"x" * 65536

    for path in ("/auth/login", "/admin/applications", "/chat/assistant"):
        r = client.post(path, content=chunks(), headers={**admin_headers, "content-type": "application/json"})
        assert r.status_code == 413, (path, r.status_code)
        assert "too large" in r.json()["detail"]
