import pytest
from fastapi.testclient import TestClient

from config import Settings
from tests.factories import create_api_key, create_model, insert_provider

H = dict[str, str]


def test_list_providers_includes_the_four_built_ins(client: TestClient, user_headers: H) -> None:
    r = client.get("/admin/providers", params={"limit": 500}, headers=user_headers)
    assert r.status_code == 200
    built_in = {p["name"]: p for p in r.json()["data"] if not p["is_dynamic"]}
    assert {"gemini", "cohere", "openai", "anthropic"} <= set(built_in)
    assert built_in["openai"]["base_url"] == "https://api.openai.com/v1"
    assert built_in["openai"]["model_count"] >= 3
    assert "python_code" not in r.text


def test_list_providers_filters_by_is_dynamic(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/providers", params={"is_dynamic": False, "limit": 500}, headers=admin_headers)
    assert r.json()["count"] >= 4 and all(not p["is_dynamic"] for p in r.json()["data"])


def test_get_provider(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    r = client.get(f"/admin/providers/{provider_id}", headers=admin_headers)
    assert r.status_code == 200
    assert r.json()["id"] == provider_id and r.json()["model_count"] == 0 and r.json()["has_api_key"] is False


def test_get_unknown_provider_is_404(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/providers/2000000000", headers=admin_headers)
    assert r.status_code == 404 and r.json()["detail"] == "Provider 2000000000 not found"


def test_non_numeric_provider_path_is_left_to_other_routes(client: TestClient, admin_headers: H) -> None:
    # /admin/providers/dynamic belongs to the dynamic-provider router: ours must not capture it.
    assert client.put("/admin/providers/not-a-number", json={}, headers=admin_headers).status_code in (404, 405)


def test_update_provider_display_name_and_base_url(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    body = {"display_name": "Regional", "base_url": "http://127.0.0.1:9/v1/"}
    r = client.put(f"/admin/providers/{provider_id}", json=body, headers=admin_headers)
    assert r.status_code == 200
    assert r.json()["display_name"] == "Regional" and r.json()["base_url"] == "http://127.0.0.1:9/v1"


def test_deactivate_provider_with_patch(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    r = client.patch(f"/admin/providers/{provider_id}", json={"is_active": False}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert r.json()["display_name"] == "Test provider"


def test_null_base_url_resets_to_the_sdk_default(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    r = client.put(f"/admin/providers/{provider_id}", json={"base_url": None}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["base_url"] is None


@pytest.mark.parametrize("base_url", ["ftp://example.com", "api.openai.com/v1", "https://", "http://x/ y",
                                      "https://example.com/v1?key=1", "http://127.0.0.1:99999/v1", "http://h:0"])
def test_update_provider_rejects_bad_base_url(client: TestClient, admin_headers: H, settings: Settings,
                                              base_url: str) -> None:
    provider_id = insert_provider(settings)
    r = client.put(f"/admin/providers/{provider_id}", json={"base_url": base_url}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "base_url"]


def test_update_provider_cannot_rename_it(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    r = client.put(f"/admin/providers/{provider_id}", json={"name": "openai"}, headers=admin_headers)
    assert r.status_code == 422


def test_update_unknown_provider_is_404(client: TestClient, admin_headers: H) -> None:
    r = client.put("/admin/providers/2000000000", json={"is_active": True}, headers=admin_headers)
    assert r.status_code == 404


def test_regular_user_cannot_update_provider(client: TestClient, user_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    r = client.put(f"/admin/providers/{provider_id}", json={"is_active": False}, headers=user_headers)
    assert r.status_code == 403


def test_built_in_provider_cannot_be_deleted(client: TestClient, admin_headers: H) -> None:
    assert client.delete("/admin/providers/1", headers=admin_headers).status_code == 405


def test_provider_models_lists_its_models(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    model = create_model(client, admin_headers, provider_id=provider_id)
    r = client.get(f"/admin/providers/{provider_id}/models", headers=admin_headers)
    assert r.status_code == 200 and [m["id"] for m in r.json()["data"]] == [model["id"]]
    assert client.get(f"/admin/providers/{provider_id}", headers=admin_headers).json()["model_count"] == 1


def test_provider_models_of_unknown_provider_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.get("/admin/providers/2000000000/models", headers=admin_headers).status_code == 404


def test_has_api_key_follows_active_stored_keys(client: TestClient, admin_headers: H, settings: Settings) -> None:
    provider_id = insert_provider(settings)
    key = create_api_key(client, admin_headers, provider_id=provider_id)
    assert client.get(f"/admin/providers/{provider_id}", headers=admin_headers).json()["has_api_key"] is True
    client.put(f"/admin/api-keys/{key['id']}", json={"is_active": False}, headers=admin_headers)
    assert client.get(f"/admin/providers/{provider_id}", headers=admin_headers).json()["has_api_key"] is False
