"""The admin web panel under /panel/: server-rendered Jinja2 pages with htmx, served by this same
service and left out of /openapi.json. Every action calls the services the REST API calls."""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from errors import NotFound
from panel.pages import api_keys, applications, assistants, auth, dynamic, playground, providers, users
from panel.pages.common import panel_router
from panel.rendering import STATIC_DIR, make_environment
from panel.session import PanelUser

PREFIX = "/panel"

_fallback = panel_router()


@_fallback.api_route("/{rest:path}", methods=["GET", "POST"])
async def not_found(_request: Request, rest: str, _user: PanelUser) -> Response:
    raise NotFound(f"The panel has no page /panel/{rest}: use the navigation above")


async def _to_home() -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


def build_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    router.add_api_route("", _to_home, methods=["GET"])
    for module in (auth, applications, assistants, providers, dynamic, api_keys, users, playground):
        if hasattr(module, "public_router"):
            router.include_router(module.public_router)
        router.include_router(module.router)
    router.include_router(_fallback)
    return router


def install_panel(app: FastAPI) -> None:
    """Add the panel's pages and static files to `app`; call it before any catch-all route."""
    app.state.panel_templates = make_environment()
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="panel-static")
    app.include_router(build_router())
