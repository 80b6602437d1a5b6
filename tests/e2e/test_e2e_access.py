"""In a real browser: logging in and out, session expiry, a regular user's read-only view, a
duplicate name shown at its field, keyboard use and a 390 px wide screen."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from playwright.sync_api import expect

from config import Settings
from tests.conftest import unique
from tests.e2e import flows
from tests.e2e.conftest import ADMIN, log_in, new_page

WRITE_BUTTONS = re.compile(r"Create|Save|Delete|Revoke|Add|Rotate|Activate|Deactivate|Remove")
NAV = ["Applications", "Assistants", "Providers", "API keys", "Users", "Playground", "Log out"]


def test_every_page_has_the_navigation_links(admin_page: Any) -> None:
    page = admin_page
    for path in ("/panel/applications", "/panel/assistants/new", "/panel/providers", "/panel/api-keys",
                 "/panel/users", "/panel/playground", "/panel/dynamic-providers/new"):
        page.goto(path)
        nav = page.get_by_role("navigation", name="Main")
        for name in NAV:
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_log_out_returns_to_the_login_page(admin_page: Any) -> None:
    page = admin_page
    page.get_by_role("link", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/panel/login\?reason=logged-out$"))
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    page.goto("/panel/users")
    expect(page).to_have_url(re.compile(r"/panel/login\?reason=required"))


def test_expired_session_returns_to_login_with_a_message(page: Any, live_url: str, e2e_settings: Settings) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = jwt.encode({"sub": "1", "iat": past, "exp": past + timedelta(minutes=30), "typ": "access"},
                       e2e_settings.secret_key, algorithm="HS256")
    page.context.add_cookies([{"name": "panel_session", "value": token, "url": f"{live_url}/panel/"}])
    page.goto("/panel/assistants")
    expect(page).to_have_url(re.compile(r"/panel/login\?reason=expired"))
    expect(page.get_by_role("status")).to_have_text("Your session has expired: please log in again.")
    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/panel/assistants$"))


def test_duplicate_name_is_shown_at_its_field_and_the_form_keeps_what_was_typed(admin_page: Any) -> None:
    page = admin_page
    taken = unique("Taken")
    flows.create_application(page, taken)
    flows.nav(page, "Applications")
    page.get_by_role("link", name="New application").click()
    page.get_by_label("Name", exact=True).fill(taken)
    page.get_by_label("Description").fill("typed before the error")
    page.get_by_role("button", name="Create application").click()
    name_field = page.locator(".field", has=page.get_by_label("Name", exact=True))
    expect(name_field.locator(".field-error")).to_contain_text(f"An application named '{taken}' already exists")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Description")).to_have_value("typed before the error")


def test_regular_user_sees_no_write_controls_and_is_refused_writes(admin_page: Any, browser: Any, live_url: str,
                                                                   openai_on_fake: str) -> None:
    page = admin_page
    allowed, hidden = unique("Allowed"), unique("Hidden")
    allowed_id = flows.create_application(page, allowed)
    flows.create_application(page, hidden)
    assistant = unique("Guide")
    flows.create_assistant(page, allowed_id, assistant, "You guide.")
    username = unique("reader").lower()
    flows.nav(page, "Users")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password").fill("reader-password-1")
    page.get_by_label(allowed, exact=True).check()
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_contain_text(f"User '{username}' created.")

    reader = new_page(browser, live_url)
    try:
        log_in(reader, username, "reader-password-1")
        expect(reader.get_by_role("link", name=allowed)).to_be_visible()
        expect(reader.get_by_role("link", name=hidden)).to_have_count(0)
        nav = reader.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Users")).to_have_count(0)
        expect(nav.get_by_role("link", name="API keys")).to_have_count(0)
        for path in ("/panel/applications", f"/panel/applications/{allowed_id}", "/panel/assistants",
                     "/panel/providers"):
            reader.goto(path)
            expect(reader.locator("main form[method=post]")).to_have_count(0)
            writes = reader.locator("main").get_by_role("button", name=WRITE_BUTTONS)
            expect(writes).to_have_count(0)
            expect(reader.locator("main").get_by_role("link", name=re.compile("^New "))).to_have_count(0)

        flows.open_playground(reader, allowed, assistant)
        expect(flows.send(reader, "hello").locator(".text")).to_have_text("[You guide.] echo: hello")

        csrf = reader.locator('meta[name="csrf-token"]').get_attribute("content")
        refused = reader.request.post("/panel/applications", form={"name": unique("Sneaky"), "csrf_token": csrf})
        assert refused.status == 403 and "administrator" in refused.text()
    finally:
        reader.context.close()


def test_login_and_navigation_work_with_the_keyboard_alone(page: Any) -> None:
    page.goto("/panel/login")
    # The username field has the focus when the page opens (wait for it: typing before the browser
    # applied autofocus lost the first letters once).
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(ADMIN[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN[1])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/panel/applications$"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(3):  # skip link, brand, Applications, Assistants
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Assistants", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/panel/assistants$"))


def test_pages_fit_a_390_pixel_wide_screen(browser: Any, live_url: str) -> None:
    phone = new_page(browser, live_url, width=390, height=844)
    try:
        log_in(phone, *ADMIN)
        for path in ("/panel/applications", "/panel/assistants", "/panel/assistants/new", "/panel/providers",
                     "/panel/api-keys", "/panel/users/new", "/panel/playground", "/panel/dynamic-providers/new"):
            phone.goto(path)
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
            expect(phone.get_by_role("link", name="Log out")).to_be_in_viewport()
    finally:
        phone.context.close()
