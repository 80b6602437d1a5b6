"""What every provider shares about talking to an upstream: one description of a failure, one
retry policy and one translation into errors.py's ProviderErrors.

Each provider module maps its SDK's (or aiohttp's) exceptions to an `UpstreamFailure` in one place;
`with_retries` retries the transient ones while our caller has seen nothing yet; `provider_error`
turns the rest into the ProviderError the chat layer maps to HTTP:

    auth     upstream 401/403 (or Gemini's 400 API_KEY_INVALID)  -> ProviderAuthFailed   502
    rate     upstream 429                                         -> ProviderRateLimited  429 + Retry-After
    status   any other upstream 4xx/5xx                           -> ProviderBadResponse 502 (5xx) /
                                                                     ProviderError 502 (4xx: our request)
    timeout  no answer within the configured timeout              -> ProviderTimeout      504
    connect  could not connect                                    -> ProviderError        502
    broken   the connection dropped, or a stream broke off        -> ProviderBadResponse  502
    garbage  an answer we cannot parse                            -> ProviderBadResponse  502
"""

import asyncio
import email.utils
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit

from errors import (
    ProviderAuthFailed,
    ProviderBadResponse,
    ProviderError,
    ProviderNotConfigured,
    ProviderRateLimited,
    ProviderTimeout,
)
from providers.llm_provider import StreamChunk

T = TypeVar("T")
Kind = Literal["auth", "rate", "status", "timeout", "connect", "broken", "garbage"]

# Backoff between attempts: 0.25 s, 0.5 s, 1 s ... capped, minus up to 25% jitter so that workers
# retrying together do not hit the upstream in step.
INITIAL_BACKOFF_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 4.0
# A longer Retry-After is passed on to our caller instead of holding their request open that long.
MAX_HONOURED_RETRY_AFTER_SECONDS = 5.0
_MESSAGE_LIMIT = 200


class UpstreamFailure(Exception):
    """What went wrong talking to an upstream, before it becomes a ProviderError. Internal to
    `providers/`: it never leaves a provider's `chat` or `stream`."""

    def __init__(self, kind: Kind, *, status: int | None = None, retry_after: float | None = None,
                 message: str = "") -> None:
        super().__init__(f"{kind} {status or ''} {message}".strip())
        self.kind, self.status, self.retry_after, self.message = kind, status, retry_after, message

    @property
    def transient(self) -> bool:
        """Worth another attempt: rate limits, upstream 5xx and connection failures. (`with_retries`
        only wraps work our caller has seen nothing of, so a stream that broke is never retried.)"""
        return self.kind in ("rate", "connect", "broken") or (self.kind == "status" and (self.status or 0) >= 500)


def failure_from_status(status: int, headers: Mapping[str, str] | None = None, message: str = "") -> UpstreamFailure:
    if status in (401, 403):
        return UpstreamFailure("auth", status=status, message=message)
    if status == 429:
        return UpstreamFailure("rate", status=status, retry_after=parse_retry_after(headers), message=message)
    return UpstreamFailure("status", status=status, message=message)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (seconds or an HTTP date); None if absent or bad."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items() if k.lower() in ("retry-after", "retry-after-ms")}
    try:
        if "retry-after-ms" in lower:
            return max(0.0, float(lower["retry-after-ms"]) / 1000)
        value = lower.get("retry-after")
        if value is None:
            return None
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value or "")
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - time.time())


def backoff_delay(failure: UpstreamFailure, retries_done: int) -> float | None:
    """Seconds to wait before the next attempt, or None if this failure should not be retried."""
    if not failure.transient:
        return None
    backoff = min(INITIAL_BACKOFF_SECONDS * 2**retries_done, MAX_BACKOFF_SECONDS) * (1 - 0.25 * random.random())
    if failure.retry_after is None:
        return backoff
    if failure.retry_after > MAX_HONOURED_RETRY_AFTER_SECONDS:
        return None
    return max(failure.retry_after, backoff)


async def with_retries(provider: str, attempt: Callable[[], Awaitable[T]], *, max_retries: int,
                       timeout: float, secret: str | None = None) -> T:
    """Run `attempt` (which raises UpstreamFailure) with backoff on transient failures. Only call this
    for work our caller has not seen any of yet: a stream is never replayed once it has yielded."""
    retries_done = 0
    while True:
        try:
            return await attempt()
        except UpstreamFailure as failure:
            delay = backoff_delay(failure, retries_done) if retries_done < max_retries else None
            if delay is None:
                raise provider_error(provider, failure, timeout=timeout, secret=secret) from failure
            retries_done += 1
            await asyncio.sleep(delay)


