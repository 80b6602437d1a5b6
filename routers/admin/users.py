from typing import Annotated

from fastapi import APIRouter, Query, Response

from models.common import error_responses
from models.user import UserApplications, UserCreate, UserPublic, UsersPublic, UserUpdate
from routers.admin.params import CREATE_ERRORS, WRITE_ERRORS, Id, IsActive, Limit, Skip
from routers.deps import CacheDep, CurrentAdmin, SessionDep
from services import user_service

router = APIRouter(prefix="/users", tags=["admin: users"])
ADMIN_READ_ERRORS = (401, 403, 404, 422)


@router.get("", response_model=UsersPublic, responses=error_responses(401, 403, 422))
async def list_users(session: SessionDep, _admin: CurrentAdmin, skip: Skip = 0, limit: Limit = 100,
                     is_active: IsActive = None,
                     is_admin: Annotated[bool | None, Query()] = None) -> UsersPublic:
    return await user_service.list_users(session, skip=skip, limit=limit, is_active=is_active, is_admin=is_admin)


@router.post("", response_model=UserPublic, status_code=201, responses=error_responses(*CREATE_ERRORS))
async def create_user(body: UserCreate, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin) -> UserPublic:
    return await user_service.create_user(session, cache, body)


@router.get("/{user_id:int}", response_model=UserPublic, responses=error_responses(*ADMIN_READ_ERRORS))
async def get_user(user_id: Id, session: SessionDep, _admin: CurrentAdmin) -> UserPublic:
    return await user_service.get_user(session, user_id)


@router.put("/{user_id:int}", response_model=UserPublic, responses=error_responses(*WRITE_ERRORS))
@router.patch("/{user_id:int}", response_model=UserPublic, responses=error_responses(*WRITE_ERRORS))
async def update_user(user_id: Id, body: UserUpdate, session: SessionDep, cache: CacheDep,
                      _admin: CurrentAdmin) -> UserPublic:
    """Partial update. 409 when it would leave no active administrator."""
    return await user_service.update_user(session, cache, user_id, body)


@router.delete("/{user_id:int}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 409, 422))
async def delete_user(user_id: Id, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin) -> Response:
    """An admin may delete themselves, but nobody may delete the last active administrator (409)."""
    await user_service.delete_user(session, cache, user_id)
    return Response(status_code=204)


@router.get("/{user_id:int}/applications", response_model=UserApplications,
            responses=error_responses(*ADMIN_READ_ERRORS))
async def get_user_applications(user_id: Id, session: SessionDep, _admin: CurrentAdmin) -> UserApplications:
    return await user_service.get_access(session, user_id)


@router.put("/{user_id:int}/applications", response_model=UserApplications, responses=error_responses(*WRITE_ERRORS))
async def set_user_applications(user_id: Id, body: UserApplications, session: SessionDep, cache: CacheDep,
                                _admin: CurrentAdmin) -> UserApplications:
    """Replace which applications (and, optionally, which of their assistants) a regular user may use."""
    return await user_service.set_access(session, cache, user_id, body)
