"""Client keys: what a client app sends (`vak_...`) to call one application's assistants."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from models.application import Name


class ClientKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class ClientKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    name: str
    key_preview: str
    is_active: bool
    created_by: int | None
    created_at: datetime


class ClientKeyCreated(ClientKeyPublic):
    """Returned once, on creation: `key` is not stored and cannot be shown again."""

    key: str


class ClientKeysPublic(BaseModel):
    data: list[ClientKeyPublic]
    count: int
