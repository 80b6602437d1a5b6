"""Login, and turning a bearer credential into the caller (user or application client key)."""

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from database.models import User
from errors import Unauthenticated
from repositories import client_key_repository, user_repository
from services.config_cache import ConfigCache
from services.security import DUMMY_HASH, create_access_token, decode_access_token, hash_client_key, verify_password


@dataclass(frozen=True)
class UserSnapshot:
    id: int
    username: str
    is_active: bool
    is_admin: bool
    # application_id -> allowed assistant ids (None: all of that application's assistants)
    access: dict[int, frozenset[int] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Caller:
    """Who is calling: a logged-in user, or a client app holding an application key."""

    user: UserSnapshot | None = None
    client_key_id: int | None = None
    client_app_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin

    @property
    def owner(self) -> str:
        return f"user:{self.user.id}" if self.user else f"key:{self.client_key_id}"

    def can_use(self, application_id: int, assistant_id: int | None = None) -> bool:
        if self.user is None:
            return self.client_app_id == application_id
        if self.user.is_admin:
            return True
        if application_id not in self.user.access:
            return False
        allowed = self.user.access[application_id]
        return allowed is None or assistant_id is None or assistant_id in allowed


async def login(session: AsyncSession, settings: Settings, username: str, password: str) -> tuple[str, int]:
    user = await user_repository.get_by_username(session, username)
    if user is None:
        await asyncio.to_thread(verify_password, password, DUMMY_HASH)
        raise Unauthenticated("Incorrect username or password")
    # bcrypt costs ~0.2 s of CPU by design: on a thread, so logins never stall other requests.
    if not await asyncio.to_thread(verify_password, password, user.hashed_password):
        raise Unauthenticated("Incorrect username or password")
    if not user.is_active:
        raise Unauthenticated("This account is deactivated: ask an administrator to reactivate it")
    return create_access_token(settings, user.id)


async def _load_user(session: AsyncSession, user_id: int) -> UserSnapshot | None:
    user = await user_repository.get(session, user_id)
    if user is None:
        return None
    access = {a.application_id: (frozenset(a.assistant_ids) if a.assistant_ids is not None else None)
              for a in await user_repository.list_access(session, user_id)}
    return UserSnapshot(user.id, user.username, user.is_active, user.is_admin, access)


async def user_from_token(settings: Settings, cache: ConfigCache, token: str) -> UserSnapshot:
    # Signature checks cost more than the rest of a cached request: a verified token is remembered
    # (until the next configuration change), and only its expiry is checked again.
    user_id, expires = cache.memo(("token", token), lambda: decode_access_token(settings, token))
    if expires <= time.time():
        raise Unauthenticated("Token expired: log in again at POST /auth/login")
    user = await cache.get(("user", user_id), lambda s: _load_user(s, user_id))
    if user is None or not user.is_active:
        raise Unauthenticated("This account no longer exists or is deactivated")
    return user


async def _load_client_key(session: AsyncSession, key_hash: str) -> tuple[int, int] | None:
    key = await client_key_repository.get_active_by_hash(session, key_hash)
    return (key.id, key.application_id) if key is not None else None


async def caller_from_client_key(cache: ConfigCache, key: str) -> Caller:
    key_hash = hash_client_key(key)
    found = await cache.get(("client_key", key_hash), lambda s: _load_client_key(s, key_hash))
    if found is None:
        raise Unauthenticated("Unknown or revoked client key: ask an administrator for a new one")
    return Caller(client_key_id=found[0], client_app_id=found[1])


async def get_profile(session: AsyncSession, user_id: int) -> User:
    user = await user_repository.get(session, user_id)
    if user is None:
        raise Unauthenticated("This account no longer exists")
    return user