class StreamConverter(Protocol):
    """A provider's pure stream converter: one upstream event in, at most one chunk out."""

    def feed(self, event: Any) -> StreamChunk | None: ...

    def finish_chunk(self) -> StreamChunk: ...


async def stream_sdk_events(provider: str, open_events: Callable[[], Awaitable[AsyncIterator[Any]]],
                            state: StreamConverter, sdk_errors: Callable[[], AbstractContextManager[None]], *,
                            max_retries: int, timeout: float, secret: str | None) -> AsyncIterator[StreamChunk]:
    """Chunks from an SDK's event stream. Opening it (the request and its first event) is retried
    like a whole call, since nothing has reached our caller yet; after that a failure ends the stream."""

    async def open_stream() -> tuple[AsyncIterator[Any], Any]:
        with sdk_errors():
            events = aiter(await open_events())
            try:
                return events, await anext(events, None)
            except BaseException:
                await events.aclose()  # type: ignore[attr-defined]
                raise

    events, event = await with_retries(provider, open_stream, max_retries=max_retries, timeout=timeout,
                                       secret=secret)
    try:
        with provider_errors(provider, timeout=timeout, secret=secret, streaming=True):
            while event is not None:
                chunk = state.feed(event)
                if chunk is not None:
                    yield chunk
                with sdk_errors():
                    event = await anext(events, None)
            yield state.finish_chunk()
    finally:
        await events.aclose()  # type: ignore[attr-defined]


@contextmanager
def provider_errors(provider: str, *, timeout: float, secret: str | None = None,
                    streaming: bool = False) -> Iterator[None]:
    """Translate UpstreamFailures raised inside into ProviderErrors, like httpx's
    `map_httpcore_exceptions`. With `streaming`, the stream had started: said so, never retried."""
    try:
        yield
    except UpstreamFailure as failure:
        raise provider_error(provider, failure, timeout=timeout, secret=secret, streaming=streaming) from failure


def provider_error(provider: str, f: UpstreamFailure, *, timeout: float, secret: str | None = None,
                   streaming: bool = False) -> ProviderError:
    """The ProviderError for a failure, with a detail that names the provider, says what to do, and
    never contains the key (upstream messages can quote it, e.g. OpenAI's 'Incorrect API key ...')."""
    said = _clean(f.message, secret)
    said = f": {said}" if said else ""
    if f.kind == "auth":
        return ProviderAuthFailed(f"{provider} rejected the API key (HTTP {f.status}): check the key set on "
                                  "the assistant or on the provider")
    if f.kind == "rate":
        seconds = ProviderRateLimited("", retry_after=f.retry_after).retry_after  # errors.py rounds it
        return ProviderRateLimited(f"{provider} is rate limiting our requests (HTTP 429); retry after {seconds} "
                                   "seconds", retry_after=seconds)
    if f.kind == "timeout":
        when = "stopped sending mid-stream for" if streaming else "did not answer within"
        unit = "second" if timeout == 1 else "seconds"
        return ProviderTimeout(f"{provider} {when} {timeout:g} {unit}; try again, or raise the provider timeout")
    if f.kind == "status" and (f.status or 0) >= 500:
        return ProviderBadResponse(f"{provider} failed with HTTP {f.status}{said}; try again later")
    if f.kind == "status":
        return ProviderError(f"{provider} refused the request (HTTP {f.status}){said}; check the assistant's "
                             "model name and generation settings")
    if f.kind == "connect" and not streaming:
        return ProviderError(f"Could not connect to {provider}{said}; check the provider's base URL and that "
                             "the service is up")
    if f.kind == "garbage":
        where = "a stream" if streaming else "an answer"
        return ProviderBadResponse(f"{provider} sent {where} that could not be understood{said}")
    if streaming:
        return ProviderBadResponse(f"The {provider} stream broke off mid-way{said}; the partial answer was not "
                                   "retried")
    return ProviderBadResponse(f"The connection to {provider} broke off before the answer was complete{said}")


def _clean(message: str, secret: str | None) -> str:
    message = " ".join(str(message).split())
    if secret:
        message = message.replace(secret, "***")
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 3] + "..."


def require_api_key(provider: str, api_key: str | None) -> str:
    """The key, checked before any request: missing, or not sendable in an HTTP header."""
    key = (api_key or "").strip()
    if not key:
        raise ProviderNotConfigured(f"No API key for {provider}: set one on the assistant or on the provider")
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise ProviderNotConfigured(f"The API key for {provider} contains spaces or characters that cannot be "
                                    "sent in an HTTP header; enter it again")
    return key


def require_base_url(provider: str, base_url: str | None) -> str:
    url = (base_url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderNotConfigured(f"The base URL of {provider} must be an http(s) URL such as "
                                    f"https://api.example.com, not {url[:100]!r}")
    return url
