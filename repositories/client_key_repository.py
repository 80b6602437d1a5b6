from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ClientKey


async def get_active_by_hash(session: AsyncSession, key_hash: str) -> ClientKey | None:
    return await session.scalar(select(ClientKey).where(ClientKey.key_hash == key_hash, ClientKey.is_active))


async def list_for_application(session: AsyncSession, application_id: int) -> list[ClientKey]:
    return list(await session.scalars(
        select(ClientKey).where(ClientKey.application_id == application_id).order_by(ClientKey.id)))


async def get(session: AsyncSession, key_id: int) -> ClientKey | None:
    return await session.get(ClientKey, key_id)


async def add(session: AsyncSession, key: ClientKey) -> ClientKey:
    session.add(key)
    await session.flush()
    return key


async def delete(session: AsyncSession, key: ClientKey) -> None:
    await session.delete(key)
    await session.flush()
