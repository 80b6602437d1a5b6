"""LLM models (rows of the `models` table), not Pydantic models."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from models.common import error_responses
from models.model import ModelCreate, ModelPublic, ModelsPublic, ModelUpdate
from routers.admin.params import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, Id, IsActive, Limit, Skip
from routers.deps import CacheDep, CurrentAdmin, CurrentUser, SessionDep
from services import model_service

router = APIRouter(prefix="/models", tags=["admin: models"])


@router.get("", response_model=ModelsPublic, responses=error_responses(401, 422))
async def list_models(session: SessionDep, _user: CurrentUser, skip: Skip = 0, limit: Limit = 100,
                      provider_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
                      is_active: IsActive = None) -> ModelsPublic:
    return await model_service.list_models(session, skip=skip, limit=limit, provider_id=provider_id,
                                           is_active=is_active)


@router.post("", response_model=ModelPublic, status_code=201, responses=error_responses(*CREATE_ERRORS))
async def create_model(body: ModelCreate, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin) -> ModelPublic:
    """Only `name` (the provider's model id) and `provider_id` are required."""
    return await model_service.create_model(session, cache, body)


@router.get("/{model_id:int}", response_model=ModelPublic, responses=error_responses(*READ_ERRORS))
async def get_model(model_id: Id, session: SessionDep, _user: CurrentUser) -> ModelPublic:
    return await model_service.get_model(session, model_id)


@router.put("/{model_id:int}", response_model=ModelPublic, responses=error_responses(*WRITE_ERRORS))
@router.patch("/{model_id:int}", response_model=ModelPublic, responses=error_responses(*WRITE_ERRORS))
async def update_model(model_id: Id, body: ModelUpdate, session: SessionDep, cache: CacheDep,
                       _admin: CurrentAdmin) -> ModelPublic:
    """Partial update. 409 if assistants using the model would no longer fit it (streaming, max_tokens)."""
    return await model_service.update_model(session, cache, model_id, body)


@router.delete("/{model_id:int}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 409, 422))
async def delete_model(model_id: Id, session: SessionDep, cache: CacheDep, _admin: CurrentAdmin) -> Response:
    """409 while assistants use the model."""
    await model_service.delete_model(session, cache, model_id)
    return Response(status_code=204)
