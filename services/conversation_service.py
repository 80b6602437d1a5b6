"""Conversation history: read the window a turn needs, and store finished turns.

Turns are stored by one writer per worker that commits everything pending in one transaction
(group commit): under load many answers share one commit instead of queueing for the database one
by one, and each request still waits for its own turn to be committed before it answers, so a
client that sends its next turn the moment an answer ends finds the previous one stored, whichever
worker or host it reaches."""

import asyncio
import logging
import sqlite3
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from database.database import async_url, is_sqlite, sqlite_pragmas, sync_url
from errors import NotFound, ServiceUnavailable
from providers.llm_provider import ChatMessage
from repositories import conversation_repository
from repositories.conversation_repository import TurnRow

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Turn:
    conversation_id: str
    is_new: bool
    assistant_id: int
    owner: str
    user_text: str
    assistant_text: str


def new_conversation_id() -> str:
    return str(uuid.uuid4())


async def load_history(session: AsyncSession, *, conversation_id: str, owner: str, assistant_id: int,
                       window: int) -> list[ChatMessage]:
    conversation = await conversation_repository.get(session, conversation_id)
    # Another caller's conversation answers exactly like an unknown one: its existence is not revealed.
    if conversation is None or conversation.owner != owner or conversation.assistant_id != assistant_id:
        raise NotFound(f"Conversation {conversation_id} not found for this assistant: omit conversation_id "
                       "to start a new one")
    if window <= 0:
        return []
    rows = await conversation_repository.recent_messages(session, conversation_id, window)
    return [ChatMessage(role="assistant" if m.role == "assistant" else "user", content=m.content) for m in rows]


