"""In a real browser: provider API keys are added, rotated, deactivated and deleted, and their
plaintext is never on any page (nor is a client key's, after the one time it is shown)."""

import re
from typing import Any

from playwright.sync_api import expect

from tests.conftest import unique
from tests.e2e import flows


def test_api_key_add_rotate_delete_never_shows_plaintext(admin_page: Any) -> None:
    page = admin_page
    name = unique("Cohere key")
    first, second = "co-e2e-first-secret-0000AAAA", "co-e2e-second-secret-1111BBBB"
    seen: list[str] = []
    page.on("response", lambda r: seen.append(r.text()) if "text/html" in r.headers.get("content-type", "") else None)

    flows.nav(page, "API keys")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Provider", exact=True).select_option(label="Cohere")
    page.get_by_label("Key", exact=True).fill(first)
    page.get_by_role("button", name="Add API key").click()
    expect(page.get_by_role("status")).to_contain_text(f"API key '{name}' added (co-...AAAA).")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("co-...AAAA")

    row.get_by_role("link", name=re.compile("Edit or rotate")).click()
    page.get_by_label("New key").fill(second)
    page.get_by_role("button", name="Rotate key").click()
    expect(page.get_by_role("status")).to_contain_text(f"API key '{name}' rotated: it is now co-...BBBB.")

    row = page.get_by_role("row").filter(has_text=name)
    row.get_by_role("button", name=re.compile("Deactivate")).click()
    expect(page.get_by_role("status")).to_contain_text("deactivated")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("inactive")

    page.get_by_role("row").filter(has_text=name).get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text(f"API key '{name}' deleted.")
    expect(page.get_by_role("row").filter(has_text=name)).to_have_count(0)

    assert seen, "no page was seen"
    assert not [html for html in seen if first in html or second in html]


def test_client_key_is_shown_once_with_a_copy_button(admin_page: Any) -> None:
    page = admin_page
    flows.create_application(page, unique("Keyed"))
    page.get_by_label("New client key name").fill("mobile app")
    page.get_by_role("button", name="Create client key").click()
    secret = page.locator("#new-client-key").inner_text()
    assert secret.startswith("vak_")
    expect(page.get_by_role("button", name="Copy key")).to_be_visible()
    page.reload()  # a GET of the page: the key is gone for good
    expect(page.locator("#new-client-key")).to_have_count(0)
    assert secret not in page.content()
    expect(page.get_by_role("row").filter(has_text="mobile app")).to_contain_text(f"{secret[:3]}...{secret[-4:]}")
