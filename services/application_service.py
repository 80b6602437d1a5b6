"""Applications: CRUD with visibility, name/slug uniqueness, and the chat `endpoint` rules that
assistants share (an endpoint is unique across applications and assistants)."""

import re
from collections.abc import AsyncIterator, Set
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from database.models import Application
from errors import Conflict, InvalidInput, NotFound
from models.application import ApplicationCreate, ApplicationPublic, ApplicationsPublic, ApplicationUpdate, sent_fields
from repositories import application_repository, assistant_repository, client_key_repository
from services import caller_data_service
from services.auth_service import UserSnapshot
from services.config_cache import ConfigCache, commit_change
from services.slugs import slugify

# Paths the service itself owns: an endpoint may be neither one of them nor inside one.
RESERVED_PREFIXES = ("/admin", "/auth", "/app", "/panel", "/docs", "/docs-assets", "/redoc", "/openapi.json",
                     "/static")
_PARAM = re.compile(r"\{[^}:]+(?::([a-z]+))?\}")
_PARAM_PATTERNS = {"path": ".+", "int": "[0-9]+"}
_ENDPOINT = re.compile(r"^(/[a-z0-9_-]+)+$")


@asynccontextmanager
async def conflict_on_integrity_error(session: AsyncSession, detail: str) -> AsyncIterator[None]:
    """A unique index caught what the checks before it could not (a concurrent write): 409, and
    nothing of this request stays written. A row deleted by a concurrent request between our read
    and our write is a 404, as if the delete had come first."""
    try:
        yield
    except StaleDataError as exc:
        await session.rollback()
        raise NotFound("It was deleted by another request meanwhile") from exc
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(detail) from exc


async def check_endpoint(session: AsyncSession, endpoint: str | None, live_routes: Set[str], *,
                         application_id: int | None = None, assistant_id: int | None = None) -> str | None:
    """The endpoint to store (None: no endpoint); `application_id`/`assistant_id` is the row that
    may already hold it. 422 when malformed or reserved, 409 when another row holds it."""
    if endpoint is None or endpoint == "":
        return None
    if not _ENDPOINT.match(endpoint):
        raise InvalidInput("endpoint must be a path such as /chat/customer-support: it starts with /, has "
                           "segments of lower-case letters, digits, - and _, and no trailing slash",
                           field="endpoint")
    for prefix in RESERVED_PREFIXES:
        if endpoint == prefix or endpoint.startswith(prefix + "/"):
            raise InvalidInput(f"endpoint {endpoint} is reserved: nothing may live at or under {prefix}",
                               field="endpoint")
    taken = _route_taking(endpoint, live_routes)
    if taken is not None:
        raise InvalidInput(f"endpoint {endpoint} collides with this service's route {taken}: choose another path",
                           field="endpoint")
    app = await application_repository.get_by_endpoint(session, endpoint)
    if app is not None and app.id != application_id:
        raise Conflict(f"endpoint {endpoint} is already used by application '{app.name}'")
    assistant = await assistant_repository.get_by_endpoint(session, endpoint)
    if assistant is not None and assistant.id != assistant_id:
        raise Conflict(f"endpoint {endpoint} is already used by assistant '{assistant.name}'")
    return endpoint


def _route_taking(endpoint: str, routes: Set[str]) -> str | None:
    """A route that would answer `endpoint` itself, or that lives under it (where the assistants of an
    application endpoint go: /chat would put them beside /chat/assistant)."""
    for route in sorted(routes):
        pattern = _PARAM.sub(lambda m: _PARAM_PATTERNS.get(m.group(1) or "", "[^/]+"), re.escape(route)
                             .replace(r"\{", "{").replace(r"\}", "}"))
        if re.fullmatch(pattern, endpoint) or route.startswith(endpoint + "/"):
            return route
    return None


def slug_of(name: str) -> str:
    slug = slugify(name)
    if not slug:
        raise InvalidInput("name needs at least one letter or digit (it gives the URL slug)", field="name")
    return slug


