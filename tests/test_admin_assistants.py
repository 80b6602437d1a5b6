from fastapi.testclient import TestClient

from config import Settings
from tests.conftest import unique
from tests.factories import (
    count_rows,
    create_application,
    create_assistant,
    create_model,
    create_user,
    dump_database,
    insert_conversation,
    user_with_access,
)

H = dict[str, str]
DOCUMENTED = {"id", "name", "description", "system_prompt", "application_id", "model_id", "endpoint",
              "is_streaming", "is_active", "config", "created_at", "updated_at"}


def test_create_assistant_returns_documented_fields_and_names(client: TestClient, admin_headers: H) -> None:
    app, model = create_application(client, admin_headers), create_model(client, admin_headers)
    body = {"name": "Customer Support", "application_id": app["id"], "model_id": model["id"],
            "system_prompt": "Be kind.", "config": {"temperature": 0.3, "stop": ["END"]}}
    r = client.post("/admin/assistants", json=body, headers=admin_headers)
    assert r.status_code == 201
    got = r.json()
    assert DOCUMENTED <= set(got)
    assert got["slug"] == "customer-support" and got["application_name"] == app["name"]
    assert got["model_name"] == model["name"] and got["provider_name"] == "openai"
    assert got["config"] == {"temperature": 0.3, "stop": ["END"]} and got["has_api_key"] is False
    assert "api_key" not in got


def test_create_assistant_with_unknown_model_is_422(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": app["id"],
                                               "model_id": 2000000000}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "model_id"]


def test_create_assistant_with_unknown_application_is_422(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers)
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": 2000000000,
                                               "model_id": model["id"]}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "application_id"]


def test_streaming_on_a_non_streaming_model_is_422(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers, supports_streaming=False)
    app = create_application(client, admin_headers)
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": app["id"],
                                               "model_id": model["id"], "is_streaming": True}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "is_streaming"]


def test_config_max_tokens_above_the_models_is_422(client: TestClient, admin_headers: H) -> None:
    model = create_model(client, admin_headers, max_tokens=100)
    app = create_application(client, admin_headers)
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": app["id"], "model_id": model["id"],
                                               "config": {"max_tokens": 101}}, headers=admin_headers)
    assert r.status_code == 422
    assert "more than model" in r.json()["detail"][0]["msg"]


def test_unknown_config_key_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": 1, "model_id": 1,
                                               "config": {"temprature": 0.5}}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "config", "temprature"]


def test_config_temperature_out_of_range_is_422(client: TestClient, admin_headers: H) -> None:
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": 1, "model_id": 1,
                                               "config": {"temperature": 2.5}}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "config", "temperature"]


def test_duplicate_assistant_name_within_application_is_409(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    r = client.post("/admin/assistants", json={"name": assistant["name"].upper(), "model_id": assistant["model_id"],
                                               "application_id": assistant["application_id"]}, headers=admin_headers)
    assert r.status_code == 409


def test_same_assistant_name_in_another_application_is_fine(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    other = create_assistant(client, admin_headers, name=assistant["name"], model_id=assistant["model_id"])
    assert other["slug"] == assistant["slug"] and other["application_id"] != assistant["application_id"]


def test_api_key_is_write_only_and_encrypted(client: TestClient, admin_headers: H, settings: Settings) -> None:
    secret = f"sk-assistant-{unique('s')}"
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": create_application(
        client, admin_headers)["id"], "model_id": create_model(client, admin_headers)["id"], "api_key": secret},
        headers=admin_headers)
    assert r.status_code == 201 and r.json()["has_api_key"] is True
    assert secret not in r.text
    assert secret not in client.get(f"/admin/assistants/{r.json()['id']}", headers=admin_headers).text
    assert secret not in dump_database(settings)


def test_omitting_api_key_on_update_keeps_it(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, api_key="sk-keep-me-1234567")
    r = client.put(f"/admin/assistants/{assistant['id']}", json={"description": "x"}, headers=admin_headers)
    assert r.json()["has_api_key"] is True


def test_null_api_key_clears_it(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, api_key="sk-clear-me-1234567")
    r = client.put(f"/admin/assistants/{assistant['id']}", json={"api_key": None}, headers=admin_headers)
    assert r.json()["has_api_key"] is False


def test_empty_api_key_clears_it(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, api_key="sk-clear-me-7654321")
    r = client.put(f"/admin/assistants/{assistant['id']}", json={"api_key": ""}, headers=admin_headers)
    assert r.json()["has_api_key"] is False


def test_update_changes_only_the_fields_sent(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, config={"temperature": 0.5}, description="d")
    r = client.patch(f"/admin/assistants/{assistant['id']}", json={"is_active": False}, headers=admin_headers)
    assert r.status_code == 200
    got = r.json()
    assert got["is_active"] is False and got["config"] == {"temperature": 0.5} and got["description"] == "d"


def test_update_to_a_non_streaming_model_of_a_streaming_assistant_is_422(client: TestClient,
                                                                          admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers, is_streaming=True)
    model = create_model(client, admin_headers, supports_streaming=False)
    r = client.put(f"/admin/assistants/{assistant['id']}", json={"model_id": model["id"]}, headers=admin_headers)
    assert r.status_code == 422


def test_move_to_another_application_checks_name_there(client: TestClient, admin_headers: H) -> None:
    first = create_assistant(client, admin_headers)
    second = create_assistant(client, admin_headers, name=first["name"], model_id=first["model_id"])
    r = client.put(f"/admin/assistants/{second['id']}", json={"application_id": first["application_id"]},
                   headers=admin_headers)
    assert r.status_code == 409


