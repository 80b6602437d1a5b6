"""Hostile code sent through the admin API (POST /admin/providers/dynamic/test): every attempt is
refused or contained, the answer never carries a server secret, and the server keeps answering."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config import Settings
from main import create_app
from tests.conftest import login, make_settings

PROJECT = Path(__file__).resolve().parents[1]
HEAD = '''
import os, signal, socket
class Hostile:
    def __init__(self, config):
        pass
    async def chat(self, messages, system_prompt, model, params):
        return {"text": str(attack())}
    async def stream(self, messages, system_prompt, model, params):
        yield "x"
'''
ATTACKS = {
    "environment": "def attack():\n    return {k: os.environ.get(k) for k in ('SECRET_KEY', 'ENCRYPTION_KEY', "
                   "'DATABASE_URL')}\n",
    "sqlite_file": "def attack():\n    return open(DB, 'rb').read(100)\n",
    "dotenv": f"def attack():\n    return open({str(PROJECT / '.env')!r}).read()\n",
    "write_outside_tmp": f"def attack():\n    open({str(PROJECT / 'pwned')!r}, 'w').write('x')\n",
    "kill_everything": "def attack():\n    for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()] + "
                       "[os.getppid(), PARENT]:\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
                       "        except OSError:\n            pass\n    return 'tried'\n",
    "fork_bomb": "def attack():\n    while True:\n        os.fork()\n",
    "infinite_loop": "def attack():\n    while True:\n        pass\n",
    "allocate_8_gb": "def attack():\n    return len(bytearray(8 * 1024 ** 3))\n",
    "exit_at_import": "os._exit(1)\ndef attack():\n    return 1\n",
    "postgresql": "def attack():\n    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n"
                  "    return 'connected'\n",
}


@pytest.fixture(scope="module")
def hostile_settings(database_url: str) -> Settings:
    return make_settings(database_url, sandbox_timeout_seconds=3)


@pytest.fixture(scope="module")
def dyn(hostile_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(hostile_settings)) as client:
        yield client


def secrets_of(settings: Settings) -> list[str]:
    return [settings.secret_key, *settings.encryption_keys, settings.database_url]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_code_is_contained(dyn: TestClient, hostile_settings: Settings, name: str) -> None:
    admin = login(dyn, "admin", "password123")
    url = hostile_settings.database_url
    # The server's SQLite file; on PostgreSQL, the default one in ./data (the URL itself is a secret).
    db = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else str(PROJECT / "data" / "app.db")
    code = HEAD + f"DB = {db!r}\nPARENT = {os.getpid()}\n" + ATTACKS[name]
    r = dyn.post("/admin/providers/dynamic/test", headers=admin,
                 json={"python_code": code, "base_url": "http://127.0.0.1:9", "api_key": "sk-hostile-key-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    if body["success"]:  # the attack ran to the end: it must have found nothing
        assert body["answer"] in ("{'SECRET_KEY': None, 'ENCRYPTION_KEY': None, 'DATABASE_URL': None}", "tried")
    else:
        assert body["status_code"] in (502, 504) and body["error"]
    for secret in secrets_of(hostile_settings):
        assert secret not in r.text
    assert not (PROJECT / "pwned").exists()
    assert dyn.get("/health").status_code == 200