def can_see(viewer: UserSnapshot, application_id: int) -> bool:
    return viewer.is_admin or application_id in viewer.access


async def load_visible(session: AsyncSession, viewer: UserSnapshot, application_id: int) -> Application:
    """The application, or 404 alike for an unknown id and one the viewer has no access to."""
    app = await application_repository.get(session, application_id)
    if app is None or not can_see(viewer, application_id):
        raise NotFound(f"Application {application_id} not found")
    return app


async def list_applications(session: AsyncSession, viewer: UserSnapshot, *, skip: int, limit: int,
                            is_active: bool | None = None) -> ApplicationsPublic:
    only = None if viewer.is_admin else set(viewer.access)
    rows, total = await application_repository.list_page(session, skip=skip, limit=limit, is_active=is_active,
                                                         only_ids=only)
    return ApplicationsPublic(data=[ApplicationPublic.model_validate(a) for a in rows], count=total)


async def get_application(session: AsyncSession, viewer: UserSnapshot, application_id: int) -> ApplicationPublic:
    return ApplicationPublic.model_validate(await load_visible(session, viewer, application_id))


async def _check_name(session: AsyncSession, name: str, exclude_id: int | None = None) -> str:
    slug = slug_of(name)
    clash = await application_repository.get_by_name_or_slug(session, name, slug, exclude_id)
    if clash is not None:
        raise Conflict(f"An application named '{clash.name}' already exists (same name or URL slug "
                       f"'{clash.slug}'): choose another name")
    return slug


async def create_application(session: AsyncSession, cache: ConfigCache, actor: UserSnapshot,
                             data: ApplicationCreate, live_routes: Set[str]) -> ApplicationPublic:
    slug = await _check_name(session, data.name)
    endpoint = await check_endpoint(session, data.endpoint, live_routes)
    app = Application(name=data.name, slug=slug, description=data.description, icon_url=data.icon_url,
                      endpoint=endpoint, is_active=data.is_active, created_by=actor.id)
    async with conflict_on_integrity_error(session, "An application with this name or endpoint was just created"):
        await application_repository.add(session, app)
        await commit_change(session, cache)
    return ApplicationPublic.model_validate(app)


async def update_application(session: AsyncSession, cache: ConfigCache, application_id: int,
                             data: ApplicationUpdate, live_routes: Set[str]) -> ApplicationPublic:
    app = await application_repository.get(session, application_id)
    if app is None:
        raise NotFound(f"Application {application_id} not found")
    changes = sent_fields(data)
    if "name" in changes:
        changes["slug"] = await _check_name(session, changes["name"], exclude_id=app.id)
    if "endpoint" in changes:
        changes["endpoint"] = await check_endpoint(session, changes["endpoint"], live_routes,
                                                   application_id=app.id)
    for field, value in changes.items():
        setattr(app, field, value)
    async with conflict_on_integrity_error(session, "Another application just took this name or endpoint"):
        await session.flush()
        await commit_change(session, cache)
    return ApplicationPublic.model_validate(app)


async def delete_application(session: AsyncSession, cache: ConfigCache, application_id: int, *,
                             force: bool = False) -> None:
    """Delete; with assistants only when `force` (their conversations, client keys and user access go too)."""
    app = await application_repository.get(session, application_id)
    if app is None:
        raise NotFound(f"Application {application_id} not found")
    in_use = await application_repository.count_assistants(session, application_id)
    if in_use and not force:
        raise Conflict(f"Application '{app.name}' still has {in_use} assistant(s): delete or move them first, "
                       "or repeat with ?force=true to delete them with it")
    async with conflict_on_integrity_error(session, "The application changed while it was being deleted: retry"):
        keys = await client_key_repository.list_for_application(session, application_id)
        await application_repository.delete(session, application_id)
        await caller_data_service.forget_client_keys(session, [k.id for k in keys])
        await commit_change(session, cache)