def test_failed_update_writes_nothing(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    r = client.put(f"/admin/assistants/{assistant['id']}", json={"name": unique(), "endpoint": "/admin/no"},
                   headers=admin_headers)
    assert r.status_code == 422
    assert client.get(f"/admin/assistants/{assistant['id']}", headers=admin_headers).json()["name"] == assistant["name"]


def test_failed_create_writes_nothing(client: TestClient, admin_headers: H) -> None:
    app = create_application(client, admin_headers)
    r = client.post("/admin/assistants", json={"name": unique(), "application_id": app["id"], "model_id": 2000000000},
                    headers=admin_headers)
    assert r.status_code == 422
    assert client.get(f"/admin/applications/{app['id']}/assistants", headers=admin_headers).json()["count"] == 0


def test_list_assistants_filters(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    for params in ({"application_id": assistant["application_id"]}, {"model_id": assistant["model_id"]},
                   {"provider_id": assistant["provider_id"], "limit": 500}):
        r = client.get("/admin/assistants", params=params, headers=admin_headers)
        assert r.status_code == 200 and assistant["id"] in {a["id"] for a in r.json()["data"]}, params
    r = client.get("/admin/assistants", params={"application_id": assistant["application_id"], "is_active": False},
                   headers=admin_headers)
    assert r.json() == {"data": [], "count": 0}


def test_get_unknown_assistant_is_404(client: TestClient, admin_headers: H) -> None:
    r = client.get("/admin/assistants/2000000000", headers=admin_headers)
    assert r.status_code == 404 and r.json()["detail"] == "Assistant 2000000000 not found"


def test_update_unknown_assistant_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.put("/admin/assistants/2000000000", json={"name": "x"}, headers=admin_headers).status_code == 404


def test_delete_assistant_is_204(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    assert client.delete(f"/admin/assistants/{assistant['id']}", headers=admin_headers).status_code == 204
    assert client.get(f"/admin/assistants/{assistant['id']}", headers=admin_headers).status_code == 404


def test_delete_assistant_removes_its_conversations(client: TestClient, admin_headers: H,
                                                    settings: Settings) -> None:
    assistant = create_assistant(client, admin_headers)
    conversation_id = insert_conversation(settings, assistant["id"])
    client.delete(f"/admin/assistants/{assistant['id']}", headers=admin_headers)
    assert count_rows(settings, "conversations", id=conversation_id) == 0


def test_delete_assistant_drops_it_from_narrowed_access(client: TestClient, admin_headers: H) -> None:
    kept = create_assistant(client, admin_headers)
    app_id = kept["application_id"]
    gone = create_assistant(client, admin_headers, application_id=app_id, model_id=kept["model_id"])
    user = create_user(client, admin_headers)
    url = f"/admin/users/{user['id']}/applications"
    client.put(url, json={"application_ids": [app_id], "assistant_ids": {str(app_id): [kept["id"], gone["id"]]}},
               headers=admin_headers)
    client.delete(f"/admin/assistants/{gone['id']}", headers=admin_headers)
    assert client.get(url, headers=admin_headers).json()["assistant_ids"] == {str(app_id): [kept["id"]]}


def test_delete_unknown_assistant_is_404(client: TestClient, admin_headers: H) -> None:
    assert client.delete("/admin/assistants/2000000000", headers=admin_headers).status_code == 404


def test_regular_user_cannot_write_assistants(client: TestClient, admin_headers: H) -> None:
    assistant = create_assistant(client, admin_headers)
    headers = user_with_access(client, admin_headers, [assistant["application_id"]])
    body = {"name": unique(), "application_id": assistant["application_id"], "model_id": assistant["model_id"]}
    assert client.post("/admin/assistants", json=body, headers=headers).status_code == 403
    assert client.put(f"/admin/assistants/{assistant['id']}", json={"name": "x"}, headers=headers).status_code == 403
    assert client.delete(f"/admin/assistants/{assistant['id']}", headers=headers).status_code == 403


def test_regular_user_sees_assistants_of_their_applications_only(client: TestClient, admin_headers: H) -> None:
    mine, other = create_assistant(client, admin_headers), create_assistant(client, admin_headers)
    headers = user_with_access(client, admin_headers, [mine["application_id"]])
    listed = client.get("/admin/assistants", params={"limit": 500}, headers=headers).json()
    assert [a["id"] for a in listed["data"]] == [mine["id"]] and listed["count"] == 1
    assert client.get(f"/admin/assistants/{mine['id']}", headers=headers).status_code == 200
    assert client.get(f"/admin/assistants/{other['id']}", headers=headers).status_code == 404


def test_narrowed_access_shows_only_allowed_assistants(client: TestClient, admin_headers: H) -> None:
    allowed = create_assistant(client, admin_headers)
    app_id = allowed["application_id"]
    hidden = create_assistant(client, admin_headers, application_id=app_id, model_id=allowed["model_id"])
    headers = user_with_access(client, admin_headers, [app_id], {str(app_id): [allowed["id"]]})
    listed = client.get(f"/admin/applications/{app_id}/assistants", headers=headers).json()
    assert [a["id"] for a in listed["data"]] == [allowed["id"]]
    assert client.get(f"/admin/assistants/{hidden['id']}", headers=headers).status_code == 404
