"""Provider API keys: add, rename, rotate, activate/deactivate, delete. Only masked previews are
ever rendered; a typed key is never put back into a page, even when its form has an error."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from errors import InvalidInput
from models.api_key import ApiKeyCreate, ApiKeyPublic, ApiKeyUpdate
from panel.forms import Form, FormInvalid, checkbox, parse, service_errors, text
from panel.pages.common import CHOICES_LIMIT, PAGE_SIZE, OptionalId, PageNo, form_of, pager, panel_router, skip_of
from panel.rendering import render
from panel.session import PanelAdmin, redirect
from routers.admin.params import Id
from routers.deps import CacheDep, SessionDep, SettingsDep
from services import api_key_service, provider_service

router = panel_router()
FIELDS = ("name", "provider_id", "api_key", "is_active")
KEY_KEPT_OUT = "For safety the key you typed is not shown again: type it once more"


async def _list_page(request: Request, session: AsyncSession, page: int, provider_id: int | None,
                     form: Form | None = None, status_code: int = 200) -> Response:
    keys = await api_key_service.list_api_keys(session, skip=skip_of(page), limit=PAGE_SIZE, provider_id=provider_id)
    providers = (await provider_service.list_providers(session, skip=0, limit=CHOICES_LIMIT)).data
    return render(request, "api_keys/list.html", status_code, keys=keys.data, providers=providers,
                  names={p.id: p.display_name for p in providers}, provider_id=provider_id,
                  form=form or Form(values={"provider_id": provider_id, "is_active": True}),
                  pager=pager(page, keys.count, "/panel/api-keys", provider_id=provider_id))


@router.get("/api-keys")
async def list_api_keys(request: Request, session: SessionDep, _admin: PanelAdmin, page: PageNo = 1,
                        provider_id: OptionalId = None) -> Response:
    return await _list_page(request, session, page, provider_id)


@router.post("/api-keys")
async def create_api_key(request: Request, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         admin: PanelAdmin) -> Response:
    form = await form_of(request)
    data: dict[str, Any] = {"name": form.get("name") or "", "provider_id": text(form, "provider_id"),
                            "api_key": form.get("api_key") or "", "is_active": checkbox(form, "is_active")}
    shown = {k: v for k, v in data.items() if k != "api_key"}
    try:
        key = await api_key_service.create_api_key(session, cache, settings, admin, parse(ApiKeyCreate, data, FIELDS))
    except FormInvalid as exc:
        errors = exc.errors
    except InvalidInput as exc:
        errors = service_errors(exc, FIELDS)
    else:
        return redirect(f"/panel/api-keys?provider_id={key.provider_id}", request, settings,
                        f"API key '{key.name}' added ({key.key_preview}).")
    if data["api_key"] and "api_key" not in errors:
        errors["api_key"] = KEY_KEPT_OUT
    return await _list_page(request, session, 1, None, Form(shown, errors), 422)


def _edit_page(request: Request, key: ApiKeyPublic, provider_name: str, form: Form | None = None,
               rotate_form: Form | None = None, status_code: int = 200) -> Response:
    return render(request, "api_keys/edit.html", status_code, key=key, provider_name=provider_name,
                  form=form or Form(values=key.model_dump()), rotate_form=rotate_form or Form())


async def _provider_name(session: AsyncSession, provider_id: int) -> str:
    return (await provider_service.get_provider(session, provider_id)).display_name


@router.get("/api-keys/{key_id:int}")
async def api_key_detail(request: Request, key_id: Id, session: SessionDep, _admin: PanelAdmin) -> Response:
    key = await api_key_service.get_api_key(session, key_id)
    return _edit_page(request, key, await _provider_name(session, key.provider_id))


@router.post("/api-keys/{key_id:int}")
async def update_api_key(request: Request, key_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         _admin: PanelAdmin) -> Response:
    key = await api_key_service.get_api_key(session, key_id)
    form = await form_of(request)
    values = {"name": form.get("name") or "", "is_active": checkbox(form, "is_active")}
    try:
        saved = await api_key_service.update_api_key(session, cache, settings, key_id,
                                                     parse(ApiKeyUpdate, values, FIELDS))
    except FormInvalid as exc:
        return _edit_page(request, key, await _provider_name(session, key.provider_id), Form(values, exc.errors),
                          status_code=422)
    return redirect(f"/panel/api-keys?provider_id={saved.provider_id}", request, settings,
                    f"API key '{saved.name}' saved.")


@router.post("/api-keys/{key_id:int}/rotate")
async def rotate_api_key(request: Request, key_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         _admin: PanelAdmin) -> Response:
    """Replace the secret; the key keeps its name, provider and id."""
    key = await api_key_service.get_api_key(session, key_id)
    values = {"api_key": (await form_of(request)).get("api_key") or ""}
    try:
        saved = await api_key_service.update_api_key(session, cache, settings, key_id,
                                                     parse(ApiKeyUpdate, values, FIELDS))
    except FormInvalid as exc:
        return _edit_page(request, key, await _provider_name(session, key.provider_id),
                          rotate_form=Form(errors=exc.errors), status_code=422)
    return redirect(f"/panel/api-keys?provider_id={saved.provider_id}", request, settings,
                    f"API key '{saved.name}' rotated: it is now {saved.key_preview}.")


@router.post("/api-keys/{key_id:int}/active")
async def set_api_key_active(request: Request, key_id: Id, session: SessionDep, cache: CacheDep,
                             settings: SettingsDep, _admin: PanelAdmin) -> Response:
    active = (await form_of(request)).get("is_active") == "true"
    saved = await api_key_service.update_api_key(session, cache, settings, key_id, ApiKeyUpdate(is_active=active))
    return redirect(f"/panel/api-keys?provider_id={saved.provider_id}", request, settings,
                    f"API key '{saved.name}' {'activated' if active else 'deactivated'}.")


@router.post("/api-keys/{key_id:int}/delete")
async def delete_api_key(request: Request, key_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         _admin: PanelAdmin) -> Response:
    key = await api_key_service.get_api_key(session, key_id)
    await api_key_service.delete_api_key(session, cache, key_id)
    return redirect(f"/panel/api-keys?provider_id={key.provider_id}", request, settings,
                    f"API key '{key.name}' deleted.")
