from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from errors import ServiceUnavailable


async def check_database(engine: AsyncEngine) -> None:
    """503 unless the database answers a trivial query."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        raise ServiceUnavailable("Database unreachable: check DATABASE_URL and the database server") from exc
