"""The registry of provider classes by name, and the cache of provider instances.

One `LLMFactory` lives in the app's lifespan (`app.state.llm_factory`). Built-ins are listed below;
dynamic providers register into the same factory, so callers cannot tell them apart. `create` reuses
one instance, and so one SDK client or connection pool, per (name, key, base URL, timeout, retries).
"""

import asyncio
import logging
import time
from collections import OrderedDict

from errors import Conflict, ProviderNotConfigured
from providers.anthropic.anthropic_provider import AnthropicProvider
from providers.cohere.cohere_provider import CohereProvider
from providers.google.gemini_provider import GeminiProvider
from providers.llm_provider import LLMProvider
from providers.openai.openai_provider import OpenAIProvider

log = logging.getLogger(__name__)

BUILTIN_PROVIDERS: dict[str, type[LLMProvider]] = {
    "gemini": GeminiProvider,
    "cohere": CohereProvider,
    "openai": OpenAIProvider,
    "anthropic": AnthropicProvider,
}

_InstanceKey = tuple[str, str | None, str | None, float, int]


class LLMFactory:
    """Provider classes by name and a bounded LRU of their instances."""

    def __init__(self, *, max_instances: int = 256) -> None:
        self._classes: dict[str, type[LLMProvider]] = dict(BUILTIN_PROVIDERS)
        self._instances: OrderedDict[_InstanceKey, LLMProvider] = OrderedDict()
        self._max_instances = max_instances
        # Dropped instances may still serve a request in flight (a long stream), so they are closed
        # after a grace period rather than at once: (close after, instance).
        self._retired: list[tuple[float, LLMProvider]] = []
        self._closing: set[asyncio.Task[None]] = set()

    def get_available_providers(self) -> list[str]:
        return sorted(self._classes)

    def register_provider(self, name: str, cls: type[LLMProvider]) -> None:
        """Add or replace a (dynamic) provider; instances of the previous class under `name` are retired."""
        if not (isinstance(cls, type) and issubclass(cls, LLMProvider)):
            raise TypeError(f"{cls!r} is not an LLMProvider subclass")
        if not name or not isinstance(name, str):
            raise ValueError("a provider needs a non-empty name")
        if name in BUILTIN_PROVIDERS:
            raise Conflict(f"'{name}' is a built-in provider and cannot be replaced; choose another name")
        self._classes[name] = cls
        self._retire(name)

    def unregister_provider(self, name: str) -> None:
        if name in BUILTIN_PROVIDERS:
            raise Conflict(f"'{name}' is a built-in provider and cannot be removed")
        self._classes.pop(name, None)
        self._retire(name)

    def create(self, name: str, *, api_key: str | None = None, base_url: str | None = None,
               timeout: float = 60.0, max_retries: int = 2) -> LLMProvider:
        """The provider instance for these settings, created on first use and then reused."""
        key = (name, api_key, base_url, timeout, max_retries)
        instance = self._instances.get(key)
        if instance is not None:
            self._instances.move_to_end(key)
            return instance
        cls = self._classes.get(name)
        if cls is None:
            raise ProviderNotConfigured(f"Unknown provider '{name}': available providers are "
                                        f"{', '.join(self.get_available_providers())}")
        instance = cls(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self._instances[key] = instance
        if len(self._instances) > self._max_instances:
            self._retire_instance(self._instances.popitem(last=False)[1])
        self._close_retired()
        return instance

    async def aclose(self) -> None:
        """Close every instance, retired or not (the app's shutdown)."""
        instances = [*self._instances.values(), *(inst for _, inst in self._retired)]
        self._instances.clear()
        self._retired.clear()
        await asyncio.gather(*self._closing, return_exceptions=True)
        results = await asyncio.gather(*(inst.aclose() for inst in instances), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.warning("closing a provider failed: %r", result)

    def _retire(self, name: str) -> None:
        for key in [k for k in self._instances if k[0] == name]:
            self._retire_instance(self._instances.pop(key))

    def _retire_instance(self, instance: LLMProvider) -> None:
        grace = max(60.0, 2 * instance.timeout * (instance.max_retries + 1))
        self._retired.append((time.monotonic() + grace, instance))

    def _close_retired(self) -> None:
        if not self._retired:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): `aclose` will close them
            return
        now = time.monotonic()
        due = [inst for deadline, inst in self._retired if deadline <= now]
        self._retired = [(deadline, inst) for deadline, inst in self._retired if deadline > now]
        for instance in due:
            task = loop.create_task(instance.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
