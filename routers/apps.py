"""Per-application chat routes: `/app/{app}/{assistant}` by slugs, and the custom `endpoint`
paths admins give applications and assistants (served by a catch-all included last)."""

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from errors import NotFound, Unauthenticated
from models.chat import ApplicationInfo, AssistantEndpoint, ChatResponse, ChatTurnRequest
from models.common import error_responses
from routers.chat import CHAT_ERRORS, answer
from routers.deps import ChatServiceDep, CurrentCaller, get_caller, oauth2_scheme
from routers.sse import STREAM_RESPONSE_DOC
from services.auth_service import Caller
from services.chat_service import ChatService
from services.runtime_config import ApplicationConfig, RuntimeSnapshot

router = APIRouter(tags=["applications"])
endpoints_router = APIRouter()


def application_info(caller: Caller, app: ApplicationConfig) -> ApplicationInfo:
    base = app.endpoint or f"/app/{app.slug}"
    assistants = [
        AssistantEndpoint(id=a.id, name=a.name, slug=a.slug, description=a.description,
                          url=f"{base}/{a.slug}", endpoint=a.endpoint, is_streaming=a.is_streaming)
        for a in sorted(app.assistants.values(), key=lambda a: a.name.lower())
        if a.is_active and caller.can_use(app.id, a.id)
    ]
    return ApplicationInfo(id=app.id, name=app.name, slug=app.slug, description=app.description,
                           endpoint=app.endpoint, assistants=assistants)


@router.get("/app/{app}", response_model=ApplicationInfo, include_in_schema=False)
@router.get("/app/{app}/", response_model=ApplicationInfo, responses=error_responses(401, 403, 404))
async def get_application(app: str, service: ChatServiceDep, caller: CurrentCaller) -> ApplicationInfo:
    """The application and the assistant endpoints the caller may use."""
    return application_info(caller, await service.application(caller, slug=app))


@router.post("/app/{app}/{assistant}", response_model=ChatResponse,
             responses={**CHAT_ERRORS, **STREAM_RESPONSE_DOC})
async def chat_in_application(app: str, assistant: str, body: ChatTurnRequest, service: ChatServiceDep,
                              caller: CurrentCaller) -> ChatResponse | Response:
    """Chat with an application's assistant, both named by their URL slugs."""
    application = await service.application(caller, slug=app)
    found = await service.assistant_in_app(caller, application, assistant)
    prepared = await service.prepare(caller, found, body.message, stream=body.stream,
                                     conversation_id=body.conversation_id)
    return await answer(service, prepared)


async def _turn(request: Request) -> ChatTurnRequest:
    try:
        return ChatTurnRequest.model_validate_json(await request.body() or b"null")
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from exc


async def _caller(request: Request) -> Caller:
    if not (request.headers.get("authorization") or request.headers.get("x-api-key")):
        raise Unauthenticated()
    return await get_caller(request, await oauth2_scheme(request))


def _methods_elsewhere(request: Request) -> list[str]:
    """The methods other routes serve on this path (none: the path itself is unknown)."""
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(getattr(route, "original_router", None) is not endpoints_router
               and route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


# Every method, so an unknown path is a 404 whatever the method: with GET and POST only, a PUT or
# DELETE on e.g. /admin/users/abc matched this route's path alone and got an undeclared 405.
@endpoints_router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False,
                            response_model=None)
async def custom_endpoint(path: str, request: Request,
                          service: ChatServiceDep) -> Response | ApplicationInfo | ChatResponse:
    """Admin-defined `endpoint` paths: GET an application's, POST an assistant's or
    `{application endpoint}/{assistant slug}`. A known path with another method is a 405, as
    Starlette answers it; anything else is an ordinary 404."""
    full = "/" + path.rstrip("/")
    kind = _endpoint_kind(await service.snapshot(), request.method, full)
    if kind is None and request.method in ("GET", "POST"):  # created a moment ago on another worker?
        kind = _endpoint_kind(await service.refreshed_snapshot(), request.method, full)
    if kind is not None:
        caller = await _caller(request)
        if kind == "application":
            return application_info(caller, await service.application(caller, endpoint=full))
        if kind == "assistant":
            return await _chat(service, caller, (await service.find_assistant(caller, endpoint=full)).id, request)
        parent, _, slug = full.rpartition("/")
        application = await service.application(caller, endpoint=parent)
        return await _chat(service, caller, (await service.assistant_in_app(caller, application, slug)).id, request)
    if allowed := _methods_elsewhere(request):
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})
    raise NotFound(f"No route {request.method} {full}: see /docs for the API")


def _endpoint_kind(snap: RuntimeSnapshot, method: str, full: str) -> str | None:
    """What an admin-defined path names: an application (GET), an assistant, or an application's
    assistant by slug (POST)."""
    if method == "GET" and full in snap.apps_by_endpoint:
        return "application"
    if method == "POST":
        if full in snap.assistants_by_endpoint:
            return "assistant"
        if full.rpartition("/")[0] in snap.apps_by_endpoint:
            return "application assistant"
    return None


async def _chat(service: ChatService, caller: Caller, assistant_id: int, request: Request) -> Response | ChatResponse:
    body = await _turn(request)
    assistant = await service.find_assistant(caller, assistant_id=assistant_id)
    prepared = await service.prepare(caller, assistant, body.message, stream=body.stream,
                                     conversation_id=body.conversation_id)
    return await answer(service, prepared)
