"""In a real browser: a dynamic provider is started from a template; a broken version is
validated (the error is marked at its line in the editor), the good one is tested with a prompt
in the sandbox (answer, time taken, what the code printed) and saved."""

from typing import Any

from playwright.sync_api import expect

from sandbox.templates import TEMPLATES
from tests.conftest import unique
from tests.e2e import flows

GOOD = TEMPLATES["openai"].python_code.replace(
    "        body = self.body(messages, system_prompt, model, params, False)\n",
    "        body = self.body(messages, system_prompt, model, params, False)\n"
    "        print('asking', model)\n", 1)
BROKEN = GOOD.replace("    def body(self, messages, system_prompt, model, params, stream):",
                      "    def body(self, messages, system_prompt, model, params, stream)", 1)
BROKEN_LINE = next(i for i, line in enumerate(BROKEN.splitlines(), 1) if "def body(" in line)


def set_code(page: Any, code: str) -> None:
    page.evaluate("code => window.panelEditors.python_code.setValue(code)", code)


def test_dynamic_provider_from_template_validate_test_save(admin_page: Any, persona_url: str) -> None:
    page = admin_page
    flows.nav(page, "Providers")
    page.get_by_role("link", name="Dynamic providers").click()
    page.get_by_label("Start from a template").select_option("openai")
    page.get_by_role("button", name="New dynamic provider").click()
    expect(page.locator(".CodeMirror")).to_have_count(2)
    assert "class OpenAIProvider" in page.evaluate("window.panelEditors.python_code.getValue()")

    name = unique("house-llm").lower()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Display name").fill("House LLM")
    page.get_by_label("Base URL").fill(persona_url)
    page.get_by_label("API key").fill("sk-dynamic-e2e-0000111122223333")

    set_code(page, BROKEN)
    page.get_by_role("button", name="Validate").click()
    result = page.locator("#validation-result")
    expect(result).to_contain_text(f"Line {BROKEN_LINE}")
    marked = page.locator(".CodeMirror .line-error")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("def body(self, messages, system_prompt, model, params, stream)")

    set_code(page, GOOD)
    page.get_by_role("button", name="Validate").click()
    expect(result).to_contain_text("Valid: provider class OpenAIProvider")
    expect(page.locator(".CodeMirror .line-error")).to_have_count(0)

    page.get_by_label("Model", exact=True).fill("house-model")
    page.get_by_label("Prompt", exact=True).fill("hello sandbox")
    page.get_by_role("button", name="Test", exact=True).click()
    test_result = page.locator("#test-result")
    expect(test_result).to_contain_text("Test passed", timeout=60_000)
    expect(test_result.locator(".answer")).to_have_text("echo: hello sandbox")
    expect(test_result).to_contain_text("Time taken")
    expect(test_result.locator(".output")).to_contain_text("asking house-model")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"Dynamic provider '{name}' saved.")
    assert "print('asking', model)" in page.evaluate("window.panelEditors.python_code.getValue()")
    assert "sk-dynamic-e2e-0000111122223333" not in page.content()
