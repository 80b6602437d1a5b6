"""Per-worker cache of configuration read on the hot path (users, assistants, providers...).

Invalidation is a cheap version check: every admin write bumps `config_state.version` in its own
transaction, and each worker polls that one-row table every CONFIG_POLL_INTERVAL_SECONDS (0.5 s by
default), dropping everything when it moved. It works the same on SQLite and PostgreSQL, across
workers and hosts, needs no extra server and no long-lived LISTEN connection, and costs one indexed
primary-key read per worker per interval; a write made by this worker is seen at once."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from repositories import config_state_repository

T = TypeVar("T")
_MAX_ENTRIES = 50_000
log = logging.getLogger(__name__)


class ConfigCache:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_interval: float) -> None:
        self._sessionmaker = sessionmaker
        self._poll_interval = poll_interval
        self._entries: dict[Hashable, Any] = {}
        self._loading: dict[Hashable, asyncio.Task[Any]] = {}
        self._generation = 0
        self.version = -1
        self.listeners: list[Callable[[], None]] = []

    async def get(self, key: Hashable, loader: Callable[[AsyncSession], Awaitable[T]]) -> T:
        try:
            return self._entries[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        # One load per key at a time: after a change, the requests in flight (hundreds under load)
        # share it instead of each reading the whole configuration. It runs as a task of its own so
        # that a caller that goes away does not cancel it for the others.
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.create_task(self._load(key, loader, self._generation))
        return await asyncio.shield(loading)  # type: ignore[no-any-return]

    async def _load(self, key: Hashable, loader: Callable[[AsyncSession], Awaitable[T]], generation: int) -> T:
        try:
            async with self._sessionmaker() as session:
                value = await loader(session)
        finally:
            if generation == self._generation:
                del self._loading[key]
        # A change that landed while we were loading makes this value stale: don't keep it.
        if generation == self._generation:
            self._entries[key] = value
        return value

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived without I/O (a verified token, a decrypted key), kept until the next change."""
        try:
            return self._entries[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        if len(self._entries) >= _MAX_ENTRIES:  # bounded: a flood of distinct tokens cannot grow it
            self._entries.clear()
        value = self._entries[key] = compute()
        return value

    def invalidate(self) -> None:
        self._entries.clear()
        self._loading = {}  # loads under way read the old configuration: later callers start afresh
        self._generation += 1
        for listener in self.listeners:
            listener()

    async def refresh_version(self) -> None:
        async with self._sessionmaker() as session:
            version = await config_state_repository.get_version(session)
        if version != self.version:
            self.version = version
            self.invalidate()

    async def poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            try:
                await self.refresh_version()
            except (SQLAlchemyError, OSError) as exc:  # database briefly away: keep serving, retry
                log.warning("config version check failed: %s", type(exc).__name__)


async def commit_change(session: AsyncSession, cache: ConfigCache) -> None:
    """Commit an admin write and tell every worker (this one at once, the others by polling)."""
    await config_state_repository.bump_version(session)
    await session.commit()
    cache.invalidate()
