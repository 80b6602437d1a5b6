"""The pieces every provider shares: SSE framing, Retry-After, the retry policy and error details."""

from collections.abc import AsyncIterator

import pytest

from errors import ProviderAuthFailed, ProviderBadResponse, ProviderRateLimited
from providers.lean_http import error_message, sse_events
from providers.upstream import (
    MAX_HONOURED_RETRY_AFTER_SECONDS,
    UpstreamFailure,
    backoff_delay,
    parse_retry_after,
    provider_error,
)


async def events(body: bytes) -> list[tuple[str | None, bytes]]:
    async def lines() -> AsyncIterator[bytes]:
        for line in body.splitlines(keepends=True):
            yield line

    return [e async for e in sse_events(lines())]


async def test_sse_yields_each_data_field_at_its_blank_line() -> None:
    assert await events(b"data: one\n\ndata: two\n\n") == [(None, b"one"), (None, b"two")]


async def test_sse_joins_several_data_lines_with_newlines() -> None:
    assert await events(b"data: a\ndata: b\n\n") == [(None, b"a\nb")]


async def test_sse_reads_the_event_name() -> None:
    assert await events(b"event: message_stop\ndata: {}\n\n") == [("message_stop", b"{}")]


async def test_sse_skips_comments_and_other_fields() -> None:
    assert await events(b": keep-alive\nid: 7\nretry: 10\ndata: x\n\n") == [(None, b"x")]


async def test_sse_accepts_crlf_line_endings() -> None:
    assert await events(b"data: x\r\n\r\ndata: y\r\n\r\n") == [(None, b"x"), (None, b"y")]


async def test_sse_strips_only_one_space_after_the_colon() -> None:
    assert await events(b"data:  indented\n\ndata:tight\n\n") == [(None, b" indented"), (None, b"tight")]


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"Retry-After": "30"}, 30.0), ({"retry-after": "1.5"}, 1.5), ({"retry-after-ms": "250"}, 0.25),
    ({"Retry-After": "soon"}, None), ({}, None), (None, None),
])
def test_retry_after_is_read_in_seconds(headers: dict[str, str] | None, seconds: float | None) -> None:
    assert parse_retry_after(headers) == seconds


def test_retry_after_as_an_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


def test_an_auth_failure_is_not_retried() -> None:
    assert backoff_delay(UpstreamFailure("auth", status=401), 0) is None


def test_a_timeout_is_not_retried() -> None:
    assert backoff_delay(UpstreamFailure("timeout"), 0) is None


def test_a_429_asking_for_more_than_the_cap_is_not_retried() -> None:
    failure = UpstreamFailure("rate", status=429, retry_after=MAX_HONOURED_RETRY_AFTER_SECONDS + 1)
    assert backoff_delay(failure, 0) is None


def test_a_429_waits_at_least_its_retry_after() -> None:
    assert backoff_delay(UpstreamFailure("rate", status=429, retry_after=2.0), 0) == 2.0


def test_backoff_grows_with_each_retry() -> None:
    failure = UpstreamFailure("status", status=503)
    assert backoff_delay(failure, 0) <= 0.25 < 0.375 <= backoff_delay(failure, 1)  # type: ignore[operator]


def test_a_rate_limit_detail_says_when_to_retry() -> None:
    err = provider_error("openai", UpstreamFailure("rate", status=429, retry_after=12.7), timeout=60)
    assert isinstance(err, ProviderRateLimited)
    assert (err.detail, err.headers) == ("openai is rate limiting our requests (HTTP 429); retry after 12 seconds",
                                         {"Retry-After": "12"})


def test_an_auth_detail_never_quotes_the_upstream() -> None:
    err = provider_error("cohere", UpstreamFailure("auth", status=401, message="invalid key sk-abc"), timeout=60)
    assert isinstance(err, ProviderAuthFailed) and "sk-abc" not in err.detail


def test_a_detail_masks_the_key_wherever_the_upstream_quotes_it() -> None:
    err = provider_error("openai", UpstreamFailure("status", status=503, message="busy for sk-abc"), timeout=60,
                         secret="sk-abc")
    assert isinstance(err, ProviderBadResponse)
    assert err.detail == "openai failed with HTTP 503: busy for ***; try again later"


@pytest.mark.parametrize(("body", "message"), [
    (b'{"error": {"message": "model not found"}}', "model not found"),
    (b'{"message": "invalid api token"}', "invalid api token"),
    (b'{"type": "error", "error": {"type": "x", "message": "overloaded"}}', "overloaded"),
    (b"<html>bad gateway</html>", "<html>bad gateway</html>"),
])
def test_error_message_finds_the_upstream_words(body: bytes, message: str) -> None:
    assert error_message(body) == message
