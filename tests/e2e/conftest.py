"""End-to-end fixtures: the service on loopback with a fresh SQLite database, a fake OpenAI-style
upstream, and headless Debian Chromium driven by Playwright. Skipped (with the reason) only when
/usr/bin/chromium or Playwright is missing; `.ci/run` installs both."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from main import create_app
from tests.conftest import make_settings
from tests.e2e.browser import chromium_missing_reason, launch
from tests.e2e.persona_upstream import serve_persona_upstream
from tests.servers import serve_in_thread

ADMIN = ("admin", "password123")


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(f"sqlite:///{Path(tmp_path_factory.mktemp('e2e')) / 'panel.db'}")


@pytest.fixture(scope="session")
def persona_url() -> Iterator[str]:
    with serve_persona_upstream() as url:
        yield url


@pytest.fixture(scope="session")
def live_url(e2e_settings: Settings) -> Iterator[str]:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    with serve_in_thread(create_app(e2e_settings)) as url:
        yield url


# Package scope: Playwright's sync API keeps an event loop current in this thread while it runs, so
# it must be closed before the rest of the suite's async tests start.
@pytest.fixture(scope="package")
def browser(live_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def new_page(browser: Any, live_url: str, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(base_url=live_url, viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)  # a hang guard for each step, not a performance check
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the panel's delete confirmations
    return page


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/panel/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/panel/applications$"))


@pytest.fixture
def page(browser: Any, live_url: str) -> Iterator[Any]:
    page = new_page(browser, live_url)
    yield page
    page.context.close()


@pytest.fixture
def admin_page(page: Any) -> Any:
    log_in(page, *ADMIN)
    return page


@pytest.fixture(scope="package")
def openai_on_fake(browser: Any, live_url: str, persona_url: str) -> str:
    """Point the built-in OpenAI provider at the fake upstream and give it a key, through the
    panel's own Providers and API keys screens, as an administrator would."""
    from playwright.sync_api import expect

    from tests.e2e import flows

    page = new_page(browser, live_url)
    try:
        log_in(page, *ADMIN)
        flows.nav(page, "Providers")
        page.get_by_role("link", name="OpenAI").click()
        page.get_by_label("Base URL").fill(persona_url)
        page.get_by_role("button", name="Save provider").click()
        expect(page.get_by_role("status")).to_contain_text("Provider 'OpenAI' saved.")
        flows.nav(page, "API keys")
        page.get_by_label("Name", exact=True).fill("fake upstream key")
        page.get_by_label("Provider", exact=True).select_option(label="OpenAI")
        page.get_by_label("Key", exact=True).fill("sk-e2e-fake-upstream-000111222")
        page.get_by_role("button", name="Add API key").click()
        expect(page.get_by_role("status")).to_contain_text("API key 'fake upstream key' added")
    finally:
        page.context.close()
    return persona_url
