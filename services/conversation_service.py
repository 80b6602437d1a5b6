"""Conversation history: read the window a turn needs, and store finished turns.

Turns are stored by one writer task per worker that commits everything pending in one transaction
(group commit): under load many answers share one commit instead of queueing for the database one
by one, and each request still waits for its own turn to be committed before it answers, so a
client that sends its next turn the moment an answer ends finds the previous one stored."""

import asyncio
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._pending: list[tuple[Turn, asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()

    async def record(self, turn: Turn) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((turn, future))
        self._wakeup.set()
        await asyncio.shield(future)  # a cancelled request must not cancel others' commit

    async def run_forever(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            if batch:
                await self._flush(batch)

    async def _flush(self, batch: list[tuple[Turn, "asyncio.Future[None]"]]) -> None:
        try:
            async with self._sessionmaker() as session:
                for turn, _ in batch:
                    if turn.is_new:
                        conversation_repository.add_conversation(session, turn.conversation_id,
                                                                 turn.assistant_id, turn.owner)
                await session.flush()
                for turn, _ in batch:
                    conversation_repository.add_message(session, turn.conversation_id, "user", turn.user_text)
                    conversation_repository.add_message(session, turn.conversation_id, "assistant",
                                                        turn.assistant_text)
                await conversation_repository.touch(
                    session, [t.conversation_id for t, _ in batch if not t.is_new])
                await session.commit()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("storing %d conversation turns failed: %s", len(batch), type(exc).__name__)
            error = ServiceUnavailable("The answer could not be stored in the conversation history; retry")
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)
