"""Assistants: CRUD with visibility, consistency with their model (streaming, max_tokens), the
encrypted write-only `api_key`, and name/slug/endpoint uniqueness."""

from collections.abc import Set
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from database.models import Assistant, LLMModel
from errors import Conflict, InvalidInput, NotFound
from models.application import sent_fields
from models.assistant import AssistantCreate, AssistantPublic, AssistantsPublic, AssistantUpdate
from repositories import application_repository, assistant_repository, model_repository
from services.application_service import can_see, check_endpoint, conflict_on_integrity_error, load_visible, slug_of
from services.auth_service import UserSnapshot
from services.config_cache import ConfigCache, commit_change
from services.security import SecretBox


def to_public(assistant: Assistant) -> AssistantPublic:
    """Needs the assistant loaded with its application, model and provider (the repository does it)."""
    return AssistantPublic(
        id=assistant.id, name=assistant.name, slug=assistant.slug, description=assistant.description,
        system_prompt=assistant.system_prompt, application_id=assistant.application_id,
        application_name=assistant.application.name, model_id=assistant.model_id,
        model_name=assistant.model.name, provider_id=assistant.model.provider_id,
        provider_name=assistant.model.provider.name, endpoint=assistant.endpoint,
        is_streaming=assistant.is_streaming, is_active=assistant.is_active, config=dict(assistant.config or {}),
        has_api_key=bool(assistant.api_key), created_by=assistant.created_by, updated_by=assistant.updated_by,
        created_at=assistant.created_at, updated_at=assistant.updated_at)


def _visible(viewer: UserSnapshot, assistant: Assistant) -> bool:
    if viewer.is_admin:
        return True
    if not can_see(viewer, assistant.application_id):
        return False
    allowed = viewer.access[assistant.application_id]
    return allowed is None or assistant.id in allowed


async def list_assistants(session: AsyncSession, viewer: UserSnapshot, *, skip: int, limit: int,
                          application_id: int | None = None, model_id: int | None = None,
                          provider_id: int | None = None, is_active: bool | None = None) -> AssistantsPublic:
    visible = None if viewer.is_admin else assistant_repository.visible_to(viewer.access)
    rows, total = await assistant_repository.list_page(
        session, skip=skip, limit=limit, application_id=application_id, model_id=model_id,
        provider_id=provider_id, is_active=is_active, visible=visible)
    return AssistantsPublic(data=[to_public(a) for a in rows], count=total)


async def list_for_application(session: AsyncSession, viewer: UserSnapshot, application_id: int, *,
                               skip: int, limit: int, is_active: bool | None = None) -> AssistantsPublic:
    await load_visible(session, viewer, application_id)  # 404 for an unknown or hidden application
    return await list_assistants(session, viewer, skip=skip, limit=limit, application_id=application_id,
                                 is_active=is_active)


async def get_assistant(session: AsyncSession, viewer: UserSnapshot, assistant_id: int) -> AssistantPublic:
    assistant = await assistant_repository.get(session, assistant_id)
    if assistant is None or not _visible(viewer, assistant):
        raise NotFound(f"Assistant {assistant_id} not found")
    return to_public(assistant)


async def _model(session: AsyncSession, model_id: int) -> LLMModel:
    model = await model_repository.get(session, model_id)
    if model is None:
        raise InvalidInput(f"model_id {model_id} does not exist: pick one from GET /admin/models", field="model_id")
    return model


async def _check_application(session: AsyncSession, application_id: int) -> None:
    if await application_repository.get(session, application_id) is None:
        raise InvalidInput(f"application_id {application_id} does not exist: pick one from GET /admin/applications",
                           field="application_id")


def _check_consistency(model: LLMModel, is_streaming: bool, config: dict[str, Any]) -> None:
    if is_streaming and not model.supports_streaming:
        raise InvalidInput(f"model '{model.name}' does not support streaming: set is_streaming to false or pick "
                           "a model with supports_streaming", field="is_streaming")
    max_tokens = config.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens > model.max_tokens:
        raise InvalidInput(f"config.max_tokens {max_tokens} is more than model '{model.name}' allows "
                           f"({model.max_tokens})", field="config")


