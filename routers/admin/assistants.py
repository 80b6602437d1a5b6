from typing import Annotated

from fastapi import APIRouter, Query, Response

from models.assistant import AssistantCreate, AssistantPublic, AssistantsPublic, AssistantUpdate
from models.common import error_responses
from routers.admin.params import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, Id, IsActive, Limit, LiveRoutes, Skip
from routers.deps import CacheDep, CurrentAdmin, CurrentUser, SessionDep, SettingsDep
from services import assistant_service

router = APIRouter(prefix="/assistants", tags=["admin: assistants"])
OptionalId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("", response_model=AssistantsPublic, responses=error_responses(401, 422))
async def list_assistants(session: SessionDep, user: CurrentUser, skip: Skip = 0, limit: Limit = 100,
                          application_id: OptionalId = None, model_id: OptionalId = None,
                          provider_id: OptionalId = None, is_active: IsActive = None) -> AssistantsPublic:
    """Assistants the caller may use (admins: all)."""
    return await assistant_service.list_assistants(session, user, skip=skip, limit=limit,
                                                   application_id=application_id, model_id=model_id,
                                                   provider_id=provider_id, is_active=is_active)


@router.post("", response_model=AssistantPublic, status_code=201, responses=error_responses(*CREATE_ERRORS))
async def create_assistant(body: AssistantCreate, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                           admin: CurrentAdmin, live_routes: LiveRoutes) -> AssistantPublic:
    return await assistant_service.create_assistant(session, cache, settings, admin, body, live_routes)


@router.get("/{assistant_id:int}", response_model=AssistantPublic, responses=error_responses(*READ_ERRORS))
async def get_assistant(assistant_id: Id, session: SessionDep, user: CurrentUser) -> AssistantPublic:
    return await assistant_service.get_assistant(session, user, assistant_id)


@router.put("/{assistant_id:int}", response_model=AssistantPublic, responses=error_responses(*WRITE_ERRORS))
@router.patch("/{assistant_id:int}", response_model=AssistantPublic, responses=error_responses(*WRITE_ERRORS))
async def update_assistant(assistant_id: Id, body: AssistantUpdate, session: SessionDep, cache: CacheDep,
                           settings: SettingsDep, _admin: CurrentAdmin, live_routes: LiveRoutes) -> AssistantPublic:
    """Partial update. `api_key`: omitted keeps it, a string replaces it, "" or null removes it."""
    return await assistant_service.update_assistant(session, cache, settings, assistant_id, body, live_routes)


@router.delete("/{assistant_id:int}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 422))
async def delete_assistant(assistant_id: Id, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin) -> Response:
    """Its conversations are deleted with it."""
    await assistant_service.delete_assistant(session, cache, assistant_id)
    return Response(status_code=204)
