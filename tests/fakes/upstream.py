"""One fake upstream that speaks all four providers' wire formats on one port, so a test (or a
benchmark) can point every provider's base URL at it: OpenAI's at `<url>/v1`, the others at `<url>`.

    POST /v1/chat/completions                         OpenAI (JSON, or SSE `data:` chunks + `[DONE]`)
    POST /v1/messages                                 Anthropic (JSON, or SSE message_start ... message_stop)
    POST /v2/chat                                     Cohere (JSON, or SSE message-start ... message-end)
    POST /v1beta/models/{model}:generateContent       Gemini (JSON)
    POST /v1beta/models/{model}:streamGenerateContent Gemini (SSE with ?alt=sse)

The answer is deterministic: `"echo: <last user message>"`, streamed one word per delta; usage counts
words (input: system prompt and every message; output: the deltas). Every request is recorded
(`app.state.recorder`) so tests assert what the upstream received.

The model name picks a failure, so a stored assistant can be routed into one through the admin API:
`fake-401` `fake-403` `fake-400` `fake-404` `fake-500` `fake-503` (that status, with the provider's error
body; a bad key for Gemini is its real 400 API_KEY_INVALID), `fake-429` (retry after 30 s: a
Retry-After header, or for Gemini a RetryInfo detail), `fake-garbage`
(a 200 that is not JSON / SSE frames that are not JSON), `fake-slow` (answers after SLOW_SECONDS),
`fake-stall` (streams up to its first text delta, then stalls), `fake-cut` (drops the connection mid-body; a stream
right after its first text delta),
`fake-truncated` (ends the stream cleanly but without its final event), `fake-length` (finish reason
"max tokens"), `fake-flaky-<id>` / `fake-flaky429-<id>` (the first request for that exact model name
gets a 500 / a 429 saying retry after 0 s, later ones succeed).
"""

import asyncio
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.fakes import wire
from tests.fakes.wire import Answer

SLOW_SECONDS = 5.0
ECHO_PREFIX = "echo: "


@dataclass(frozen=True, slots=True)
class Recorded:
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]
    peer: str  # the client's host:port, to tell a reused connection from a new one

    @property
    def model(self) -> str | None:
        return self.body.get("model") or _gemini_model(self.path)


@dataclass
class Recorder:
    """Requests the fake received, newest last (bounded, so a benchmark run does not grow it forever)."""

    requests: deque[Recorded] = field(default_factory=lambda: deque(maxlen=1000))
    attempts: Counter[str] = field(default_factory=Counter)

    def last(self, model: str | None = None) -> Recorded:
        for r in reversed(self.requests):
            if model is None or r.model == model:
                return r
        raise LookupError(f"the fake received no request for model {model!r}")

    def count(self, model: str) -> int:
        return self.attempts[model]


def _gemini_model(path: str) -> str | None:
    tail = path.rsplit("/models/", 1)
    return tail[1].rsplit(":", 1)[0] if len(tail) == 2 else None


def _word_count(texts: Iterable[str]) -> int:
    return sum(len(t.split()) for t in texts)


def _answer(texts: list[tuple[str, str]], model: str) -> Answer:
    last_user = next((t for role, t in reversed(texts) if role == "user"), "")
    deltas = wire.split_deltas(ECHO_PREFIX + last_user)
    return Answer(deltas=deltas, input_tokens=_word_count(t for _, t in texts),
                  output_tokens=len(deltas), finish="length" if model == "fake-length" else "stop")


