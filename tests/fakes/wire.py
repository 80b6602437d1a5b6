"""Payloads in each upstream's documented wire format, shaped like real responses (ids and
timestamps made up, auth removed). Pure functions: `upstream.py` decides what to send, these build it.

Each provider gets `*_request_texts(body)` (what the caller sent, for the echo), `*_answer(...)`
(a whole JSON answer), `*_stream(...)` (SSE frames as bytes) and `*_error(...)` (status, body and
headers; `retry_after` goes where that provider puts it).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

CREATED = 1_760_000_000
ErrorAnswer = tuple[int, dict[str, Any], dict[str, str]]  # status, JSON body, headers


@dataclass(frozen=True, slots=True)
class Answer:
    """What the fake answers: the deltas (joined, the whole text), token counts and a finish kind."""

    deltas: tuple[str, ...]
    input_tokens: int
    output_tokens: int
    finish: str = "stop"  # "stop" or "length"; each format spells it its own way

    @property
    def text(self) -> str:
        return "".join(self.deltas)


def split_deltas(text: str) -> tuple[str, ...]:
    """Word-sized pieces that join back to `text` exactly ("echo: hi there" -> "echo: ", "hi ", "there")."""
    return tuple(re.findall(r"\S+\s*|\s+", text)) or ("",)


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + (data if isinstance(data, bytes) else orjson.dumps(data)) + b"\n\n"


def _text_of(content: Any) -> str:
    """A message's text whether sent as a string or as a list of text parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


# --- OpenAI: POST /v1/chat/completions --------------------------------------------------------

def openai_request_texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m.get("role", ""), _text_of(m.get("content"))) for m in body.get("messages", [])]


def _openai_usage(a: Answer) -> dict[str, int]:
    return {"prompt_tokens": a.input_tokens, "completion_tokens": a.output_tokens,
            "total_tokens": a.input_tokens + a.output_tokens}


def openai_answer(model: str, a: Answer) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": CREATED, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": a.text, "refusal": None},
                         "logprobs": None, "finish_reason": a.finish}],
            "usage": _openai_usage(a), "system_fingerprint": "fp_fake"}


def openai_stream(model: str, a: Answer, include_usage: bool) -> Iterator[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED, "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    yield _sse(chunk({"role": "assistant", "content": "", "refusal": None}, None))
    for d in a.deltas:
        yield _sse(chunk({"content": d}, None))
    yield _sse(chunk({}, a.finish))
    if include_usage:  # OpenAI sends usage only when stream_options.include_usage is set
        yield _sse({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED, "model": model,
                    "choices": [], "usage": _openai_usage(a)})
    yield b"data: [DONE]\n\n"


def _retry_header(retry_after: int | None) -> dict[str, str]:
    return {} if retry_after is None else {"retry-after": str(retry_after)}


def openai_error(status: int, message: str, retry_after: int | None = None) -> ErrorAnswer:
    kinds = {401: ("invalid_request_error", "invalid_api_key"), 429: ("requests", "rate_limit_exceeded")}
    kind, code = kinds.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, \
        _retry_header(retry_after)


# --- Anthropic: POST /v1/messages -------------------------------------------------------------

def anthropic_request_texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    system = body.get("system")
    head = [("system", _text_of(system))] if system else []
    return head + [(m.get("role", ""), _text_of(m.get("content"))) for m in body.get("messages", [])]


def _anthropic_stop(a: Answer) -> str:
    return "max_tokens" if a.finish == "length" else "end_turn"


def anthropic_answer(model: str, a: Answer) -> dict[str, Any]:
    return {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": a.text}], "stop_reason": _anthropic_stop(a),
            "stop_sequence": None, "usage": {"input_tokens": a.input_tokens, "output_tokens": a.output_tokens}}


def anthropic_stream(model: str, a: Answer) -> Iterator[bytes]:
    yield _sse({"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": model,
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": a.input_tokens, "output_tokens": 1}}}, "message_start")
    yield _sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
               "content_block_start")
    yield _sse({"type": "ping"}, "ping")
    for d in a.deltas:
        yield _sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": d}},
                   "content_block_delta")
    yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
    yield _sse({"type": "message_delta", "delta": {"stop_reason": _anthropic_stop(a), "stop_sequence": None},
                "usage": {"output_tokens": a.output_tokens}}, "message_delta")
    yield _sse({"type": "message_stop"}, "message_stop")


def anthropic_error(status: int, message: str, retry_after: int | None = None) -> ErrorAnswer:
    kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
             404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}
    return status, {"type": "error", "error": {"type": kinds.get(status, "api_error"), "message": message}}, \
        _retry_header(retry_after)


