from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import User, UserApplication


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def list_access(session: AsyncSession, user_id: int) -> list[UserApplication]:
    return list(await session.scalars(select(UserApplication).where(UserApplication.user_id == user_id)
                                      .order_by(UserApplication.application_id)))


async def find_clash(session: AsyncSession, *, username: str | None, email: str | None,
                     exclude_id: int | None = None) -> User | None:
    """Another user with this username or email, ignoring case ("Admin" would pass for "admin")."""
    clauses = []
    if username is not None:
        clauses.append(func.lower(User.username) == username.lower())
    if email is not None:
        clauses.append(func.lower(User.email) == email.lower())
    if not clauses:
        return None
    query = select(User).where(clauses[0] if len(clauses) == 1 else clauses[0] | clauses[1])
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return await session.scalar(query.limit(1))


async def list_page(session: AsyncSession, *, skip: int, limit: int, is_active: bool | None = None,
                    is_admin: bool | None = None) -> tuple[list[User], int]:
    filters = []
    if is_active is not None:
        filters.append(User.is_active == is_active)
    if is_admin is not None:
        filters.append(User.is_admin == is_admin)
    total = await session.scalar(select(func.count()).select_from(User).where(*filters))
    rows = await session.scalars(select(User).where(*filters).order_by(User.id).offset(skip).limit(limit))
    return list(rows), total or 0


async def lock_active_admin_ids(session: AsyncSession) -> list[int]:
    """Ids of active admins, row-locked on PostgreSQL so two concurrent demotions cannot both see
    "another admin is left" and leave none (SQLite serialises writers anyway)."""
    return list(await session.scalars(
        select(User.id).where(User.is_admin, User.is_active).order_by(User.id).with_for_update()))


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def delete(session: AsyncSession, user_id: int) -> None:
    await session.execute(sql_delete(User).where(User.id == user_id))


async def replace_access(session: AsyncSession, user_id: int, entries: dict[int, list[int] | None]) -> None:
    await session.execute(sql_delete(UserApplication).where(UserApplication.user_id == user_id))
    session.add_all(UserApplication(user_id=user_id, application_id=app, assistant_ids=ids)
                    for app, ids in entries.items())
    await session.flush()
