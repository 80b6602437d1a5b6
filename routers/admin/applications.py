from fastapi import APIRouter, Response

from models.application import ApplicationCreate, ApplicationPublic, ApplicationsPublic, ApplicationUpdate
from models.assistant import AssistantsPublic
from models.common import error_responses
from routers.admin.params import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, Force, Id, IsActive, Limit, LiveRoutes, Skip
from routers.deps import CacheDep, CurrentAdmin, CurrentUser, SessionDep
from services import application_service, assistant_service

router = APIRouter(prefix="/applications", tags=["admin: applications"])


@router.get("", response_model=ApplicationsPublic, responses=error_responses(401, 422))
async def list_applications(session: SessionDep, user: CurrentUser, skip: Skip = 0, limit: Limit = 100,
                            is_active: IsActive = None) -> ApplicationsPublic:
    """Applications the caller may use (admins: all)."""
    return await application_service.list_applications(session, user, skip=skip, limit=limit, is_active=is_active)


@router.post("", response_model=ApplicationPublic, status_code=201,
             responses=error_responses(*CREATE_ERRORS))
async def create_application(body: ApplicationCreate, session: SessionDep, cache: CacheDep, admin: CurrentAdmin,
                             live_routes: LiveRoutes) -> ApplicationPublic:
    return await application_service.create_application(session, cache, admin, body, live_routes)


@router.get("/{application_id:int}", response_model=ApplicationPublic, responses=error_responses(*READ_ERRORS))
async def get_application(application_id: Id, session: SessionDep, user: CurrentUser) -> ApplicationPublic:
    return await application_service.get_application(session, user, application_id)


@router.put("/{application_id:int}", response_model=ApplicationPublic, responses=error_responses(*WRITE_ERRORS))
@router.patch("/{application_id:int}", response_model=ApplicationPublic, responses=error_responses(*WRITE_ERRORS))
async def update_application(application_id: Id, body: ApplicationUpdate, session: SessionDep, cache: CacheDep,
                             _admin: CurrentAdmin, live_routes: LiveRoutes) -> ApplicationPublic:
    """Partial update: only the fields sent change."""
    return await application_service.update_application(session, cache, application_id, body, live_routes)


@router.delete("/{application_id:int}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 409, 422))
async def delete_application(application_id: Id, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin,
                             force: Force = False) -> Response:
    """409 while it has assistants, unless `force=true` (its assistants and their conversations go too)."""
    await application_service.delete_application(session, cache, application_id, force=force)
    return Response(status_code=204)


@router.get("/{application_id:int}/assistants", response_model=AssistantsPublic,
            responses=error_responses(*READ_ERRORS))
async def list_application_assistants(application_id: Id, session: SessionDep, user: CurrentUser, skip: Skip = 0,
                                      limit: Limit = 100, is_active: IsActive = None) -> AssistantsPublic:
    return await assistant_service.list_for_application(session, user, application_id, skip=skip, limit=limit,
                                                        is_active=is_active)
