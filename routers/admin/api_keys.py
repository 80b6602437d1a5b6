from typing import Annotated

from fastapi import APIRouter, Query, Response

from models.api_key import ApiKeyCreate, ApiKeyPublic, ApiKeysPublic, ApiKeyUpdate
from models.common import error_responses
from routers.admin.params import CREATE_ERRORS, Id, IsActive, Limit, Skip
from routers.deps import CacheDep, CurrentAdmin, SessionDep, SettingsDep
from services import api_key_service

router = APIRouter(prefix="/api-keys", tags=["admin: API keys"])


@router.get("", response_model=ApiKeysPublic, responses=error_responses(401, 403, 422))
async def list_api_keys(session: SessionDep, _admin: CurrentAdmin, skip: Skip = 0, limit: Limit = 100,
                        provider_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
                        is_active: IsActive = None) -> ApiKeysPublic:
    """Masked previews only; the keys themselves are never returned."""
    return await api_key_service.list_api_keys(session, skip=skip, limit=limit, provider_id=provider_id,
                                               is_active=is_active)


@router.post("", response_model=ApiKeyPublic, status_code=201, responses=error_responses(*CREATE_ERRORS))
async def create_api_key(body: ApiKeyCreate, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         admin: CurrentAdmin) -> ApiKeyPublic:
    """Stored encrypted with ENCRYPTION_KEY; the response shows a masked preview such as sk-...9f2c."""
    return await api_key_service.create_api_key(session, cache, settings, admin, body)


@router.get("/{key_id:int}", response_model=ApiKeyPublic, responses=error_responses(401, 403, 404, 422))
async def get_api_key(key_id: Id, session: SessionDep, _admin: CurrentAdmin) -> ApiKeyPublic:
    return await api_key_service.get_api_key(session, key_id)


@router.put("/{key_id:int}", response_model=ApiKeyPublic, responses=error_responses(400, 401, 403, 404, 413, 422))
@router.patch("/{key_id:int}", response_model=ApiKeyPublic, responses=error_responses(400, 401, 403, 404, 413, 422))
async def update_api_key(key_id: Id, body: ApiKeyUpdate, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         _admin: CurrentAdmin) -> ApiKeyPublic:
    """Rename, activate/deactivate, or rotate the secret by sending a new `api_key`."""
    return await api_key_service.update_api_key(session, cache, settings, key_id, body)


@router.delete("/{key_id:int}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 422))
async def delete_api_key(key_id: Id, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin) -> Response:
    await api_key_service.delete_api_key(session, cache, key_id)
    return Response(status_code=204)
