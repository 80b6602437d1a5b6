"""What every provider makes of its upstream's answers, whole and streamed, and the call shape they
share (`chat_with_llm`); each provider runs against the fake speaking its own wire format."""


import pytest

from providers import ChatResult, LLMFactory, chat_with_llm
from tests.conftest import unique
from tests.fakes import HISTORY, FakeUpstream

PROVIDERS = ["openai", "anthropic", "cohere", "gemini"]
# The fake counts words: 2 (system) + 2 + 2 + 2 (messages) in; "echo: hello there" out, one word per delta.
USAGE = (8, 3)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_chat_returns_the_text_usage_and_finish_reason(fake: FakeUpstream, provider: str) -> None:
    async with fake.provider(provider) as llm:
        result = await llm.chat(HISTORY, model=unique("m"), system_prompt="Be brief.")
    assert (result.text, (result.usage.input_tokens, result.usage.output_tokens), result.finish_reason) == \
        ("echo: hello there", USAGE, "stop")


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_chat_normalises_a_max_tokens_stop_to_length(fake: FakeUpstream, provider: str) -> None:
    async with fake.provider(provider) as llm:
        result = await llm.chat(HISTORY, model="fake-length")
    assert result.finish_reason == "length"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stream_yields_the_deltas_in_order(fake: FakeUpstream, provider: str) -> None:
    async with fake.provider(provider) as llm:
        chunks = [c async for c in llm.stream(HISTORY, model=unique("m"), system_prompt="Be brief.")]
    assert [c.delta for c in chunks[:-1]] == ["echo: ", "hello ", "there"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stream_ends_with_one_chunk_carrying_usage_and_finish_reason(fake: FakeUpstream,
                                                                           provider: str) -> None:
    async with fake.provider(provider) as llm:
        chunks = [c async for c in llm.stream(HISTORY, model=unique("m"), system_prompt="Be brief.")]
    last = chunks[-1]
    assert (last.delta, (last.usage.input_tokens, last.usage.output_tokens), last.finish_reason) == \
        ("", USAGE, "stop")
    assert all(c.usage is None for c in chunks[:-1])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stream_normalises_a_max_tokens_stop_to_length(fake: FakeUpstream, provider: str) -> None:
    async with fake.provider(provider) as llm:
        chunks = [c async for c in llm.stream(HISTORY, model="fake-length")]
    assert chunks[-1].finish_reason == "length"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_calls_reuse_the_instance_connection(fake: FakeUpstream, provider: str) -> None:
    first, second = unique("m"), unique("m")
    async with fake.provider(provider) as llm:
        await llm.chat(HISTORY, model=first)
        await llm.chat(HISTORY, model=second)
    assert fake.recorder.last(first).peer == fake.recorder.last(second).peer


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_chat_with_llm_returns_a_whole_answer(fake: FakeUpstream, provider: str) -> None:
    factory = LLMFactory()
    try:
        result = await chat_with_llm(factory, provider, unique("m"), HISTORY, api_key="test-key",
                                     base_url=fake.base_url(provider), max_retries=0)
    finally:
        await factory.aclose()
    assert isinstance(result, ChatResult) and result.text == "echo: hello there"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_chat_with_llm_streams_when_asked(fake: FakeUpstream, provider: str) -> None:
    factory = LLMFactory()
    try:
        stream = await chat_with_llm(factory, provider, unique("m"), HISTORY, api_key="test-key",
                                     base_url=fake.base_url(provider), stream=True, max_retries=0)
        text = "".join([c.delta async for c in stream])
    finally:
        await factory.aclose()
    assert text == "echo: hello there"
