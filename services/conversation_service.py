"""Conversation history: read the window a turn needs, and store finished turns.

Turns are stored by one writer per worker that commits everything pending in one transaction
(group commit): under load many answers share one commit instead of queueing for the database one
by one, and each request still waits for its own turn to be committed before it answers, so a
client that sends its next turn the moment an answer ends finds the previous one stored."""

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from database.database import is_sqlite, sqlite_pragmas, sync_url
from errors import NotFound, ServiceUnavailable
from providers.llm_provider import ChatMessage
from repositories import conversation_repository

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
    """Stores finished turns in batches, on a thread of its own with a synchronous connection: the
    event loop only hands a batch over, and one commit serves every turn that ended meanwhile."""

    def __init__(self, database_url: str) -> None:
        sqlite = is_sqlite(database_url)
        # A SQLite file has no connection to lose; a PostgreSQL one is checked before each batch.
        self._engine = create_engine(sync_url(database_url), pool_size=1, max_overflow=0, pool_pre_ping=not sqlite)
        if sqlite:
            event.listen(self._engine, "connect", sqlite_pragmas)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="conversation-writer")
        self._pending: list[tuple[Turn, asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()

    async def record(self, turn: Turn) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((turn, future))
        self._wakeup.set()
        await asyncio.shield(future)  # a cancelled request must not cancel others' commit

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            try:
                await loop.run_in_executor(self._executor, self._write, [turn for turn, _ in batch])
            except (SQLAlchemyError, OSError) as exc:
                log.warning("storing %d conversation turns failed: %s", len(batch), type(exc).__name__)
                error = ServiceUnavailable("The answer could not be stored in the conversation history; retry")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    def _write(self, turns: list[Turn]) -> None:
        with self._engine.begin() as conn:
            conversation_repository.write_turns(conn, [
                (t.conversation_id, t.is_new, t.assistant_id, t.owner, t.user_text, t.assistant_text)
                for t in turns])

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._engine.dispose()
