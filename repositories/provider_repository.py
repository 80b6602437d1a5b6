from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ApiKey, LLMModel, Provider

# (provider, number of its models, whether it has an active stored API key)
ProviderRow = tuple[Provider, int, bool]


def _with_stats():  # type: ignore[no-untyped-def]
    model_count = (select(func.count()).select_from(LLMModel).where(LLMModel.provider_id == Provider.id)
                   .correlate(Provider).scalar_subquery())
    has_key = exists().where(ApiKey.provider_id == Provider.id, ApiKey.is_active).correlate(Provider)
    return select(Provider, model_count.label("model_count"), has_key.label("has_api_key"))


async def get(session: AsyncSession, provider_id: int) -> Provider | None:
    return await session.get(Provider, provider_id)


async def get_with_stats(session: AsyncSession, provider_id: int) -> ProviderRow | None:
    row = (await session.execute(_with_stats().where(Provider.id == provider_id))).first()
    return (row[0], row[1], bool(row[2])) if row else None


async def list_page(session: AsyncSession, *, skip: int, limit: int, is_active: bool | None = None,
                    is_dynamic: bool | None = None) -> tuple[list[ProviderRow], int]:
    filters = []
    if is_active is not None:
        filters.append(Provider.is_active == is_active)
    if is_dynamic is not None:
        filters.append(Provider.is_dynamic == is_dynamic)
    total = await session.scalar(select(func.count()).select_from(Provider).where(*filters))
    result = await session.execute(_with_stats().where(*filters).order_by(Provider.id).offset(skip).limit(limit))
    return [(p, count, bool(has)) for p, count, has in result], total or 0


# dynamic providers

async def get_dynamic(session: AsyncSession, provider_id: int) -> Provider | None:
    provider = await session.get(Provider, provider_id)
    return provider if provider is not None and provider.is_dynamic else None


async def get_dynamic_by_name(session: AsyncSession, name: str) -> Provider | None:
    return await session.scalar(select(Provider).where(Provider.name == name, Provider.is_dynamic.is_(True)))


async def find_by_name(session: AsyncSession, name: str) -> Provider | None:
    """Any provider (built-in or dynamic) with this name: names are unique across both."""
    return await session.scalar(select(Provider).where(Provider.name == name))


async def dynamic_names(session: AsyncSession) -> list[tuple[str, bool]]:
    rows = await session.execute(select(Provider.name, Provider.is_active).where(Provider.is_dynamic.is_(True)))
    return [(name, bool(active)) for name, active in rows]


async def add_dynamic(session: AsyncSession, provider: Provider) -> Provider:
    session.add(provider)
    await session.flush()
    return provider


async def newest_active_key(session: AsyncSession, provider_id: int) -> str | None:
    """The encrypted value of the provider's newest active stored API key."""
    return await session.scalar(select(ApiKey.encrypted_key)
                                .where(ApiKey.provider_id == provider_id, ApiKey.is_active.is_(True))
                                .order_by(ApiKey.id.desc()).limit(1))
