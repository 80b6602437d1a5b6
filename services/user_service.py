"""Users and their application access. The last active admin can be neither deleted, deactivated
nor demoted. Admins may delete themselves while another active admin remains. A deactivated or
deleted user's tokens stop working at once: every write bumps the config version, which drops the
cached user snapshot `auth_service.user_from_token` reads."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from database.models import User
from errors import Conflict, InvalidInput, NotFound
from models.application import sent_fields
from models.user import UserApplications, UserCreate, UserPublic, UsersPublic, UserUpdate
from repositories import application_repository, assistant_repository, config_state_repository, user_repository
from services import caller_data_service
from services.application_service import conflict_on_integrity_error
from services.config_cache import ConfigCache, commit_change
from services.security import hash_password

_CLASH = "Another user just took this username or email"


async def list_users(session: AsyncSession, *, skip: int, limit: int, is_active: bool | None = None,
                     is_admin: bool | None = None) -> UsersPublic:
    rows, total = await user_repository.list_page(session, skip=skip, limit=limit, is_active=is_active,
                                                  is_admin=is_admin)
    return UsersPublic(data=[UserPublic.model_validate(u) for u in rows], count=total)


async def _load(session: AsyncSession, user_id: int) -> User:
    user = await user_repository.get(session, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found")
    return user


async def get_user(session: AsyncSession, user_id: int) -> UserPublic:
    return UserPublic.model_validate(await _load(session, user_id))


async def _check_unique(session: AsyncSession, username: str | None, email: str | None,
                        exclude_id: int | None = None) -> None:
    clash = await user_repository.find_clash(session, username=username, email=email, exclude_id=exclude_id)
    if clash is None:
        return
    if username is not None and clash.username.lower() == username.lower():
        raise Conflict(f"The username '{clash.username}' is taken: choose another")
    raise Conflict("Another user already has this email address")


async def _keep_an_admin(session: AsyncSession, user: User, action: str) -> None:
    """409 when `user` is the only active admin and `action` would remove that role."""
    if not (user.is_admin and user.is_active):
        return
    # Take the write lock before counting (the bump is part of this commit anyway): SQLite runs a
    # plain SELECT outside any transaction, so two admins demoting each other at once would each
    # still count the other; this way the second waits and then sees the first one's change.
    await config_state_repository.bump_version(session)
    if await user_repository.lock_active_admin_ids(session) == [user.id]:
        raise Conflict(f"Cannot {action} the last active administrator: make another user an active admin first")


async def create_user(session: AsyncSession, cache: ConfigCache, data: UserCreate) -> UserPublic:
    await _check_unique(session, data.username, data.email)
    user = User(username=data.username, email=data.email, full_name=data.full_name, is_admin=data.is_admin,
                is_active=data.is_active, hashed_password=await asyncio.to_thread(hash_password, data.password))
    async with conflict_on_integrity_error(session, _CLASH):
        await user_repository.add(session, user)
        await commit_change(session, cache)
    return UserPublic.model_validate(user)


async def update_user(session: AsyncSession, cache: ConfigCache, user_id: int, data: UserUpdate) -> UserPublic:
    user = await _load(session, user_id)
    changes = sent_fields(data)
    if "username" in changes or "email" in changes:
        await _check_unique(session, changes.get("username"), changes.get("email"), exclude_id=user.id)
    if changes.get("is_admin") is False:
        await _keep_an_admin(session, user, "demote")
    if changes.get("is_active") is False:
        await _keep_an_admin(session, user, "deactivate")
    if "password" in changes:
        changes["hashed_password"] = await asyncio.to_thread(hash_password, changes.pop("password"))
    for field, value in changes.items():
        setattr(user, field, value)
    async with conflict_on_integrity_error(session, _CLASH):
        await session.flush()
        await commit_change(session, cache)
    return UserPublic.model_validate(user)


async def delete_user(session: AsyncSession, cache: ConfigCache, user_id: int) -> None:
    """Rows the user created keep existing with `created_by` set to null."""
    user = await _load(session, user_id)
    await _keep_an_admin(session, user, "delete")
    await user_repository.delete(session, user_id)
    await caller_data_service.forget_user(session, user_id)
    await commit_change(session, cache)


async def get_access(session: AsyncSession, user_id: int) -> UserApplications:
    await _load(session, user_id)
    entries = await user_repository.list_access(session, user_id)
    return UserApplications(application_ids=[e.application_id for e in entries],
                            assistant_ids={e.application_id: list(e.assistant_ids) for e in entries
                                           if e.assistant_ids is not None})


async def set_access(session: AsyncSession, cache: ConfigCache, user_id: int,
                     data: UserApplications) -> UserApplications:
    """Replace the user's access list with `data` (ids checked: 422 for unknown or foreign ones)."""
    await _load(session, user_id)
    missing = set(data.application_ids) - await application_repository.existing_ids(session,
                                                                                    set(data.application_ids))
    if missing:
        raise InvalidInput(f"application_ids {sorted(missing)} do not exist", field="application_ids")
    for application_id, ids in data.assistant_ids.items():
        foreign = set(ids) - await assistant_repository.ids_in_application(session, application_id, ids)
        if foreign:
            raise InvalidInput(f"assistant_ids {sorted(foreign)} are not assistants of application {application_id}",
                               field="assistant_ids")
    entries: dict[int, list[int] | None] = {app: data.assistant_ids.get(app) for app in data.application_ids}
    async with conflict_on_integrity_error(session, "An application in this list was just deleted: retry"):
        await user_repository.replace_access(session, user_id, entries)
        await commit_change(session, cache)
    return await get_access(session, user_id)
