"""Warm sandbox workers, one per provider definition (code + config + allow-list), created in the
lifespan and reached through `app.state.sandbox_pool`.

A worker is reused while its `WorkerSpec.key` is unchanged, so editing a provider's code or key
gives the next call a new worker (hot reload) and the old one is stopped. A worker that crashed,
timed out or broke the protocol is dead and replaced on the next call. The pool is bounded: the
least recently used worker is stopped when a new one would exceed `max_workers`.
"""

import asyncio
import json
import logging
import socket
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from config import Settings
from errors import SandboxUnavailable
from sandbox.launcher import Launcher, SandboxLimits
from sandbox.worker import SandboxWorker, WorkerSpec

log = logging.getLogger(__name__)


def limits_from_settings(settings: Settings) -> SandboxLimits:
    # The CPU limit covers a warm worker's whole life; a worker that spends it is replaced.
    return SandboxLimits(memory_mb=settings.sandbox_memory_mb,
                         cpu_seconds=max(60, int(settings.sandbox_timeout_seconds * 10)))


class SandboxPool:
    def __init__(self, launcher: Launcher, *, limits: SandboxLimits, timeout: float, max_workers: int = 16) -> None:
        self.launcher = launcher
        self.limits = limits
        self.timeout = timeout
        self.max_workers = max_workers
        self._workers: OrderedDict[str, SandboxWorker] = OrderedDict()  # group + spec key, LRU order
        self._locks: dict[str, asyncio.Lock] = {}
        self.spawned = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> "SandboxPool":
        return cls(Launcher(mode=settings.sandbox_mode), limits=limits_from_settings(settings),
                   timeout=settings.sandbox_timeout_seconds)

    async def ensure_available(self) -> None:
        """Fail closed: refuse to run code when the machine cannot give the sandbox."""
        reason = await self.launcher.unavailable_reason()
        if reason is not None:
            raise SandboxUnavailable(f"Dynamic provider code cannot run: {reason}")

    async def worker_for(self, group: str, spec: WorkerSpec) -> SandboxWorker:
        """The warm worker for this exact spec in `group` (a provider name), started if needed.
        Several configs (API keys) of one provider stay warm side by side; starting a worker for
        new code stops the group's workers that still run the old code (hot reload)."""
        key = f"{group}\x00{spec.key}"
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            current = self._workers.get(key)
            if current is not None and current.alive:
                self._workers.move_to_end(key)
                return current
            self._workers.pop(key, None)
            worker = await self._start(spec)
            stale = [k for k, w in self._workers.items() if k.startswith(group + "\x00") and w.spec.code != spec.code]
            for old in stale:
                await self._workers.pop(old).close()
            self._workers[key] = worker
            await self._evict()
        if len(self._locks) > 4 * self.max_workers:
            self._locks = {k: v for k, v in self._locks.items() if k in self._workers or v.locked()}
        return worker

    @asynccontextmanager
    async def ephemeral(self, spec: WorkerSpec) -> AsyncIterator[SandboxWorker]:
        """A worker for one test run of unsaved code, stopped afterwards."""
        worker = await self._start(spec)
        try:
            yield worker
        finally:
            await worker.close()

    async def discard(self, group: str) -> None:
        """Stop every worker of `group` (its provider was deleted or deactivated)."""
        for key in [k for k in self._workers if k.startswith(group + "\x00")]:
            await self._workers.pop(key).close()

    async def check_dependencies(self, names: list[str]) -> list[str]:
        """The names that are not importable inside the sandbox (nothing is installed at run time)."""
        await self.ensure_available()
        parent, child = socket.socketpair()
        try:
            process = await self.launcher.spawn(channel_fd=child.fileno(), proxy_dir=None, limits=self.limits,
                                                mode="check", dependencies=names)
        finally:
            child.close()
        reader, writer = await asyncio.open_connection(sock=parent)
        try:
            line = await asyncio.wait_for(reader.readline(), self.timeout)
            answer: dict[str, Any] = json.loads(line) if line else {}
        except (TimeoutError, ValueError):
            answer = {}
        finally:
            writer.close()
            if process.returncode is None:
                process.kill()
            await process.communicate()
        if "missing" not in answer:
            return list(names)
        return list(answer["missing"])

    def status(self) -> dict[str, Any]:
        return {"mode": self.launcher.mode, "isolated": self.launcher.isolated,
                "warm_workers": sum(1 for w in self._workers.values() if w.alive),
                "max_workers": self.max_workers, "spawned": self.spawned,
                "timeout_seconds": self.timeout, "memory_mb": self.limits.memory_mb}

    def workers_of(self, group: str) -> list[SandboxWorker]:
        return [w for k, w in self._workers.items() if k.startswith(group + "\x00")]

    async def aclose(self) -> None:
        workers, self._workers = list(self._workers.values()), OrderedDict()
        await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)

    async def _start(self, spec: WorkerSpec) -> SandboxWorker:
        await self.ensure_available()
        self.spawned += 1
        return await SandboxWorker(spec, self.limits, self.timeout).start(self.launcher)

    async def _evict(self) -> None:
        while len(self._workers) > self.max_workers:
            _, oldest = self._workers.popitem(last=False)
            await oldest.close()
