"""Schemas of LLM models (rows of the `models` table a provider offers), not Pydantic models."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from models.application import DB_INT_MAX, DbId, clean_text

# The provider's own model id, e.g. "gpt-4o-mini" or "models/gemini-2.5-flash".
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128),
                      AfterValidator(clean_text)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128), AfterValidator(clean_text)]
MaxTokens = Annotated[int, Field(ge=1, le=DB_INT_MAX, description="Largest answer the model can produce")]
Cost = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]


class ModelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    name: ModelName
    provider_id: DbId
    display_name: DisplayName | None = None
    max_tokens: MaxTokens = 4096
    supports_streaming: bool = True
    supports_system_prompt: bool = True
    cost_per_token: Cost = 0.0
    is_active: bool = True


class ModelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    name: ModelName = None  # type: ignore[assignment]
    provider_id: DbId = None  # type: ignore[assignment]
    display_name: DisplayName | None = None
    max_tokens: MaxTokens = None  # type: ignore[assignment]
    supports_streaming: bool = None  # type: ignore[assignment]
    supports_system_prompt: bool = None  # type: ignore[assignment]
    cost_per_token: Cost = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


class ModelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, protected_namespaces=())
    id: int
    name: str
    display_name: str | None
    provider_id: int
    provider_name: str
    max_tokens: int
    supports_streaming: bool
    supports_system_prompt: bool
    cost_per_token: float
    is_active: bool
    created_by: int | None = None
    updated_by: int | None = None
    created_at: datetime
    updated_at: datetime


class ModelsPublic(BaseModel):
    data: list[ModelPublic]
    count: int
