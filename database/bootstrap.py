"""Migrate and seed an empty database at startup, once, even when several workers or instances
start together: a PostgreSQL advisory lock (held by the migrating connection) or, for SQLite, a
file lock beside the database file serialises them; the later ones find nothing left to do."""

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from alembic import command
from database.database import ensure_sqlite_dir, is_sqlite, sync_url

_ADVISORY_KEY = 724_100_001  # arbitrary, constant for this application
_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str, connection: Connection | None = None) -> Config:
    cfg = Config(str(_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(_ROOT / "alembic"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["configure_logger"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _file_lock(database_url: str) -> Iterator[None]:
    db = make_url(database_url).database or ""
    if not db or db == ":memory:":
        yield
        return
    with open(f"{db}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate_and_seed(database_url: str, seed: Callable[[Connection], None] | None) -> None:
    """Bring the schema to head and run `seed` on the same connection, under one lock."""
    ensure_sqlite_dir(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        if is_sqlite(database_url):
            with _file_lock(database_url), engine.connect() as conn:
                _upgrade_and_seed(database_url, conn, seed)
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
                conn.commit()
                try:
                    _upgrade_and_seed(database_url, conn, seed)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                    conn.commit()
    finally:
        engine.dispose()


def _upgrade_and_seed(url: str, conn: Connection, seed: Callable[[Connection], None] | None) -> None:
    command.upgrade(alembic_config(url, conn), "head")
    conn.commit()
    if seed is not None:
        seed(conn)
        conn.commit()
