from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from database.models import Assistant, LLMModel


async def get(session: AsyncSession, model_id: int) -> LLMModel | None:
    """The model with its provider loaded (responses name the provider)."""
    return await session.scalar(select(LLMModel).options(joinedload(LLMModel.provider))
                                .where(LLMModel.id == model_id).execution_options(populate_existing=True))


async def get_by_name(session: AsyncSession, provider_id: int, name: str,
                      exclude_id: int | None = None) -> LLMModel | None:
    query = select(LLMModel).where(LLMModel.provider_id == provider_id, LLMModel.name == name)
    if exclude_id is not None:
        query = query.where(LLMModel.id != exclude_id)
    return await session.scalar(query)


async def list_page(session: AsyncSession, *, skip: int, limit: int, provider_id: int | None = None,
                    is_active: bool | None = None) -> tuple[list[LLMModel], int]:
    filters = []
    if provider_id is not None:
        filters.append(LLMModel.provider_id == provider_id)
    if is_active is not None:
        filters.append(LLMModel.is_active == is_active)
    total = await session.scalar(select(func.count()).select_from(LLMModel).where(*filters))
    rows = await session.scalars(select(LLMModel).options(joinedload(LLMModel.provider)).where(*filters)
                                 .order_by(LLMModel.id).offset(skip).limit(limit))
    return list(rows), total or 0


async def assistants_using(session: AsyncSession, model_id: int, limit: int | None = 5) -> list[Assistant]:
    return list(await session.scalars(
        select(Assistant).where(Assistant.model_id == model_id).order_by(Assistant.id).limit(limit)))


async def add(session: AsyncSession, model: LLMModel) -> LLMModel:
    session.add(model)
    await session.flush()
    return model


async def delete(session: AsyncSession, model_id: int) -> None:
    await session.execute(sql_delete(LLMModel).where(LLMModel.id == model_id))
