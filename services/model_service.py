"""LLM models a provider offers: CRUD, unique names within a provider, and no change that would
leave an assistant inconsistent (streaming on a non-streaming model, config.max_tokens too large)."""

from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Assistant, LLMModel
from errors import Conflict, InvalidInput, NotFound
from models.application import sent_fields
from models.model import ModelCreate, ModelPublic, ModelsPublic, ModelUpdate
from repositories import model_repository, provider_repository
from services.application_service import conflict_on_integrity_error
from services.config_cache import ConfigCache, commit_change


def to_public(model: LLMModel) -> ModelPublic:
    """Needs the model loaded with its provider (the repository does it)."""
    return ModelPublic(
        id=model.id, name=model.name, display_name=model.display_name, provider_id=model.provider_id,
        provider_name=model.provider.name, max_tokens=model.max_tokens, supports_streaming=model.supports_streaming,
        supports_system_prompt=model.supports_system_prompt, cost_per_token=model.cost_per_token,
        is_active=model.is_active, created_by=model.created_by, updated_by=model.updated_by,
        created_at=model.created_at, updated_at=model.updated_at)


async def list_models(session: AsyncSession, *, skip: int, limit: int, provider_id: int | None = None,
                      is_active: bool | None = None) -> ModelsPublic:
    rows, total = await model_repository.list_page(session, skip=skip, limit=limit, provider_id=provider_id,
                                                   is_active=is_active)
    return ModelsPublic(data=[to_public(m) for m in rows], count=total)


async def list_for_provider(session: AsyncSession, provider_id: int, *, skip: int, limit: int,
                            is_active: bool | None = None) -> ModelsPublic:
    if await provider_repository.get(session, provider_id) is None:
        raise NotFound(f"Provider {provider_id} not found")
    return await list_models(session, skip=skip, limit=limit, provider_id=provider_id, is_active=is_active)


async def _load(session: AsyncSession, model_id: int) -> LLMModel:
    model = await model_repository.get(session, model_id)
    if model is None:
        raise NotFound(f"Model {model_id} not found")
    return model


async def get_model(session: AsyncSession, model_id: int) -> ModelPublic:
    return to_public(await _load(session, model_id))


async def _check_provider(session: AsyncSession, provider_id: int) -> None:
    if await provider_repository.get(session, provider_id) is None:
        raise InvalidInput(f"provider_id {provider_id} does not exist: pick one from GET /admin/providers",
                           field="provider_id")


async def _check_name(session: AsyncSession, provider_id: int, name: str, exclude_id: int | None = None) -> None:
    if await model_repository.get_by_name(session, provider_id, name, exclude_id) is not None:
        raise Conflict(f"This provider already has a model named '{name}'")


def _names(assistants: list[Assistant]) -> str:
    return ", ".join(f"'{a.name}' (id {a.id})" for a in assistants)


async def _check_assistants_still_fit(session: AsyncSession, model: LLMModel, max_tokens: int,
                                      supports_streaming: bool) -> None:
    users = await model_repository.assistants_using(session, model.id, limit=None)
    streaming = [a for a in users if a.is_streaming]
    if not supports_streaming and streaming:
        raise Conflict(f"Streaming assistants use this model: {_names(streaming[:5])}; turn their streaming "
                       "off first")
    too_long = [a for a in users if isinstance((a.config or {}).get("max_tokens"), int)
                and a.config["max_tokens"] > max_tokens]
    if too_long:
        raise Conflict(f"Assistants ask for more than {max_tokens} tokens in their config.max_tokens: "
                       f"{_names(too_long[:5])}; lower theirs first")


async def create_model(session: AsyncSession, cache: ConfigCache, data: ModelCreate) -> ModelPublic:
    await _check_provider(session, data.provider_id)
    await _check_name(session, data.provider_id, data.name)
    model = LLMModel(**data.model_dump())
    async with conflict_on_integrity_error(session, "A model with this name was just created for this provider"):
        await model_repository.add(session, model)
        await commit_change(session, cache)
    return to_public(await _load(session, model.id))


async def update_model(session: AsyncSession, cache: ConfigCache, model_id: int, data: ModelUpdate) -> ModelPublic:
    model = await _load(session, model_id)
    changes = sent_fields(data)
    if "provider_id" in changes:
        await _check_provider(session, changes["provider_id"])
    if "name" in changes or "provider_id" in changes:
        await _check_name(session, changes.get("provider_id", model.provider_id), changes.get("name", model.name),
                          exclude_id=model.id)
    if "max_tokens" in changes or changes.get("supports_streaming") is False:
        await _check_assistants_still_fit(session, model, changes.get("max_tokens", model.max_tokens),
                                          changes.get("supports_streaming", model.supports_streaming))
    for field, value in changes.items():
        setattr(model, field, value)
    async with conflict_on_integrity_error(session, "Another model with this name was just created"):
        await session.flush()
        await commit_change(session, cache)
    return to_public(await _load(session, model.id))


async def delete_model(session: AsyncSession, cache: ConfigCache, model_id: int) -> None:
    model = await _load(session, model_id)
    users = await model_repository.assistants_using(session, model.id)
    if users:
        raise Conflict(f"Model '{model.name}' is used by assistants {_names(users)}: move them to another "
                       "model or delete them first")
    async with conflict_on_integrity_error(session, "An assistant started using this model: it was not deleted"):
        await model_repository.delete(session, model_id)
        await commit_change(session, cache)
