"""User schemas for the admin API. Passwords go in, never out (`UserPublic` has no password field)."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from models.application import DbId, clean_text
from models.auth import UserPublic

Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256), AfterValidator(clean_text)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(clean_text)]
Email = Annotated[EmailStr, StringConstraints(max_length=255)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    email: Email
    password: Password
    full_name: FullName | None = None
    is_admin: bool = False
    is_active: bool = True


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username = None  # type: ignore[assignment]
    email: Email = None  # type: ignore[assignment]
    password: Password = None  # type: ignore[assignment]
    full_name: FullName | None = None
    is_admin: bool = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserApplications(BaseModel):
    """Which applications a regular user may use. `assistant_ids` narrows an application to some of
    its assistants: `{"<application_id>": [assistant ids]}`; an application missing there means all
    of its assistants. Admins may use everything whatever this says."""

    model_config = ConfigDict(extra="forbid")
    application_ids: list[DbId] = Field(max_length=1000)
    assistant_ids: dict[DbId, list[DbId]] = Field(default_factory=dict, max_length=1000)

    @model_validator(mode="after")
    def _narrowed_apps_are_listed(self) -> "UserApplications":
        self.application_ids = sorted(set(self.application_ids))
        stray = sorted(set(self.assistant_ids) - set(self.application_ids))
        if stray:
            raise ValueError(f"assistant_ids names applications {stray} that are not in application_ids")
        self.assistant_ids = {app: sorted(set(ids)) for app, ids in sorted(self.assistant_ids.items())}
        return self


__all__ = ["UserApplications", "UserCreate", "UserPublic", "UserUpdate", "UsersPublic"]
