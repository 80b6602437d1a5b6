"""Users: create, edit, deactivate, admin flag, and which applications a regular user may use.
Passwords are never rendered back, not even into a form that failed."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from errors import Conflict, InvalidInput
from models.auth import UserPublic
from models.user import UserApplications, UserCreate, UserUpdate
from panel.forms import GENERAL, Form, FormInvalid, checkbox, int_list, parse, service_errors, text
from panel.pages.common import CHOICES_LIMIT, PAGE_SIZE, PageNo, form_of, pager, panel_router, skip_of
from panel.rendering import render
from panel.session import PanelAdmin, redirect
from routers.admin.params import Id
from routers.deps import CacheDep, SessionDep, SettingsDep
from services import application_service, user_service
from services.auth_service import UserSnapshot

router = panel_router()
FIELDS = ("username", "email", "password", "full_name", "is_admin", "is_active", "applications")
# Words of the service's conflict messages -> the field they concern.
_CONFLICT_WORDS = (("username", "username"), ("email", "email"), ("demote", "is_admin"), ("deactivate", "is_active"))


def _read(form: FormData, *, creating: bool) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
    data: dict[str, Any] = {"username": form.get("username") or "", "email": form.get("email") or "",
                            "full_name": text(form, "full_name"), "is_admin": checkbox(form, "is_admin"),
                            "is_active": checkbox(form, "is_active")}
    password = form.get("password") or ""
    if creating or password:
        data["password"] = password
    applications = int_list(form, "applications")
    shown = {k: v for k, v in data.items() if k != "password"} | {"applications": applications}
    return data, shown, applications


async def _form_page(request: Request, session: AsyncSession, admin: UserSnapshot, form: Form, *,
                     target: UserPublic | None = None, status_code: int = 200) -> Response:
    applications = (await application_service.list_applications(session, admin, skip=0, limit=CHOICES_LIMIT)).data
    return render(request, "users/form.html", status_code, form=form, target=target, applications=applications)


def _errors_of(exc: InvalidInput | Conflict) -> dict[str, str]:
    if isinstance(exc, Conflict):
        field = next((f for word, f in _CONFLICT_WORDS if word in exc.detail), GENERAL)
        return {field: exc.detail}
    return service_errors(exc, FIELDS)


def _password_note(data: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    if data.get("password") and "password" not in errors:
        errors["password"] = "For safety the password you typed is not shown again: type it once more"
    return errors


@router.get("/users")
async def list_users(request: Request, session: SessionDep, _admin: PanelAdmin, page: PageNo = 1) -> Response:
    result = await user_service.list_users(session, skip=skip_of(page), limit=PAGE_SIZE)
    return render(request, "users/list.html", users=result.data, pager=pager(page, result.count, "/panel/users"))


@router.get("/users/new")
async def new_user(request: Request, session: SessionDep, admin: PanelAdmin) -> Response:
    return await _form_page(request, session, admin, Form(values={"is_active": True, "applications": []}))


@router.post("/users")
async def create_user(request: Request, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                      admin: PanelAdmin) -> Response:
    data, shown, applications = _read(await form_of(request), creating=True)
    try:
        body = parse(UserCreate, data, FIELDS)
        access = parse(UserApplications, {"application_ids": applications}, FIELDS)
        created = await user_service.create_user(session, cache, body)
        if applications:
            await user_service.set_access(session, cache, created.id, access)
    except FormInvalid as exc:
        return await _form_page(request, session, admin, Form(shown, _password_note(data, exc.errors)),
                                status_code=422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        errors = _password_note(data, _errors_of(exc))
        return await _form_page(request, session, admin, Form(shown, errors), status_code=exc.status_code)
    return redirect(f"/panel/users/{created.id}", request, settings, f"User '{created.username}' created.")


@router.get("/users/{user_id:int}")
async def user_detail(request: Request, user_id: Id, session: SessionDep, admin: PanelAdmin) -> Response:
    target = await user_service.get_user(session, user_id)
    access = await user_service.get_access(session, user_id)
    values = target.model_dump() | {"applications": access.application_ids}
    return await _form_page(request, session, admin, Form(values=values), target=target)


@router.post("/users/{user_id:int}")
async def update_user(request: Request, user_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                      admin: PanelAdmin) -> Response:
    target = await user_service.get_user(session, user_id)
    data, shown, applications = _read(await form_of(request), creating=False)
    try:
        body = parse(UserUpdate, data, FIELDS)
        current = await user_service.get_access(session, user_id)
        # Narrowed access (some assistants only, set through the API) is kept for applications still listed.
        narrowed = {app: ids for app, ids in current.assistant_ids.items() if app in applications}
        access = parse(UserApplications, {"application_ids": applications, "assistant_ids": narrowed}, FIELDS)
        saved = await user_service.update_user(session, cache, user_id, body)
        if sorted(set(applications)) != current.application_ids:
            await user_service.set_access(session, cache, user_id, access)
    except FormInvalid as exc:
        return await _form_page(request, session, admin, Form(shown, _password_note(data, exc.errors)),
                                target=target, status_code=422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        errors = _password_note(data, _errors_of(exc))
        return await _form_page(request, session, admin, Form(shown, errors), target=target,
                                status_code=exc.status_code)
    return redirect(f"/panel/users/{saved.id}", request, settings, f"User '{saved.username}' saved.")


@router.post("/users/{user_id:int}/delete")
async def delete_user(request: Request, user_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                      admin: PanelAdmin) -> Response:
    target = await user_service.get_user(session, user_id)
    try:
        await user_service.delete_user(session, cache, user_id)
    except Conflict as exc:
        await session.rollback()
        access = await user_service.get_access(session, user_id)
        values = target.model_dump() | {"applications": access.application_ids}
        return await _form_page(request, session, admin, Form(values, {"delete": exc.detail}), target=target,
                                status_code=409)
    return redirect("/panel/users", request, settings, f"User '{target.username}' deleted.")
