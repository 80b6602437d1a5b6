"""The LLMProvider that forwards calls to the sandbox worker of a stored dynamic provider, so the
chat runtime cannot tell it from a built-in. One subclass per stored provider is registered in the
factory under the provider's name (`provider_class_for`)."""

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from providers.llm_provider import ChatMessage, ChatResult, GenerationParams, LLMProvider, StreamChunk, Usage

if TYPE_CHECKING:
    from providers.dynamic.registry import DynamicProviders


def _params(params: GenerationParams) -> dict[str, Any]:
    values = {"temperature": params.temperature, "max_tokens": params.max_tokens, "top_p": params.top_p,
              "stop": list(params.stop) if params.stop else None}
    return {k: v for k, v in values.items() if v is not None}


def _usage(value: Any) -> Usage:
    value = value if isinstance(value, dict) else {}
    return Usage(int(value.get("input_tokens") or 0), int(value.get("output_tokens") or 0))


class DynamicProvider(LLMProvider):
    """Calls run in the provider's warm sandbox worker; the code never runs in this process."""

    name: ClassVar[str]
    runtime: ClassVar["DynamicProviders"]

    def __init__(self, *, api_key: str | None, base_url: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2, extra_config: Mapping[str, Any] | None = None) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        # The assistant's config: values its config_schema declares are passed to the code.
        self.extra_config = dict(extra_config or {})

    def with_config(self, extra_config: Mapping[str, Any] | None) -> "DynamicProvider":
        """A copy that passes an assistant's config to the code (the factory shares instances
        between assistants with the same key, so the config cannot live on the shared one)."""
        return type(self)(api_key=self.api_key, base_url=self.base_url, timeout=self.timeout,
                          max_retries=self.max_retries, extra_config=extra_config)

    def _payload(self, messages: list[ChatMessage], model: str, system_prompt: str | None,
                 params: GenerationParams) -> dict[str, Any]:
        return {"messages": [{"role": m.role, "content": m.content} for m in messages],
                "system_prompt": system_prompt, "model": model, "params": _params(params)}

    async def chat(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                   params: GenerationParams = GenerationParams()) -> ChatResult:  # noqa: B008 - frozen
        worker = await self.runtime.worker(self.name, api_key=self.api_key, base_url=self.base_url,
                                           extra=self.extra_config)
        answer = await worker.call("chat", self._payload(messages, model, system_prompt, params))
        return ChatResult(answer.get("text", ""), _usage(answer.get("usage")), answer.get("finish_reason"))

    async def stream(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                     params: GenerationParams = GenerationParams(),  # noqa: B008 - frozen
                     ) -> AsyncIterator[StreamChunk]:
        worker = await self.runtime.worker(self.name, api_key=self.api_key, base_url=self.base_url,
                                           extra=self.extra_config)
        async for message in worker.stream(self._payload(messages, model, system_prompt, params)):
            if message.get("end"):
                yield StreamChunk("", _usage(message.get("usage")), message.get("finish_reason") or "stop")
            else:
                yield StreamChunk(message["text"])


def provider_class_for(name: str, runtime: "DynamicProviders") -> type[DynamicProvider]:
    """A DynamicProvider subclass bound to one stored provider, for `factory.register_provider`."""
    return type(f"Dynamic_{name}", (DynamicProvider,), {"name": name, "runtime": runtime,
                                                        "__doc__": f"Dynamic provider '{name}' (sandboxed)."})
