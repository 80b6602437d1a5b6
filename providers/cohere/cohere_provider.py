"""Cohere through the official SDK's `AsyncClientV2` (`POST {base_url}/v2/chat`, `Authorization:
bearer <key>`); the base URL is the host root (`https://api.cohere.com`)."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import cohere
import httpx
import pydantic
from cohere.core.api_error import ApiError

from providers.llm_provider import (
    DEFAULT_PARAMS,
    ChatMessage,
    ChatResult,
    GenerationParams,
    LLMProvider,
    StreamChunk,
    Usage,
)
from providers.upstream import (
    UpstreamFailure,
    failure_from_status,
    require_api_key,
    require_base_url,
    stream_sdk_events,
    with_retries,
)

# Cohere spells finish reasons in capitals; MAX_TOKENS becomes our "length", as in OpenAI's format.
_FINISH = {"COMPLETE": "stop", "STOP_SEQUENCE": "stop", "MAX_TOKENS": "length", "TOOL_CALL": "tool_calls",
           "ERROR": "error", "TIMEOUT": "error"}


# --- converter (pure) -----------------------------------------------------------------------

def build_request(messages: list[ChatMessage], *, model: str, system_prompt: str | None,
                  params: GenerationParams) -> dict[str, Any]:
    """Keyword arguments of `AsyncClientV2.chat` / `chat_stream`."""
    wire: list[dict[str, str]] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    wire.extend({"role": m.role, "content": m.content} for m in messages)
    kwargs: dict[str, Any] = {"model": model, "messages": wire}
    if params.temperature is not None:
        kwargs["temperature"] = params.temperature
    if params.max_tokens is not None:
        kwargs["max_tokens"] = params.max_tokens
    if params.top_p is not None:
        kwargs["p"] = params.top_p
    if params.stop:
        kwargs["stop_sequences"] = list(params.stop)
    return kwargs


def finish_reason(value: Any) -> str | None:
    value = getattr(value, "value", value)  # the SDK may hand back an enum or a plain string
    return _FINISH.get(str(value), str(value).lower()) if value else None


def _usage(usage: Any) -> Usage:
    counts = getattr(usage, "tokens", None) or getattr(usage, "billed_units", None)
    return Usage(input_tokens=int(getattr(counts, "input_tokens", 0) or 0),
                 output_tokens=int(getattr(counts, "output_tokens", 0) or 0))


def parse_response(resp: Any) -> ChatResult:
    content = getattr(getattr(resp, "message", None), "content", None)
    if content is None:
        raise UpstreamFailure("garbage", message="the answer has no message content")
    text = "".join(getattr(item, "text", "") or "" for item in content if getattr(item, "type", "") == "text")
    return ChatResult(text=text, usage=_usage(getattr(resp, "usage", None)),
                      finish_reason=finish_reason(getattr(resp, "finish_reason", None)))


class StreamState:
    """Folds the SDK's stream events (content-delta ..., message-end) into our chunks."""

    def __init__(self) -> None:
        self.usage = Usage()
        self.finish: str | None = None
        self.done = False

    def feed(self, event: Any) -> StreamChunk | None:
        kind = getattr(event, "type", None)
        try:
            if kind == "content-delta":
                text = getattr(event.delta.message.content, "text", None) or ""
                return StreamChunk(delta=text) if text else None
            if kind == "message-end":
                delta = event.delta
                if getattr(delta, "error", None):
                    raise UpstreamFailure("broken", message=str(delta.error))
                self.finish = finish_reason(getattr(delta, "finish_reason", None))
                self.usage = _usage(getattr(delta, "usage", None))
                self.done = True
        except AttributeError as exc:
            raise UpstreamFailure("garbage", message=f"a {kind} event lacks its delta") from exc
        return None

    def finish_chunk(self) -> StreamChunk:
        # The SDK skips events it cannot parse, so garbage shows up here as a missing message-end.
        if not self.done:
            raise UpstreamFailure("broken", message="it ended before message-end")
        return StreamChunk(usage=self.usage, finish_reason=self.finish)


# --- errors: the one place SDK and httpx exceptions become UpstreamFailures -------------------

@contextmanager
def sdk_errors() -> Iterator[None]:
    try:
        yield
    except ApiError as exc:
        status = exc.status_code or 0
        if 200 <= status < 300:  # the SDK wraps a 2xx body it could not decode in ApiError
            raise UpstreamFailure("garbage", message="the body is not JSON") from exc
        raise failure_from_status(status, exc.headers, _message(exc.body)) from exc
    except httpx.TimeoutException as exc:
        raise UpstreamFailure("timeout") from exc
    except httpx.ConnectError as exc:
        raise UpstreamFailure("connect", message="connection refused or host not found") from exc
    except httpx.TransportError as exc:
        raise UpstreamFailure("broken", message=type(exc).__name__) from exc
    except (json.JSONDecodeError, pydantic.ValidationError) as exc:
        raise UpstreamFailure("garbage", message="the answer does not match Cohere's format") from exc


def _message(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("message") or "")
    return str(body or "")[:300]


# --- I/O ------------------------------------------------------------------------------------

class CohereProvider(LLMProvider):
    name = "cohere"
    default_base_url = "https://api.cohere.com"

    def __init__(self, *, api_key: str | None, base_url: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        key, url = require_api_key(self.name, api_key), require_base_url(self.name, self.base_url)
        # max_retries=0: the SDK would sleep out any Retry-After (up to a minute) and replay streams'
        # openings its own way; `with_retries` applies the policy every provider shares.
        # Our own httpx client so that `aclose` can close it; trust_env=False: only config.py reads the
        # environment.
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=True, trust_env=False,
                                       limits=httpx.Limits(max_connections=256, max_keepalive_connections=64))
        self._client = cohere.AsyncClientV2(api_key=key, base_url=url, timeout=timeout, max_retries=0,
                                            httpx_client=self._http)

    async def chat(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                   params: GenerationParams = DEFAULT_PARAMS) -> ChatResult:
        kwargs = build_request(messages, model=model, system_prompt=system_prompt, params=params)

        async def attempt() -> ChatResult:
            with sdk_errors():
                return parse_response(await self._client.chat(**kwargs))

        return await with_retries(self.name, attempt, max_retries=self.max_retries, timeout=self.timeout,
                                  secret=self.api_key)

    async def stream(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                     params: GenerationParams = DEFAULT_PARAMS) -> AsyncIterator[StreamChunk]:
        kwargs = build_request(messages, model=model, system_prompt=system_prompt, params=params)

        async def open_events() -> AsyncIterator[Any]:
            return self._client.chat_stream(**kwargs)

        async for chunk in stream_sdk_events(self.name, open_events, StreamState(), sdk_errors,
                                             max_retries=self.max_retries, timeout=self.timeout,
                                             secret=self.api_key):
            yield chunk

    async def aclose(self) -> None:
        await self._http.aclose()
