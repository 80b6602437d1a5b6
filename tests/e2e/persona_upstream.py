"""A fake OpenAI-compatible upstream whose answer shows the system prompt it was given, so a test
can see a changed prompt change the next answer: `[<system prompt>] echo: <last user message>`.

It speaks the real wire format (tests/fakes/wire.py) and streams one word per delta with a short
pause between them, so a browser test can watch an answer grow as it arrives."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.fakes import wire
from tests.servers import serve_in_thread

DELTA_PAUSE_SECONDS = 0.06


def persona_answer(body: dict[str, object]) -> wire.Answer:
    texts = wire.openai_request_texts(body)  # type: ignore[arg-type]
    system = " ".join(t for role, t in texts if role == "system")
    last_user = next((t for role, t in reversed(texts) if role == "user"), "")
    text = (f"[{system}] " if system else "") + "echo: " + last_user
    deltas = wire.split_deltas(text)
    return wire.Answer(deltas=deltas, input_tokens=sum(len(t.split()) for _, t in texts), output_tokens=len(deltas))


async def _paced(frames: Iterator[bytes]) -> AsyncIterator[bytes]:
    for frame in frames:
        yield frame
        await asyncio.sleep(DELTA_PAUSE_SECONDS)


async def chat_completions(request: Request) -> Response:
    body = orjson.loads(await request.body() or b"{}")
    model = str(body.get("model", ""))
    answer = persona_answer(body)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(_paced(wire.openai_stream(model, answer, include_usage)),
                                 media_type="text/event-stream")
    return Response(orjson.dumps(wire.openai_answer(model, answer)), media_type="application/json")


def make_persona_app() -> Starlette:
    return Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"])])


@contextmanager
def serve_persona_upstream() -> Iterator[str]:
    """Yield the base URL to store on an OpenAI-style provider (it ends in /v1)."""
    with serve_in_thread(make_persona_app()) as url:
        yield f"{url}/v1"
