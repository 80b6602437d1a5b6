"""OpenAI, and any OpenAI-compatible server, through Chat Completions:
`POST {base_url}/chat/completions` with `Authorization: Bearer <key>`; the base URL includes `/v1`
(`https://api.openai.com/v1`), as the official SDK takes it.

The wire format is spoken by `LeanHTTPClient` rather than `AsyncOpenAI`: the SDK cost over 1 ms of CPU
per call, more than this layer's whole budget on the chat hot path (see providers/lean_http.py).
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

# OpenAI's own finish reasons are already ours; the legacy `function_call` is a tool call.
_FINISH = {"function_call": "tool_calls"}


# --- converter: our request -> OpenAI JSON, OpenAI JSON -> our results (pure) -----------------

def build_request(messages: list[ChatMessage], *, model: str, system_prompt: str | None,
                  params: GenerationParams, stream: bool) -> dict[str, Any]:
    wire: list[dict[str, str]] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    wire.extend({"role": m.role, "content": m.content} for m in messages)
    body: dict[str, Any] = {"model": model, "messages": wire}
    if params.temperature is not None:
        body["temperature"] = params.temperature
    if params.max_tokens is not None:
        # `max_tokens`, not `max_completion_tokens`: every OpenAI-compatible server understands it.
        body["max_tokens"] = params.max_tokens
    if params.top_p is not None:
        body["top_p"] = params.top_p
    if params.stop:
        body["stop"] = list(params.stop)
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}  # else a stream carries no usage at all
    return body


def finish_reason(value: str | None) -> str | None:
    return _FINISH.get(value, value) if value else None


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    return Usage(input_tokens=int(raw.get("prompt_tokens") or 0), output_tokens=int(raw.get("completion_tokens") or 0))


def parse_response(payload: Any) -> ChatResult:
    try:
        choice = payload["choices"][0]
        text = choice["message"].get("content") or ""
        return ChatResult(text=text, usage=_usage(payload.get("usage")),
                          finish_reason=finish_reason(choice.get("finish_reason")))
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise UpstreamFailure("garbage", message="the answer has no choices[0].message") from exc


class StreamState:
    """Folds `chat.completion.chunk` events into our chunks: text deltas, then usage + finish reason."""

    def __init__(self) -> None:
        self.usage: Usage | None = None
        self.finish: str | None = None
        self.done = False

    def feed(self, data: bytes) -> StreamChunk | None:
        if data == b"[DONE]":
            self.done = True
            return None
        try:
            event = orjson.loads(data)
            if "error" in event:  # OpenAI reports a failure after the 200 as one more event
                raise UpstreamFailure("broken", message=str((event["error"] or {}).get("message", "")))
            if event.get("usage"):
                self.usage = _usage(event["usage"])
            text = ""
            for choice in event.get("choices") or ():
                if choice.get("index", 0) == 0:
                    text = (choice.get("delta") or {}).get("content") or ""
                    self.finish = finish_reason(choice.get("finish_reason")) or self.finish
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
            raise UpstreamFailure("garbage", message="an event is not a chat.completion.chunk") from exc
        return StreamChunk(delta=text) if text else None

    def finish_chunk(self) -> StreamChunk:
        if not self.done and self.finish is None:
            raise UpstreamFailure("broken", message="it ended before its last event")
        return StreamChunk(usage=self.usage or Usage(), finish_reason=self.finish)


# --- I/O ------------------------------------------------------------------------------------

class OpenAIProvider(LeanProvider):
    name = "openai"
    default_base_url = "https://api.openai.com/v1"

    path = "/chat/completions"
    build_request = staticmethod(build_request)
    parse_response = staticmethod(parse_response)
    stream_state = StreamState

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"authorization": f"Bearer {api_key}"}
