"""Providers as the admin API shows them (built-in and dynamic). Built-ins are never deleted, only
deactivated; `base_url` is what the provider's SDK is pointed at, editable at run time."""

from sqlalchemy.ext.asyncio import AsyncSession

from errors import NotFound
from models.application import sent_fields
from models.provider import ProviderPublic, ProvidersPublic, ProviderUpdate
from repositories import provider_repository
from repositories.provider_repository import ProviderRow
from services.config_cache import ConfigCache, commit_change


def to_public(row: ProviderRow) -> ProviderPublic:
    provider, model_count, has_api_key = row
    return ProviderPublic(
        id=provider.id, name=provider.name, display_name=provider.display_name, icon_url=provider.icon_url,
        base_url=provider.base_url, is_active=provider.is_active, is_dynamic=provider.is_dynamic,
        model_count=model_count, has_api_key=has_api_key, created_by=provider.created_by,
        updated_by=provider.updated_by, created_at=provider.created_at, updated_at=provider.updated_at)


async def list_providers(session: AsyncSession, *, skip: int, limit: int, is_active: bool | None = None,
                         is_dynamic: bool | None = None) -> ProvidersPublic:
    rows, total = await provider_repository.list_page(session, skip=skip, limit=limit, is_active=is_active,
                                                      is_dynamic=is_dynamic)
    return ProvidersPublic(data=[to_public(r) for r in rows], count=total)


async def get_provider(session: AsyncSession, provider_id: int) -> ProviderPublic:
    row = await provider_repository.get_with_stats(session, provider_id)
    if row is None:
        raise NotFound(f"Provider {provider_id} not found")
    return to_public(row)


async def update_provider(session: AsyncSession, cache: ConfigCache, provider_id: int,
                          data: ProviderUpdate) -> ProviderPublic:
    provider = await provider_repository.get(session, provider_id)
    if provider is None:
        raise NotFound(f"Provider {provider_id} not found")
    for field, value in sent_fields(data).items():
        setattr(provider, field, value)
    await session.flush()
    await commit_change(session, cache)
    return await get_provider(session, provider_id)
