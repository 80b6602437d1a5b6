"""Log in and log out. Logging in calls `auth_service.login`, the same check `POST /auth/login` makes."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from errors import Unauthenticated
from panel.forms import GENERAL, Form
from panel.pages.common import form_of, panel_router
from panel.rendering import LOGIN_REASONS, PanelRoute, render
from panel.session import (
    CSRF_FIELD,
    PanelUser,
    clear_session,
    login_form_token,
    login_nonce,
    redirect,
    safe_next,
    set_login_nonce,
    set_session,
)
from routers.deps import SessionDep, SettingsDep
from services import auth_service

# The login form has no session yet: it is bound to a nonce cookie instead (see `_login_page`).
public_router = APIRouter(route_class=PanelRoute, include_in_schema=False)
router = panel_router()


def _login_page(request: Request, form: Form, status_code: int = 200, message: str | None = None) -> Response:
    settings = request.app.state.settings
    nonce, new = login_nonce(request)
    response = render(request, "login.html", status_code, form=form, message=message,
                      login_token=login_form_token(settings, nonce), next=safe_next(request.query_params.get("next")))
    if new:
        set_login_nonce(response, request, nonce)
    return response


@public_router.get("/login")
async def login_page(request: Request, reason: str | None = None) -> Response:
    return _login_page(request, Form(), message=LOGIN_REASONS.get(reason or ""))


@public_router.post("/login")
async def login(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await form_of(request)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    nonce = request.cookies.get("panel_login", "")
    sent = str(form.get(CSRF_FIELD) or "")
    if not nonce or sent != login_form_token(settings, nonce):
        return _login_page(request, Form({"username": username}, {GENERAL: "This login form expired: please try "
                                                                             "again"}), 403)
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _login_page(request, Form({"username": username}, errors), 422)
    try:
        token, expires_in = await auth_service.login(session, settings, username[:64], password[:256])
    except Unauthenticated as exc:
        return _login_page(request, Form({"username": username}, {"password": exc.detail}), 401)
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    set_session(response, request, token, expires_in)
    return response


@router.get("/")
async def home(_user: PanelUser) -> Response:
    return RedirectResponse("/panel/applications", status_code=303)


@router.get("/logout")
async def logout_page(request: Request, _user: PanelUser) -> Response:
    """Without JavaScript the "Log out" link lands here; with it, the link posts directly."""
    return render(request, "logout.html")


@router.post("/logout")
async def logout(_request: Request) -> Response:
    response = redirect("/panel/login?reason=logged-out")
    clear_session(response)
    return response
