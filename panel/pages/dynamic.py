"""Dynamic providers: start from a template, edit the code (CodeMirror), Validate (errors marked at
their line), Test with a prompt in the sandbox (answer, time taken, what the code printed), Save.
Everything goes through `dynamic_provider_service`, as `/admin/providers/dynamic` does."""

import json
from typing import Any, get_args

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from errors import AppError, Conflict, InvalidInput
from models.dynamic_provider import (
    CodeValidationRequest,
    DynamicProviderCreate,
    DynamicProviderPublic,
    DynamicProviderUpdate,
    DynamicTestRequest,
    ProviderType,
)
from panel.forms import GENERAL, Form, FormInvalid, checkbox, parse, service_errors, text, validation_errors
from panel.pages.common import PAGE_SIZE, PageNo, form_of, pager, panel_router, skip_of
from panel.rendering import render
from panel.session import PanelAdmin, redirect
from routers.admin.dynamic_providers import DynamicProvidersDep
from routers.admin.params import Id
from routers.deps import CacheDep, SessionDep, SettingsDep
from sandbox.templates import INTERFACE_NOTES
from services import dynamic_provider_service as service

router = panel_router()
TEMPLATE_TYPES: tuple[str, ...] = get_args(ProviderType)
FIELDS = ("name", "display_name", "base_url", "allowed_hosts", "python_code", "config_schema",
          "required_dependencies", "validation_code", "api_key", "is_active")
SHOWN = ("name", "display_name", "base_url", "allowed_hosts", "python_code", "config_schema",
         "required_dependencies", "validation_code", "is_active", "template", "test_model", "test_prompt",
         "test_stream")


def _lines(form: FormData, name: str) -> list[str]:
    return [line.strip() for line in str(form.get(name) or "").splitlines() if line.strip()]