class _CutResponse:
    """Sends the status, headers and some body, then returns without finishing: uvicorn drops the
    connection, so the client sees a body that breaks off (what a real network failure looks like)."""

    def __init__(self, chunks: list[bytes], media_type: str, declared_length: int | None = None) -> None:
        self.chunks, self.media_type, self.declared_length = chunks, media_type, declared_length

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", self.media_type.encode())]
        if self.declared_length is not None:
            headers.append((b"content-length", str(self.declared_length).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0.01)


async def _frames(frames: list[bytes], stall_after: int | None = None) -> AsyncIterator[bytes]:
    # An async generator: Starlette would run a plain iterator in a thread pool, one hop per frame.
    for i, frame in enumerate(frames):
        if i == stall_after:
            await asyncio.sleep(SLOW_SECONDS)
        yield frame


@dataclass(frozen=True, slots=True)
class _Format:
    """How one provider spells requests, answers, streams and errors."""

    texts: Callable[[dict[str, Any]], list[tuple[str, str]]]
    answer: Callable[[str, Answer], dict[str, Any]]
    stream: Callable[[str, Answer, dict[str, Any]], Iterator[bytes]]
    error: Callable[..., wire.ErrorAnswer]
    final_frames: int  # how many trailing frames `fake-truncated` leaves out
    first_delta: int  # index of the frame with the first text delta: `fake-cut` stops right after it


FORMATS = {
    "openai": _Format(wire.openai_request_texts, wire.openai_answer,
                      lambda m, a, b: wire.openai_stream(m, a, bool((b.get("stream_options") or {})
                                                                     .get("include_usage"))),
                      wire.openai_error, final_frames=3, first_delta=1),
    "anthropic": _Format(wire.anthropic_request_texts, wire.anthropic_answer,
                         lambda m, a, b: wire.anthropic_stream(m, a), wire.anthropic_error, final_frames=3,
                         first_delta=3),
    "cohere": _Format(wire.cohere_request_texts, lambda m, a: wire.cohere_answer(a),
                      lambda m, a, b: wire.cohere_stream(a), wire.cohere_error, final_frames=2, first_delta=2),
    "gemini": _Format(wire.gemini_request_texts, wire.gemini_answer,
                      lambda m, a, b: wire.gemini_stream(m, a), wire.gemini_error, final_frames=1, first_delta=0),
}

_STATUS_MODES = {"fake-400": 400, "fake-401": 401, "fake-403": 403, "fake-404": 404, "fake-500": 500,
                 "fake-503": 503}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _credential(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    return headers.get("x-api-key") or headers.get("x-goog-api-key") or auth.partition(" ")[2]


def _failure(fmt: _Format, model: str, attempt: int, credential: str) -> Response | None:
    """The error answer `model` asks for on this attempt, or None to answer normally. Error messages
    quote the key, as some real ones do (OpenAI: "Incorrect API key provided: sk-..."), so tests can
    check that it never reaches our callers."""
    if model in _STATUS_MODES:
        return _json(*fmt.error(_STATUS_MODES[model], f"fake upstream failure {model} for key {credential}"))
    if model == "fake-429":
        return _json(*fmt.error(429, "Rate limit reached; slow down", retry_after=30))
    if model.startswith("fake-flaky429-") and attempt == 1:
        return _json(*fmt.error(429, "Rate limit reached; slow down", retry_after=0))
    if model.startswith("fake-flaky-") and attempt == 1:
        return _json(*fmt.error(500, "The server had an error while processing your request"))
    return None


async def _respond(fmt: _Format, model: str, rec: Recorded, streaming: bool, latency: float,
                   recorder: Recorder) -> Any:
    recorder.attempts[model] += 1
    body = rec.body
    failure = _failure(fmt, model, recorder.attempts[model], _credential(rec.headers))
    if failure is not None:
        return failure
    if latency:
        await asyncio.sleep(latency)
    if model == "fake-slow" or (model == "fake-stall" and not streaming):
        await asyncio.sleep(SLOW_SECONDS)
    answer = _answer(fmt.texts(body), model)
    if not streaming:
        if model == "fake-garbage":
            return Response(b"<html>upstream proxy error</html>", media_type="application/json")
        payload = orjson.dumps(fmt.answer(model, answer))
        if model == "fake-cut":
            return _CutResponse([payload[: len(payload) // 2]], "application/json", declared_length=len(payload))
        return Response(payload, media_type="application/json")
    frames = list(fmt.stream(model, answer, body))
    if model == "fake-garbage":
        frames = [b"data: {this is not json\n\n"] * 3
    elif model == "fake-truncated":
        frames = frames[: -fmt.final_frames]
    elif model == "fake-cut":
        return _CutResponse(frames[: fmt.first_delta + 1], "text/event-stream")
    return StreamingResponse(_frames(frames, stall_after=fmt.first_delta + 1 if model == "fake-stall" else None),
                             media_type="text/event-stream")


def make_upstream_app(latency: float = 0.0) -> Starlette:
    """The combined fake; `latency` seconds pass before each answer (for benchmarks)."""
    recorder = Recorder()

    def endpoint(provider: str) -> Callable[[Request], Awaitable[Any]]:
        fmt = FORMATS[provider]

        async def handle(request: Request) -> Any:
            raw = await request.body()
            body = orjson.loads(raw) if raw else {}
            peer = f"{request.client.host}:{request.client.port}" if request.client else ""
            rec = Recorded(request.url.path, request.url.query, dict(request.headers), body, peer)
            recorder.requests.append(rec)
            if provider == "gemini":
                model, _, action = request.path_params["target"].rpartition(":")
                streaming = action == "streamGenerateContent"
            else:
                model, streaming = body.get("model", ""), bool(body.get("stream"))
            return await _respond(fmt, model, rec, streaming, latency, recorder)

        return handle

    app = Starlette(routes=[
        Route("/v1/chat/completions", endpoint("openai"), methods=["POST"]),
        Route("/v1/messages", endpoint("anthropic"), methods=["POST"]),
        Route("/v2/chat", endpoint("cohere"), methods=["POST"]),
        Route("/{version}/models/{target:path}", endpoint("gemini"), methods=["POST"]),
    ])
    app.state.recorder = recorder
    return app
