"""Applications: list, create, edit, delete; each with its assistants, chat URLs and client keys."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from errors import Conflict, InvalidInput, NotFound
from models.application import ApplicationCreate, ApplicationUpdate
from models.client_key import ClientKeyCreate, ClientKeyCreated
from panel.forms import GENERAL, Form, FormInvalid, checkbox, parse, service_errors, text
from panel.pages.common import PAGE_SIZE, PageNo, form_of, pager, panel_router, skip_of
from panel.rendering import render
from panel.session import PanelAdmin, PanelUser, redirect
from routers.admin.params import Id, LiveRoutes
from routers.deps import CacheDep, SessionDep, SettingsDep
from services import application_service, assistant_service, client_key_service
from services.auth_service import UserSnapshot

router = panel_router()
FIELDS = ("name", "description", "icon_url", "endpoint", "is_active")
CONFLICT_FIELDS = ("endpoint", "name")


def _values(form: Any) -> dict[str, Any]:
    return {"name": form.get("name") or "", "description": text(form, "description"),
            "icon_url": text(form, "icon_url"), "endpoint": text(form, "endpoint"),
            "is_active": checkbox(form, "is_active")}


@router.get("/applications")
async def list_applications(request: Request, session: SessionDep, user: PanelUser, page: PageNo = 1) -> Response:
    result = await application_service.list_applications(session, user, skip=skip_of(page), limit=PAGE_SIZE)
    return render(request, "applications/list.html", applications=result.data,
                  pager=pager(page, result.count, "/panel/applications"))


@router.get("/applications/new")
async def new_application(request: Request, _admin: PanelAdmin) -> Response:
    return render(request, "applications/new.html", form=Form(values={"is_active": True}))


@router.post("/applications")
async def create_application(request: Request, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                             admin: PanelAdmin, live_routes: LiveRoutes) -> Response:
    values = _values(await form_of(request))
    try:
        data = parse(ApplicationCreate, values, FIELDS)
        app = await application_service.create_application(session, cache, admin, data, live_routes)
    except FormInvalid as exc:
        return render(request, "applications/new.html", 422, form=Form(values, exc.errors))
    except (InvalidInput, Conflict) as exc:
        return render(request, "applications/new.html", exc.status_code,
                      form=Form(values, service_errors(exc, FIELDS, CONFLICT_FIELDS)))
    return redirect(f"/panel/applications/{app.id}", request, settings, f"Application '{app.name}' created.")


async def _detail(request: Request, session: SessionDep, user: UserSnapshot, application_id: int, page: int,
                  status_code: int = 200, form: Form | None = None, keys_form: Form | None = None,
                  delete_error: str | None = None, new_key: ClientKeyCreated | None = None) -> Response:
    app = await application_service.get_application(session, user, application_id)
    assistants = await assistant_service.list_for_application(session, user, application_id, skip=skip_of(page),
                                                              limit=PAGE_SIZE)
    keys = await client_key_service.list_client_keys(session, application_id) if user.is_admin else None
    base = str(request.base_url).rstrip("/")
    chat_urls = [f"{base}/app/{app.slug}/"] + ([f"{base}{app.endpoint}"] if app.endpoint else [])
    form = form or Form(values=app.model_dump())
    return render(request, "applications/detail.html", status_code, app=app, assistants=assistants.data,
                  pager=pager(page, assistants.count, f"/panel/applications/{app.id}"), keys=keys,
                  chat_urls=chat_urls, chat_base=f"{base}/app/{app.slug}", form=form,
                  keys_form=keys_form or Form(), delete_error=delete_error, new_key=new_key,
                  headers={"Cache-Control": "no-store"} if new_key else None)


@router.get("/applications/{application_id:int}")
async def application_detail(request: Request, application_id: Id, session: SessionDep, user: PanelUser,
                             page: PageNo = 1) -> Response:
    return await _detail(request, session, user, application_id, page)


@router.post("/applications/{application_id:int}")
async def update_application(request: Request, application_id: Id, session: SessionDep, cache: CacheDep,
                             settings: SettingsDep, admin: PanelAdmin, live_routes: LiveRoutes) -> Response:
    values = _values(await form_of(request))
    try:
        data = parse(ApplicationUpdate, values, FIELDS)
        app = await application_service.update_application(session, cache, application_id, data, live_routes)
    except FormInvalid as exc:
        return await _detail(request, session, admin, application_id, 1, 422, form=Form(values, exc.errors))
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        errors = service_errors(exc, FIELDS, CONFLICT_FIELDS)
        return await _detail(request, session, admin, application_id, 1, exc.status_code, form=Form(values, errors))
    return redirect(f"/panel/applications/{app.id}", request, settings, f"Application '{app.name}' saved.")


@router.post("/applications/{application_id:int}/delete")
async def delete_application(request: Request, application_id: Id, session: SessionDep, cache: CacheDep,
                             settings: SettingsDep, admin: PanelAdmin) -> Response:
    form = await form_of(request)
    app = await application_service.get_application(session, admin, application_id)
    try:
        await application_service.delete_application(session, cache, application_id, force=checkbox(form, "force"))
    except Conflict as exc:
        return await _detail(request, session, admin, application_id, 1, 409, delete_error=exc.detail)
    return redirect("/panel/applications", request, settings, f"Application '{app.name}' deleted.")


@router.post("/applications/{application_id:int}/client-keys")
async def create_client_key(request: Request, application_id: Id, session: SessionDep, cache: CacheDep,
                            admin: PanelAdmin) -> Response:
    values = {"name": (await form_of(request)).get("name") or ""}
    try:
        data = parse(ClientKeyCreate, values, ["name"])
    except FormInvalid as exc:
        return await _detail(request, session, admin, application_id, 1, 422, keys_form=Form(values, exc.errors))
    created = await client_key_service.create_client_key(session, cache, admin, application_id, data)
    # The plaintext is in this one response only (not stored, not in a redirect or a cookie).
    return await _detail(request, session, admin, application_id, 1, 201, new_key=created)


@router.post("/applications/{application_id:int}/client-keys/{key_id:int}/revoke")
async def revoke_client_key(request: Request, application_id: Id, key_id: Id, session: SessionDep,
                            cache: CacheDep, settings: SettingsDep, _admin: PanelAdmin) -> Response:
    try:
        await client_key_service.revoke_client_key(session, cache, application_id, key_id)
    except NotFound as exc:
        return await _detail(request, session, _admin, application_id, 1, 404,
                             keys_form=Form(errors={GENERAL: exc.detail}))
    return redirect(f"/panel/applications/{application_id}#client-keys", request, settings, "Client key revoked.")
