from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ApiKey


async def get(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def list_page(session: AsyncSession, *, skip: int, limit: int, provider_id: int | None = None,
                    is_active: bool | None = None) -> tuple[list[ApiKey], int]:
    filters = []
    if provider_id is not None:
        filters.append(ApiKey.provider_id == provider_id)
    if is_active is not None:
        filters.append(ApiKey.is_active == is_active)
    total = await session.scalar(select(func.count()).select_from(ApiKey).where(*filters))
    rows = await session.scalars(select(ApiKey).where(*filters).order_by(ApiKey.id).offset(skip).limit(limit))
    return list(rows), total or 0


async def add(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


async def delete(session: AsyncSession, key: ApiKey) -> None:
    await session.delete(key)
    await session.flush()