# --- Cohere: POST /v2/chat --------------------------------------------------------------------

def cohere_request_texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m.get("role", ""), _text_of(m.get("content"))) for m in body.get("messages", [])]


def _cohere_usage(a: Answer) -> dict[str, Any]:
    tokens = {"input_tokens": a.input_tokens, "output_tokens": a.output_tokens}
    return {"billed_units": dict(tokens), "tokens": tokens}


def _cohere_finish(a: Answer) -> str:
    return "MAX_TOKENS" if a.finish == "length" else "COMPLETE"


def cohere_answer(a: Answer) -> dict[str, Any]:
    return {"id": "c0ffee00-fake", "finish_reason": _cohere_finish(a),
            "message": {"role": "assistant", "content": [{"type": "text", "text": a.text}]},
            "usage": _cohere_usage(a)}


def cohere_stream(a: Answer) -> Iterator[bytes]:
    yield _sse({"id": "c0ffee00-fake", "type": "message-start", "delta": {"message": {
        "role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}}}, "message-start")
    yield _sse({"type": "content-start", "index": 0,
                "delta": {"message": {"content": {"type": "text", "text": ""}}}}, "content-start")
    for d in a.deltas:
        yield _sse({"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": d}}}},
                   "content-delta")
    yield _sse({"type": "content-end", "index": 0}, "content-end")
    yield _sse({"type": "message-end", "delta": {"finish_reason": _cohere_finish(a), "usage": _cohere_usage(a)}},
               "message-end")


def cohere_error(status: int, message: str, retry_after: int | None = None) -> ErrorAnswer:
    return status, {"id": "c0ffee00-fake", "message": message}, _retry_header(retry_after)


# --- Gemini: POST /v1beta/models/{model}:generateContent | :streamGenerateContent?alt=sse -------

def gemini_request_texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    system = body.get("systemInstruction")
    head = [("system", _text_of(system.get("parts")))] if isinstance(system, dict) else []
    return head + [(c.get("role", "user"), _text_of(c.get("parts"))) for c in body.get("contents", [])]


def _gemini_usage(a: Answer) -> dict[str, int]:
    return {"promptTokenCount": a.input_tokens, "candidatesTokenCount": a.output_tokens,
            "totalTokenCount": a.input_tokens + a.output_tokens}


def _gemini_chunk(model: str, text: str, finish: str | None, usage: dict[str, int] | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    out: dict[str, Any] = {"candidates": [candidate], "modelVersion": model, "responseId": "fake-response"}
    if usage:
        out["usageMetadata"] = usage
    return out


def _gemini_finish(a: Answer) -> str:
    return "MAX_TOKENS" if a.finish == "length" else "STOP"


def gemini_answer(model: str, a: Answer) -> dict[str, Any]:
    return _gemini_chunk(model, a.text, _gemini_finish(a), _gemini_usage(a))


def gemini_stream(model: str, a: Answer) -> Iterator[bytes]:
    last = len(a.deltas) - 1
    for i, d in enumerate(a.deltas):  # Gemini puts finishReason and full usage on the last chunk
        done = i == last
        chunk = _gemini_chunk(model, d, _gemini_finish(a) if done else None, _gemini_usage(a) if done else None)
        yield b"data: " + orjson.dumps(chunk) + b"\r\n\r\n"


def gemini_error(status: int, message: str, retry_after: int | None = None) -> ErrorAnswer:
    if status == 401:  # Gemini answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID
        return 400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                               "status": "INVALID_ARGUMENT",
                               "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                            "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}}, {}
    statuses = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                503: "UNAVAILABLE"}
    error: dict[str, Any] = {"code": status, "message": message, "status": statuses.get(status, "INTERNAL")}
    if retry_after is not None:  # Gemini says when to retry in a RetryInfo detail, not a header
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_after}s"}]
    return status, {"error": error}, {}
