"""Screenshots of the admin panel's main screens: `python scripts/screenshots.py [--out docs/screenshots]`.

Starts the service on a fresh SQLite database in a temporary folder and a local fake upstream,
fills it through the panel itself (headless Debian Chromium, driven by Playwright), and saves a PNG
per screen at 1280 px wide, plus the assistant form and the playground at 390 px (a phone)."""

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from main import create_app  # noqa: E402
from sandbox.templates import TEMPLATES  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.e2e import flows  # noqa: E402
from tests.e2e.browser import chromium_missing_reason, launch  # noqa: E402
from tests.e2e.conftest import ADMIN, log_in, new_page  # noqa: E402
from tests.e2e.persona_upstream import serve_persona_upstream  # noqa: E402
from tests.servers import serve_in_thread  # noqa: E402

SUPPORT_PROMPT = ("You are the support assistant of Bar's Shop.\nAnswer in two sentences at most, and offer "
                  "to open a ticket when an order is late.")


def shot(page: Any, out: Path, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)
    print(f"saved {out / name}.png")  # noqa: T201


def fill(page: Any, fake_url: str) -> dict[str, int]:
    """Data worth looking at, entered through the panel like an administrator would."""
    page.goto("/panel/providers")
    page.get_by_role("link", name="OpenAI").click()
    page.get_by_label("Base URL").fill(fake_url)
    page.get_by_role("button", name="Save provider").click()
    flows.nav(page, "API keys")
    for name, provider, key in (("Production OpenAI", "OpenAI", "sk-live-0000111122223333abcd"),
                                ("Anthropic team key", "Anthropic Claude", "sk-ant-9999888877776666wxyz")):
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Provider", exact=True).select_option(label=provider)
        page.get_by_label("Key", exact=True).fill(key)
        page.get_by_role("button", name="Add API key").click()
        expect(page.get_by_role("status")).to_contain_text("added")
    shop = flows.create_application(page, "Bar's Shop", "Online shop: orders, returns and deliveries")
    flows.create_application(page, "Internal Helpdesk", "IT questions from employees")
    support = flows.create_assistant(page, shop, "Customer support", SUPPORT_PROMPT)
    flows.create_assistant(page, shop, "Returns desk", "You handle returns and refunds politely.", streaming=False)
    page.goto(f"/panel/applications/{shop}")
    page.get_by_label("New client key name").fill("Mobile app")
    page.get_by_role("button", name="Create client key").click()
    return {"shop": shop, "support": support}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    reason = chromium_missing_reason()
    if reason:
        raise SystemExit(reason)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(f"sqlite:///{tmp}/screens.db")
        with serve_persona_upstream() as fake_url, serve_in_thread(create_app(settings)) as url, \
                sync_playwright() as playwright:
            browser = launch(playwright)
            page = new_page(browser, url, 1280, 800)
            page.goto("/panel/login?reason=expired")
            shot(page, out, "login", full_page=False)
            log_in(page, *ADMIN)
            ids = fill(page, fake_url)
            page.goto(f"/panel/applications/{ids['shop']}")  # the client key made above is masked now
            shot(page, out, "application")
            flows.nav(page, "Applications")
            shot(page, out, "applications")
            page.goto(f"/panel/assistants/{ids['support']}")
            shot(page, out, "assistant-form")
            page.goto("/panel/providers")
            page.get_by_role("link", name="OpenAI").click()
            shot(page, out, "provider-models")
            flows.nav(page, "API keys")
            shot(page, out, "api-keys")
            page.goto("/panel/users/2")
            shot(page, out, "user-form")
            flows.open_playground(page, "Bar's Shop", "Customer support")
            flows.send(page, "My order 1042 has not arrived yet")
            flows.send(page, "Can you open a ticket?")
            shot(page, out, "playground")
            page.goto("/panel/dynamic-providers/new?template=openai")
            signature = "    async def chat(self, messages, system_prompt, model, params)"
            broken = TEMPLATES["openai"].python_code.replace(signature + ":", signature, 1)  # a missing colon
            page.evaluate("code => window.panelEditors.python_code.setValue(code)", broken)
            page.get_by_role("button", name="Validate").click()
            expect(page.locator("#validation-result")).to_contain_text("Line")
            shot(page, out, "dynamic-provider")
            page.goto("/panel/applications/new")
            page.get_by_label("Name", exact=True).fill("Bar's Shop")
            page.get_by_role("button", name="Create application").click()
            shot(page, out, "duplicate-name-error", full_page=False)
            phone = new_page(browser, url, 390, 844)
            log_in(phone, *ADMIN)
            phone.goto(f"/panel/assistants/{ids['support']}")
            shot(phone, out, "phone-assistant-form", full_page=False)
            flows.open_playground(phone, "Bar's Shop", "Customer support")
            flows.send(phone, "Where is my parcel?")
            shot(phone, out, "phone-playground", full_page=False)
            browser.close()


if __name__ == "__main__":
    main()
