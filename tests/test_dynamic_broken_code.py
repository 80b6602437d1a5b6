"""Broken provider code through POST /admin/providers/dynamic/test: each failure is a clear result
(200, `success: false`, the status a chat would get), never a 500 and never a hang."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from main import create_app
from tests.conftest import login, make_settings

GOOD = '''
class P:
    def __init__(self, config):
        self.config = config
    async def chat(self, messages, system_prompt, model, params):
        return {"text": "ok"}
    async def stream(self, messages, system_prompt, model, params):
        yield "ok"
'''
TIMEOUT = 2


@pytest.fixture(scope="module")
def dyn(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(database_url, sandbox_timeout_seconds=TIMEOUT))) as client:
        yield client


@pytest.fixture(scope="module")
def admin(dyn: TestClient) -> dict[str, str]:
    return login(dyn, "admin", "password123")


def run(dyn: TestClient, admin: dict[str, str], code: str, **extra: Any) -> dict[str, Any]:
    r = dyn.post("/admin/providers/dynamic/test", headers=admin,
                 json={"python_code": code, "base_url": "http://127.0.0.1:9", "api_key": "sk-test-key-123", **extra})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_good_code_answers(dyn: TestClient, admin: dict[str, str]) -> None:
    result = run(dyn, admin, GOOD)
    assert result["success"] is True and result["answer"] == "ok" and result["elapsed_ms"] > 0


def test_syntax_error_is_reported_with_its_line(dyn: TestClient, admin: dict[str, str]) -> None:
    result = run(dyn, admin, GOOD.replace("async def stream(self,", "async def stream(self,,"))
    assert result["success"] is False and result["error_kind"] == "validation" and "line 7" in result["error"]


def test_wrong_class_shape_is_reported(dyn: TestClient, admin: dict[str, str]) -> None:
    result = run(dyn, admin, GOOD.replace("async def chat", "def chat"))
    assert result["success"] is False and "must be async" in result["error"]


def test_exception_in_init_is_reported_with_the_traceback(dyn: TestClient, admin: dict[str, str]) -> None:
    code = GOOD.replace("self.config = config", "raise KeyError('region')")
    result = run(dyn, admin, code)
    assert result["success"] is False and result["status_code"] == 502
    assert "KeyError" in result["error"] and "provider.py" in result["traceback"]


def test_wrong_return_type_is_reported(dyn: TestClient, admin: dict[str, str]) -> None:
    result = run(dyn, admin, GOOD.replace('return {"text": "ok"}', "return 42"))
    assert result["success"] is False and result["error_kind"] == "bad_return"
    assert "chat() must return a dict" in result["error"] and "not int" in result["error"]


def test_wrong_stream_item_type_is_reported(dyn: TestClient, admin: dict[str, str]) -> None:
    result = run(dyn, admin, GOOD.replace('yield "ok"', "yield 3.5"), stream=True)
    assert result["success"] is False and "stream() must yield str" in result["error"]


def test_printing_to_stdout_is_captured_not_a_protocol_break(dyn: TestClient, admin: dict[str, str]) -> None:
    code = GOOD.replace('return {"text": "ok"}', 'print("debugging", model)\n        return {"text": "ok"}')
    result = run(dyn, admin, code, model="m-1")
    assert result["success"] is True and result["answer"] == "ok" and result["output"] == "debugging m-1\n"


def test_printed_api_key_is_masked(dyn: TestClient, admin: dict[str, str]) -> None:
    code = GOOD.replace('return {"text": "ok"}', 'print(self.config["api_key"])\n        return {"text": "ok"}')
    result = run(dyn, admin, code)
    assert "sk-test-key-123" not in str(result) and result["output"] == "***\n"


def test_a_stream_that_hangs_after_two_pieces_times_out(dyn: TestClient, admin: dict[str, str]) -> None:
    code = GOOD.replace('yield "ok"', 'yield "one "\n        yield "two "\n        import asyncio\n'
                        "        await asyncio.sleep(3600)")
    result = run(dyn, admin, code, stream=True)
    assert result["success"] is False and result["status_code"] == 504
    assert f"did not answer within {TIMEOUT} s" in result["error"]
    assert result["elapsed_ms"] < 60_000


def test_the_server_keeps_answering_after_a_hang(dyn: TestClient, admin: dict[str, str]) -> None:
    run(dyn, admin, GOOD.replace('return {"text": "ok"}', "while True:\n            pass"))
    assert dyn.get("/health").status_code == 200
    assert run(dyn, admin, GOOD)["success"] is True


def test_validation_code_failure_is_reported(dyn: TestClient, admin: dict[str, str]) -> None:
    validation = "def validate(provider, config, model):\n    assert model == 'gpt-4', 'use gpt-4'\n"
    result = run(dyn, admin, GOOD, validation_code=validation)
    assert result["success"] is False and result["validation"] == {
        "ran": True, "passed": False, "problems": ["use gpt-4"], "output": ""}


def test_test_needs_code_or_a_saved_provider(dyn: TestClient, admin: dict[str, str]) -> None:
    r = dyn.post("/admin/providers/dynamic/test", json={"prompt": "hi"}, headers=admin)
    assert r.status_code == 422
