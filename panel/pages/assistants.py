"""Assistants: list, and one form for create/edit (provider -> model, prompt, generation settings,
the write-only API key); the model list follows the chosen provider."""

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from errors import Conflict, InvalidInput, NotFound
from models.assistant import AssistantCreate, AssistantPublic, AssistantUpdate
from panel.forms import Form, FormInvalid, checkbox, number, parse, service_errors, text
from panel.pages.common import CHOICES_LIMIT, PAGE_SIZE, OptionalId, PageNo, form_of, pager, panel_router, skip_of
from panel.rendering import render
from panel.session import PanelAdmin, PanelUser, redirect
from routers.admin.params import Id, LiveRoutes
from routers.deps import CacheDep, SessionDep, SettingsDep
from services import application_service, assistant_service, model_service, provider_service
from services.auth_service import UserSnapshot

router = panel_router()
CONFIG_FIELDS = ("config.temperature", "config.max_tokens", "config.top_p", "config.history_window", "config.stop",
                 "config.provider_options")
FIELDS = ("name", "description", "application_id", "model_id", "system_prompt", "endpoint", "is_streaming",
          "is_active", "api_key", *CONFIG_FIELDS)
CONFLICT_FIELDS = ("endpoint", "name")
API_KEY_ACTIONS = ("keep", "replace", "clear")


