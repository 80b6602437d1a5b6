"""Providers (built-in and dynamic) and their LLM models: display name, base URL, active; the
models with their limits and cost per token."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from errors import Conflict, InvalidInput
from models.model import ModelCreate, ModelPublic, ModelUpdate
from models.provider import ProviderUpdate
from panel.forms import Form, FormInvalid, checkbox, parse, service_errors, text
from panel.pages.common import PAGE_SIZE, PageNo, form_of, pager, panel_router, skip_of
from panel.rendering import render
from panel.session import PanelAdmin, PanelUser, redirect
from routers.admin.params import Id
from routers.deps import CacheDep, SessionDep, SettingsDep
from services import model_service, provider_service
from services.auth_service import UserSnapshot

router = panel_router()
PROVIDER_FIELDS = ("display_name", "base_url", "icon_url", "is_active")
MODEL_FIELDS = ("name", "display_name", "max_tokens", "cost_per_token", "supports_streaming",
                "supports_system_prompt", "is_active", "provider_id")


def _model_values(form: FormData) -> dict[str, Any]:
    # Numbers stay text here: the schema converts them and names the field when it cannot.
    return {"name": form.get("name") or "", "display_name": text(form, "display_name"),
            "max_tokens": form.get("max_tokens") or "", "cost_per_token": form.get("cost_per_token") or "0",
            "supports_streaming": checkbox(form, "supports_streaming"),
            "supports_system_prompt": checkbox(form, "supports_system_prompt"),
            "is_active": checkbox(form, "is_active")}


@router.get("/providers")
async def list_providers(request: Request, session: SessionDep, _user: PanelUser, page: PageNo = 1) -> Response:
    result = await provider_service.list_providers(session, skip=skip_of(page), limit=PAGE_SIZE)
    return render(request, "providers/list.html", providers=result.data,
                  pager=pager(page, result.count, "/panel/providers"))


async def _detail(request: Request, session: AsyncSession, user: UserSnapshot, provider_id: int, page: int = 1,
                  status_code: int = 200, form: Form | None = None, model_form: Form | None = None) -> Response:
    provider = await provider_service.get_provider(session, provider_id)
    models = await model_service.list_for_provider(session, provider_id, skip=skip_of(page), limit=PAGE_SIZE)
    return render(request, "providers/detail.html", status_code, provider=provider, models=models.data,
                  pager=pager(page, models.count, f"/panel/providers/{provider_id}"),
                  form=form or Form(values=provider.model_dump()),
                  model_form=model_form or Form(values={"max_tokens": 4096, "cost_per_token": 0,
                                                        "supports_streaming": True, "supports_system_prompt": True,
                                                        "is_active": True}))


@router.get("/providers/{provider_id:int}")
async def provider_detail(request: Request, provider_id: Id, session: SessionDep, user: PanelUser,
                          page: PageNo = 1) -> Response:
    return await _detail(request, session, user, provider_id, page)


@router.post("/providers/{provider_id:int}")
async def update_provider(request: Request, provider_id: Id, session: SessionDep, cache: CacheDep,
                          settings: SettingsDep, admin: PanelAdmin) -> Response:
    form = await form_of(request)
    values = {"display_name": form.get("display_name") or "", "base_url": text(form, "base_url"),
              "icon_url": text(form, "icon_url"), "is_active": checkbox(form, "is_active")}
    try:
        saved = await provider_service.update_provider(session, cache, provider_id,
                                                       parse(ProviderUpdate, values, PROVIDER_FIELDS))
    except FormInvalid as exc:
        return await _detail(request, session, admin, provider_id, status_code=422, form=Form(values, exc.errors))
    return redirect(f"/panel/providers/{provider_id}", request, settings, f"Provider '{saved.display_name}' saved.")


@router.post("/providers/{provider_id:int}/models")
async def create_model(request: Request, provider_id: Id, session: SessionDep, cache: CacheDep,
                       settings: SettingsDep, admin: PanelAdmin) -> Response:
    values = _model_values(await form_of(request))
    try:
        model = await model_service.create_model(session, cache,
                                                 parse(ModelCreate, {**values, "provider_id": provider_id},
                                                       MODEL_FIELDS))
    except FormInvalid as exc:
        return await _detail(request, session, admin, provider_id, status_code=422,
                             model_form=Form(values, exc.errors))
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        return await _detail(request, session, admin, provider_id, status_code=exc.status_code,
                             model_form=Form(values, service_errors(exc, MODEL_FIELDS, ("name",))))
    return redirect(f"/panel/providers/{provider_id}#models", request, settings, f"Model '{model.name}' added.")


def _model_page(request: Request, model: ModelPublic, form: Form, status_code: int = 200,
                delete_error: str | None = None) -> Response:
    return render(request, "providers/model.html", status_code, model=model, form=form, delete_error=delete_error)


@router.get("/models/{model_id:int}")
async def model_detail(request: Request, model_id: Id, session: SessionDep, _admin: PanelAdmin) -> Response:
    model = await model_service.get_model(session, model_id)
    return _model_page(request, model, Form(values=model.model_dump()))


@router.post("/models/{model_id:int}")
async def update_model(request: Request, model_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                       _admin: PanelAdmin) -> Response:
    model = await model_service.get_model(session, model_id)
    values = _model_values(await form_of(request))
    try:
        saved = await model_service.update_model(session, cache, model_id, parse(ModelUpdate, values, MODEL_FIELDS))
    except FormInvalid as exc:
        return _model_page(request, model, Form(values, exc.errors), 422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        # Besides a duplicate name, a conflict here names assistants that would no longer fit.
        field = "name" if "named" in exc.detail else "supports_streaming" if "Streaming" in exc.detail \
            else "max_tokens"
        errors = service_errors(exc, MODEL_FIELDS, (field,))
        return _model_page(request, model, Form(values, errors), exc.status_code)
    return redirect(f"/panel/providers/{saved.provider_id}#models", request, settings, f"Model '{saved.name}' saved.")


@router.post("/models/{model_id:int}/delete")
async def delete_model(request: Request, model_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                       _admin: PanelAdmin) -> Response:
    model = await model_service.get_model(session, model_id)
    try:
        await model_service.delete_model(session, cache, model_id)
    except Conflict as exc:
        return _model_page(request, model, Form(values=model.model_dump()), 409, delete_error=exc.detail)
    return redirect(f"/panel/providers/{model.provider_id}#models", request, settings,
                    f"Model '{model.name}' deleted.")
