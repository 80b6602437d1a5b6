"""A lean HTTP client for the providers whose official SDK costs too much per call on the chat hot
path (OpenAI and Anthropic). benchmarks/bench_providers.py measured, one process against a zero-latency
fake on loopback, 32 calls in flight: about 12,700 calls/s for a plain aiohttp POST against 800 (SDK,
default transport) and 1,100 (SDK on aiohttp) for OpenAI, 1,500 for Anthropic's SDK on aiohttp.

It speaks the same wire format with one aiohttp session per provider instance (the factory keeps
instances per key and base URL, so connections are reused): JSON in, JSON or SSE out; the timeout,
the retries before the first byte and the error mapping are the ones every provider shares
(`providers/upstream.py`).
"""

from abc import abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import Any, ClassVar

import aiohttp
import orjson
from aiohttp.http_exceptions import HttpProcessingError

from providers.llm_provider import DEFAULT_PARAMS, ChatMessage, ChatResult, GenerationParams, LLMProvider, StreamChunk
from providers.upstream import (
    Kind,
    StreamConverter,
    UpstreamFailure,
    failure_from_status,
    provider_errors,
    require_api_key,
    require_base_url,
    with_retries,
)

USER_AGENT = "virtual-assistants-admin/1.0"
_ERROR_BODY_LIMIT = 64 * 1024
_READ_BUFSIZE = 256 * 1024


class LeanHTTPClient:
    """POSTs JSON to one upstream with fixed headers; the session is created on first use (it must
    belong to the running event loop) and closed by `aclose`."""

    def __init__(self, provider: str, *, headers: Mapping[str, str], timeout: float, max_retries: int,
                 secret: str | None = None) -> None:
        self._provider, self._max_retries, self._timeout, self._secret = provider, max_retries, timeout, secret
        self._headers = {"content-type": "application/json", "accept": "application/json",
                         "user-agent": USER_AGENT, **headers}
        self._stream_headers = {**self._headers, "accept": "text/event-stream"}
        self._json_timeout = aiohttp.ClientTimeout(total=timeout)
        # A stream may run longer than `timeout` in total; what must not exceed it is the wait for
        # the connection, for the headers and between two reads.
        self._stream_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # trust_env=False: only config.py reads the environment (no proxy variables picked up here).
            # read_bufsize: a body is read line by line for SSE, and a line may not exceed twice this.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256), trust_env=False,
                                                  read_bufsize=_READ_BUFSIZE)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post_json(self, url: str, body: Mapping[str, Any]) -> Any:
        """The parsed JSON answer; retried on transient failures (nothing reached our caller yet)."""
        data = orjson.dumps(body)

        async def attempt() -> Any:
            try:
                async with self._client().post(url, data=data, headers=self._headers,
                                               timeout=self._json_timeout) as resp:
                    raw = await resp.read()
                    if resp.status >= 300:
                        raise failure_from_status(resp.status, resp.headers, error_message(raw))
            except TimeoutError as exc:  # before aiohttp.ClientError: ServerTimeoutError is both
                raise UpstreamFailure("timeout") from exc
            except aiohttp.ClientError as exc:
                raise UpstreamFailure(_kind(exc), message=_reason(exc)) from exc
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise UpstreamFailure("garbage", message="the body is not JSON") from exc

        return await with_retries(self._provider, attempt, max_retries=self._max_retries, timeout=self._timeout,
                                  secret=self._secret)

    async def post_sse(self, url: str, body: Mapping[str, Any]) -> AsyncIterator[tuple[str | None, bytes]]:
        """(event name, data) of each server-sent event. Opening is retried; once the upstream has
        answered 200, failures raise UpstreamFailure("broken"/"timeout") and are never replayed."""
        data = orjson.dumps(body)

        async def attempt() -> aiohttp.ClientResponse:
            try:
                resp = await self._client().post(url, data=data, headers=self._stream_headers,
                                                 timeout=self._stream_timeout)
                if resp.status >= 300:
                    async with resp:
                        raise failure_from_status(resp.status, resp.headers,
                                                  error_message(await resp.content.read(_ERROR_BODY_LIMIT)))
            except TimeoutError as exc:
                raise UpstreamFailure("timeout") from exc
            except aiohttp.ClientError as exc:
                raise UpstreamFailure(_kind(exc), message=_reason(exc)) from exc
            return resp

        resp = await with_retries(self._provider, attempt, max_retries=self._max_retries, timeout=self._timeout,
                                  secret=self._secret)
        try:
            async for event in sse_events(resp.content):
                yield event
        except TimeoutError as exc:
            raise UpstreamFailure("timeout") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamFailure("broken", message=_reason(exc)) from exc
        except (HttpProcessingError, ValueError) as exc:  # a line longer than aiohttp will buffer
            raise UpstreamFailure("garbage", message="an event line is far too long") from exc
        finally:
            resp.release()  # closes the connection instead of reusing it if the body was not read to the end


