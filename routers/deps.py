"""Request dependencies as `Annotated` aliases: routes only declare what they need."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from database.database import set_actor
from errors import PermissionDenied, Unauthenticated
from services import auth_service
from services.auth_service import Caller, UserSnapshot
from services.chat_service import ChatService
from services.config_cache import ConfigCache

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_cache(request: Request) -> ConfigCache:
    return request.app.state.cache  # type: ignore[no-any-return]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CacheDep = Annotated[ConfigCache, Depends(get_cache)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


# The caller dependencies read settings and cache from app.state themselves rather than through
# SettingsDep/CacheDep: each dependency FastAPI resolves costs CPU on every chat request.
async def get_current_user(request: Request, token: TokenDep) -> UserSnapshot:
    if not token:
        raise Unauthenticated()
    state = request.app.state
    return await auth_service.user_from_token(state.settings, state.cache, token)


CurrentUser = Annotated[UserSnapshot, Depends(get_current_user)]


async def require_admin(user: CurrentUser, session: SessionDep) -> UserSnapshot:
    if not user.is_admin:
        raise PermissionDenied("This action needs an administrator account")
    set_actor(session, user.id)  # the request's one session: its writes record this admin
    return user


CurrentAdmin = Annotated[UserSnapshot, Depends(require_admin)]


async def get_caller(request: Request, token: TokenDep) -> Caller:
    """A user's JWT, or an application client key (Bearer or X-API-Key)."""
    credential = token or request.headers.get("x-api-key")
    if not credential:
        raise Unauthenticated("Not authenticated: send 'Authorization: Bearer <token or client key>' "
                              "or 'X-API-Key: <client key>'")
    state = request.app.state
    if credential.startswith("vak_"):
        return await auth_service.caller_from_client_key(state.cache, credential)
    return Caller(user=await auth_service.user_from_token(state.settings, state.cache, credential))


CurrentCaller = Annotated[Caller, Depends(get_caller)]


async def get_chat_service(request: Request) -> ChatService:
    return request.app.state.chat_service  # type: ignore[no-any-return]


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]
