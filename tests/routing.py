"""Helpers that route the built-in providers to a local fake upstream through the admin API, and
create applications and assistants on it, the way an administrator would."""

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.fakes import FakeUpstream

PROVIDER_KEYS = {"openai": "sk-test-openai-000111222333", "anthropic": "sk-ant-test-444555666777",
                 "cohere": "co-test-888999000111", "gemini": "AIza-test-222333444555"}


def provider_ids(client: TestClient, headers: dict[str, str]) -> dict[str, int]:
    r = client.get("/admin/providers", headers=headers, params={"limit": 500})
    assert r.status_code == 200, r.text
    return {p["name"]: p["id"] for p in r.json()["data"]}


def route_providers(client: TestClient, headers: dict[str, str], fake: FakeUpstream) -> None:
    """Point every built-in provider at the fake and give each a stored key."""
    ids = provider_ids(client, headers)
    for name, key in PROVIDER_KEYS.items():
        r = client.put(f"/admin/providers/{ids[name]}", headers=headers,
                       json={"base_url": fake.base_url(name), "is_active": True})
        assert r.status_code == 200, r.text
        r = client.post("/admin/api-keys", headers=headers,
                        json={"name": unique(f"{name}-key"), "provider_id": ids[name], "api_key": key})
        assert r.status_code == 201, r.text


def model_id(client: TestClient, headers: dict[str, str], provider: str, model: str) -> int:
    """The id of a catalogue model, created on the fly (fake failure models such as fake-cut)."""
    pid = provider_ids(client, headers)[provider]
    r = client.get(f"/admin/providers/{pid}/models", headers=headers, params={"limit": 500})
    assert r.status_code == 200, r.text
    for m in r.json()["data"]:
        if m["name"] == model:
            return int(m["id"])
    r = client.post("/admin/models", headers=headers, json={"name": model, "provider_id": pid})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def make_application(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    r = client.post("/admin/applications", headers=headers, json={"name": unique("App"), **fields})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def make_assistant(client: TestClient, headers: dict[str, str], *, provider: str = "openai",
                   model: str = "gpt-4o-mini", application_id: int | None = None,
                   **fields: Any) -> dict[str, Any]:
    if application_id is None:
        application_id = make_application(client, headers)["id"]
    body = {"name": unique("Helper"), "application_id": application_id,
            "model_id": model_id(client, headers, provider, model), "system_prompt": "You are terse.", **fields}
    r = client.post("/admin/assistants", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def sse_events(lines: list[str]) -> list[Any]:
    """The `data:` payloads of an SSE body, JSON-decoded except the final [DONE]."""
    import json

    out: list[Any] = []
    for line in lines:
        if line.startswith("data:"):
            data = line[5:].strip()
            out.append(data if data == "[DONE]" else json.loads(data))
    return out
