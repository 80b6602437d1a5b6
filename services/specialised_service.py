"""The specialised assistants (MoneyTracker, Suncar): find the seeded assistant, fill its prompt
templates with the caller's details, and Suncar's per-caller vehicle profile."""

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from errors import Conflict, InvalidInput, NotFound
from repositories import vehicle_profile_repository
from services.auth_service import Caller
from services.chat_service import ChatService, PreparedChat
from services.runtime_config import AssistantConfig

VEHICLE_FIELDS = ("vehicle_make", "vehicle_model", "year", "current_mileage", "fuel_type")


async def find(service: ChatService, caller: Caller, app_slug: str, assistant_slug: str) -> AssistantConfig:
    """The seeded assistant (found by slugs, so an admin may edit everything else about it)."""
    try:
        app = await service.application(caller, slug=app_slug)
        return await service.assistant_in_app(caller, app, assistant_slug)
    except NotFound as exc:
        raise NotFound(f"The {assistant_slug} assistant is not configured (or not open to you): an admin "
                       f"creates application '{app_slug}' with assistant '{assistant_slug}'") from exc


async def prepare(service: ChatService, caller: Caller, slug: str, message: str, *, stream: bool | None,
                  conversation_id: str | None) -> PreparedChat:
    """A turn with the specialised assistant `slug` (its application has the same slug)."""
    assistant = await find(service, caller, slug, slug)
    return await service.prepare(caller, assistant, message, stream=stream, conversation_id=conversation_id)


async def get_vehicle(session: AsyncSession, caller: Caller) -> dict[str, Any]:
    profile = await vehicle_profile_repository.get(session, caller.owner)
    return dict(profile.data) if profile else {}


async def vehicle_profile(service: ChatService, session: AsyncSession, caller: Caller) -> dict[str, Any]:
    """The caller's stored vehicle: only for callers who may use Suncar."""
    await find(service, caller, "suncar", "suncar")
    return await get_vehicle(session, caller)


async def save_vehicle_profile(service: ChatService, session: AsyncSession, caller: Caller,
                               data: dict[str, Any]) -> dict[str, Any]:
    await find(service, caller, "suncar", "suncar")
    return await put_vehicle(session, caller, data)


async def put_vehicle(session: AsyncSession, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    try:
        profile = await vehicle_profile_repository.upsert(session, caller.owner, data)
        await session.commit()
    except IntegrityError as exc:  # two first PUTs of the same caller at once
        await session.rollback()
        raise Conflict("The vehicle profile was changed at the same time: retry") from exc
    return dict(profile.data)


async def vehicle_for_request(session: AsyncSession, caller: Caller, given: dict[str, Any],
                              required: bool) -> dict[str, Any]:
    """The request's vehicle fields, completed from the caller's stored profile."""
    sent = {k: v for k, v in given.items() if k in VEHICLE_FIELDS and v is not None}
    vehicle = {**await get_vehicle(session, caller), **sent}
    if required and not (vehicle.get("vehicle_make") and vehicle.get("vehicle_model")):
        raise InvalidInput("Say which vehicle: send vehicle_make and vehicle_model (and year, current_mileage), "
                           "or store them once with PUT /suncar/vehicle-profile", field="vehicle_make")
    return vehicle
