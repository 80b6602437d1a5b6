"""Google Gemini through the official google-genai SDK's async client (`client.aio`), which sends
`POST {base_url}/{version}/models/{model}:generateContent` (or `:streamGenerateContent?alt=sse`) with
`x-goog-api-key`; the base URL is the host root (`https://generativelanguage.googleapis.com`). With
aiohttp installed the SDK uses it as its async transport."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

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

_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
           "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
           "IMAGE_SAFETY": "content_filter", "MALFORMED_FUNCTION_CALL": "error"}


# --- converter (pure) -----------------------------------------------------------------------

def build_request(messages: list[ChatMessage], *, model: str, system_prompt: str | None,
                  params: GenerationParams) -> dict[str, Any]:
    """Keyword arguments of `client.aio.models.generate_content` / `generate_content_stream`."""
    contents = [{"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
                for m in messages]
    config: dict[str, Any] = {}
    if system_prompt:
        config["system_instruction"] = system_prompt  # sent as systemInstruction, outside the contents
    if params.temperature is not None:
        config["temperature"] = params.temperature
    if params.max_tokens is not None:
        config["max_output_tokens"] = params.max_tokens
    if params.top_p is not None:
        config["top_p"] = params.top_p
    if params.stop:
        config["stop_sequences"] = list(params.stop)
    return {"model": model, "contents": contents, "config": types.GenerateContentConfig(**config)}


def finish_reason(value: Any) -> str | None:
    name = getattr(value, "value", value)
    if not name or name == "FINISH_REASON_UNSPECIFIED":
        return None
    return _FINISH.get(str(name), str(name).lower())


def _usage(meta: Any) -> Usage:
    if meta is None:
        return Usage()
    # Thinking tokens are billed as output, so they count with the answer's.
    output = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
    return Usage(input_tokens=meta.prompt_token_count or 0, output_tokens=output)


def _text(candidate: Any) -> str:
    parts = candidate.content.parts if candidate.content and candidate.content.parts else ()
    return "".join(p.text for p in parts if p.text and not p.thought)


def parse_response(resp: Any) -> ChatResult:
    if not resp.candidates:
        if resp.prompt_feedback and resp.prompt_feedback.block_reason:  # the prompt itself was blocked
            return ChatResult(text="", usage=_usage(resp.usage_metadata), finish_reason="content_filter")
        raise UpstreamFailure("garbage", message="the answer has no candidates")
    candidate = resp.candidates[0]
    return ChatResult(text=_text(candidate), usage=_usage(resp.usage_metadata),
                      finish_reason=finish_reason(candidate.finish_reason))


class StreamState:
    """Folds streamed GenerateContentResponses: text per chunk; finishReason and usage on the last."""

    def __init__(self) -> None:
        self.usage = Usage()
        self.finish: str | None = None

    def feed(self, resp: Any) -> StreamChunk | None:
        if resp.usage_metadata is not None:
            self.usage = _usage(resp.usage_metadata)
        if not resp.candidates:
            return None
        candidate = resp.candidates[0]
        self.finish = finish_reason(candidate.finish_reason) or self.finish
        text = _text(candidate)
        return StreamChunk(delta=text) if text else None

    def finish_chunk(self) -> StreamChunk:
        if self.finish is None:
            raise UpstreamFailure("broken", message="it ended before a chunk with a finishReason")
        return StreamChunk(usage=self.usage, finish_reason=self.finish)


# --- errors: the one place SDK, aiohttp and httpx exceptions become UpstreamFailures ---------

@contextmanager
def sdk_errors() -> Iterator[None]:
    try:
        yield
    except genai_errors.APIError as exc:
        status = exc.code or 0
        if status == 400 and "API_KEY_INVALID" in str(exc.details):  # how Gemini answers a bad key
            status = 401
        if 200 <= status < 300:
            raise UpstreamFailure("garbage", message=str(exc.message or "")) from exc
        failure = failure_from_status(status, getattr(exc.response, "headers", None), str(exc.message or ""))
        if failure.kind == "rate" and failure.retry_after is None:
            failure.retry_after = _retry_delay(exc.details)
        raise failure from exc
    except (TimeoutError, httpx.TimeoutException) as exc:  # aiohttp's timeouts are TimeoutErrors
        raise UpstreamFailure("timeout") from exc
    except (aiohttp.ClientConnectorError, httpx.ConnectError) as exc:
        raise UpstreamFailure("connect", message="connection refused or host not found") from exc
    except (aiohttp.ClientError, httpx.TransportError) as exc:
        raise UpstreamFailure("broken", message=type(exc).__name__) from exc
    except (genai_errors.UnknownApiResponseError, json.JSONDecodeError, pydantic.ValidationError) as exc:
        raise UpstreamFailure("garbage", message="the answer does not match Gemini's format") from exc


def _retry_delay(details: Any) -> float | None:
    """Gemini says when to retry in a google.rpc.RetryInfo detail ("retryDelay": "12s"), not a header."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for item in error.get("details") or () if isinstance(error, dict) else ():
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None


# --- I/O ------------------------------------------------------------------------------------

class GeminiProvider(LLMProvider):
    name = "gemini"
    default_base_url = "https://generativelanguage.googleapis.com"

    def __init__(self, *, api_key: str | None, base_url: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        key, url = require_api_key(self.name, api_key), require_base_url(self.name, self.base_url)
        # One attempt: the SDK would otherwise retry on its own schedule; `with_retries` applies the
        # policy every provider shares.
        options = types.HttpOptions(base_url=url, timeout=int(timeout * 1000),
                                    retry_options=types.HttpRetryOptions(attempts=1))
        self._client = genai.Client(api_key=key, vertexai=False, http_options=options)

    async def chat(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                   params: GenerationParams = DEFAULT_PARAMS) -> ChatResult:
        kwargs = build_request(messages, model=model, system_prompt=system_prompt, params=params)

        async def attempt() -> ChatResult:
            with sdk_errors():
                return parse_response(await self._client.aio.models.generate_content(**kwargs))

        return await with_retries(self.name, attempt, max_retries=self.max_retries, timeout=self.timeout,
                                  secret=self.api_key)

    async def stream(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                     params: GenerationParams = DEFAULT_PARAMS) -> AsyncIterator[StreamChunk]:
        kwargs = build_request(messages, model=model, system_prompt=system_prompt, params=params)

        async def open_events() -> AsyncIterator[Any]:
            return await self._client.aio.models.generate_content_stream(**kwargs)

        async for chunk in stream_sdk_events(self.name, open_events, StreamState(), sdk_errors,
                                             max_retries=self.max_retries, timeout=self.timeout,
                                             secret=self.api_key):
            yield chunk

    async def aclose(self) -> None:
        await self._client.aio.aclose()
