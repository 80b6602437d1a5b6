"""The `endpoint` of applications and assistants: a clean path, not reserved, unique across both."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.factories import create_application, create_assistant

H = dict[str, str]


def _path() -> str:
    return f"/chat/{unique('ep')}"


def test_valid_endpoint_is_stored(client: TestClient, admin_headers: H) -> None:
    path = _path()
    assert create_application(client, admin_headers, endpoint=path)["endpoint"] == path


def test_customer_support_endpoint_is_valid(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/applications", json={"name": unique(), "endpoint": "/chat/customer-support"},
                    headers=admin_headers)
    assert r.status_code in (201, 409)  # 409 only if an earlier run on this database took it


@pytest.mark.parametrize("endpoint", ["chat/x", "/chat/x/", "/Chat/x", "/chat//x", "/chat/../admin", "/chat/a b",
                                      "/" + "a" * 200, "/chat/x?y=1", "/"])
def test_malformed_endpoint_is_422(client: TestClient, admin_headers: H, endpoint: str) -> None:
    r = client.post("/admin/applications", json={"name": unique(), "endpoint": endpoint}, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "endpoint"]


@pytest.mark.parametrize("endpoint", ["/admin", "/admin/x", "/auth", "/app/things", "/panel", "/docs", "/redoc",
                                      "/static/js"])
def test_reserved_endpoint_is_422(client: TestClient, admin_headers: H, endpoint: str) -> None:
    r = client.post("/admin/applications", json={"name": unique(), "endpoint": endpoint}, headers=admin_headers)
    assert r.status_code == 422
    assert "reserved" in r.json()["detail"][0]["msg"]


def test_endpoint_that_only_starts_like_a_reserved_one_is_fine(client: TestClient, admin_headers: H) -> None:
    path = f"/apple-{unique('x')}"
    assert create_application(client, admin_headers, endpoint=path)["endpoint"] == path


def test_endpoint_equal_to_an_existing_route_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/applications", json={"name": unique(), "endpoint": "/health"}, headers=admin_headers)
    assert r.status_code == 422
    assert "collides with this service's route /health" in r.json()["detail"][0]["msg"]


def test_endpoint_taken_by_an_application_is_409(client: TestClient, admin_headers: H) -> None:
    path = _path()
    create_application(client, admin_headers, endpoint=path)
    r = client.post("/admin/applications", json={"name": unique(), "endpoint": path}, headers=admin_headers)
    assert r.status_code == 409
    assert path in r.json()["detail"]


def test_endpoint_taken_by_an_assistant_is_409_for_an_application(client: TestClient, admin_headers: H) -> None:
    path = _path()
    create_assistant(client, admin_headers, endpoint=path)
    r = client.post("/admin/applications", json={"name": unique(), "endpoint": path}, headers=admin_headers)
    assert r.status_code == 409
    assert "assistant" in r.json()["detail"]


def test_endpoint_taken_by_an_application_is_409_for_an_assistant(client: TestClient, admin_headers: H) -> None:
    path = _path()
    app = create_application(client, admin_headers, endpoint=path)
    assistant = create_assistant(client, admin_headers, application_id=app["id"])
    r = client.put(f"/admin/assistants/{assistant['id']}", json={"endpoint": path}, headers=admin_headers)
    assert r.status_code == 409


def test_resending_its_own_endpoint_is_fine(client: TestClient, admin_headers: H) -> None:
    path = _path()
    app = create_application(client, admin_headers, endpoint=path)
    r = client.put(f"/admin/applications/{app['id']}", json={"endpoint": path}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["endpoint"] == path


def test_empty_endpoint_clears_it(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers, endpoint=_path())
    r = client.put(f"/admin/applications/{app['id']}", json={"endpoint": ""}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["endpoint"] is None


@pytest.mark.parametrize("endpoint", ["/hello/world", "/chat", "/docs-assets/x", "/suncar"])
def test_endpoint_a_route_would_shadow_is_422(client: TestClient, admin_headers: H, endpoint: str) -> None:
    # /hello/{name} answers /hello/world; an application at /chat would put its assistants beside
    # /chat/assistant; /docs-assets is a mount; /suncar/chat and friends live under /suncar.
    r = client.post("/admin/applications", headers=admin_headers, json={"name": unique("A"), "endpoint": endpoint})
    assert r.status_code == 422, r.text
