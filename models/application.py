"""Application schemas, and the field types every admin schema shares (ids, names, clean text).

Update schemas give non-nullable fields a `None` default without allowing `None` in the type: an
omitted field stays unset (`exclude_unset`), and an explicit `null` fails validation with a 422.
"""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

DB_INT_MAX = 2_147_483_647  # an INTEGER column's limit on PostgreSQL; larger ids would be a 500


def clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and lone surrogates cannot be encoded: both would be a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid UTF-8 text (no lone surrogates)") from exc
    return value


def _http_url_or_path(value: str) -> str:
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//"):
        return value
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an http(s) URL such as https://example.com/icon.png, or a path starting with /")
    return value


DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
Text = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(clean_text)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(clean_text)]
IconUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(clean_text),
                    AfterValidator(_http_url_or_path)]
# Format checked by the service (it also needs the live route table); length and text checked here.
Endpoint = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(clean_text)]


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: Text | None = None
    icon_url: IconUrl | None = None
    endpoint: Endpoint | None = Field(None, description="Optional chat path such as /chat/customer-support")
    is_active: bool = True


class ApplicationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = None  # type: ignore[assignment]
    description: Text | None = None
    icon_url: IconUrl | None = None
    endpoint: Endpoint | None = None
    is_active: bool = None  # type: ignore[assignment]


class ApplicationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    slug: str
    description: str | None
    icon_url: str | None
    endpoint: str | None
    is_active: bool
    created_by: int | None
    updated_by: int | None = None
    created_at: datetime
    updated_at: datetime


class ApplicationsPublic(BaseModel):
    data: list[ApplicationPublic]
    count: int


def sent_fields(update: BaseModel) -> dict[str, Any]:
    """The fields a partial update really carries (omitted ones stay as they are)."""
    return update.model_dump(exclude_unset=True)
