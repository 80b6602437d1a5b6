"""Every upstream failure becomes the ProviderError the chat layer maps to HTTP, for every provider,
whole and streamed; transient failures are retried before the first byte and never after it. The
fake picks the failure from the model name (tests/fakes/upstream.py) and quotes the key in its error
messages, as some real upstreams do, so each test also checks the key never reaches the detail."""

from collections.abc import Iterator

import pytest

from errors import (
    ProviderAuthFailed,
    ProviderBadResponse,
    ProviderError,
    ProviderNotConfigured,
    ProviderRateLimited,
    ProviderTimeout,
)
from providers import ChatMessage, LLMFactory, LLMProvider, StreamChunk
from tests.conftest import unique
from tests.fakes import FakeUpstream, serve_upstream
from tests.servers import free_port

PROVIDERS = ["openai", "anthropic", "cohere", "gemini"]
KEY = "sk-secret-test-key-0123456789"
MESSAGES = [ChatMessage("user", "hello there")]
both = pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
each = pytest.mark.parametrize("provider", PROVIDERS)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    with serve_upstream() as f:
        yield f


async def call(llm: LLMProvider, model: str, stream: bool, received: list[StreamChunk] | None = None) -> None:
    if not stream:
        await llm.chat(MESSAGES, model=model)
        return
    async for chunk in llm.stream(MESSAGES, model=model):
        if received is not None:
            received.append(chunk)


async def failure(fake: FakeUpstream, provider: str, model: str, stream: bool, **options: float) -> ProviderError:
    async with fake.provider(provider, api_key=KEY, **options) as llm:  # type: ignore[arg-type]
        with pytest.raises(ProviderError) as info:
            await call(llm, model, stream)
    assert KEY not in info.value.detail
    return info.value


@each
@both
async def test_upstream_401_is_auth_failed_502_naming_the_provider(fake: FakeUpstream, provider: str,
                                                                   stream: bool) -> None:
    # Gemini's fake answers as Gemini does: 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
    err = await failure(fake, provider, "fake-401", stream)
    assert (type(err), err.status_code) == (ProviderAuthFailed, 502)
    assert err.detail.startswith(f"{provider} rejected the API key")


@each
async def test_upstream_403_is_auth_failed(fake: FakeUpstream, provider: str) -> None:
    err = await failure(fake, provider, "fake-403", False)
    assert type(err) is ProviderAuthFailed


@each
@both
async def test_upstream_429_is_rate_limited_with_its_retry_after(fake: FakeUpstream, provider: str,
                                                                 stream: bool) -> None:
    err = await failure(fake, provider, "fake-429", stream, max_retries=2)
    assert isinstance(err, ProviderRateLimited)
    assert (err.status_code, err.retry_after, err.headers) == (429, 30, {"Retry-After": "30"})


@each
async def test_upstream_429_asking_for_a_long_wait_is_not_retried(fake: FakeUpstream, provider: str) -> None:
    before = fake.recorder.count("fake-429")
    await failure(fake, provider, "fake-429", False, max_retries=2)
    assert fake.recorder.count("fake-429") - before == 1


@each
@both
async def test_upstream_500_is_bad_response_after_the_retries(fake: FakeUpstream, provider: str,
                                                              stream: bool) -> None:
    before = fake.recorder.count("fake-500")
    err = await failure(fake, provider, "fake-500", stream, max_retries=1)
    assert (type(err), err.status_code) == (ProviderBadResponse, 502)
    assert err.detail.startswith(f"{provider} failed with HTTP 500")
    assert fake.recorder.count("fake-500") - before == 2


@each
async def test_upstream_400_is_a_502_that_quotes_the_upstream_without_the_key(fake: FakeUpstream,
                                                                              provider: str) -> None:
    err = await failure(fake, provider, "fake-400", False)
    assert (type(err), err.status_code) == (ProviderError, 502)
    assert "fake upstream failure fake-400 for key ***" in err.detail


@each
@both
async def test_unparseable_answer_is_bad_response(fake: FakeUpstream, provider: str, stream: bool) -> None:
    err = await failure(fake, provider, "fake-garbage", stream)
    assert (type(err), err.status_code) == (ProviderBadResponse, 502)


@each
@both
async def test_no_answer_within_the_timeout_is_provider_timeout_504(fake: FakeUpstream, provider: str,
                                                                    stream: bool) -> None:
    err = await failure(fake, provider, "fake-slow", stream, timeout=0.5)
    assert (type(err), err.status_code) == (ProviderTimeout, 504)
    assert err.detail.startswith(f"{provider} did not answer within 0.5 seconds")


