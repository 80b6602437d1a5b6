from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import VehicleProfile


async def get(session: AsyncSession, owner: str) -> VehicleProfile | None:
    return await session.get(VehicleProfile, owner)


async def upsert(session: AsyncSession, owner: str, data: dict[str, Any]) -> VehicleProfile:
    profile = await session.get(VehicleProfile, owner)
    if profile is None:
        profile = VehicleProfile(owner=owner, data=data)
        session.add(profile)
    else:
        profile.data = data
    await session.flush()
    return profile


async def delete_for_owners(session: AsyncSession, owners: list[str]) -> None:
    await session.execute(delete(VehicleProfile).where(VehicleProfile.owner.in_(owners)))
