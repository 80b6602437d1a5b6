"""LLMFactory: the registry by name (built-ins and dynamic ones) and the cache of instances."""

from collections.abc import AsyncIterator

import pytest

from errors import Conflict, ProviderNotConfigured
from providers import (
    BUILTIN_PROVIDERS,
    DEFAULT_PARAMS,
    ChatMessage,
    ChatResult,
    GenerationParams,
    LLMFactory,
    LLMProvider,
    StreamChunk,
    chat_with_llm,
)


class EchoProvider(LLMProvider):
    """A stand-in for a dynamic provider: registered the way the sandboxed ones are."""

    name = "echo"
    closed = 0

    async def chat(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                   params: GenerationParams = DEFAULT_PARAMS) -> ChatResult:
        return ChatResult(text=f"{model}: {messages[-1].content}")

    async def stream(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                     params: GenerationParams = DEFAULT_PARAMS) -> AsyncIterator[StreamChunk]:
        yield StreamChunk(delta=messages[-1].content)

    async def aclose(self) -> None:
        type(self).closed += 1


def test_the_four_built_ins_are_available() -> None:
    assert LLMFactory().get_available_providers() == ["anthropic", "cohere", "gemini", "openai"]


def test_built_ins_are_listed_explicitly() -> None:
    assert {name: cls.name for name, cls in BUILTIN_PROVIDERS.items()} == {
        "gemini": "gemini", "cohere": "cohere", "openai": "openai", "anthropic": "anthropic"}


def test_a_registered_provider_becomes_available() -> None:
    factory = LLMFactory()
    factory.register_provider("echo", EchoProvider)
    assert "echo" in factory.get_available_providers()


def test_an_unregistered_provider_is_no_longer_available() -> None:
    factory = LLMFactory()
    factory.register_provider("echo", EchoProvider)
    factory.unregister_provider("echo")
    assert "echo" not in factory.get_available_providers()


def test_a_built_in_cannot_be_replaced() -> None:
    with pytest.raises(Conflict, match="'openai' is a built-in provider"):
        LLMFactory().register_provider("openai", EchoProvider)


def test_a_built_in_cannot_be_unregistered() -> None:
    with pytest.raises(Conflict, match="'gemini' is a built-in provider"):
        LLMFactory().unregister_provider("gemini")


def test_registering_something_that_is_not_a_provider_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        LLMFactory().register_provider("bad", dict)  # type: ignore[arg-type]


def test_an_unknown_provider_is_not_configured_and_lists_the_available_ones() -> None:
    with pytest.raises(ProviderNotConfigured) as info:
        LLMFactory().create("mistral", api_key="k")
    assert info.value.detail == ("Unknown provider 'mistral': available providers are "
                                 "anthropic, cohere, gemini, openai")


def test_create_passes_the_settings_to_the_provider() -> None:
    factory = LLMFactory()
    llm = factory.create("openai", api_key="k", base_url="http://127.0.0.1:9/v1", timeout=7.5, max_retries=4)
    assert (llm.name, llm.base_url, llm.timeout, llm.max_retries) == ("openai", "http://127.0.0.1:9/v1", 7.5, 4)


def test_create_without_a_base_url_uses_the_official_one() -> None:
    assert LLMFactory().create("anthropic", api_key="k").base_url == "https://api.anthropic.com"


def test_create_reuses_the_instance_for_the_same_key_and_base_url() -> None:
    factory = LLMFactory()
    first = factory.create("cohere", api_key="k", base_url="http://127.0.0.1:9")
    assert factory.create("cohere", api_key="k", base_url="http://127.0.0.1:9") is first


def test_create_makes_another_instance_for_another_key() -> None:
    factory = LLMFactory()
    first = factory.create("gemini", api_key="k1", base_url="http://127.0.0.1:9")
    assert factory.create("gemini", api_key="k2", base_url="http://127.0.0.1:9") is not first


def test_create_makes_another_instance_for_another_base_url() -> None:
    factory = LLMFactory()
    first = factory.create("openai", api_key="k", base_url="http://127.0.0.1:9/v1")
    assert factory.create("openai", api_key="k", base_url="http://127.0.0.1:10/v1") is not first


def test_the_cache_is_bounded_dropping_the_least_recently_used() -> None:
    factory = LLMFactory(max_instances=2)
    a = factory.create("openai", api_key="a", base_url="http://127.0.0.1:9/v1")
    b = factory.create("openai", api_key="b", base_url="http://127.0.0.1:9/v1")
    factory.create("openai", api_key="a", base_url="http://127.0.0.1:9/v1")  # a is now the most recent
    factory.create("openai", api_key="c", base_url="http://127.0.0.1:9/v1")  # evicts b
    assert factory.create("openai", api_key="a", base_url="http://127.0.0.1:9/v1") is a
    assert factory.create("openai", api_key="b", base_url="http://127.0.0.1:9/v1") is not b


async def test_aclose_closes_cached_and_evicted_instances() -> None:
    EchoProvider.closed = 0
    factory = LLMFactory(max_instances=1)
    factory.register_provider("echo", EchoProvider)
    factory.create("echo", api_key="a")
    factory.create("echo", api_key="b")  # evicts a: closed after a grace period, or at aclose
    await factory.aclose()
    assert EchoProvider.closed == 2


async def test_re_registering_a_provider_drops_instances_of_the_old_class() -> None:
    factory = LLMFactory()
    factory.register_provider("echo", EchoProvider)
    old = factory.create("echo", api_key="k")
    factory.register_provider("echo", type("Echo2", (EchoProvider,), {}))
    assert type(factory.create("echo", api_key="k")) is not type(old)
    await factory.aclose()


async def test_chat_with_llm_reaches_a_registered_provider() -> None:
    factory = LLMFactory()
    factory.register_provider("echo", EchoProvider)
    result = await chat_with_llm(factory, "echo", "m1", [ChatMessage("user", "hi")])
    assert isinstance(result, ChatResult) and result.text == "m1: hi"
    await factory.aclose()
