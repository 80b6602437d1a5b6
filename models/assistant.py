"""Assistant schemas. The assistant's own provider `api_key` is write-only: it goes in on create or
update and comes back only as `has_api_key`."""

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from models.api_key import header_safe
from models.application import DbId, Endpoint, Name, Text, clean_text

StopText = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(clean_text)]
# Empty means "no key of its own"; anything else must fit in an HTTP header, as for provider keys.
SecretText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4096), AfterValidator(clean_text),
                       AfterValidator(header_safe), WithJsonSchema({"type": "string", "maxLength": 4096,
                                                                    "pattern": "^[!-~]*$"})]


def _json_safe(value: dict[str, Any]) -> dict[str, Any]:
    # NaN/Infinity and NUL characters are valid Python but not storable JSON (PostgreSQL refuses them).
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError as exc:
        raise ValueError("must be plain JSON: no NaN or Infinity") from exc
    if "\\u0000" in text:
        raise ValueError("must not contain NUL characters")
    if len(text) > 16_384:
        raise ValueError("must be at most 16 KiB of JSON")
    return value


class AssistantConfig(BaseModel):
    """Generation settings. Unknown keys are refused so a typo ("temprature") fails loudly here
    instead of being ignored at the provider."""

    model_config = ConfigDict(extra="forbid")
    temperature: float | None = Field(None, ge=0, le=2, allow_inf_nan=False)
    max_tokens: int | None = Field(None, ge=1, le=2_147_483_647,
                                   description="At most the model's max_tokens")
    top_p: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    stop: StopText | list[StopText] | None = Field(None, max_length=16)
    history_window: int | None = Field(None, ge=0, le=200,
                                       description="How many earlier messages are sent with each question")
    provider_options: Annotated[dict[str, Any], AfterValidator(_json_safe)] | None = Field(
        None, description="Settings a dynamic provider's config_schema declares (checked against it at call time)")

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class AssistantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    name: Name
    application_id: DbId
    model_id: DbId
    description: Text | None = None
    system_prompt: Text | None = None
    endpoint: Endpoint | None = None
    is_streaming: bool = False
    is_active: bool = True
    config: AssistantConfig = Field(default_factory=AssistantConfig)
    api_key: SecretText | None = Field(None, description="Write-only; stored encrypted. Empty or null: none")


class AssistantUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    name: Name = None  # type: ignore[assignment]
    application_id: DbId = None  # type: ignore[assignment]
    model_id: DbId = None  # type: ignore[assignment]
    description: Text | None = None
    system_prompt: Text | None = None
    endpoint: Endpoint | None = None
    is_streaming: bool = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]
    config: AssistantConfig = None  # type: ignore[assignment]
    api_key: SecretText | None = Field(None, description="Write-only. Omitted: unchanged; empty or null: cleared")


class AssistantPublic(BaseModel):
    model_config = ConfigDict(protected_namespaces=())
    id: int
    name: str
    slug: str
    description: str | None
    system_prompt: str | None
    application_id: int
    application_name: str
    model_id: int
    model_name: str
    provider_id: int
    provider_name: str
    endpoint: str | None
    is_streaming: bool
    is_active: bool
    config: dict[str, Any]
    has_api_key: bool
    created_by: int | None
    updated_by: int | None = None
    created_at: datetime
    updated_at: datetime


class AssistantsPublic(BaseModel):
    data: list[AssistantPublic]
    count: int
