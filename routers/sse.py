"""SSE framing of chat events (the only place that knows the wire shape of a stream)."""

from collections.abc import AsyncIterator
from typing import Any

import orjson
from sse_starlette import EventSourceResponse

from services.chat_service import ChatEvent, Delta, Done, StreamFailed

STREAM_RESPONSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
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
