"""SSE framing of chat events (the only place that knows the wire shape of a stream)."""

from collections.abc import AsyncIterator
from typing import Any

import orjson
from sse_starlette import EventSourceResponse

from services.chat_service import ChatEvent, Delta, Done, StreamFailed

# One SSE event as clients (and schemathesis) parse it. `itemSchema` is OpenAPI 3.2's way to describe
# each event of a stream; `schema` then covers the whole stream, read as a list of events.
_SSE_EVENT = {"type": "object", "required": ["data"],
              "properties": {"data": {"type": "string", "description": "JSON text, or [DONE] last"},
                             "event": {"type": "string"}, "id": {"type": "string"}, "retry": {"type": "integer"}}}
STREAM_RESPONSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {"schema": {"type": "array", "items": _SSE_EVENT},
                                            "itemSchema": _SSE_EVENT}},
          "description": 'JSON answer, or with stream=true a text/event-stream of `data: {"delta": ...}` '
                         'events, then `data: {"done": true, ...}` (or `data: {"error": {...}}`) and '
                         "`data: [DONE]`"}
}


def _data(payload: dict[str, Any]) -> dict[str, str]:
    return {"data": orjson.dumps(payload).decode()}


def sse_response(events: AsyncIterator[ChatEvent], **done_fields: Any) -> EventSourceResponse:
    async def frames() -> AsyncIterator[dict[str, str]]:
        async for event in events:
            if isinstance(event, Delta):
                yield _data({"delta": event.text})
            elif isinstance(event, Done):
                usage = {"input_tokens": event.usage.input_tokens, "output_tokens": event.usage.output_tokens,
                         "total_tokens": event.usage.total_tokens}
                yield _data({"done": True, **done_fields, "usage": usage, "finish_reason": event.finish_reason})
            elif isinstance(event, StreamFailed):
                yield _data({"error": {"status": event.status, "detail": event.detail}})
        yield {"data": "[DONE]"}

    return EventSourceResponse(frames(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
