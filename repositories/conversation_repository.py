from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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


def write_turns(conn: Connection, turns: list[tuple[str, bool, int, str, str, str]]) -> None:
    """Insert finished turns (conversation id, is new, assistant id, owner, user text, answer) with
    one statement per table: the conversation writer's batch."""
    now = utcnow()
    new = [{"id": c, "assistant_id": a, "owner": o, "created_at": now, "updated_at": now}
           for c, is_new, a, o, _, _ in turns if is_new]
    if new:
        conn.execute(insert(Conversation), new)
    rows = []
    for c, _, _, _, user_text, answer in turns:
        rows.append({"conversation_id": c, "role": "user", "content": user_text, "created_at": now})
        rows.append({"conversation_id": c, "role": "assistant", "content": answer, "created_at": now})
    conn.execute(insert(ConversationMessage), rows)
    continued = [c for c, is_new, *_ in turns if not is_new]
    if continued:
        conn.execute(update(Conversation).where(Conversation.id.in_(continued)).values(updated_at=now))
