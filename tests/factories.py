"""Test data made through the admin API (so every factory call also exercises it), plus two direct
database helpers: one inserts a provider (the admin API never creates built-in ones) and one reads
raw rows (to prove what is, and is not, stored)."""

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, insert, select

from config import Settings
from database.database import sync_url
from database.models import Base, Conversation, ConversationMessage, Provider, utcnow
from tests.conftest import login, unique

Headers = dict[str, str]


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def builtin_provider_id(client: TestClient, headers: Headers, name: str = "openai") -> int:
    providers = client.get("/admin/providers", params={"limit": 500}, headers=headers).json()["data"]
    return next(p["id"] for p in providers if p["name"] == name)


def create_application(client: TestClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("app"), "description": "made by a test", **fields}
    return _created(client.post("/admin/applications", json=body, headers=headers))


def create_model(client: TestClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("model"), **fields}
    body.setdefault("provider_id", builtin_provider_id(client, headers))
    return _created(client.post("/admin/models", json=body, headers=headers))


def create_assistant(client: TestClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("assistant"), "system_prompt": "You help.", **fields}
    if "application_id" not in body:
        body["application_id"] = create_application(client, headers)["id"]
    if "model_id" not in body:
        body["model_id"] = create_model(client, headers)["id"]
    return _created(client.post("/admin/assistants", json=body, headers=headers))


def create_user(client: TestClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    name = unique("user")
    body = {"username": name, "email": f"{name}@example.com", "password": "correct-horse-1", **fields}
    return _created(client.post("/admin/users", json=body, headers=headers))


def user_with_access(client: TestClient, headers: Headers, application_ids: list[int],
                     assistant_ids: dict[str, list[int]] | None = None) -> Headers:
    """A new regular user allowed into `application_ids`; returns their auth headers."""
    user = create_user(client, headers)
    body = {"application_ids": application_ids, "assistant_ids": assistant_ids or {}}
    r = client.put(f"/admin/users/{user['id']}/applications", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return login(client, user["username"], "correct-horse-1")


def create_api_key(client: TestClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("key"), "api_key": f"sk-test-{unique('secret')}", **fields}
    body.setdefault("provider_id", builtin_provider_id(client, headers))
    return _created(client.post("/admin/api-keys", json=body, headers=headers))


def insert_provider(settings: Settings, **fields: Any) -> int:
    """A provider row of our own, so tests may edit one without touching the shared built-ins."""
    values = {"name": unique("prov"), "display_name": "Test provider", "base_url": "https://llm.example.com/v1",
              "is_active": True, "is_dynamic": False, "required_dependencies": [], "config_schema": {},
              "allowed_hosts": [], "created_at": utcnow(), "updated_at": utcnow(), **fields}
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.begin() as conn:
            return int(conn.execute(insert(Provider).values(**values).returning(Provider.id)).scalar_one())
    finally:
        engine.dispose()


def insert_conversation(settings: Settings, assistant_id: int) -> str:
    """A stored conversation with one message (the chat runtime makes these; tests need only rows)."""
    conversation_id = str(uuid.uuid4())
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(insert(Conversation).values(id=conversation_id, assistant_id=assistant_id, owner="user:1",
                                                     created_at=utcnow(), updated_at=utcnow()))
            conn.execute(insert(ConversationMessage).values(conversation_id=conversation_id, role="user",
                                                            content="hello", created_at=utcnow()))
        return conversation_id
    finally:
        engine.dispose()


def count_rows(settings: Settings, table: str, **where: object) -> int:
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            t = Base.metadata.tables[table]
            query = select(func.count()).select_from(t).where(*(t.c[k] == v for k, v in where.items()))
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def dump_database(settings: Settings) -> str:
    """Every row of every table as text, to search for what must never be stored."""
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            return "\n".join(repr(row) for table in Base.metadata.sorted_tables
                             for row in conn.execute(select(table)))
    finally:
        engine.dispose()