async def _check_name(session: AsyncSession, application_id: int, name: str, exclude_id: int | None = None) -> str:
    slug = slug_of(name)
    clash = await assistant_repository.get_by_name_or_slug(session, application_id, name, slug, exclude_id)
    if clash is not None:
        raise Conflict(f"This application already has an assistant named '{clash.name}' (same name or URL slug "
                       f"'{clash.slug}'): choose another name")
    return slug


def _sealed(settings: Settings, api_key: str | None) -> str | None:
    return SecretBox(settings.encryption_keys).encrypt(api_key) if api_key else None


async def _reload(session: AsyncSession, assistant_id: int) -> AssistantPublic:
    assistant = await assistant_repository.get(session, assistant_id)
    assert assistant is not None  # just written in this request
    return to_public(assistant)


async def create_assistant(session: AsyncSession, cache: ConfigCache, settings: Settings, actor: UserSnapshot,
                           data: AssistantCreate, live_routes: Set[str]) -> AssistantPublic:
    await _check_application(session, data.application_id)
    model = await _model(session, data.model_id)
    config = data.config.stored()
    _check_consistency(model, data.is_streaming, config)
    slug = await _check_name(session, data.application_id, data.name)
    endpoint = await check_endpoint(session, data.endpoint, live_routes)
    assistant = Assistant(
        name=data.name, slug=slug, description=data.description, system_prompt=data.system_prompt,
        application_id=data.application_id, model_id=model.id, api_key=_sealed(settings, data.api_key),
        is_streaming=data.is_streaming, is_active=data.is_active, config=config, endpoint=endpoint,
        created_by=actor.id)
    async with conflict_on_integrity_error(session, "An assistant with this name or endpoint was just created, "
                                                    "or its application or model was just deleted"):
        await assistant_repository.add(session, assistant)
        await commit_change(session, cache)
    return await _reload(session, assistant.id)


async def update_assistant(session: AsyncSession, cache: ConfigCache, settings: Settings, assistant_id: int,
                           data: AssistantUpdate, live_routes: Set[str]) -> AssistantPublic:
    assistant = await assistant_repository.get(session, assistant_id)
    if assistant is None:
        raise NotFound(f"Assistant {assistant_id} not found")
    changes = sent_fields(data)
    if "config" in changes:
        changes["config"] = data.config.stored()
    old_application_id = assistant.application_id
    if "application_id" in changes:
        await _check_application(session, changes["application_id"])
    model = await _model(session, changes["model_id"]) if "model_id" in changes else assistant.model
    _check_consistency(model, changes.get("is_streaming", assistant.is_streaming),
                       changes.get("config", assistant.config or {}))
    application_id = changes.get("application_id", assistant.application_id)
    if "name" in changes or application_id != old_application_id:
        name = changes.get("name", assistant.name)
        changes["slug"] = await _check_name(session, application_id, name, exclude_id=assistant.id)
    if "endpoint" in changes:
        changes["endpoint"] = await check_endpoint(session, changes["endpoint"], live_routes,
                                                   assistant_id=assistant.id)
    if "api_key" in changes:
        changes["api_key"] = _sealed(settings, changes["api_key"])
    for field, value in changes.items():
        setattr(assistant, field, value)
    async with conflict_on_integrity_error(session, "Another assistant just took this name or endpoint, "
                                                    "or the new application or model was just deleted"):
        if application_id != old_application_id:
            await assistant_repository.forget_in_access_lists(session, old_application_id, assistant.id)
        await session.flush()
        await commit_change(session, cache)
    return await _reload(session, assistant.id)


async def delete_assistant(session: AsyncSession, cache: ConfigCache, assistant_id: int) -> None:
    """Delete the assistant; its conversations go with it."""
    assistant = await assistant_repository.get(session, assistant_id)
    if assistant is None:
        raise NotFound(f"Assistant {assistant_id} not found")
    async with conflict_on_integrity_error(session, "The assistant changed while it was being deleted: retry"):
        await assistant_repository.forget_in_access_lists(session, assistant.application_id, assistant.id)
        await assistant_repository.delete(session, assistant_id)
        await commit_change(session, cache)
