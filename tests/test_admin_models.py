from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.factories import builtin_provider_id, create_assistant, create_model, user_with_access

H = dict[str, str]


def test_create_model_with_only_name_and_provider_gets_defaults(client: TestClient, admin_headers: H) -> None:
    provider_id = builtin_provider_id(client, admin_headers)
    name = unique("gpt")
    r = client.post("/admin/models", json={"name": name, "provider_id": provider_id}, headers=admin_headers)
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == name and body["provider_name"] == "openai"
    assert body["max_tokens"] == 4096 and body["supports_streaming"] is True and body["is_active"] is True
    assert body["cost_per_token"] == 0 and body["display_name"] is None


def test_create_model_with_unknown_provider_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/models", json={"name": unique(), "provider_id": 2000000000}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "provider_id"]


def test_create_model_without_name_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/models", json={"provider_id": 1}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]


def test_negative_max_tokens_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/models", json={"name": unique(), "provider_id": 1, "max_tokens": 0},
                    headers=admin_headers)
    assert r.status_code == 422


def test_duplicate_model_name_within_provider_is_409(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers)
    r = client.post("/admin/models", json={"name": model["name"], "provider_id": model["provider_id"]},
                    headers=admin_headers)
    assert r.status_code == 409


def test_same_model_name_under_another_provider_is_fine(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers)
    other = builtin_provider_id(client, admin_headers, "anthropic")
    assert create_model(client, admin_headers, name=model["name"], provider_id=other)["provider_name"] == "anthropic"


def test_get_model(client: TestClient, user_headers: H, admin_headers: H) -> None:
    model = create_model(client, admin_headers)
    r = client.get(f"/admin/models/{model['id']}", headers=user_headers)
    assert r.status_code == 200 and r.json() == model


def test_get_unknown_model_is_404(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/models/2000000000", headers=admin_headers)
    assert r.status_code == 404 and r.json()["detail"] == "Model 2000000000 not found"


def test_list_models_filters_by_provider(client: TestClient, admin_headers: H) -> None:
    anthropic = builtin_provider_id(client, admin_headers, "anthropic")
    r = client.get("/admin/models", params={"provider_id": anthropic, "limit": 500}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["count"] >= 3
    assert {m["provider_name"] for m in r.json()["data"]} == {"anthropic"}


def test_list_models_filters_by_is_active(client: TestClient, admin_headers: H) -> None:
    off = create_model(client, admin_headers, is_active=False)
    r = client.get("/admin/models", params={"is_active": False, "limit": 500}, headers=admin_headers)
    assert off["id"] in {m["id"] for m in r.json()["data"]}
    assert all(not m["is_active"] for m in r.json()["data"])


def test_update_model_changes_only_sent_fields(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers, display_name="Before")
    r = client.put(f"/admin/models/{model['id']}", json={"max_tokens": 1000}, headers=admin_headers)
    assert r.status_code == 200
    assert r.json()["max_tokens"] == 1000 and r.json()["display_name"] == "Before"


def test_update_model_to_taken_name_is_409(client: TestClient, admin_headers: H) -> None:
    first, second = create_model(client, admin_headers), create_model(client, admin_headers)
    r = client.patch(f"/admin/models/{second['id']}", json={"name": first["name"]}, headers=admin_headers)
    assert r.status_code == 409


def test_turning_streaming_off_under_streaming_assistants_is_409(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, is_streaming=True)
    r = client.put(f"/admin/models/{assistant['model_id']}", json={"supports_streaming": False},
                   headers=admin_headers)
    assert r.status_code == 409
    assert assistant["name"] in r.json()["detail"]


def test_lowering_max_tokens_below_an_assistants_config_is_409(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, config={"max_tokens": 2000})
    r = client.put(f"/admin/models/{assistant['model_id']}", json={"max_tokens": 1000}, headers=admin_headers)
    assert r.status_code == 409


def test_update_unknown_model_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.put("/admin/models/2000000000", json={"max_tokens": 5}, headers=admin_headers).status_code == 404


def test_delete_unused_model_is_204(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers)
    assert client.delete(f"/admin/models/{model['id']}", headers=admin_headers).status_code == 204
    assert client.get(f"/admin/models/{model['id']}", headers=admin_headers).status_code == 404


def test_delete_model_used_by_assistants_is_409(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    r = client.delete(f"/admin/models/{assistant['model_id']}", headers=admin_headers)
    assert r.status_code == 409
    assert assistant["name"] in r.json()["detail"]


def test_delete_unknown_model_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.delete("/admin/models/2000000000", headers=admin_headers).status_code == 404


def test_regular_user_cannot_write_models(client: TestClient, admin_headers: H) -> None:
    headers = user_with_access(client, admin_headers, [])
    model = create_model(client, admin_headers)
    assert client.post("/admin/models", json={"name": unique(), "provider_id": 1}, headers=headers).status_code == 403
    assert client.put(f"/admin/models/{model['id']}", json={"max_tokens": 9}, headers=headers).status_code == 403
    assert client.delete(f"/admin/models/{model['id']}", headers=headers).status_code == 403
