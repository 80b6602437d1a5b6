"""The Anthropic provider against the fake upstream: what reaches the wire (POST {base}/v1/messages)."""



from providers.anthropic.anthropic_provider import DEFAULT_MAX_TOKENS
from tests.conftest import unique
from tests.fakes import HISTORY, PARAMS, FakeUpstream

KEY = "sk-ant-test-key-0123"


async def test_chat_posts_to_v1_messages_under_the_host_root(fake: FakeUpstream) -> None:
    model = unique("claude")
    async with fake.provider("anthropic", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).path == "/v1/messages"


async def test_chat_sends_the_key_in_x_api_key_with_an_api_version(fake: FakeUpstream) -> None:
    model = unique("claude")
    async with fake.provider("anthropic", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    headers = fake.recorder.last(model).headers
    assert (headers["x-api-key"], headers["anthropic-version"], "authorization" in headers) == \
        (KEY, "2023-06-01", False)


async def test_chat_sends_the_system_prompt_as_the_system_field_not_a_message(fake: FakeUpstream) -> None:
    model = unique("claude")
    async with fake.provider("anthropic", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, system_prompt="Be brief.")
    body = fake.recorder.last(model).body
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "first question"},
                                {"role": "assistant", "content": "first answer"},
                                {"role": "user", "content": "hello there"}]


async def test_chat_maps_generation_params_to_anthropic_names(fake: FakeUpstream) -> None:
    model = unique("claude")
    async with fake.provider("anthropic", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, params=PARAMS)
    body = fake.recorder.last(model).body
    assert (body["temperature"], body["max_tokens"], body["top_p"], body["stop_sequences"]) == \
        (0.3, 50, 0.9, ["END", "STOP"])


async def test_chat_sends_a_default_max_tokens_because_the_api_requires_one(fake: FakeUpstream) -> None:
    model = unique("claude")
    async with fake.provider("anthropic", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    body = fake.recorder.last(model).body
    assert (set(body), body["max_tokens"]) == ({"model", "max_tokens", "messages"}, DEFAULT_MAX_TOKENS)


async def test_stream_sets_the_stream_flag(fake: FakeUpstream) -> None:
    model = unique("claude")
    async with fake.provider("anthropic", api_key=KEY) as llm:
        _ = [c async for c in llm.stream(HISTORY, model=model)]
    assert fake.recorder.last(model).body["stream"] is True
