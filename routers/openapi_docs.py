"""`/openapi.json` and `/docs`, with each application's concrete assistant endpoints listed under
a tag per application. The schema is rebuilt only when the configuration version changes.
Swagger UI's files come from the swagger-ui-bundle package: nothing is loaded from a CDN."""

import copy
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from services.chat_service import ChatService
from services.runtime_config import RuntimeSnapshot

router = APIRouter(include_in_schema=False)



def mount_docs_assets(app: FastAPI) -> None:
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")


def _base_schema(app: FastAPI) -> dict[str, Any]:
    if not hasattr(app.state, "openapi_base"):
        app.state.openapi_base = get_openapi(title=app.title, version=app.version, description=app.description,
                                             routes=app.routes)
    return app.state.openapi_base  # type: ignore[no-any-return]


def _with_applications(base: dict[str, Any], snap: RuntimeSnapshot) -> dict[str, Any]:
    schema = copy.deepcopy(base)
    generic_get = base["paths"]["/app/{app}/"]["get"]
    generic_post = base["paths"]["/app/{app}/{assistant}"]["post"]
    tags = schema.setdefault("tags", [])
    for app in sorted(snap.apps_by_id.values(), key=lambda a: a.name.lower()):
        if not app.is_active:
            continue
        tag = f"app: {app.name}"
        tags.append({"name": tag, "description": app.description or f"Assistants of {app.name}"})
        bases = [f"/app/{app.slug}"] + ([app.endpoint] if app.endpoint else [])
        for base_path in bases:
            op = copy.deepcopy(generic_get)
            op.update(tags=[tag], summary=f"{app.name}: application and assistants",
                      operationId=f"app_{app.id}_info_{len(schema['paths'])}", parameters=[])
            schema["paths"][base_path + ("/" if base_path.startswith("/app/") else "")] = {"get": op}
            for assistant in app.assistants.values():
                if not assistant.is_active:
                    continue
                op = copy.deepcopy(generic_post)
                op.update(tags=[tag], summary=f"Chat with {assistant.name}", parameters=[],
                          operationId=f"app_{app.id}_assistant_{assistant.id}_{len(schema['paths'])}",
                          description=assistant.description or f"{assistant.provider.name} / {assistant.model_name}")
                schema["paths"][f"{base_path}/{assistant.slug}"] = {"post": op}
                if assistant.endpoint and assistant.endpoint not in schema["paths"]:
                    schema["paths"][assistant.endpoint] = {"post": {**op, "operationId": op["operationId"] + "_ep"}}
    return schema


@router.get("/openapi.json")
async def openapi_json(request: Request) -> JSONResponse:
    service: ChatService = request.app.state.chat_service
    snap = await service.snapshot()
    cached = getattr(request.app.state, "openapi_cached", None)
    if cached is None or cached[0] is not snap:
        cached = (snap, _with_applications(_base_schema(request.app), snap))
        request.app.state.openapi_cached = cached
    return JSONResponse(cached[1])


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Virtual Assistants Admin - API",
                               swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs-assets/swagger-ui.css",
                               swagger_favicon_url="/docs-assets/favicon-32x32.png")
