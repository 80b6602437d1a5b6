from sqlalchemy import select, update
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


def add_conversation(session: AsyncSession, conversation_id: str, assistant_id: int, owner: str) -> None:
    session.add(Conversation(id=conversation_id, assistant_id=assistant_id, owner=owner))


def add_message(session: AsyncSession, conversation_id: str, role: str, content: str) -> None:
    session.add(ConversationMessage(conversation_id=conversation_id, role=role, content=content))


async def touch(session: AsyncSession, conversation_ids: list[str]) -> None:
    if conversation_ids:
        await session.execute(update(Conversation).where(Conversation.id.in_(conversation_ids))
                              .values(updated_at=utcnow()))
