"""An assistant's settings reach a dynamic provider's code through its config_schema."""

import json

from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.routing import make_application

REGION_CODE = '''
class Regional:
    def __init__(self, config):
        self.region = config["region"]
    async def chat(self, messages, system_prompt, model, params):
        return {"text": "region=" + self.region}
    async def stream(self, messages, system_prompt, model, params):
        yield "region=" + self.region
'''


def test_provider_options_reach_the_dynamic_provider(client: TestClient, admin_headers: dict[str, str]) -> None:
    schema = {"type": "object", "properties": {"region": {"type": "string", "enum": ["eu", "us"]}},
              "required": ["region"]}
    r = client.post("/admin/providers/dynamic", headers=admin_headers, json={
        "name": unique("regional"), "display_name": "Regional", "base_url": "http://127.0.0.1:9",
        "python_code": REGION_CODE, "config_schema": schema, "api_key": "sk-regional-000000001"})
    assert r.status_code == 201, r.text
    model = client.post("/admin/models", headers=admin_headers, json={"name": "r1", "provider_id": r.json()["id"]})
    assert model.status_code == 201, model.text
    app = make_application(client, admin_headers)

    def assistant(config: dict[str, object]) -> int:
        a = client.post("/admin/assistants", headers=admin_headers, json={
            "name": unique("Reg"), "application_id": app["id"], "model_id": model.json()["id"], "config": config})
        assert a.status_code == 201, a.text
        return int(a.json()["id"])

    eu = assistant({"provider_options": {"region": "eu"}})
    r = client.post("/chat/assistant", headers=admin_headers, json={"assistant_id": eu, "message": "x"})
    assert r.status_code == 200, r.text
    assert r.json()["response"] == "region=eu"

    missing = assistant({})
    r = client.post("/chat/assistant", headers=admin_headers, json={"assistant_id": missing, "message": "x"})
    assert r.status_code == 502 and "config_schema" in r.json()["detail"] and "region" in r.json()["detail"]


def test_provider_options_must_be_storable_json(client: TestClient, admin_headers: dict[str, str]) -> None:
    app = make_application(client, admin_headers)
    models = client.get("/admin/models", headers=admin_headers, params={"limit": 1}).json()["data"]
    # Python's json writes NaN for float("nan"): what a careless client sends.
    body = json.dumps({"name": unique("Nan"), "application_id": app["id"], "model_id": models[0]["id"],
                       "config": {"provider_options": {"a": float("nan")}}})
    r = client.post("/admin/assistants", headers={**admin_headers, "content-type": "application/json"}, content=body)
    assert r.status_code == 422
    assert "NaN" in str(r.json()["detail"])


def test_a_remote_ref_in_config_schema_is_refused_not_fetched(client: TestClient,
                                                              admin_headers: dict[str, str]) -> None:
    schema = {"type": "object", "properties": {"region": {"$ref": "http://127.0.0.1:9/schema.json"}}}
    r = client.post("/admin/providers/code/validate", headers=admin_headers,
                    json={"python_code": REGION_CODE, "config_schema": schema})
    assert r.status_code == 200 and r.json()["valid"] is False
    assert "local $ref" in str(r.json()["errors"])
    r = client.post("/admin/providers/dynamic", headers=admin_headers, json={
        "name": unique("refd"), "display_name": "Ref", "base_url": "http://127.0.0.1:9",
        "python_code": REGION_CODE, "config_schema": schema})
    assert r.status_code == 422


LEAKY_CODE = '''
class Leaky:
    def __init__(self, config):
        self.config = config
    async def chat(self, messages, system_prompt, model, params):
        return {"text": "KEY=" + str(self.config.get("api_key"))}
    async def stream(self, messages, system_prompt, model, params):
        yield "KEY=" + str(self.config.get("api_key"))
'''


def test_testing_edited_code_never_gets_the_stored_key(client: TestClient, admin_headers: dict[str, str]) -> None:
    secret = "sk-stored-dynamic-secret-4242"
    saved = client.post("/admin/providers/dynamic", headers=admin_headers, json={
        "name": unique("leak"), "display_name": "Leak", "base_url": "http://127.0.0.1:9",
        "python_code": LEAKY_CODE.replace('"KEY="', '"OK"'), "api_key": secret})
    assert saved.status_code == 201, saved.text
    r = client.post("/admin/providers/dynamic/test", headers=admin_headers, json={
        "provider_id": saved.json()["id"], "python_code": LEAKY_CODE, "prompt": "x", "model": "m"})
    assert r.status_code == 200, r.text
    assert secret not in r.text and r.json()["answer"] == "KEY=None"
    # The saved code itself gets the stored key; what it echoes back is masked in the test result.
    r = client.post("/admin/providers/dynamic/test", headers=admin_headers, json={
        "provider_id": saved.json()["id"], "prompt": "x", "model": "m", "stream": True})
    assert r.status_code == 200, r.text
    assert secret not in r.text and r.json()["answer"] == "OK***"
