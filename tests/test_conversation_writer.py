"""The conversation writer stores every finished turn, in order, before its request answers: on
either database, when another writer holds SQLite's lock, and without letting SQLite's WAL grow."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from config import Settings
from database.bootstrap import migrate_and_seed
from database.database import is_sqlite, make_engine, make_sessionmaker, sync_url
from errors import NotFound, ServiceUnavailable
from services import conversation_service
from services.conversation_service import (
    WRITER_NAME,
    ConversationWriter,
    Turn,
    load_history,
    new_conversation_id,
)
from services.seed_service import seed
from tests.conftest import make_settings


async def running(writer: ConversationWriter) -> AsyncIterator[ConversationWriter]:
    task = asyncio.create_task(writer.run_forever())
    try:
        yield writer
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await writer.close()


async def history(url: str, conversation_id: str, owner: str, assistant_id: int) -> list[tuple[str, str]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            messages = await load_history(session, conversation_id=conversation_id, owner=owner,
                                          assistant_id=assistant_id, window=100)
        return [(m.role, m.content) for m in messages]
    finally:
        await engine.dispose()


@pytest.fixture
def seeded_sqlite(tmp_sqlite_url: str) -> str:
    migrate_and_seed(tmp_sqlite_url, lambda conn: seed(conn, make_settings(tmp_sqlite_url)))
    return tmp_sqlite_url


def any_assistant_id(url: str) -> int:
    with sqlite3.connect(make_url(url).database) as db:
        return int(db.execute("SELECT min(id) FROM assistants").fetchone()[0])


async def test_a_batch_of_new_and_continued_turns_is_stored_in_order(
        client: TestClient, admin_headers: dict[str, str], settings: Settings) -> None:
    # `client` has migrated and seeded the run's database (SQLite, or PostgreSQL in CI).
    assistant_id = client.get("/admin/assistants", headers=admin_headers).json()["data"][0]["id"]
    owner = "user:writer-test"
    first, second = new_conversation_id(), new_conversation_id()
    async for writer in running(ConversationWriter(settings.database_url)):
        await writer.record(Turn(first, True, assistant_id, owner, "q1", "a1"))
        # Several turns ending together share one batch: a new conversation and a continued one.
        await asyncio.gather(writer.record(Turn(first, False, assistant_id, owner, "q2", "a2")),
                             writer.record(Turn(second, True, assistant_id, owner, "other", "answer")),
                             writer.record(Turn(first, False, assistant_id, owner, "q3", "a3")))
    assert await history(settings.database_url, first, owner, assistant_id) == [
        ("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2"), ("user", "q3"), ("assistant", "a3")]
    assert await history(settings.database_url, second, owner, assistant_id) == [
        ("user", "other"), ("assistant", "answer")]


async def test_sqlite_turn_waits_for_a_writer_holding_the_lock(seeded_sqlite: str) -> None:
    assistant_id = any_assistant_id(seeded_sqlite)
    conversation = new_conversation_id()
    async for writer in running(ConversationWriter(seeded_sqlite)):
        blocker = sqlite3.connect(make_url(seeded_sqlite).database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process (or an admin write) holds the write lock
        pending = asyncio.create_task(writer.record(Turn(conversation, True, assistant_id, "user:1", "hi", "hello")))
        await asyncio.sleep(0.3)
        assert not pending.done()  # neither failed nor stored: it waits for the lock, off the event loop
        blocker.execute("COMMIT")
        await asyncio.wait_for(pending, 10)
    blocker.close()
    stored = await history(seeded_sqlite, conversation, "user:1", assistant_id)
    assert stored == [("user", "hi"), ("assistant", "hello")]


@pytest.mark.parametrize(("turns", "answer_size"), [(64, 256 * 1024), (1_000, 5)], ids=["long", "short"])
async def test_sqlite_wal_is_checkpointed_as_turns_are_written(seeded_sqlite: str, turns: int, answer_size: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Smaller steps than in service (4 MB / 64 MB), so that a few MB of turns show the mechanism.
    monkeypatch.setattr(conversation_service, "_CHECKPOINT_EVERY_BYTES", 512 * 1024)
    monkeypatch.setattr(conversation_service, "_RESTART_EVERY_BYTES", 2 * 1024 * 1024)
    assistant_id = any_assistant_id(seeded_sqlite)
    wal = Path(make_url(seeded_sqlite).database + "-wal")
    largest = 0
    async for writer in running(ConversationWriter(seeded_sqlite)):
        for _ in range(turns):  # one turn per commit
            await writer.record(Turn(new_conversation_id(), True, assistant_id, "user:1", "q", "x" * answer_size))
            largest = max(largest, wal.stat().st_size)
    # Without checkpoints the WAL would hold every page written: over 16 MB of long answers, or
    # ~29 KB per commit of short ones (the pages each commit touches, whole): 29 MB.
    assert 0 < largest < 4 * 1024 * 1024



async def test_postgres_writer_recovers_from_a_lost_connection(
        client: TestClient, admin_headers: dict[str, str], settings: Settings) -> None:
    if is_sqlite(settings.database_url):
        pytest.skip("PostgreSQL only: its writer keeps a connection of its own")
    assistant_id = client.get("/admin/assistants", headers=admin_headers).json()["data"][0]["id"]
    owner, conversation = "user:writer-restart", new_conversation_id()
    database = create_engine(sync_url(settings.database_url))
    writers = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
    with database.connect() as admin:
        others = set(admin.execute(writers, {"name": WRITER_NAME}).scalars())  # the app's own writer
    async for writer in running(ConversationWriter(settings.database_url)):
        await writer.record(Turn(conversation, True, assistant_id, owner, "q1", "a1"))
        with database.connect() as admin:  # as a database restart would
            ours = set(admin.execute(writers, {"name": WRITER_NAME}).scalars()) - others
            assert len(ours) == 1
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ours.pop()})
        with pytest.raises(ServiceUnavailable, match="retry"):
            await writer.record(Turn(conversation, False, assistant_id, owner, "q2", "a2"))
        await writer.record(Turn(conversation, False, assistant_id, owner, "q3", "a3"))  # reconnected
    database.dispose()
    assert await history(settings.database_url, conversation, owner, assistant_id) == [
        ("user", "q1"), ("assistant", "a1"), ("user", "q3"), ("assistant", "a3")]


async def test_a_turn_of_a_deleted_assistant_fails_alone(
        client: TestClient, admin_headers: dict[str, str], settings: Settings) -> None:
    assistant_id = client.get("/admin/assistants", headers=admin_headers).json()["data"][0]["id"]
    kept = new_conversation_id()
    async for writer in running(ConversationWriter(settings.database_url)):
        results = await asyncio.gather(
            writer.record(Turn(kept, True, assistant_id, "user:1", "still here", "yes")),
            writer.record(Turn(new_conversation_id(), True, 2**31 - 1, "user:1", "gone", "deleted meanwhile")),
            return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], NotFound) and "deleted" in results[1].detail
    assert await history(settings.database_url, kept, "user:1", assistant_id) == [("user", "still here"),
                                                                                 ("assistant", "yes")]
