from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from models.auth import LoginRequest, Token, UserPublic
from models.common import error_responses
from routers.deps import CurrentUser, SessionDep, SettingsDep
from services import auth_service

router = APIRouter(prefix="/auth", tags=["auth"])

_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": LoginRequest.model_json_schema()},
        },
    }
}


async def _read_login(request: Request) -> LoginRequest:
    """The JSON body clients send, or the OAuth2 password form Swagger's Authorize button sends."""
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            return LoginRequest.model_validate(form)
        return LoginRequest.model_validate_json(raw or b"null")
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from exc


@router.post("/login", response_model=Token, openapi_extra=_LOGIN_BODY, responses=error_responses(401, 422))
async def login(request: Request, session: SessionDep, settings: SettingsDep) -> Token:
    body = await _read_login(request)
    token, expires_in = await auth_service.login(session, settings, body.username, body.password)
    return Token(access_token=token, expires_in=expires_in)


@router.get("/me", response_model=UserPublic, responses=error_responses(401))
async def me(user: CurrentUser, session: SessionDep) -> UserPublic:
    return UserPublic.model_validate(await auth_service.get_profile(session, user.id))
