"""The Gemini provider (google-genai's `client.aio`) against the fake upstream: what reaches the wire
(POST {base}/{version}/models/{model}:generateContent | :streamGenerateContent?alt=sse)."""



from tests.conftest import unique
from tests.fakes import HISTORY, PARAMS, FakeUpstream

KEY = "AIza-test-key-0123"


async def test_chat_posts_to_the_models_generate_content_method(fake: FakeUpstream) -> None:
    model = unique("gemini")
    async with fake.provider("gemini", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).path.endswith(f"/models/{model}:generateContent")


async def test_chat_sends_the_key_in_x_goog_api_key(fake: FakeUpstream) -> None:
    model = unique("gemini")
    async with fake.provider("gemini", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model)
    assert fake.recorder.last(model).headers["x-goog-api-key"] == KEY


async def test_chat_sends_the_system_prompt_as_system_instruction(fake: FakeUpstream) -> None:
    model = unique("gemini")
    async with fake.provider("gemini", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, system_prompt="Be brief.")
    assert fake.recorder.last(model).body["systemInstruction"]["parts"] == [{"text": "Be brief."}]


async def test_chat_sends_the_history_in_order_with_the_model_role_for_assistant(fake: FakeUpstream) -> None:
    model = unique("gemini")
    async with fake.provider("gemini", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, system_prompt="Be brief.")
    assert fake.recorder.last(model).body["contents"] == [
        {"role": "user", "parts": [{"text": "first question"}]},
        {"role": "model", "parts": [{"text": "first answer"}]},
        {"role": "user", "parts": [{"text": "hello there"}]}]


async def test_chat_maps_generation_params_to_generation_config(fake: FakeUpstream) -> None:
    model = unique("gemini")
    async with fake.provider("gemini", api_key=KEY) as llm:
        await llm.chat(HISTORY, model=model, params=PARAMS)
    assert fake.recorder.last(model).body["generationConfig"] == {
        "temperature": 0.3, "maxOutputTokens": 50, "topP": 0.9, "stopSequences": ["END", "STOP"]}


async def test_stream_uses_stream_generate_content_with_alt_sse(fake: FakeUpstream) -> None:
    model = unique("gemini")
    async with fake.provider("gemini", api_key=KEY) as llm:
        _ = [c async for c in llm.stream(HISTORY, model=model)]
    rec = fake.recorder.last(model)
    assert (rec.path.endswith(f"/models/{model}:streamGenerateContent"), rec.query) == (True, "alt=sse")
