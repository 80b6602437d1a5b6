from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import User, UserApplication


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def list_access(session: AsyncSession, user_id: int) -> list[UserApplication]:
    return list(await session.scalars(select(UserApplication).where(UserApplication.user_id == user_id)))
