"""Playground: chat with an assistant as a client app would. Turns go through the chat runtime
(`ChatService` and the SSE framing of `POST /chat/assistant`), so what works here works there."""

from fastapi import Request
from fastapi.responses import Response

from errors import NotFound
from models.assistant import AssistantPublic
from models.chat import AssistantChatRequest
from panel.pages.common import CHOICES_LIMIT, OptionalId, panel_router
from panel.rendering import render
from panel.session import PanelUser
from routers.chat import answer
from routers.deps import ChatServiceDep, SessionDep
from services import application_service, assistant_service
from services.auth_service import Caller

router = panel_router()


async def _assistants(session: SessionDep, user: PanelUser, application_id: int | None) -> list[AssistantPublic]:
    if application_id is None:
        return []
    try:
        result = await assistant_service.list_for_application(session, user, application_id, skip=0,
                                                              limit=CHOICES_LIMIT, is_active=True)
    except NotFound:
        return []
    return result.data


@router.get("/playground")
async def playground(request: Request, session: SessionDep, user: PanelUser, application_id: OptionalId = None,
                     assistant_id: OptionalId = None) -> Response:
    applications = (await application_service.list_applications(session, user, skip=0, limit=CHOICES_LIMIT,
                                                                 is_active=True)).data
    if application_id is None and applications:
        application_id = applications[0].id
    assistants = await _assistants(session, user, application_id)
    return render(request, "playground.html", applications=applications, application_id=application_id,
                  assistants=assistants, assistant_id=assistant_id)


@router.get("/playground/assistant-options")
async def assistant_options(request: Request, session: SessionDep, user: PanelUser,
                            application_id: OptionalId = None) -> Response:
    """The <option>s of one application's assistants: the assistant select follows the application."""
    return render(request, "_assistant_options.html", assistants=await _assistants(session, user, application_id),
                  assistant_id=None)


@router.post("/playground/send")
async def send(body: AssistantChatRequest, service: ChatServiceDep, user: PanelUser) -> Response:
    """One turn, streamed as `POST /chat/assistant` streams it (JSON when the model cannot stream)."""
    caller = Caller(user=user)
    assistant = await service.find_assistant(caller, assistant_id=body.assistant_id, name=body.assistant_name)
    stream = True if body.stream is None else body.stream
    prepared = await service.prepare(caller, assistant, body.message, stream=stream,
                                     conversation_id=body.conversation_id)
    result = await answer(service, prepared)
    if isinstance(result, Response):
        return result
    return Response(result.model_dump_json(), media_type="application/json")
