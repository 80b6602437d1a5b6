"""The OpenAI provider against the fake upstream: what reaches the wire (POST {base}/chat/completions)."""



from tests.conftest import unique
from tests.fakes import HISTORY, PARAMS, FakeUpstream

KEY = "sk-test-openai-key-0123"


async def test_chat_posts_to_chat_completions_under_the_base_url(fake: FakeUpstream) -> None:
    model = unique("gpt")
    async with fake.provider("openai", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).path == "/v1/chat/completions"


async def test_chat_sends_the_key_as_a_bearer_token(fake: FakeUpstream) -> None:
    model = unique("gpt")
    async with fake.provider("openai", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).headers["authorization"] == f"Bearer {KEY}"


async def test_chat_sends_the_system_prompt_as_the_first_message_then_the_history(fake: FakeUpstream) -> None:
    model = unique("gpt")
    async with fake.provider("openai", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, system_prompt="Be brief.")
    assert fake.recorder.last(model).body["messages"] == [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"}, {"role": "user", "content": "hello there"}]


async def test_chat_maps_generation_params_to_openai_names(fake: FakeUpstream) -> None:
    model = unique("gpt")
    async with fake.provider("openai", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, params=PARAMS)
    body = fake.recorder.last(model).body
    assert (body["model"], body["temperature"], body["max_tokens"], body["top_p"], body["stop"]) == \
        (model, 0.3, 50, 0.9, ["END", "STOP"])


async def test_chat_sends_no_unset_params_and_no_stream_flag(fake: FakeUpstream) -> None:
    model = unique("gpt")
    async with fake.provider("openai", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert set(fake.recorder.last(model).body) == {"model", "messages"}


async def test_stream_asks_for_sse_with_usage_at_the_end(fake: FakeUpstream) -> None:
    model = unique("gpt")
    async with fake.provider("openai", api_key=KEY) as llm:
        _ = [c async for c in llm.stream(HISTORY, model=model)]
    body = fake.recorder.last(model).body
    assert (body["stream"], body["stream_options"]) == (True, {"include_usage": True})
