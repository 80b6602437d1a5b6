"""The per-worker configuration cache: concurrent misses share one load, and a change made during a
load is never hidden by it."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from database.database import make_engine, make_sessionmaker
from services.config_cache import ConfigCache


@pytest.fixture
async def cache(tmp_sqlite_url: str) -> AsyncIterator[ConfigCache]:
    engine = make_engine(tmp_sqlite_url)
    yield ConfigCache(make_sessionmaker(engine), poll_interval=60)
    await engine.dispose()


class Loader:
    """Counts its calls; each call waits for `release` and answers its own call number."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.fail = False

    async def __call__(self, _session: AsyncSession) -> int:
        self.calls += 1
        number = self.calls
        await self.release.wait()
        if self.fail:
            raise RuntimeError("database went away")
        return number


async def test_concurrent_misses_share_one_load(cache: ConfigCache) -> None:
    load = Loader()
    waiters = [asyncio.create_task(cache.get("snapshot", load)) for _ in range(50)]
    await asyncio.sleep(0.05)
    load.release.set()
    assert await asyncio.gather(*waiters) == [1] * 50
    assert load.calls == 1
    assert await cache.get("snapshot", load) == 1  # kept
    assert load.calls == 1


async def test_a_caller_that_leaves_does_not_cancel_the_load_for_the_others(cache: ConfigCache) -> None:
    load = Loader()
    leaving = asyncio.create_task(cache.get("snapshot", load))
    staying = asyncio.create_task(cache.get("snapshot", load))
    await asyncio.sleep(0.05)
    leaving.cancel()
    load.release.set()
    assert await staying == 1
    assert leaving.cancelled()


async def test_a_failed_load_reaches_every_waiter_and_the_next_call_retries(cache: ConfigCache) -> None:
    load = Loader()
    load.fail = True
    waiters = [asyncio.create_task(cache.get("snapshot", load)) for _ in range(3)]
    await asyncio.sleep(0.05)
    load.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    load.fail = False
    assert await cache.get("snapshot", load) == 2


async def test_a_change_during_a_load_starts_a_fresh_one(cache: ConfigCache) -> None:
    load = Loader()
    before = asyncio.create_task(cache.get("snapshot", load))
    await asyncio.sleep(0.05)
    cache.invalidate()  # an admin changed something while the old configuration was being read
    after = asyncio.create_task(cache.get("snapshot", load))
    await asyncio.sleep(0.05)
    load.release.set()
    assert (await before, await after) == (1, 2)
    assert await cache.get("snapshot", load) == 2  # the stale first value was not kept
