"""Provider schemas for the admin API (built-in and dynamic alike; the code of a dynamic provider
is shown only by the dynamic-provider endpoints)."""

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from models.application import IconUrl, Name, clean_text


def _http_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("must be an http(s) URL such as https://api.openai.com/v1")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query string or fragment: give the base URL the SDK takes")
    try:
        port = parts.port  # urlsplit checks the port only when it is read
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ValueError("has a port that is not a number from 1 to 65535")
    # SDKs join paths onto the base URL; a trailing slash would double up.
    return value.rstrip("/")


BaseUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
                    AfterValidator(clean_text), AfterValidator(_http_base_url)]


class ProviderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: Name = None  # type: ignore[assignment]
    icon_url: IconUrl | None = None
    base_url: BaseUrl | None = None  # null: the provider SDK's own default
    is_active: bool = None  # type: ignore[assignment]


class ProviderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    display_name: str
    icon_url: str | None
    base_url: str | None
    is_active: bool
    is_dynamic: bool
    model_count: int
    has_api_key: bool  # at least one active stored API key
    created_by: int | None = None
    updated_by: int | None = None
    created_at: datetime
    updated_at: datetime


class ProvidersPublic(BaseModel):
    data: list[ProviderPublic]
    count: int
