"""Engine and sessions from DATABASE_URL.

Drivers: `aiosqlite` for SQLite and psycopg 3 for PostgreSQL. psycopg 3 serves SQLAlchemy's sync
dialect (Alembic, startup locks) and its async one (the request path) from one package, so a
`postgresql://` URL needs one driver, not psycopg2 + asyncpg.
"""

from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

# Default driver first; an explicit `+driver` in the URL is honoured when it suits the mode.
_ASYNC_DRIVERS = {"sqlite": ("aiosqlite",), "postgresql": ("psycopg", "psycopg_async", "asyncpg")}
_SYNC_DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg", "psycopg2")}


def _with_driver(url: str, drivers: dict[str, tuple[str, ...]]) -> URL:
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"DATABASE_URL must be sqlite:// or postgresql://, not {backend}://")
    if "+" in parsed.drivername and parsed.get_driver_name() in drivers[backend]:
        return parsed
    return parsed.set(drivername=f"{backend}+{drivers[backend][0]}")


def async_url(url: str) -> URL:
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> URL:
    return _with_driver(url, _SYNC_DRIVERS)


def is_sqlite(url: str) -> bool:
    return make_url(url.replace("postgres://", "postgresql://", 1)).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file so a fresh clone starts with no setup."""
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the one writer; busy_timeout makes writers queue, not fail.
    cur.execute("PRAGMA busy_timeout=10000")
    # Set once per file: setting it again needs the write lock, and fails at once (no busy wait)
    # while another connection holds it.
    cur.execute("PRAGMA journal_mode")
    if cur.fetchone()[0] != "wal":
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> AsyncEngine:
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        engine = create_async_engine(async_url(url))
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(async_url(url), pool_size=10, max_overflow=20, pool_pre_ping=True)


ACTOR_KEY = "actor_id"


class AuditedSession(Session):
    """A session whose writes record the acting admin (`set_actor`) in created_by / updated_by."""


@event.listens_for(AuditedSession, "before_flush")
def _stamp_actor(session: Session, _context: object, _instances: object) -> None:
    actor = session.info.get(ACTOR_KEY)
    if actor is None:
        return
    for obj in session.new:
        if hasattr(obj, "created_by") and obj.created_by is None:
            obj.created_by = actor
    for obj in (*session.new, *session.dirty):
        if hasattr(obj, "updated_by") and session.is_modified(obj):
            obj.updated_by = actor


def set_actor(session: AsyncSession | Session, user_id: int) -> None:
    """Remember which admin acts through this session (done once, by the admin dependency)."""
    session.info[ACTOR_KEY] = user_id


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=AuditedSession)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session
