"""Dynamic providers in the panel: templates, validation marked at the line, test runs in the
sandbox, and saving through the same service as the admin API."""

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sandbox.templates import TEMPLATES
from tests.conftest import unique
from tests.e2e.panel_http import field_error, field_value, panel_login
from tests.fakes import ECHO_PREFIX, serve_upstream

BROKEN = TEMPLATES["openai"].python_code.replace("    async def chat(self, messages, system_prompt, model, params):",
                                                 "    async def chat(self, messages, system_prompt, model, params)", 1)


def _line_of(code: str, text: str) -> int:
    return next(i for i, line in enumerate(code.splitlines(), 1) if text in line)


@pytest.fixture
def admin(client: TestClient) -> Iterator[tuple[TestClient, str]]:
    csrf = panel_login(client, "admin", "password123")
    yield client, csrf
    client.cookies.clear()


def _definition(csrf: str, code: str, base_url: str = "https://api.example.com/v1", **extra: str) -> dict[str, str]:
    return {"csrf_token": csrf, "name": unique("dyn"), "display_name": "Panel dynamic", "base_url": base_url,
            "python_code": code, "config_schema": '{"type": "object"}', "required_dependencies": "httpx",
            "is_active": "on", **extra}


def test_new_provider_starts_from_the_chosen_template(admin: tuple[TestClient, str]) -> None:
    panel, _ = admin
    page = panel.get("/panel/dynamic-providers/new?template=anthropic").text
    assert "class AnthropicProvider" in html.unescape(field_value(page, "python_code") or "")
    assert field_value(page, "base_url") == "https://api.anthropic.com"


def test_validate_marks_a_syntax_error_at_its_line(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = panel.post("/panel/dynamic-providers/validate", data=_definition(csrf, BROKEN))
    line = _line_of(BROKEN, "async def chat(")
    assert r.status_code == 200
    assert f'data-error-lines="{line}"' in r.text and f">Line {line}" in r.text


def test_validate_accepts_a_template(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = panel.post("/panel/dynamic-providers/validate", data=_definition(csrf, TEMPLATES["gemini"].python_code))
    assert "Valid: provider class <code>GeminiProvider</code>" in r.text


def test_saving_broken_code_is_refused_at_the_code_field_and_keeps_it(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = panel.post("/panel/dynamic-providers", data=_definition(csrf, BROKEN))
    assert r.status_code == 422
    assert field_error(r.text, "python_code")
    assert html.unescape(field_value(r.text, "python_code") or "") == BROKEN
    assert f'data-error-lines="{_line_of(BROKEN, "async def chat(")}"' in r.text


def test_invalid_config_schema_json_is_shown_at_its_field(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    data = _definition(csrf, TEMPLATES["openai"].python_code) | {"config_schema": "{not json"}
    r = panel.post("/panel/dynamic-providers", data=data)
    assert r.status_code == 422 and "Not valid JSON" in (field_error(r.text, "config_schema") or "")


def test_saved_provider_is_listed_and_editable(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    data = _definition(csrf, TEMPLATES["openai"].python_code, api_key="sk-dyn-panel-0000111122223333")
    r = panel.post("/panel/dynamic-providers", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = panel.get(r.headers["location"]).text
    assert f"Dynamic provider &#39;{data['name']}&#39; saved." in page
    assert "sk-dyn-panel-0000111122223333" not in page and "A key is stored" in page
    assert data["name"] in panel.get("/panel/dynamic-providers").text


def test_test_run_shows_answer_time_and_output(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    parse_json = "        data = response.json()\n"
    code = TEMPLATES["openai"].python_code.replace(
        parse_json, "        print('status', response.status_code)\n" + parse_json, 1)
    with serve_upstream() as fake:
        r = panel.post("/panel/dynamic-providers/test", data=_definition(
            csrf, code, base_url=fake.base_url("openai"), api_key="sk-test-key-0000", test_model="gpt-4o-mini",
            test_prompt="hello sandbox"))
    assert r.status_code == 200, r.text
    assert "Test passed in" in r.text, r.text
    assert re.search(r"<dt>Time taken</dt><dd>\d+ ms</dd>", r.text)
    assert html.escape(ECHO_PREFIX + "hello sandbox") in r.text and "status 200" in r.text


def test_test_run_of_broken_code_reports_instead_of_failing(admin: tuple[TestClient, str]) -> None:
    panel, csrf = admin
    r = panel.post("/panel/dynamic-providers/test", data=_definition(csrf, BROKEN, api_key="sk-x-000000000000"))
    assert r.status_code == 200 and "Test failed" in r.text and "does not validate" in r.text

