from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Application, Assistant


async def get(session: AsyncSession, application_id: int) -> Application | None:
    return await session.get(Application, application_id)


async def get_by_name_or_slug(session: AsyncSession, name: str, slug: str,
                              exclude_id: int | None = None) -> Application | None:
    query = select(Application).where(
        (func.lower(Application.name) == name.lower()) | (Application.slug == slug))
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    return await session.scalar(query.limit(1))


async def get_by_endpoint(session: AsyncSession, endpoint: str) -> Application | None:
    return await session.scalar(select(Application).where(Application.endpoint == endpoint))


async def list_page(session: AsyncSession, *, skip: int, limit: int, is_active: bool | None = None,
                    only_ids: set[int] | None = None) -> tuple[list[Application], int]:
    """One page ordered by id, and the total matching the filters (`only_ids`: a user's access)."""
    query = select(Application)
    if is_active is not None:
        query = query.where(Application.is_active == is_active)
    if only_ids is not None:
        query = query.where(Application.id.in_(only_ids))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Application.id).offset(skip).limit(limit))
    return list(rows), total or 0


async def existing_ids(session: AsyncSession, ids: set[int]) -> set[int]:
    return set(await session.scalars(select(Application.id).where(Application.id.in_(ids))))


async def count_assistants(session: AsyncSession, application_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Assistant).where(Assistant.application_id == application_id)) or 0


async def add(session: AsyncSession, application: Application) -> Application:
    session.add(application)
    await session.flush()
    return application


async def delete(session: AsyncSession, application_id: int) -> None:
    # A bulk DELETE lets the database cascade to assistants, conversations, client keys and user
    # access; the ORM would instead try to null out the loaded children's foreign keys.
    await session.execute(sql_delete(Application).where(Application.id == application_id))
