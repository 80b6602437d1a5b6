"""Anthropic Claude through the Messages API: `POST {base_url}/v1/messages` with `x-api-key` and
`anthropic-version`, as documented; the base URL is the host root (`https://api.anthropic.com`).

The wire format is spoken by `LeanHTTPClient` rather than `AsyncAnthropic`, whose cost per call
(about 0.7 ms of CPU even on its aiohttp transport) exceeds this layer's budget on the chat hot path.
"""

from typing import Any

import orjson

from providers.lean_http import LeanProvider
from providers.llm_provider import (
    ChatMessage,
    ChatResult,
    GenerationParams,
    StreamChunk,
    Usage,
)
from providers.upstream import UpstreamFailure

API_VERSION = "2023-06-01"
# The Messages API requires max_tokens; used when the assistant's config sets none.
DEFAULT_MAX_TOKENS = 4096
_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
           "refusal": "content_filter"}


# --- converter (pure) -----------------------------------------------------------------------

def build_request(messages: list[ChatMessage], *, model: str, system_prompt: str | None,
                  params: GenerationParams, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": params.max_tokens or DEFAULT_MAX_TOKENS,
                            "messages": [{"role": m.role, "content": m.content} for m in messages]}
    if system_prompt:
        body["system"] = system_prompt  # a top-level field: the Messages API has no system role
    if params.temperature is not None:
        body["temperature"] = params.temperature
    if params.top_p is not None:
        body["top_p"] = params.top_p
    if params.stop:
        body["stop_sequences"] = list(params.stop)
    if stream:
        body["stream"] = True
    return body


def finish_reason(value: str | None) -> str | None:
    return _FINISH.get(value, value) if value else None


def parse_response(payload: Any) -> ChatResult:
    try:
        text = "".join(b.get("text", "") for b in payload["content"] if b.get("type") == "text")
        usage = payload.get("usage") or {}
        return ChatResult(text=text, finish_reason=finish_reason(payload.get("stop_reason")),
                          usage=Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise UpstreamFailure("garbage", message="the answer has no content blocks") from exc


class StreamState:
    """Folds message_start / content_block_delta / message_delta / message_stop into our chunks."""

    def __init__(self) -> None:
        self.usage = Usage()
        self.finish: str | None = None
        self.done = False

    def feed(self, data: bytes) -> StreamChunk | None:
        try:
            event = orjson.loads(data)
            kind = event.get("type")
            if kind == "content_block_delta":
                delta = event["delta"]
                text = delta.get("text", "") if delta.get("type") == "text_delta" else ""
                return StreamChunk(delta=text) if text else None
            if kind == "message_start":
                usage = event["message"].get("usage") or {}
                self.usage = Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))
            elif kind == "message_delta":
                self.finish = finish_reason((event.get("delta") or {}).get("stop_reason")) or self.finish
                # message_delta's output_tokens is the running total, not an increment
                output = (event.get("usage") or {}).get("output_tokens")
                if output is not None:
                    self.usage.output_tokens = int(output)
            elif kind == "message_stop":
                self.done = True
            elif kind == "error":  # e.g. overloaded_error after the 200
                raise UpstreamFailure("broken", message=str((event.get("error") or {}).get("message", "")))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise UpstreamFailure("garbage", message="an event is not a Messages stream event") from exc
        return None

    def finish_chunk(self) -> StreamChunk:
        if not self.done:
            raise UpstreamFailure("broken", message="it ended before message_stop")
        return StreamChunk(usage=self.usage, finish_reason=self.finish)


# --- I/O ------------------------------------------------------------------------------------

class AnthropicProvider(LeanProvider):
    name = "anthropic"
    default_base_url = "https://api.anthropic.com"

    path = "/v1/messages"
    build_request = staticmethod(build_request)
    parse_response = staticmethod(parse_response)
    stream_state = StreamState

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"x-api-key": api_key, "anthropic-version": API_VERSION}
