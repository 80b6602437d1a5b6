"""What the service keeps per caller (conversations, Suncar's vehicle profile) is keyed by the
caller's owner string (`Caller.owner`: "user:<id>" or "key:<id>"), not by a foreign key, so it
goes explicitly when the user or client key goes. Left behind, it would pass to the next user or
key given the same id: SQLite reuses the id of the newest deleted row."""

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import conversation_repository, vehicle_profile_repository


async def forget_user(session: AsyncSession, user_id: int) -> None:
    await _forget(session, [f"user:{user_id}"])


async def forget_client_keys(session: AsyncSession, key_ids: list[int]) -> None:
    await _forget(session, [f"key:{key_id}" for key_id in key_ids])


async def _forget(session: AsyncSession, owners: list[str]) -> None:
    if owners:
        await conversation_repository.delete_for_owners(session, owners)  # messages go by ON DELETE CASCADE
        await vehicle_profile_repository.delete_for_owners(session, owners)