def _read(form: FormData, *, creating: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(the schema's input, what to show again in the form, errors found while reading)."""
    errors: dict[str, str] = {}
    stop = [line.strip() for line in (form.get("config.stop") or "").splitlines() if line.strip()]  # type: ignore[union-attr]
    config = {"temperature": number(form, "config.temperature", errors),
              "max_tokens": number(form, "config.max_tokens", errors, integer=True),
              "top_p": number(form, "config.top_p", errors),
              "history_window": number(form, "config.history_window", errors, integer=True),
              "stop": stop or None, "provider_options": _json_object(form, "config.provider_options", errors)}
    data: dict[str, Any] = {
        "name": form.get("name") or "", "description": text(form, "description"),
        "application_id": text(form, "application_id"), "model_id": text(form, "model_id"),
        "system_prompt": text(form, "system_prompt"), "endpoint": text(form, "endpoint"),
        "is_streaming": checkbox(form, "is_streaming"), "is_active": checkbox(form, "is_active"),
        "config": {k: v for k, v in config.items() if v is not None},
    }
    action = form.get("api_key_action") if not creating else "replace"
    action = action if action in API_KEY_ACTIONS else "keep"
    if action == "replace":
        data["api_key"] = text(form, "api_key")
        if data["api_key"] is None and not creating:
            errors["api_key"] = "Type the new key, or choose to keep the stored one"
    elif action == "clear":
        data["api_key"] = None
    shown = {k: v for k, v in data.items() if k not in ("config", "api_key")}
    shown.update({name: form.get(name) or "" for name in CONFIG_FIELDS})
    shown["provider_id"] = text(form, "provider_id")
    shown["api_key_action"] = action
    return data, shown, errors


def _json_object(form: FormData, name: str, errors: dict[str, str]) -> dict[str, Any] | None:
    raw = text(form, name)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        errors[name] = 'Enter a JSON object such as {"region": "eu"}'
        return None
    return value


def _values_of(assistant: AssistantPublic) -> dict[str, Any]:
    values: dict[str, Any] = assistant.model_dump()
    stop = assistant.config.get("stop")
    for key in ("temperature", "max_tokens", "top_p", "history_window"):
        value = assistant.config.get(key)
        values[f"config.{key}"] = "" if value is None else str(value)
    values["config.stop"] = "\n".join([stop] if isinstance(stop, str) else stop or [])
    options = assistant.config.get("provider_options")
    values["config.provider_options"] = json.dumps(options) if options else ""
    values["api_key_action"] = "keep"
    return values


async def _choices(session: AsyncSession, user: UserSnapshot, values: dict[str, Any]) -> dict[str, Any]:
    """Applications, providers, and the models of the selected provider for the form's selects."""
    applications = (await application_service.list_applications(session, user, skip=0, limit=CHOICES_LIMIT)).data
    providers = (await provider_service.list_providers(session, skip=0, limit=CHOICES_LIMIT)).data
    provider_id = _int(values.get("provider_id"))
    model_id = _int(values.get("model_id"))
    if provider_id is None and model_id is not None:
        try:
            provider_id = (await model_service.get_model(session, model_id)).provider_id
        except NotFound:
            provider_id = None
    if provider_id is None and providers:
        provider_id = next((p.id for p in providers if p.is_active), providers[0].id)
    models = (await model_service.list_models(session, skip=0, limit=CHOICES_LIMIT, provider_id=provider_id)).data \
        if provider_id is not None else []
    values["provider_id"] = provider_id
    return {"applications": applications, "providers": providers, "models": models}


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


async def _form_page(request: Request, session: AsyncSession, user: UserSnapshot, form: Form, *,
                     assistant: AssistantPublic | None = None, status_code: int = 200) -> Response:
    choices = await _choices(session, user, form.values)
    return render(request, "assistants/form.html", status_code, form=form, assistant=assistant, **choices)


@router.get("/assistants")
async def list_assistants(request: Request, session: SessionDep, user: PanelUser, page: PageNo = 1,
                          application_id: OptionalId = None) -> Response:
    result = await assistant_service.list_assistants(session, user, skip=skip_of(page), limit=PAGE_SIZE,
                                                     application_id=application_id)
    applications = (await application_service.list_applications(session, user, skip=0, limit=CHOICES_LIMIT)).data
    return render(request, "assistants/list.html", assistants=result.data, applications=applications,
                  application_id=application_id,
                  pager=pager(page, result.count, "/panel/assistants", application_id=application_id))


@router.get("/assistants/model-options")
async def model_options(request: Request, session: SessionDep, _user: PanelUser,
                        provider_id: OptionalId = None) -> Response:
    """The <option>s of one provider's models: the model select follows the provider select."""
    models = (await model_service.list_models(session, skip=0, limit=CHOICES_LIMIT, provider_id=provider_id)).data \
        if provider_id else []
    return render(request, "assistants/_model_options.html", models=models, selected=None)


@router.get("/assistants/new")
async def new_assistant(request: Request, session: SessionDep, admin: PanelAdmin,
                        application_id: OptionalId = None) -> Response:
    values = {"is_active": True, "application_id": application_id, "api_key_action": "replace"}
    return await _form_page(request, session, admin, Form(values=values))


@router.post("/assistants")
async def create_assistant(request: Request, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                           admin: PanelAdmin, live_routes: LiveRoutes) -> Response:
    data, shown, errors = _read(await form_of(request), creating=True)
    try:
        if errors:
            raise FormInvalid(errors)
        body = parse(AssistantCreate, data, FIELDS)
        created = await assistant_service.create_assistant(session, cache, settings, admin, body, live_routes)
    except FormInvalid as exc:
        return await _form_page(request, session, admin, Form(shown, exc.errors), status_code=422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        return await _form_page(request, session, admin, Form(shown, service_errors(exc, FIELDS, CONFLICT_FIELDS)),
                                status_code=exc.status_code)
    return redirect(f"/panel/assistants/{created.id}", request, settings, f"Assistant '{created.name}' created.")


@router.get("/assistants/{assistant_id:int}")
async def assistant_detail(request: Request, assistant_id: Id, session: SessionDep, user: PanelUser) -> Response:
    assistant = await assistant_service.get_assistant(session, user, assistant_id)
    if not user.is_admin:
        return render(request, "assistants/view.html", assistant=assistant)
    return await _form_page(request, session, user, Form(values=_values_of(assistant)), assistant=assistant)


@router.post("/assistants/{assistant_id:int}")
async def update_assistant(request: Request, assistant_id: Id, session: SessionDep, cache: CacheDep,
                           settings: SettingsDep, admin: PanelAdmin, live_routes: LiveRoutes) -> Response:
    assistant = await assistant_service.get_assistant(session, admin, assistant_id)
    data, shown, errors = _read(await form_of(request), creating=False)
    try:
        if errors:
            raise FormInvalid(errors)
        body = parse(AssistantUpdate, data, FIELDS)
        saved = await assistant_service.update_assistant(session, cache, settings, assistant_id, body, live_routes)
    except FormInvalid as exc:
        return await _form_page(request, session, admin, Form(shown, exc.errors), assistant=assistant,
                                status_code=422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        return await _form_page(request, session, admin, Form(shown, service_errors(exc, FIELDS, CONFLICT_FIELDS)),
                                assistant=assistant, status_code=exc.status_code)
    return redirect(f"/panel/assistants/{saved.id}", request, settings, f"Assistant '{saved.name}' saved.")


@router.post("/assistants/{assistant_id:int}/delete")
async def delete_assistant(request: Request, assistant_id: Id, session: SessionDep, cache: CacheDep,
                           settings: SettingsDep, admin: PanelAdmin) -> Response:
    assistant = await assistant_service.get_assistant(session, admin, assistant_id)
    await assistant_service.delete_assistant(session, cache, assistant_id)
    return redirect(f"/panel/applications/{assistant.application_id}", request, settings,
                    f"Assistant '{assistant.name}' deleted.")
