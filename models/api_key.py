"""Provider API key schemas. The key goes in once (or again, to rotate it); responses carry only a
masked preview such as `sk-...9f2c`."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

from models.application import DbId, Name, clean_text


def header_safe(value: str) -> str:
    # Providers send the key in an HTTP header: refused here with a 422 rather than accepted and
    # then failing every chat with a 502.
    if not (value.isascii() and value.isprintable()) or any(c.isspace() for c in value):
        raise ValueError("must be printable ASCII without spaces or control characters "
                         "(it is sent in an HTTP header): paste the key again")
    return value


# Documents header_safe for clients and for schemathesis, which generates keys from it.
KEY_PATTERN = "^[!-~]+$"
# Keys are pasted from consoles: surrounding whitespace is never part of them.
ApiKeyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096),
                       AfterValidator(clean_text), AfterValidator(header_safe),
                       WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 4096, "pattern": KEY_PATTERN})]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    provider_id: DbId
    api_key: ApiKeyText
    is_active: bool = True


class ApiKeyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = None  # type: ignore[assignment]
    api_key: ApiKeyText = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    provider_id: int
    key_preview: str
    is_active: bool
    created_by: int | None
    updated_by: int | None = None
    created_at: datetime
    updated_at: datetime


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
    count: int
