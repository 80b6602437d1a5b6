"""Client keys of an application: the plaintext is shown once, at creation; only its SHA-256 and a
masked preview are stored."""

from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ClientKey
from errors import NotFound
from models.client_key import ClientKeyCreate, ClientKeyCreated, ClientKeyPublic, ClientKeysPublic
from repositories import application_repository, client_key_repository
from services import caller_data_service
from services.application_service import conflict_on_integrity_error
from services.auth_service import UserSnapshot
from services.config_cache import ConfigCache, commit_change
from services.security import hash_client_key, mask_secret, new_client_key


async def _check_application(session: AsyncSession, application_id: int) -> None:
    if await application_repository.get(session, application_id) is None:
        raise NotFound(f"Application {application_id} not found")


async def list_client_keys(session: AsyncSession, application_id: int) -> ClientKeysPublic:
    await _check_application(session, application_id)
    keys = await client_key_repository.list_for_application(session, application_id)
    return ClientKeysPublic(data=[ClientKeyPublic.model_validate(k) for k in keys], count=len(keys))


async def create_client_key(session: AsyncSession, cache: ConfigCache, actor: UserSnapshot, application_id: int,
                            data: ClientKeyCreate) -> ClientKeyCreated:
    await _check_application(session, application_id)
    plaintext = new_client_key()
    key = ClientKey(application_id=application_id, name=data.name, key_hash=hash_client_key(plaintext),
                    key_preview=mask_secret(plaintext), is_active=True, created_by=actor.id)
    async with conflict_on_integrity_error(session, f"Application {application_id} was just deleted"):
        await client_key_repository.add(session, key)
        await commit_change(session, cache)
    return ClientKeyCreated(**ClientKeyPublic.model_validate(key).model_dump(), key=plaintext)


async def revoke_client_key(session: AsyncSession, cache: ConfigCache, application_id: int, key_id: int) -> None:
    """Delete the key; every worker drops its cached lookup on the version bump, so it stops at once."""
    key = await client_key_repository.get(session, key_id)
    if key is None or key.application_id != application_id:
        raise NotFound(f"Client key {key_id} not found in application {application_id}")
    await client_key_repository.delete(session, key)
    await caller_data_service.forget_client_keys(session, [key_id])
    await commit_change(session, cache)
