"""A row deleted by a concurrent request between a service's read and its write is a 404, not a 500
(found by schemathesis with two workers: PATCH /admin/users/{id} racing DELETE of the same user)."""

import pytest
from sqlalchemy import delete

from database.database import make_engine, make_sessionmaker
from database.models import User
from errors import NotFound
from services.application_service import conflict_on_integrity_error
from services.security import hash_password
from tests.conftest import unique


async def test_update_of_a_row_deleted_meanwhile_is_not_found(tmp_sqlite_url: str) -> None:
    from database.bootstrap import migrate_and_seed

    migrate_and_seed(tmp_sqlite_url, None)
    engine = make_engine(tmp_sqlite_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as setup:
            user = User(username=unique("u"), email=f"{unique('e')}@example.com", hashed_password=hash_password("x"))
            setup.add(user)
            await setup.commit()
            user_id = user.id
        async with sessions() as ours, sessions() as theirs:
            mine = await ours.get(User, user_id)
            assert mine is not None
            await theirs.execute(delete(User).where(User.id == user_id))  # the concurrent DELETE
            await theirs.commit()
            mine.full_name = "changed"
            with pytest.raises(NotFound, match="deleted by another request"):
                async with conflict_on_integrity_error(ours, "clash"):
                    await ours.flush()
    finally:
        await engine.dispose()

