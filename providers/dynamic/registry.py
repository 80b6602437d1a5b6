"""Dynamic providers at run time: the sandbox pool, the current definition of each stored provider
(cached until the next admin write, so an edit changes the next answer), and their registration in
the LLM factory under their names, kept in step with the database on start-up and after every
configuration change. Created in the lifespan and kept at `app.state.dynamic_providers`."""

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from errors import ProviderNotConfigured
from providers.dynamic.definition import DynamicDefinition
from providers.dynamic.provider import provider_class_for
from repositories import provider_repository
from sandbox.pool import SandboxPool
from sandbox.worker import SandboxWorker, WorkerSpec
from services.config_cache import ConfigCache

log = logging.getLogger(__name__)


class ProviderFactory(Protocol):
    def register_provider(self, name: str, cls: type) -> None: ...

    def unregister_provider(self, name: str) -> None: ...


class DynamicProviders:
    def __init__(self, *, pool: SandboxPool, sessionmaker: async_sessionmaker[AsyncSession], cache: ConfigCache,
                 factory: ProviderFactory | None = None) -> None:
        self.pool = pool
        self.factory = factory
        self._sessionmaker = sessionmaker
        self._cache = cache
        self._registered: set[str] = set()
        self._sync_task: asyncio.Task[None] | None = None
        self._dirty = False
        self._specs: dict[tuple[str, str | None, str | None, str], tuple[DynamicDefinition, WorkerSpec]] = {}
        cache.listeners.append(self._on_change)

    @classmethod
    async def start(cls, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], cache: ConfigCache,
                    factory: ProviderFactory | None = None) -> "DynamicProviders":
        runtime = cls(pool=SandboxPool.from_settings(settings), sessionmaker=sessionmaker, cache=cache,
                      factory=factory)
        await runtime.sync()
        return runtime

    async def aclose(self) -> None:
        if self._on_change in self._cache.listeners:
            self._cache.listeners.remove(self._on_change)
        if self._sync_task is not None:
            # Awaited, not just cancelled: a sync cut off after the engine is disposed would wait
            # forever on its connection, and with it the whole shutdown.
            self._sync_task.cancel()
            await asyncio.gather(self._sync_task, return_exceptions=True)
        await self.pool.aclose()

    # --- calls --------------------------------------------------------------------------------

    async def definition(self, name: str) -> DynamicDefinition:
        async def load(session: AsyncSession) -> DynamicDefinition | None:
            row = await provider_repository.get_dynamic_by_name(session, name)
            return DynamicDefinition.from_row(row) if row is not None else None

        definition = await self._cache.get(("dynamic-provider", name), load)
        if definition is None:
            raise ProviderNotConfigured(f"Dynamic provider '{name}' no longer exists: point the assistant "
                                        "at another provider's model")
        if not definition.is_active:
            raise ProviderNotConfigured(f"Dynamic provider '{name}' was deleted (it is inactive): point the "
                                        "assistant at another provider's model, or reactivate it with "
                                        f"PUT /admin/providers/dynamic/{definition.id}")
        return definition

    async def worker(self, name: str, *, api_key: str | None, base_url: str | None,
                     extra: Mapping[str, Any] | None = None) -> SandboxWorker:
        definition = await self.definition(name)
        # Validating the config against the schema and hashing the spec cost more than the call
        # itself: remember the spec per definition object (a new one after every admin write).
        memo_key = (name, api_key, base_url, repr(sorted((extra or {}).items())))
        memo = self._specs.get(memo_key)
        if memo is None or memo[0] is not definition:
            config = definition.build_config(api_key=api_key, base_url=base_url, extra=extra)
            memo = (definition, definition.worker_spec(config))
            if len(self._specs) >= 1024:
                self._specs.clear()
            self._specs[memo_key] = memo
        return await self.pool.worker_for(name, memo[1])

    # --- factory registration -----------------------------------------------------------------

    async def sync(self) -> None:
        """Register every stored dynamic provider in the factory, and drop the ones that are gone
        (an inactive one stays registered so its assistants get a clear error, not 'unknown')."""
        async with self._sessionmaker() as session:
            rows = await provider_repository.dynamic_names(session)
        current = {name for name, _active in rows}
        for name in current - self._registered:
            self.register(name)
        for name in self._registered - current:
            self.unregister(name)
        for name, active in rows:
            if not active:
                await self.pool.discard(name)

    def attach(self, factory: ProviderFactory) -> None:
        """Use `factory` from now on (when it is created after this object) and register every
        provider known so far in it."""
        self.factory = factory
        for name in self._registered:
            factory.register_provider(name, provider_class_for(name, self))

    def register(self, name: str) -> None:
        if self.factory is not None:
            self.factory.register_provider(name, provider_class_for(name, self))
        self._registered.add(name)

    def unregister(self, name: str) -> None:
        if self.factory is not None and name in self._registered:
            self.factory.unregister_provider(name)
        self._registered.discard(name)

    def is_registered(self, name: str) -> bool:
        return name in self._registered

    def _on_change(self) -> None:
        # Called by ConfigCache.invalidate (inside the event loop): re-sync in the background; the
        # definitions themselves are re-read on the next call, so nothing stale is ever served.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._dirty = True
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = loop.create_task(self._safe_sync(), name="dynamic-providers-sync")

    async def _safe_sync(self) -> None:
        while self._dirty:  # a change that lands during a sync gets a sync of its own
            self._dirty = False
            try:
                await self.sync()
            except (SQLAlchemyError, OSError) as exc:  # database briefly away: the next change retries
                log.warning("dynamic provider sync failed: %s", type(exc).__name__)
