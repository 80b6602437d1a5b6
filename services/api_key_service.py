"""Provider API keys: encrypted at rest with the newest ENCRYPTION_KEY; a masked preview, computed
at write time, is all that is ever shown (listing never decrypts)."""

from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from database.models import ApiKey
from errors import InvalidInput, NotFound
from models.api_key import ApiKeyCreate, ApiKeyPublic, ApiKeysPublic, ApiKeyUpdate
from models.application import sent_fields
from repositories import api_key_repository, provider_repository
from services.application_service import conflict_on_integrity_error
from services.auth_service import UserSnapshot
from services.config_cache import ConfigCache, commit_change
from services.security import SecretBox, mask_secret


async def list_api_keys(session: AsyncSession, *, skip: int, limit: int, provider_id: int | None = None,
                        is_active: bool | None = None) -> ApiKeysPublic:
    rows, total = await api_key_repository.list_page(session, skip=skip, limit=limit, provider_id=provider_id,
                                                     is_active=is_active)
    return ApiKeysPublic(data=[ApiKeyPublic.model_validate(k) for k in rows], count=total)


async def list_for_provider(session: AsyncSession, provider_id: int, *, skip: int, limit: int,
                            is_active: bool | None = None) -> ApiKeysPublic:
    if await provider_repository.get(session, provider_id) is None:
        raise NotFound(f"Provider {provider_id} not found")
    return await list_api_keys(session, skip=skip, limit=limit, provider_id=provider_id, is_active=is_active)


async def _load(session: AsyncSession, key_id: int) -> ApiKey:
    key = await api_key_repository.get(session, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    return key


async def get_api_key(session: AsyncSession, key_id: int) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(await _load(session, key_id))


def _seal(settings: Settings, key: ApiKey, plaintext: str) -> None:
    key.encrypted_key = SecretBox(settings.encryption_keys).encrypt(plaintext)
    key.key_preview = mask_secret(plaintext)


async def create_api_key(session: AsyncSession, cache: ConfigCache, settings: Settings, actor: UserSnapshot,
                         data: ApiKeyCreate) -> ApiKeyPublic:
    if await provider_repository.get(session, data.provider_id) is None:
        raise InvalidInput(f"provider_id {data.provider_id} does not exist: pick one from GET /admin/providers",
                           field="provider_id")
    key = ApiKey(name=data.name, provider_id=data.provider_id, is_active=data.is_active, created_by=actor.id)
    _seal(settings, key, data.api_key)
    async with conflict_on_integrity_error(session, f"Provider {data.provider_id} was just deleted"):
        await api_key_repository.add(session, key)
        await commit_change(session, cache)
    return ApiKeyPublic.model_validate(key)


async def update_api_key(session: AsyncSession, cache: ConfigCache, settings: Settings, key_id: int,
                         data: ApiKeyUpdate) -> ApiKeyPublic:
    """Rename, (de)activate, or rotate the secret by sending a new `api_key`."""
    key = await _load(session, key_id)
    changes = sent_fields(data)
    if "api_key" in changes:
        _seal(settings, key, changes.pop("api_key"))
    for field, value in changes.items():
        setattr(key, field, value)
    await session.flush()
    await commit_change(session, cache)
    return ApiKeyPublic.model_validate(key)


async def delete_api_key(session: AsyncSession, cache: ConfigCache, key_id: int) -> None:
    await api_key_repository.delete(session, await _load(session, key_id))
    await commit_change(session, cache)
