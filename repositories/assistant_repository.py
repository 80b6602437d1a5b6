from collections.abc import Iterable

from sqlalchemy import delete as sql_delete
from sqlalchemy import false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import ColumnElement

from database.models import Assistant, LLMModel, UserApplication

# Responses name the application, model and provider: load them with the assistant.
_LOADED = (joinedload(Assistant.application), joinedload(Assistant.model).joinedload(LLMModel.provider))


async def get(session: AsyncSession, assistant_id: int) -> Assistant | None:
    return await session.scalar(select(Assistant).options(*_LOADED).where(Assistant.id == assistant_id)
                                 .execution_options(populate_existing=True))


async def get_by_name_or_slug(session: AsyncSession, application_id: int, name: str, slug: str,
                              exclude_id: int | None = None) -> Assistant | None:
    query = select(Assistant).where(Assistant.application_id == application_id,
                                    (func.lower(Assistant.name) == name.lower()) | (Assistant.slug == slug))
    if exclude_id is not None:
        query = query.where(Assistant.id != exclude_id)
    return await session.scalar(query.limit(1))


async def get_by_endpoint(session: AsyncSession, endpoint: str) -> Assistant | None:
    return await session.scalar(select(Assistant).where(Assistant.endpoint == endpoint))


def visible_to(access: dict[int, frozenset[int] | None]) -> ColumnElement[bool]:
    """Rows a regular user may see: whole applications, or the allowed assistants of narrowed ones."""
    whole = [app for app, allowed in access.items() if allowed is None]
    clauses = []
    if whole:
        clauses.append(Assistant.application_id.in_(whole))
    for app, allowed in access.items():
        if allowed:
            clauses.append((Assistant.application_id == app) & Assistant.id.in_(allowed))
    return or_(*clauses) if clauses else false()


async def list_page(session: AsyncSession, *, skip: int, limit: int, application_id: int | None = None,
                    model_id: int | None = None, provider_id: int | None = None, is_active: bool | None = None,
                    visible: ColumnElement[bool] | None = None) -> tuple[list[Assistant], int]:
    filters: list[ColumnElement[bool]] = []
    if application_id is not None:
        filters.append(Assistant.application_id == application_id)
    if model_id is not None:
        filters.append(Assistant.model_id == model_id)
    if provider_id is not None:
        filters.append(Assistant.model_id.in_(select(LLMModel.id).where(LLMModel.provider_id == provider_id)))
    if is_active is not None:
        filters.append(Assistant.is_active == is_active)
    if visible is not None:
        filters.append(visible)
    total = await session.scalar(select(func.count()).select_from(Assistant).where(*filters))
    rows = await session.scalars(select(Assistant).options(*_LOADED).where(*filters)
                                 .order_by(Assistant.id).offset(skip).limit(limit))
    return list(rows), total or 0


async def ids_in_application(session: AsyncSession, application_id: int, ids: Iterable[int]) -> set[int]:
    return set(await session.scalars(select(Assistant.id).where(
        Assistant.application_id == application_id, Assistant.id.in_(set(ids)))))


async def add(session: AsyncSession, assistant: Assistant) -> Assistant:
    session.add(assistant)
    await session.flush()
    return assistant


async def forget_in_access_lists(session: AsyncSession, application_id: int, assistant_id: int) -> None:
    """Drop an assistant from users' narrowed access to `application_id`, so a later assistant that
    reuses the id (SQLite may) is not granted by accident."""
    # Filtered here, not in SQL: a JSON column may hold SQL NULL or JSON null for "all assistants".
    entries = await session.scalars(select(UserApplication).where(UserApplication.application_id == application_id))
    for entry in entries:
        if assistant_id in (entry.assistant_ids or []):
            entry.assistant_ids = [i for i in entry.assistant_ids or [] if i != assistant_id]
    await session.flush()


async def delete(session: AsyncSession, assistant_id: int) -> None:
    await session.execute(sql_delete(Assistant).where(Assistant.id == assistant_id))