@each
async def test_a_stream_that_stalls_mid_way_is_provider_timeout(fake: FakeUpstream, provider: str) -> None:
    received: list[StreamChunk] = []
    # Long enough for the first frames to arrive on a busy machine; the fake then stalls for 5 s.
    async with fake.provider(provider, api_key=KEY, timeout=1.5) as llm:
        with pytest.raises(ProviderTimeout, match="mid-stream"):
            await call(llm, "fake-stall", True, received)
    assert [c.delta for c in received] == ["echo: "]


@each
async def test_a_stream_cut_mid_way_raises_bad_response_after_the_deltas_so_far(fake: FakeUpstream,
                                                                                provider: str) -> None:
    received: list[StreamChunk] = []
    async with fake.provider(provider, api_key=KEY) as llm:
        with pytest.raises(ProviderBadResponse, match="broke off mid-way"):
            await call(llm, "fake-cut", True, received)
    assert [c.delta for c in received] == ["echo: "]


@each
async def test_a_stream_cut_mid_way_is_never_replayed(fake: FakeUpstream, provider: str) -> None:
    before = fake.recorder.count("fake-cut")
    await failure(fake, provider, "fake-cut", True, max_retries=2)
    assert fake.recorder.count("fake-cut") - before == 1


@each
async def test_a_stream_without_its_final_event_raises_bad_response(fake: FakeUpstream, provider: str) -> None:
    err = await failure(fake, provider, "fake-truncated", True)
    assert type(err) is ProviderBadResponse and "broke off mid-way" in err.detail


@each
async def test_a_whole_answer_cut_short_is_bad_response(fake: FakeUpstream, provider: str) -> None:
    err = await failure(fake, provider, "fake-cut", False)
    assert (type(err), err.status_code) == (ProviderBadResponse, 502)


@each
@both
async def test_a_500_before_the_first_byte_is_retried_and_then_succeeds(fake: FakeUpstream, provider: str,
                                                                        stream: bool) -> None:
    model = f"fake-flaky-{unique()}"
    async with fake.provider(provider, api_key=KEY, max_retries=1) as llm:
        await call(llm, model, stream)
    assert fake.recorder.count(model) == 2


@each
async def test_a_short_429_is_retried_and_then_succeeds(fake: FakeUpstream, provider: str) -> None:
    model = f"fake-flaky429-{unique()}"
    async with fake.provider(provider, api_key=KEY, max_retries=1) as llm:
        await call(llm, model, False)
    assert fake.recorder.count(model) == 2


@each
async def test_max_retries_zero_means_one_attempt(fake: FakeUpstream, provider: str) -> None:
    model = f"fake-flaky-{unique()}"
    async with fake.provider(provider, api_key=KEY, max_retries=0) as llm:
        with pytest.raises(ProviderBadResponse):
            await call(llm, model, False)
    assert fake.recorder.count(model) == 1


@each
@both
async def test_connection_refused_is_a_502_asking_to_check_the_base_url(provider: str, stream: bool) -> None:
    factory = LLMFactory()
    llm = factory.create(provider, api_key=KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    try:
        with pytest.raises(ProviderError) as info:
            await call(llm, "any-model", stream)
    finally:
        await factory.aclose()
    assert (type(info.value), info.value.status_code) == (ProviderError, 502)
    assert info.value.detail.startswith(f"Could not connect to {provider}")


@each
@pytest.mark.parametrize("key", [None, "", "   "], ids=["none", "empty", "blank"])
def test_a_missing_key_is_provider_not_configured(provider: str, key: str | None) -> None:
    with pytest.raises(ProviderNotConfigured, match=f"No API key for {provider}"):
        LLMFactory().create(provider, api_key=key, base_url="http://127.0.0.1:9")


@each
def test_a_key_that_cannot_go_in_a_header_is_provider_not_configured(provider: str) -> None:
    with pytest.raises(ProviderNotConfigured, match="enter it again") as info:
        LLMFactory().create(provider, api_key="sk-abc\ndef", base_url="http://127.0.0.1:9")
    assert "sk-abc" not in info.value.detail


@each
def test_a_base_url_that_is_not_http_is_provider_not_configured(provider: str) -> None:
    with pytest.raises(ProviderNotConfigured, match="must be an http"):
        LLMFactory().create(provider, api_key=KEY, base_url="ftp://example.com")