class ConversationWriter:
    """Stores finished turns in batches: one transaction for every turn that ended meanwhile.

    No thread is involved on the usual path, because handing a batch to a thread and back cost more
    than the write itself (3-4 ms of waiting for the GIL under load, against 0.3 ms of work):
    - PostgreSQL: one statement in autocommit mode on a connection of the writer's own, through
      psycopg's async I/O: one round trip per batch (a transaction block took five).
    - SQLite: on the event loop through a connection of its own that never waits: it does not wait
      for the write lock (another process or an admin write holding it sends the batch to a thread
      that waits) and does not checkpoint the WAL (fsyncs of up to 20 ms): every ~4 MB of WAL that
      thread checkpoints it beside the loop's writes, and every ~64 MB the batch goes to the thread,
      which writes it and checkpoints what little is left, so that the WAL starts over."""

    def __init__(self, database_url: str) -> None:
        self._postgres: AsyncEngine | None = None
        self._sqlite: Engine | None = None
        if not is_sqlite(database_url):
            # No pre-ping (a round trip per batch): a connection lost since its last batch fails
            # that batch with a 503 asking to retry, and the pool replaces it for the next one.
            self._postgres = create_async_engine(async_url(database_url), pool_size=_POSTGRES_BATCHES_IN_FLIGHT,
                                                 max_overflow=0,
                                                 isolation_level="AUTOCOMMIT",
                                                 connect_args={"application_name": WRITER_NAME})
        else:
            # Two connections: the event loop's writes, and the thread's checkpoints beside them.
            self._sqlite = create_engine(sync_url(database_url), pool_size=2, max_overflow=0)
            event.listen(self._sqlite, "connect", _writer_pragmas)
            with self._sqlite.connect():  # connect now, where waiting for a lock blocks no request
                pass
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WRITER_NAME)
            self._since_checkpoint = self._since_restart = 0
            self._checkpointing: Future[None] = Future()
            self._checkpointing.set_result(None)
        self._pending: list[tuple[Turn, asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        # PostgreSQL: a second batch goes out while the first one's round trip is under way (turns
        # of one conversation are never in two batches at once: its next turn waits for this one's
        # answer).
        self._slots = asyncio.Semaphore(_POSTGRES_BATCHES_IN_FLIGHT)
        self._flushing: set[asyncio.Task[None]] = set()

    async def record(self, turn: Turn) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((turn, future))
        self._wakeup.set()
        await asyncio.shield(future)  # a cancelled request must not cancel others' commit

    async def run_forever(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if self._postgres is None:  # SQLite writes one at a time anyway: at once, in this task
                batch, self._pending = self._pending, []
                if batch:
                    await self._flush(batch)
                continue
            await self._slots.acquire()
            batch, self._pending = self._pending, []
            if not batch:
                self._slots.release()
                continue
            flush = asyncio.create_task(self._flush(batch))
            self._flushing.add(flush)
            flush.add_done_callback(self._flushed)

    def _flushed(self, flush: asyncio.Task[None]) -> None:
        self._flushing.discard(flush)
        self._slots.release()

    async def _flush(self, batch: list[tuple[Turn, asyncio.Future[None]]]) -> None:
        try:
            await self._store([(t.conversation_id, t.is_new, t.assistant_id, t.owner, t.user_text,
                                t.assistant_text) for t, _ in batch])
        except IntegrityError:
            # A turn whose assistant or conversation was deleted meanwhile: store the others alone.
            if len(batch) > 1:
                for one in batch:
                    await self._flush([one])
                return
            _settle(batch, NotFound("The assistant or conversation was deleted while this turn was answered: "
                                    "the turn was not stored; start a new conversation"))
        except (SQLAlchemyError, OSError) as exc:
            log.warning("storing %d conversation turns failed: %s", len(batch), type(exc).__name__)
            _settle(batch, ServiceUnavailable("The answer could not be stored in the conversation history; retry"))
        else:
            _settle(batch, None)

    async def _store(self, rows: list[TurnRow]) -> None:
        if self._postgres is not None:
            async with self._postgres.connect() as conn:
                await conversation_repository.write_turns_pg(conn, rows)
            return
        assert self._sqlite is not None
        wal_bytes = _WAL_BYTES_PER_COMMIT + sum(len(r[4]) + len(r[5]) for r in rows)
        self._since_checkpoint += wal_bytes
        self._since_restart += wal_bytes
        if self._since_restart < _RESTART_EVERY_BYTES:
            try:
                self._write_sqlite(rows, wait=False)
            except OperationalError as exc:
                if not _is_busy(exc):
                    raise
            else:
                if self._since_checkpoint >= _CHECKPOINT_EVERY_BYTES and self._checkpointing.done():
                    self._since_checkpoint = 0
                    self._checkpointing = self._executor.submit(self._checkpoint)
                return
        # Writes paused for this one: the checkpoint after it can copy everything and the WAL
        # starts over from its beginning (those beside the loop's writes never catch up with them).
        self._since_checkpoint = self._since_restart = 0
        await asyncio.get_running_loop().run_in_executor(self._executor, self._write_sqlite, rows, True)

    def _checkpoint(self) -> None:
        """Copy the WAL into the database beside the event loop's writes (they go on meanwhile)."""
        assert self._sqlite is not None
        try:
            with self._sqlite.connect() as conn:
                conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except (SQLAlchemyError, sqlite3.Error) as exc:
            log.warning("WAL checkpoint failed: %s", type(exc).__name__)

    def _write_sqlite(self, rows: list[TurnRow], wait: bool) -> None:
        assert self._sqlite is not None
        with self._sqlite.connect() as conn:
            raw = conn.connection.driver_connection  # pragmas outside SQLAlchemy's transaction
            if wait:
                raw.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            try:
                with conn.begin():
                    conversation_repository.write_turns_sqlite(conn, rows)
                if wait:
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                if wait:
                    raw.execute("PRAGMA busy_timeout=0")

    async def close(self) -> None:
        await asyncio.gather(*self._flushing, return_exceptions=True)
        if self._postgres is not None:
            await self._postgres.dispose()
        if self._sqlite is not None:
            self._executor.shutdown(wait=True)
            self._sqlite.dispose()


WRITER_NAME = "conversation-writer"  # its PostgreSQL application_name, its SQLite thread's name
_POSTGRES_BATCHES_IN_FLIGHT = 2
_CHECKPOINT_EVERY_BYTES = 4 * 1024 * 1024  # about SQLite's own default of 1,000 pages
_RESTART_EVERY_BYTES = 16 * _CHECKPOINT_EVERY_BYTES
# What a commit adds to the WAL beside the text: every page it touched, whole (~29 KB measured for one
# short turn: the two tables' leaves and their indexes).
_WAL_BYTES_PER_COMMIT = 32 * 1024
_BUSY_TIMEOUT_MS = 10_000


def _writer_pragmas(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    sqlite_pragmas(dbapi_conn, record)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=0")  # never wait on the event loop: the thread waits instead
    cur.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run on the thread
    cur.close()


def _settle(batch: list[tuple[Turn, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, future in batch:
        if not future.done():  # a request that went away no longer waits
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)


def _is_busy(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
