"""The Cohere provider (the official AsyncClientV2) against the fake upstream: what reaches the wire
(POST {base}/v2/chat)."""



from tests.conftest import unique
from tests.fakes import HISTORY, PARAMS, FakeUpstream

KEY = "co-test-key-0123"


async def test_chat_posts_to_v2_chat_under_the_host_root(fake: FakeUpstream) -> None:
    model = unique("command")
    async with fake.provider("cohere", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).path == "/v2/chat"


async def test_chat_sends_the_key_as_a_bearer_token(fake: FakeUpstream) -> None:
    model = unique("command")
    async with fake.provider("cohere", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    scheme, _, token = fake.recorder.last(model).headers["authorization"].partition(" ")
    assert (scheme.lower(), token) == ("bearer", KEY)


async def test_chat_sends_the_system_prompt_as_the_first_message_then_the_history(fake: FakeUpstream) -> None:
    model = unique("command")
    async with fake.provider("cohere", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, system_prompt="Be brief.")
    assert fake.recorder.last(model).body["messages"] == [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"}, {"role": "user", "content": "hello there"}]


async def test_chat_maps_generation_params_to_cohere_names(fake: FakeUpstream) -> None:
    model = unique("command")
    async with fake.provider("cohere", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, params=PARAMS)
    body = fake.recorder.last(model).body
    assert (body["temperature"], body["max_tokens"], body["p"], body["stop_sequences"]) == \
        (0.3, 50, 0.9, ["END", "STOP"])


async def test_chat_sends_stream_false(fake: FakeUpstream) -> None:
    model = unique("command")
    async with fake.provider("cohere", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).body["stream"] is False


async def test_stream_sends_stream_true(fake: FakeUpstream) -> None:
    model = unique("command")
    async with fake.provider("cohere", api_key=KEY) as llm:
        _ = [c async for c in llm.stream(HISTORY, model=model)]
    assert fake.recorder.last(model).body["stream"] is True
