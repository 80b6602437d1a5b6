from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response

from models.chat import (
    AssistantChatRequest,
    ChatResponse,
    DirectChatRequest,
    DirectChatResponse,
    ProviderSmokeTest,
    UsagePublic,
)
from models.common import error_responses
from providers.llm_provider import ChatMessage, Usage
from routers.deps import ChatServiceDep, CurrentAdmin, CurrentCaller
from routers.sse import STREAM_RESPONSE_DOC, sse_response
from services.chat_service import ChatService, PreparedChat, open_stream

router = APIRouter(prefix="/chat", tags=["chat"])

CHAT_ERRORS = error_responses(401, 403, 404, 413, 422, 429, 502, 503, 504)


def usage_public(usage: Usage) -> UsagePublic:
    return UsagePublic(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                       total_tokens=usage.total_tokens)


async def answer(service: ChatService, prepared: PreparedChat) -> ChatResponse | Response:
    """The JSON answer, or the SSE stream when the turn streams (shared by every chat route)."""
    assistant = prepared.assistant
    if prepared.stream:
        events = await service.start_stream(prepared)
        return sse_response(events, provider_used=assistant.provider.name, model_used=assistant.model_name,
                            conversation_id=prepared.conversation_id)
    result = await service.complete(prepared)
    body = ChatResponse(response=result.text, assistant_name=assistant.name, application=prepared.application.name,
                        timestamp=result.timestamp, provider_used=assistant.provider.name,
                        model_used=assistant.model_name, conversation_id=prepared.conversation_id,
                        usage=usage_public(result.usage), finish_reason=result.finish_reason)
    # Already a valid ChatResponse: serialise it once here instead of FastAPI validating it again.
    return Response(body.model_dump_json(), media_type="application/json")


@router.post("/", response_model=DirectChatResponse, responses={**CHAT_ERRORS, **STREAM_RESPONSE_DOC})
async def direct_chat(body: DirectChatRequest, service: ChatServiceDep,
                      _admin: CurrentAdmin) -> DirectChatResponse | Response:
    """Chat with any active provider and model directly (no stored assistant). Admins only: it
    spends the provider's stored keys outside any application."""
    runner = await service.direct(provider=body.provider, model=body.model, system_prompt=body.system_prompt,
                                  api_key=body.api_key)
    messages = [ChatMessage(role="user", content=body.prompt)]
    if body.streaming:
        events = await open_stream(runner.provider().stream(messages, model=body.model,
                                                            system_prompt=body.system_prompt))
        return sse_response(events, provider_used=body.provider, model_used=body.model)
    result = await runner.complete(body.prompt)
    return DirectChatResponse(response=result.text, provider_used=body.provider, model_used=body.model,
                              usage=usage_public(result.usage), finish_reason=result.finish_reason,
                              timestamp=datetime.now(UTC))


@router.post("/assistant", response_model=ChatResponse, responses={**CHAT_ERRORS, **STREAM_RESPONSE_DOC})
async def chat_with_assistant(body: AssistantChatRequest, service: ChatServiceDep,
                              caller: CurrentCaller) -> ChatResponse | Response:
    """Chat with a stored assistant: prompt, provider, model, key and config come from the database."""
    assistant = await service.find_assistant(caller, assistant_id=body.assistant_id, name=body.assistant_name)
    prepared = await service.prepare(caller, assistant, body.message, stream=body.stream,
                                     conversation_id=body.conversation_id)
    return await answer(service, prepared)


@router.get("/test", response_model=ProviderSmokeTest, responses=error_responses(401, 403, 422, 429, 502, 504))
async def smoke_test_gemini(service: ChatServiceDep, _admin: CurrentAdmin) -> ProviderSmokeTest:
    """Ask the configured Gemini provider for a one-word answer (checks key, base URL and model)."""
    runner = await service.smoke_test("gemini")
    result = await runner.complete("Reply with the single word: ok")
    return ProviderSmokeTest(status="ok", provider="gemini", model=runner.model, response=result.text)
