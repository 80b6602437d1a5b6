from typing import Annotated

from fastapi import APIRouter, Query

from models.api_key import ApiKeysPublic
from models.common import error_responses
from models.model import ModelsPublic
from models.provider import ProviderPublic, ProvidersPublic, ProviderUpdate
from routers.admin.params import READ_ERRORS, WRITE_ERRORS, Id, IsActive, Limit, Skip
from routers.deps import CacheDep, CurrentAdmin, CurrentUser, SessionDep
from services import api_key_service, model_service, provider_service

router = APIRouter(prefix="/providers", tags=["admin: providers"])


@router.get("", response_model=ProvidersPublic, responses=error_responses(401, 422))
async def list_providers(session: SessionDep, _user: CurrentUser, skip: Skip = 0, limit: Limit = 100,
                         is_active: IsActive = None,
                         is_dynamic: Annotated[bool | None, Query()] = None) -> ProvidersPublic:
    """Built-in and dynamic providers (the code of dynamic ones is under /admin/providers/dynamic)."""
    return await provider_service.list_providers(session, skip=skip, limit=limit, is_active=is_active,
                                                 is_dynamic=is_dynamic)


@router.get("/{provider_id:int}", response_model=ProviderPublic, responses=error_responses(*READ_ERRORS))
async def get_provider(provider_id: Id, session: SessionDep, _user: CurrentUser) -> ProviderPublic:
    return await provider_service.get_provider(session, provider_id)


@router.put("/{provider_id:int}", response_model=ProviderPublic, responses=error_responses(*WRITE_ERRORS))
@router.patch("/{provider_id:int}", response_model=ProviderPublic, responses=error_responses(*WRITE_ERRORS))
async def update_provider(provider_id: Id, body: ProviderUpdate, session: SessionDep, cache: CacheDep,
                          _admin: CurrentAdmin) -> ProviderPublic:
    """Change display_name, icon_url, base_url (where the SDK sends requests) or is_active.
    Built-in providers are deactivated, never deleted."""
    return await provider_service.update_provider(session, cache, provider_id, body)


@router.get("/{provider_id:int}/models", response_model=ModelsPublic, responses=error_responses(*READ_ERRORS))
async def list_provider_models(provider_id: Id, session: SessionDep, _user: CurrentUser, skip: Skip = 0,
                               limit: Limit = 100, is_active: IsActive = None) -> ModelsPublic:
    return await model_service.list_for_provider(session, provider_id, skip=skip, limit=limit, is_active=is_active)


@router.get("/{provider_id:int}/api-keys", response_model=ApiKeysPublic,
            responses=error_responses(401, 403, 404, 422))
async def list_provider_api_keys(provider_id: Id, session: SessionDep, _admin: CurrentAdmin, skip: Skip = 0,
                                 limit: Limit = 100, is_active: IsActive = None) -> ApiKeysPublic:
    """Masked previews only; the keys themselves are never returned."""
    return await api_key_service.list_for_provider(session, provider_id, skip=skip, limit=limit,
                                                   is_active=is_active)
