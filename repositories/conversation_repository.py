from collections.abc import Callable
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, DateTime, Dialect, delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from database.models import Conversation, ConversationMessage, utcnow


async def get(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return await session.get(Conversation, conversation_id)


async def recent_messages(session: AsyncSession, conversation_id: str, limit: int) -> list[ConversationMessage]:
    """The last `limit` messages, oldest first."""
    rows = await session.scalars(
        select(ConversationMessage).where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id.desc()).limit(limit))
    return list(reversed(list(rows)))


async def delete_for_owners(session: AsyncSession, owners: list[str]) -> None:
    await session.execute(delete(Conversation).where(Conversation.owner.in_(owners)))


# conversation id, is new, assistant id, owner, user text, answer
TurnRow = tuple[str, bool, int, str, str, str]


def write_turns_sqlite(conn: Connection, turns: list[TurnRow]) -> None:
    """Insert a batch of finished turns on SQLite: plain driver statements (half the CPU of Core
    statements, and this runs on the chat path's event loop), timestamps stored as Core stores them."""
    now = _sqlite_datetime(conn.dialect)(utcnow())
    new = [(c, a, o, now, now) for c, is_new, a, o, _, _ in turns if is_new]
    if new:
        conn.exec_driver_sql("INSERT INTO conversations (id, assistant_id, owner, created_at, updated_at) "
                             "VALUES (?, ?, ?, ?, ?)", new)
    conn.exec_driver_sql("INSERT INTO conversation_messages (conversation_id, role, content, created_at) "
                         "VALUES (?, ?, ?, ?)",
                         [(c, role, content, now) for c, _, _, _, user_text, answer in turns
                          for role, content in (("user", user_text), ("assistant", answer))])
    continued = [(now, c) for c, is_new, *_ in turns if not is_new]
    if continued:
        conn.exec_driver_sql("UPDATE conversations SET updated_at = ? WHERE id = ?", continued)


@cache  # built once per engine's dialect, not once per batch on the event loop
def _sqlite_datetime(dialect: Dialect) -> Callable[[datetime], str]:
    return DateTime().dialect_impl(dialect).bind_processor(dialect)  # type: ignore[return-value]


# The same batch on PostgreSQL as one statement (one round trip, atomic without a transaction block):
# new conversations, the continued ones' updated_at and the messages in their order.
_WRITE_TURNS_PG = text("""
WITH new_conversations AS (
    INSERT INTO conversations (id, assistant_id, owner, created_at, updated_at)
    SELECT id, assistant_id, owner, :now, :now
    FROM unnest(CAST(:new_ids AS varchar[]), CAST(:new_assistants AS integer[]), CAST(:new_owners AS varchar[]))
        AS t(id, assistant_id, owner)
), continued AS (
    UPDATE conversations SET updated_at = :now WHERE id = ANY(CAST(:continued_ids AS varchar[]))
)
INSERT INTO conversation_messages (conversation_id, role, content, created_at)
SELECT conversation_id, role, content, :now
FROM unnest(CAST(:conversation_ids AS varchar[]), CAST(:roles AS varchar[]), CAST(:contents AS text[]))
    WITH ORDINALITY AS t(conversation_id, role, content, position)
ORDER BY position
""")


async def write_turns_pg(conn: AsyncConnection, turns: list[TurnRow]) -> None:
    """The batch on PostgreSQL in one statement, on a connection in autocommit mode."""
    new = [t for t in turns if t[1]]
    await conn.execute(_WRITE_TURNS_PG, {
        "now": utcnow(),
        "new_ids": [t[0] for t in new], "new_assistants": [t[2] for t in new], "new_owners": [t[3] for t in new],
        "continued_ids": [t[0] for t in turns if not t[1]],
        "conversation_ids": [t[0] for t in turns for _ in (0, 1)],
        "roles": ["user", "assistant"] * len(turns),
        "contents": [text for t in turns for text in (t[4], t[5])],
    })