async def sse_events(content: AsyncIterable[bytes]) -> AsyncIterator[tuple[str | None, bytes]]:
    """Server-sent events from a body read line by line (aiohttp's StreamReader), per the WHATWG
    framing: `event:` and `data:` lines, a blank line ends one; comments and other fields are skipped;
    several data lines are joined with newlines."""
    event: str | None = None
    data: list[bytes] = []
    async for raw in content:
        line = raw.rstrip(b"\r\n")
        if not line:
            if data:
                yield event, b"\n".join(data)
            event, data = None, []
        elif line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(b" ") else value)
        elif line.startswith(b"event:"):
            event = line[6:].strip().decode("utf-8", "replace")
    if data:  # a last event without its blank line: the caller decides whether the stream was complete
        yield event, b"\n".join(data)


def error_message(raw: bytes) -> str:
    """The upstream's own words from an error body ({"error": {"message"}}, {"message"}, ...), or its text."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw[:300].decode("utf-8", "replace")
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("detail") or "")
        return str(inner)
    return ""


def _kind(exc: aiohttp.ClientError) -> Kind:
    return "connect" if isinstance(exc, aiohttp.ClientConnectorError) else "broken"


def _reason(exc: BaseException) -> str:
    # aiohttp's messages name the host and port; the detail reaches client apps, so keep the kind only.
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connection refused or host not found"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the body was cut short"
    return type(exc).__name__


class LeanProvider(LLMProvider):
    """A provider whose wire format `LeanHTTPClient` speaks. A subclass names the path under its
    base URL, the authentication headers and its pure converter (`build_request`,
    `parse_response`, `StreamState`); the calls themselves are the same for all."""

    path: ClassVar[str]

    def __init__(self, *, api_key: str | None, base_url: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        key = require_api_key(self.name, api_key)
        self._url = require_base_url(self.name, self.base_url) + self.path
        self._http = LeanHTTPClient(self.name, headers=self.auth_headers(key), timeout=timeout,
                                    max_retries=max_retries, secret=key)

    @staticmethod
    @abstractmethod
    def auth_headers(api_key: str) -> dict[str, str]: ...

    @staticmethod
    @abstractmethod
    def build_request(messages: list[ChatMessage], *, model: str, system_prompt: str | None,
                      params: GenerationParams, stream: bool) -> dict[str, Any]: ...

    @staticmethod
    @abstractmethod
    def parse_response(payload: Any) -> ChatResult: ...

    @staticmethod
    @abstractmethod
    def stream_state() -> StreamConverter: ...

    async def chat(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                   params: GenerationParams = DEFAULT_PARAMS) -> ChatResult:
        body = self.build_request(messages, model=model, system_prompt=system_prompt, params=params, stream=False)
        payload = await self._http.post_json(self._url, body)
        with provider_errors(self.name, timeout=self.timeout):
            return self.parse_response(payload)

    async def stream(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                     params: GenerationParams = DEFAULT_PARAMS) -> AsyncIterator[StreamChunk]:
        body = self.build_request(messages, model=model, system_prompt=system_prompt, params=params, stream=True)
        state = self.stream_state()
        with provider_errors(self.name, timeout=self.timeout, secret=self.api_key, streaming=True):
            async for _event, data in self._http.post_sse(self._url, body):
                chunk = state.feed(data)
                if chunk is not None:
                    yield chunk
            yield state.finish_chunk()

    async def aclose(self) -> None:
        await self._http.aclose()
