"""Read-only bulk loads of what the chat runtime serves, one query per entity, run once per
configuration version (the result is cached per worker; see services/runtime_config.py)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ApiKey, Application, Assistant, LLMModel, Provider


async def load_applications(session: AsyncSession) -> list[Application]:
    return list(await session.scalars(select(Application)))


async def load_assistants(session: AsyncSession) -> list[Assistant]:
    return list(await session.scalars(select(Assistant)))


async def load_models(session: AsyncSession) -> list[LLMModel]:
    return list(await session.scalars(select(LLMModel)))


async def load_providers(session: AsyncSession) -> list[Provider]:
    return list(await session.scalars(select(Provider)))


async def load_newest_active_keys(session: AsyncSession) -> dict[int, str]:
    """provider_id -> the encrypted secret of its newest active stored key."""
    rows = await session.execute(
        select(ApiKey.provider_id, ApiKey.encrypted_key).where(ApiKey.is_active).order_by(ApiKey.id))
    return {provider_id: secret for provider_id, secret in rows}  # later (newer) rows win


async def load_assistant(session: AsyncSession,
                         assistant_id: int) -> tuple[Assistant, LLMModel, Provider, str | None] | None:
    """One assistant with its model, provider and the provider's newest active stored key."""
    row = (await session.execute(
        select(Assistant, LLMModel, Provider).join(LLMModel, Assistant.model_id == LLMModel.id)
        .join(Provider, LLMModel.provider_id == Provider.id).where(Assistant.id == assistant_id))).first()
    if row is None:
        return None
    key = await session.scalar(select(ApiKey.encrypted_key).where(
        ApiKey.provider_id == row[2].id, ApiKey.is_active).order_by(ApiKey.id.desc()).limit(1))
    return row[0], row[1], row[2], key
