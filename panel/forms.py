"""Form handling shared by every screen: what was typed, and the errors to show next to each field.

Forms are parsed into the API's own request schemas (`ApplicationCreate`, `AssistantUpdate`...),
so a value the API refuses is refused here with the same message; the services' errors
(`InvalidInput.field`, a `Conflict` naming a field) are placed next to the field they concern."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from errors import AppError, Conflict, InvalidInput

T = TypeVar("T", bound=BaseModel)
GENERAL = "__all__"
# A service error names the field it concerns in its own words: "config" means config.max_tokens.
_FIELD_ALIASES = {"config": "config.max_tokens", "application_ids": "applications", "assistant_ids": "applications"}


@dataclass
class Form:
    """What the user typed (never secrets) and the errors by field name (GENERAL: the whole form)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def general_error(self) -> str | None:
        return self.errors.get(GENERAL)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def text(form: FormData, name: str) -> str | None:
    """The field's text, or None when it was left empty (so optional fields become null)."""
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value


def checkbox(form: FormData, name: str) -> bool:
    return form.get(name) is not None


def number(form: FormData, name: str, errors: dict[str, str], *, integer: bool = False) -> float | int | None:
    raw = text(form, name)
    if raw is None:
        return None
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        errors[name] = "Enter a whole number" if integer else "Enter a number such as 0.7"
        return None


def int_list(form: FormData, name: str) -> list[int]:
    return [int(v) for v in form.getlist(name) if isinstance(v, str) and v.isdigit()]


def _message(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validation_errors(exc: ValidationError, known: Iterable[str] = ()) -> dict[str, str]:
    known = set(known)
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        name = ".".join(str(p) for p in error["loc"])
        # A list item ("config.stop.0") belongs to its list's field.
        while name and name not in known and "." in name and known:
            name = name.rsplit(".", 1)[0]
        errors.setdefault(name if (not known or name in known) and name else GENERAL, _message(error))
    return errors


def parse(schema: type[T], data: dict[str, Any], known: Iterable[str] = ()) -> T:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise FormInvalid(validation_errors(exc, known or data.keys())) from exc


def service_errors(exc: AppError, fields: Iterable[str], conflict_fields: Iterable[str] = ("name",)) -> dict[str, str]:
    """Place a service error next to its field: `InvalidInput.field`, or for a `Conflict` the
    first of `conflict_fields` its message mentions (else the last one)."""
    fields = set(fields)
    if isinstance(exc, InvalidInput) and exc.field:
        name = exc.field if exc.field in fields else _FIELD_ALIASES.get(exc.field, exc.field)
        return {name if name in fields else GENERAL: exc.detail}
    if isinstance(exc, Conflict):
        candidates = list(conflict_fields)
        for candidate in candidates:
            if candidate in fields and re.search(rf"\b{re.escape(candidate)}", exc.detail, re.IGNORECASE):
                return {candidate: exc.detail}
        if candidates and candidates[-1] in fields:
            return {candidates[-1]: exc.detail}
    return {GENERAL: exc.detail}
