"""Every AppError maps to an HTTP status, and the admin API really answers each status it declares."""

from fastapi.testclient import TestClient

import errors
from tests.factories import create_assistant

H = dict[str, str]


def _all_subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_all_subclasses(direct))]


def test_every_app_error_maps_to_an_error_status() -> None:
    for cls in [errors.AppError, *_all_subclasses(errors.AppError)]:
        assert isinstance(cls.status_code, int) and 400 <= cls.status_code <= 599, cls


def test_every_admin_route_declares_its_statuses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if not path.startswith("/admin/") or "dynamic" in path or "/code" in path:
            continue
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "422"} <= declared, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "403" in declared, (method, path)


def test_real_statuses_carry_a_detail(client: TestClient, admin_headers: H, user_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    answers = {
        401: client.get("/admin/models"),
        403: client.post("/admin/models", json={"name": "x", "provider_id": 1}, headers=user_headers),
        404: client.get("/admin/models/2000000000", headers=admin_headers),
        409: client.delete(f"/admin/models/{assistant['model_id']}", headers=admin_headers),
        422: client.post("/admin/models", json={"name": "x", "provider_id": 2000000000}, headers=admin_headers),
    }
    for status, r in answers.items():
        assert r.status_code == status and r.json()["detail"], (status, r.text)