def _read(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The definition as the API's schemas take it, and errors found while reading the form."""
    errors: dict[str, str] = {}
    raw_schema = str(form.get("config_schema") or "").strip()
    try:
        config_schema = json.loads(raw_schema) if raw_schema else {}
        if not isinstance(config_schema, dict):
            errors["config_schema"] = "The config schema must be a JSON object such as {\"type\": \"object\"}"
    except json.JSONDecodeError as exc:
        config_schema = {}
        errors["config_schema"] = f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    data = {"name": str(form.get("name") or ""), "display_name": str(form.get("display_name") or ""),
            "base_url": str(form.get("base_url") or ""), "allowed_hosts": _lines(form, "allowed_hosts"),
            "python_code": str(form.get("python_code") or "").replace("\r\n", "\n"),
            "config_schema": config_schema, "required_dependencies": _lines(form, "required_dependencies"),
            "validation_code": (text(form, "validation_code") or "").replace("\r\n", "\n") or None,
            "api_key": text(form, "api_key"), "is_active": checkbox(form, "is_active")}
    return data, errors


def _shown(form: FormData) -> dict[str, Any]:
    """What to put back into the form: everything typed except the API key."""
    values = {name: form.get(name) or "" for name in SHOWN}
    values["is_active"] = checkbox(form, "is_active")
    values["test_stream"] = checkbox(form, "test_stream")
    return values


def _values_of_template(provider_type: str) -> tuple[dict[str, Any], str]:
    t = service.template(provider_type)
    values = {"name": "", "display_name": "", "base_url": t.default_base_url, "allowed_hosts": "",
              "python_code": t.python_code, "config_schema": json.dumps(t.config_schema, indent=2),
              "required_dependencies": "\n".join(t.required_dependencies), "validation_code": t.validation_code,
              "is_active": True, "template": provider_type, "test_model": t.default_model,
              "test_prompt": "Hello! Reply with one short sentence.", "test_stream": False}
    return values, t.notes


def _editor(request: Request, form: Form, *, provider: DynamicProviderPublic | None = None,
            notes: str = INTERFACE_NOTES, status_code: int = 200, report: Any = None) -> Response:
    return render(request, "dynamic/editor.html", status_code, form=form, provider=provider, notes=notes,
                  templates=TEMPLATE_TYPES, report=report)


@router.get("/dynamic-providers")
async def list_dynamic(request: Request, session: SessionDep, _admin: PanelAdmin, page: PageNo = 1) -> Response:
    result = await service.list_dynamic(session, skip=skip_of(page), limit=PAGE_SIZE)
    return render(request, "dynamic/list.html", providers=result.data, templates=TEMPLATE_TYPES,
                  pager=pager(page, result.count, "/panel/dynamic-providers"))


@router.get("/dynamic-providers/new")
async def new_dynamic(request: Request, _admin: PanelAdmin, template: str = "openai") -> Response:
    values, notes = _values_of_template(template if template in TEMPLATE_TYPES else "openai")
    return _editor(request, Form(values=values), notes=notes)


async def _refused(request: Request, runtime: DynamicProvidersDep, form: Form, data: dict[str, Any],
                   exc: InvalidInput | Conflict, provider: DynamicProviderPublic | None) -> Response:
    """The save was refused: say why next to the field, and mark code errors at their lines."""
    form.errors.update(service_errors(exc, FIELDS, ("name",)))
    report = None
    if isinstance(exc, InvalidInput) and data["python_code"].strip():
        report = await service.validate_code(runtime, CodeValidationRequest(python_code=data["python_code"]))
    return _editor(request, form, provider=provider, status_code=exc.status_code, report=report)


@router.post("/dynamic-providers")
async def create_dynamic(request: Request, session: SessionDep, cache: CacheDep, settings: SettingsDep,
                         runtime: DynamicProvidersDep, admin: PanelAdmin) -> Response:
    raw = await form_of(request)
    data, errors = _read(raw)
    form = Form(_shown(raw), errors)
    try:
        if errors:
            raise FormInvalid(errors)
        body = parse(DynamicProviderCreate, data, FIELDS)
        created = await service.create_dynamic(session, cache, settings, runtime, body, admin.id)
    except FormInvalid as exc:
        return _editor(request, Form(form.values, exc.errors), status_code=422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        return await _refused(request, runtime, form, data, exc, None)
    return redirect(f"/panel/dynamic-providers/{created.id}", request, settings,
                    f"Dynamic provider '{created.name}' saved.")


async def _saved_values(session: AsyncSession, provider_id: int) -> tuple[DynamicProviderPublic, dict[str, Any]]:
    provider = await service.get_dynamic(session, provider_id)
    code = await service.get_code(session, provider_id)
    values = provider.model_dump() | {
        "python_code": code.python_code, "validation_code": code.validation_code or "",
        "config_schema": json.dumps(code.config_schema, indent=2),
        "required_dependencies": "\n".join(code.required_dependencies),
        "allowed_hosts": "\n".join(provider.allowed_hosts), "test_model": "test-model",
        "test_prompt": "Hello! Reply with one short sentence.", "test_stream": False}
    return provider, values


@router.get("/dynamic-providers/{provider_id:int}")
async def edit_dynamic(request: Request, provider_id: Id, session: SessionDep, _admin: PanelAdmin) -> Response:
    provider, values = await _saved_values(session, provider_id)
    return _editor(request, Form(values=values), provider=provider)


@router.post("/dynamic-providers/{provider_id:int}")
async def update_dynamic(request: Request, provider_id: Id, session: SessionDep, cache: CacheDep,
                         settings: SettingsDep, runtime: DynamicProvidersDep, admin: PanelAdmin) -> Response:
    provider = await service.get_dynamic(session, provider_id)
    raw = await form_of(request)
    data, errors = _read(raw)
    data.pop("name")  # a provider's name is how assistants' models reach it: it never changes
    if data["api_key"] is None:
        data.pop("api_key")  # empty: keep the stored key
    form = Form(_shown(raw) | {"name": provider.name}, errors)
    try:
        if errors:
            raise FormInvalid(errors)
        body = parse(DynamicProviderUpdate, data, FIELDS)
        saved = await service.update_dynamic(session, cache, settings, runtime, provider_id, body, admin.id)
    except FormInvalid as exc:
        return _editor(request, Form(form.values, exc.errors), provider=provider, status_code=422)
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        return await _refused(request, runtime, form, data, exc, provider)
    return redirect(f"/panel/dynamic-providers/{saved.id}", request, settings,
                    f"Dynamic provider '{saved.name}' saved.")


@router.post("/dynamic-providers/{provider_id:int}/delete")
async def delete_dynamic(request: Request, provider_id: Id, session: SessionDep, cache: CacheDep,
                         settings: SettingsDep, runtime: DynamicProvidersDep, _admin: PanelAdmin) -> Response:
    saved = await service.delete_dynamic(session, cache, runtime, provider_id)
    return redirect("/panel/dynamic-providers", request, settings,
                    f"Dynamic provider '{saved.name}' deactivated (its record stays for the assistants on it).")


@router.post("/dynamic-providers/validate")
async def validate(request: Request, runtime: DynamicProvidersDep, _admin: PanelAdmin) -> Response:
    """htmx: the validation report of the code in the editor (nothing is saved or run)."""
    data, errors = _read(await form_of(request))
    if errors or not data["python_code"].strip():
        errors.setdefault("python_code", "Write some code first")
        return render(request, "dynamic/_validation.html", report=None, errors=errors)
    try:
        body = CodeValidationRequest(python_code=data["python_code"], config_schema=data["config_schema"],
                                     required_dependencies=data["required_dependencies"],
                                     validation_code=data["validation_code"])
    except ValidationError as exc:
        return render(request, "dynamic/_validation.html", report=None, errors=validation_errors(exc, FIELDS))
    report = await service.validate_code(runtime, body)
    return render(request, "dynamic/_validation.html", report=report, errors={})


@router.post("/dynamic-providers/test")
async def test(request: Request, session: SessionDep, settings: SettingsDep, runtime: DynamicProvidersDep,
               _admin: PanelAdmin) -> Response:
    """htmx: run the code in the editor in a one-off sandbox worker with the test prompt."""
    raw = await form_of(request)
    data, errors = _read(raw)
    provider_id = text(raw, "provider_id")
    request_data = {"python_code": data["python_code"] or None, "config_schema": data["config_schema"],
                    "required_dependencies": data["required_dependencies"],
                    "validation_code": data["validation_code"] or "", "base_url": data["base_url"] or None,
                    "allowed_hosts": data["allowed_hosts"], "api_key": data["api_key"],
                    "model": text(raw, "test_model") or "test-model",
                    "prompt": text(raw, "test_prompt") or "Hello! Reply with one short sentence.",
                    "stream": checkbox(raw, "test_stream")}
    if provider_id and provider_id.isdigit():
        request_data["provider_id"] = int(provider_id)
    try:
        if errors:
            raise FormInvalid(errors)
        body = parse(DynamicTestRequest, request_data, FIELDS)
    except FormInvalid as exc:
        return render(request, "dynamic/_test_result.html", result=None,
                      errors={k if k != GENERAL else "test": v for k, v in exc.errors.items()})
    try:
        result = await service.test_provider(session, settings, runtime, body)
    except AppError as exc:
        # A fragment for htmx to show in place (it swaps 2xx answers), e.g. "no sandbox here" (503).
        return render(request, "dynamic/_test_result.html", result=None,
                      errors={"test": f"{exc.detail} (status {exc.status_code})"})
    return render(request, "dynamic/_test_result.html", result=result, errors={})
