from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from assistants import suncar
from models.chat import ChatResponse
from models.common import error_responses
from models.specialised import (
    AssistantInfo,
    DiagnoseProblemRequest,
    FuelEfficiencyRequest,
    MaintenanceScheduleRequest,
    SpecialisedChatRequest,
    VehicleProfile,
)
from routers.chat import CHAT_ERRORS, answer
from routers.deps import ChatServiceDep, CurrentCaller, SessionDep
from routers.sse import STREAM_RESPONSE_DOC
from services import specialised_service
from services.auth_service import Caller
from services.chat_service import ChatService

router = APIRouter(prefix="/suncar", tags=["suncar"])
RESPONSES = {**CHAT_ERRORS, **STREAM_RESPONSE_DOC}
_SLUG = "suncar"


async def _ask(service: ChatService, caller: Caller, message: str, stream: bool | None,
               conversation_id: str | None) -> ChatResponse | Response:
    prepared = await specialised_service.prepare(service, caller, _SLUG, message, stream=stream,
                                                 conversation_id=conversation_id)
    return await answer(service, prepared)


async def _vehicle(session: SessionDep, caller: Caller, body: VehicleProfile, required: bool) -> dict[str, Any]:
    return await specialised_service.vehicle_for_request(session, caller, body.model_dump(), required)


@router.post("/chat", response_model=ChatResponse, responses=RESPONSES)
async def chat(body: SpecialisedChatRequest, service: ChatServiceDep, session: SessionDep,
               caller: CurrentCaller) -> ChatResponse | Response:
    """Free chat; the caller's stored vehicle, if any, is given to the model as context."""
    vehicle = await specialised_service.get_vehicle(session, caller)
    return await _ask(service, caller, suncar.chat_message(body.message, vehicle), body.stream, body.conversation_id)


@router.get("/info", response_model=AssistantInfo, responses=error_responses(401, 403, 404))
async def info(service: ChatServiceDep, caller: CurrentCaller) -> AssistantInfo:
    a = await specialised_service.find(service, caller, _SLUG, _SLUG)
    return AssistantInfo(name=a.name, description=a.description, application="Suncar",
                         provider=a.provider.name, model=a.model_name, is_streaming=a.is_streaming,
                         capabilities=["maintenance schedules", "problem diagnosis", "fuel efficiency tips",
                                       "free chat", "remembered vehicle profile"],
                         endpoints=[f"/suncar/{p}" for p in ("chat", "maintenance-schedule", "diagnose-problem",
                                                             "fuel-efficiency-tips", "vehicle-profile")])


@router.get("/vehicle-profile", response_model=VehicleProfile, responses=error_responses(401, 403, 404))
async def get_vehicle_profile(service: ChatServiceDep, session: SessionDep, caller: CurrentCaller) -> VehicleProfile:
    return VehicleProfile.model_validate(await specialised_service.vehicle_profile(service, session, caller))


@router.put("/vehicle-profile", response_model=VehicleProfile, responses=error_responses(401, 403, 404, 409, 422))
async def put_vehicle_profile(body: VehicleProfile, service: ChatServiceDep, session: SessionDep,
                              caller: CurrentCaller) -> VehicleProfile:
    """Remember the caller's vehicle; Suncar uses it when a request leaves the vehicle out."""
    stored = await specialised_service.save_vehicle_profile(service, session, caller,
                                                            body.model_dump(exclude_none=True))
    return VehicleProfile.model_validate(stored)


@router.post("/maintenance-schedule", response_model=ChatResponse, responses=RESPONSES)
async def maintenance_schedule(body: MaintenanceScheduleRequest, service: ChatServiceDep, session: SessionDep,
                               caller: CurrentCaller) -> ChatResponse | Response:
    vehicle = await _vehicle(session, caller, body, required=True)
    message = suncar.maintenance_message(vehicle, body.driving_conditions)
    return await _ask(service, caller, message, body.stream, body.conversation_id)


@router.post("/diagnose-problem", response_model=ChatResponse, responses=RESPONSES)
async def diagnose_problem(body: DiagnoseProblemRequest, service: ChatServiceDep, session: SessionDep,
                           caller: CurrentCaller) -> ChatResponse | Response:
    vehicle = await _vehicle(session, caller, body, required=False)
    message = suncar.diagnosis_message(vehicle, body.symptoms, body.warning_lights)
    return await _ask(service, caller, message, body.stream, body.conversation_id)


@router.post("/fuel-efficiency-tips", response_model=ChatResponse, responses=RESPONSES)
async def fuel_efficiency_tips(body: FuelEfficiencyRequest, service: ChatServiceDep, session: SessionDep,
                               caller: CurrentCaller) -> ChatResponse | Response:
    vehicle = await _vehicle(session, caller, body, required=False)
    return await _ask(service, caller, suncar.fuel_efficiency_message(vehicle), body.stream, body.conversation_id)
