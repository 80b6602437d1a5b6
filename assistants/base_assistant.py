"""An assistant turned into provider calls: system prompt, provider, model, key, streaming default
and generation config, from the database (`from_database`), from the cached runtime configuration
(`from_config`), or given by hand (the legacy constructor)."""

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from assistants.keys import resolve_api_key
from config import Settings, get_settings
from errors import NotFound, PermissionDenied, ProviderNotConfigured
from providers import LLMFactory
from providers.llm_provider import ChatMessage, ChatResult, GenerationParams, LLMProvider, StreamChunk
from repositories import runtime_config_repository
from services.security import SecretBox


class BaseAssistant:
    default_system_prompt: ClassVar[str | None] = None

    def __init__(self, llm_provider: str, model: str, api_key: str | None = None, streaming: bool = False,
                 system_prompt: str | None = None, *, factory: LLMFactory | None = None,
                 base_url: str | None = None, config: Mapping[str, Any] | None = None,
                 name: str | None = None, timeout: float = 60.0, max_retries: int = 2) -> None:
        self.llm_provider = llm_provider
        self.model = model
        self.api_key = api_key
        self.streaming = streaming
        self.system_prompt = system_prompt if system_prompt is not None else self.default_system_prompt
        self.name = name or type(self).__name__
        self.base_url = base_url
        self.config = dict(config or {})
        self.params = GenerationParams.from_config(self.config)
        self._provider_config = {**self.config, **(self.config.get("provider_options") or {})}
        # Legacy callers build an assistant by hand with no app around it: give it its own factory.
        self._factory = factory or LLMFactory()
        self._timeout = timeout
        self._max_retries = max_retries

    @classmethod
    async def from_database(cls, assistant_id: int, db: AsyncSession, *, factory: LLMFactory | None = None,
                            settings: Settings | None = None) -> "BaseAssistant":
        """All configuration from the database: prompt, provider and its base URL, model, key, config."""
        settings = settings or get_settings()
        row = await runtime_config_repository.load_assistant(db, assistant_id)
        if row is None:
            raise NotFound(f"Assistant {assistant_id} not found")
        assistant, model, provider, provider_key = row
        if not (assistant.is_active and model.is_active and provider.is_active):
            raise PermissionDenied(f"Assistant '{assistant.name}' is disabled (or its model or provider is)")
        api_key = resolve_api_key(settings, SecretBox(settings.encryption_keys).decrypt, provider_name=provider.name,
                                  assistant_key=assistant.api_key, provider_key=provider_key)
        return cls(provider.name, model.name, api_key, assistant.is_streaming, assistant.system_prompt,
                   factory=factory, base_url=provider.base_url, config=assistant.config, name=assistant.name,
                   timeout=settings.provider_timeout_seconds, max_retries=settings.provider_max_retries)

    def provider(self) -> LLMProvider:
        if not self.api_key:
            raise ProviderNotConfigured(f"No API key for provider '{self.llm_provider}'")
        llm = self._factory.create(self.llm_provider, api_key=self.api_key, base_url=self.base_url,
                                   timeout=self._timeout, max_retries=self._max_retries)
        return llm.with_config(self._provider_config) if self._provider_config else llm

    def messages(self, message: str, history: Sequence[ChatMessage] = ()) -> list[ChatMessage]:
        return [*history, ChatMessage(role="user", content=message)]

    async def complete(self, message: str, history: Sequence[ChatMessage] = ()) -> ChatResult:
        return await self.provider().chat(self.messages(message, history), model=self.model,
                                          system_prompt=self.system_prompt, params=self.params)

    def stream(self, message: str, history: Sequence[ChatMessage] = ()) -> AsyncIterator[StreamChunk]:
        return self.provider().stream(self.messages(message, history), model=self.model,
                                      system_prompt=self.system_prompt, params=self.params)

    async def chat(self, message: str, history: Sequence[ChatMessage] = ()) -> str:
        """The answer's text (the documented legacy entry point)."""
        return (await self.complete(message, history)).text
