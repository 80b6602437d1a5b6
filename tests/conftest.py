"""Shared fixtures. One database per test run, built by our Alembic migrations (so they are
tested too): a temporary SQLite file, or TEST_DATABASE_URL (CI sets a fresh PostgreSQL one).
Tests create uniquely named objects through the API and never assume empty tables."""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config import Settings
from database.bootstrap import alembic_config
from main import create_app
from tests.fakes import FakeUpstream, serve_upstream

_ENV_TO_CLEAR = ("DATABASE_URL", "SECRET_KEY", "ENCRYPTION_KEY", "APP_ENV", "GEMINI_API_KEY", "COHERE_API_KEY",
                 "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy")


@pytest.fixture(autouse=True, scope="session")
def clean_environ() -> Iterator[None]:
    """Tests see no provider keys, proxies or database URL from the developer's shell."""
    saved = {k: os.environ.pop(k) for k in _ENV_TO_CLEAR if k in os.environ}
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    from alembic import command

    command.downgrade(alembic_config(url), "base")  # start from nothing: migrations build it all
    return url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        app_env="test", database_url=database_url, config_poll_interval_seconds=0.2,
        secret_key="test-secret-key-0123456789abcdef0123456789", _env_file=None,
        provider_max_retries=1, provider_timeout_seconds=10,
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    r = client.post("/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="session")
def admin_headers(client: TestClient) -> dict[str, str]:
    return login(client, "admin", "password123")


@pytest.fixture(scope="session")
def user_headers(client: TestClient) -> dict[str, str]:
    return login(client, "user1", "user123")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def tmp_sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as d:
        yield f"sqlite:///{Path(d) / 'app.db'}"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    """The combined fake upstream (tests/fakes); modules that also route providers define their own."""
    with serve_upstream() as f:
        yield f
