"""The panel's browser session: the login JWT in an HttpOnly, SameSite=Strict cookie, a CSRF token
derived from it, short signed flash messages, and the dependencies every page declares.

The cookie holds the same access token `POST /auth/login` returns, so the panel resolves users
exactly as the API does (`auth_service.user_from_token`) and a token expires at the same moment.
The CSRF token is an HMAC of that token: it needs no storage, changes at every login, and a page
of another site can neither read it nor make the browser send the Strict cookie."""

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from config import Settings
from database.database import set_actor
from errors import PermissionDenied, Unauthenticated
from routers.deps import CacheDep, SessionDep, SettingsDep
from services import auth_service
from services.auth_service import UserSnapshot

SESSION_COOKIE = "panel_session"
LOGIN_COOKIE = "panel_login"
FLASH_COOKIE = "panel_flash"
COOKIE_PATH = "/panel"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """No valid session: the panel redirects to the login page, which explains `reason`
    ("required", "expired" or "invalid")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfRejected(PermissionDenied):
    def __init__(self) -> None:
        super().__init__("This form is out of date or came from another site: reload the page and try again")


def _mac(settings: Settings, purpose: str, value: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def csrf_token(settings: Settings, session_token: str) -> str:
    return _mac(settings, "panel-csrf", session_token)


def login_form_token(settings: Settings, nonce: str) -> str:
    return _mac(settings, "panel-login", nonce)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def login_nonce(request: Request) -> tuple[str, bool]:
    """The nonce the login form is bound to (against login CSRF), and whether it is new."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if len(nonce) == 43:
        return nonce, False
    return secrets.token_urlsafe(32), True


def set_login_nonce(response: Response, request: Request, nonce: str) -> None:
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=_secure(request))


def set_flash(response: Response, request: Request, settings: Settings, message: str) -> None:
    """A one-time confirmation shown by the next page (signed, so no other site can plant text)."""
    text = message[:300]
    response.set_cookie(FLASH_COOKIE, quote(text) + "." + _mac(settings, "panel-flash", text)[:32], max_age=60,
                        path=COOKIE_PATH, httponly=True, samesite="strict", secure=_secure(request))


def read_flash(request: Request, settings: Settings) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    quoted, _, mac = raw.rpartition(".")
    text = unquote(quoted)
    return text if hmac.compare_digest(mac, _mac(settings, "panel-flash", text)[:32]) else None


def redirect(url: str, request: Request | None = None, settings: Settings | None = None,
             flash: str | None = None) -> RedirectResponse:
    """303 after a successful write (Post/Redirect/Get), optionally with a confirmation."""
    response = RedirectResponse(url, status_code=303)
    if flash and request is not None and settings is not None:
        set_flash(response, request, settings, flash)
    return response


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path inside the panel (never another site)."""
    if target and target.startswith("/panel/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/panel/"


def _session_token(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired("required")
    return token


async def current_user(request: Request, settings: SettingsDep, cache: CacheDep) -> UserSnapshot:
    token = _session_token(request)
    try:
        user = await auth_service.user_from_token(settings, cache, token)
    except Unauthenticated as exc:
        expired = exc.detail.startswith("Token expired")
        raise LoginRequired("expired" if expired else "invalid") from exc
    request.state.panel_user = user
    request.state.csrf_token = csrf_token(settings, token)
    return user


PanelUser = Annotated[UserSnapshot, Depends(current_user)]


async def require_admin(user: PanelUser, session: SessionDep) -> UserSnapshot:
    if not user.is_admin:
        raise PermissionDenied("This action needs an administrator account")
    set_actor(session, user.id)  # the panel's writes record this admin, as the API's do
    return user


PanelAdmin = Annotated[UserSnapshot, Depends(require_admin)]


async def csrf_protect(request: Request, settings: SettingsDep) -> None:
    """Every state-changing request carries the token: as the X-CSRF-Token header (htmx, fetch)
    or as the `csrf_token` form field (plain forms)."""
    if request.method not in _UNSAFE_METHODS:
        return
    expected = csrf_token(settings, _session_token(request))
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRejected()
