from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ConfigState


async def bump_version(session: AsyncSession) -> None:
    await session.execute(update(ConfigState).where(ConfigState.id == 1).values(version=ConfigState.version + 1))


async def get_version(session: AsyncSession) -> int:
    return (await session.scalar(select(ConfigState.version).where(ConfigState.id == 1))) or 0
