"""LLM providers behind one async interface (`llm_provider.LLMProvider`) and one factory.

    factory = LLMFactory()                       # once, in the app's lifespan
    result = await chat_with_llm(factory, "openai", "gpt-4o", [ChatMessage("user", "Hi")],
                                 api_key=key, base_url="https://api.openai.com/v1")
    async for chunk in await chat_with_llm(..., stream=True): ...
"""

from collections.abc import AsyncIterator
from typing import Literal, overload

from providers.llm_factory import BUILTIN_PROVIDERS, LLMFactory
from providers.llm_provider import (
    DEFAULT_PARAMS,
    ChatMessage,
    ChatResult,
    GenerationParams,
    LLMProvider,
    StreamChunk,
    Usage,
)

__all__ = ["BUILTIN_PROVIDERS", "DEFAULT_PARAMS", "ChatMessage", "ChatResult", "GenerationParams", "LLMFactory",
           "LLMProvider", "StreamChunk", "Usage", "chat_with_llm"]


@overload
async def chat_with_llm(factory: LLMFactory, provider: str, model: str, messages: list[ChatMessage], *,
                        system_prompt: str | None = ..., params: GenerationParams = ..., api_key: str | None = ...,
                        base_url: str | None = ..., stream: Literal[False] = ..., timeout: float = ...,
                        max_retries: int = ...) -> ChatResult: ...


@overload
async def chat_with_llm(factory: LLMFactory, provider: str, model: str, messages: list[ChatMessage], *,
                        system_prompt: str | None = ..., params: GenerationParams = ..., api_key: str | None = ...,
                        base_url: str | None = ..., stream: Literal[True], timeout: float = ...,
                        max_retries: int = ...) -> AsyncIterator[StreamChunk]: ...


async def chat_with_llm(factory: LLMFactory, provider: str, model: str, messages: list[ChatMessage], *,
                        system_prompt: str | None = None, params: GenerationParams = DEFAULT_PARAMS,
                        api_key: str | None = None, base_url: str | None = None, stream: bool = False,
                        timeout: float = 60.0, max_retries: int = 2) -> ChatResult | AsyncIterator[StreamChunk]:
    """One call to `provider`: the whole answer, or (stream=True) an async iterator of chunks whose
    errors surface while iterating. Failures raise errors.ProviderError subclasses."""
    llm = factory.create(provider, api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
    if stream:
        return llm.stream(messages, model=model, system_prompt=system_prompt, params=params)
    return await llm.chat(messages, model=model, system_prompt=system_prompt, params=params)
