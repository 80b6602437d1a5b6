"""Migrations up and down, seeding idempotence across restarts, concurrent first starts,
and the production guards."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from alembic import command
from config import DEV_ENCRYPTION_KEY, DEV_SECRET_KEY, Settings
from database.bootstrap import alembic_config
from database.database import sync_url
from database.models import ApiKey, Assistant, LLMModel, Provider, User
from main import create_app
from tests.conftest import login, make_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("PostgreSQL runs when TEST_DATABASE_URL points at one (as .ci/run does)")
    name = f"va_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sync_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        out = {m.__tablename__: conn.scalar(select(func.count()).select_from(m)) or 0
               for m in (User, Provider, LLMModel, Assistant)}
    engine.dispose()
    return out


def test_migrations_upgrade_check_downgrade(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises if the models and the migrated schema differ
    command.downgrade(cfg, "base")
    engine = create_engine(sync_url(empty_db_url))
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn)) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    command.upgrade(cfg, "head")


def test_first_start_seeds_once_and_restarts_add_nothing(empty_db_url: str) -> None:
    settings = make_settings(empty_db_url)
    with TestClient(create_app(settings)):
        first = _counts(empty_db_url)
    with TestClient(create_app(settings)):
        second = _counts(empty_db_url)
    assert first == second
    assert first["users"] == 2 and first["providers"] == 4 and first["models"] >= 12 and first["assistants"] == 2


def test_concurrent_first_starts_migrate_and_seed_once(empty_db_url: str) -> None:
    code = ("from config import get_settings; from database.bootstrap import migrate_and_seed; "
            "from services.seed_service import seed; s = get_settings(); "
            "migrate_and_seed(s.database_url, lambda c: seed(c, s))")
    env = {**os.environ, "DATABASE_URL": empty_db_url}
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE)
             for _ in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    counts = _counts(empty_db_url)
    assert counts["users"] == 2 and counts["providers"] == 4 and counts["assistants"] == 2


def test_production_refuses_default_secrets(tmp_sqlite_url: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(app_env="production", database_url=tmp_sqlite_url, secret_key=DEV_SECRET_KEY, _env_file=None)
    with pytest.raises(ValidationError, match="ENCRYPTION_KEY"):
        Settings(app_env="production", database_url=tmp_sqlite_url, secret_key="x" * 40,
                 encryption_key=DEV_ENCRYPTION_KEY, _env_file=None)
    with pytest.raises(ValidationError, match="ENCRYPTION_KEY"):
        Settings(app_env="production", database_url=tmp_sqlite_url, secret_key="x" * 40, encryption_key="",
                 _env_file=None)


def test_malformed_encryption_key_is_refused_everywhere(tmp_sqlite_url: str) -> None:
    with pytest.raises(ValidationError, match="Fernet"):
        Settings(database_url=tmp_sqlite_url, encryption_key="not-a-key", _env_file=None)


def test_production_seeds_no_default_users_and_create_admin_works(tmp_sqlite_url: str) -> None:
    from cryptography.fernet import Fernet

    env = {**os.environ, "DATABASE_URL": tmp_sqlite_url, "APP_ENV": "production", "SECRET_KEY": "s" * 40,
           "ENCRYPTION_KEY": Fernet.generate_key().decode()}
    r = subprocess.run([sys.executable, "-m", "manage", "create-admin", "root", "root@example.com"],
                       cwd=ROOT, env=env, input="a-strong-password\n", capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    engine = create_engine(sync_url(tmp_sqlite_url))
    with engine.connect() as conn:
        users = conn.execute(select(User.username, User.is_admin)).all()
    engine.dispose()
    assert users == [("root", True)]


def test_rotate_keys_lets_the_old_encryption_key_go(tmp_sqlite_url: str) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    secret = "sk-rotate-me-0123456789"
    with TestClient(create_app(make_settings(tmp_sqlite_url, encryption_key=old))) as app:
        headers = login(app, "admin", "password123")
        providers = {p["name"]: p["id"] for p in app.get("/admin/providers", headers=headers).json()["data"]}
        r = app.post("/admin/api-keys", headers=headers,
                     json={"name": "k", "provider_id": providers["openai"], "api_key": secret})
        assert r.status_code == 201
    env = {**os.environ, "DATABASE_URL": tmp_sqlite_url, "ENCRYPTION_KEY": f"{new},{old}"}
    r = subprocess.run([sys.executable, "-m", "manage", "rotate-keys"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    engine = create_engine(sync_url(tmp_sqlite_url))
    with engine.connect() as conn:
        stored = conn.scalar(select(ApiKey.encrypted_key))
    engine.dispose()
    assert Fernet(new.encode()).decrypt(stored.encode()).decode() == secret  # the new key alone reads it
