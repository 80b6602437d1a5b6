from fastapi import APIRouter, Response

from models.client_key import ClientKeyCreate, ClientKeyCreated, ClientKeysPublic
from models.common import error_responses
from routers.admin.params import Id
from routers.deps import CacheDep, CurrentAdmin, SessionDep
from services import client_key_service

router = APIRouter(prefix="/applications/{application_id:int}/client-keys", tags=["admin: client keys"])


@router.get("", response_model=ClientKeysPublic, responses=error_responses(401, 403, 404, 422))
async def list_client_keys(application_id: Id, session: SessionDep, _admin: CurrentAdmin) -> ClientKeysPublic:
    """The application's client keys, masked."""
    return await client_key_service.list_client_keys(session, application_id)


@router.post("", response_model=ClientKeyCreated, status_code=201,
             responses=error_responses(400, 401, 403, 404, 413, 422))
async def create_client_key(application_id: Id, body: ClientKeyCreate, session: SessionDep, cache: CacheDep,
                            admin: CurrentAdmin) -> ClientKeyCreated:
    """The `key` field is shown this once: store it now, it cannot be read again."""
    return await client_key_service.create_client_key(session, cache, admin, application_id, body)


@router.delete("/{key_id:int}", status_code=204, response_class=Response,
               responses=error_responses(401, 403, 404, 422))
async def revoke_client_key(application_id: Id, key_id: Id, session: SessionDep, cache: CacheDep,
                            _admin: CurrentAdmin) -> Response:
    await client_key_service.revoke_client_key(session, cache, application_id, key_id)
    return Response(status_code=204)
