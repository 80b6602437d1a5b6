"""Helpers for the panel's server-side tests: log in through the panel's own form, read the CSRF
token and the error shown next to a field from the HTML."""

import html
import re

from fastapi.testclient import TestClient


def csrf_of(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login_form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no token in the login form"
    return found.group(1)


def panel_login(client: TestClient, username: str, password: str) -> str:
    """Log in as a browser would (fresh cookies); returns the CSRF token of the session."""
    client.cookies.clear()
    token = login_form_token(client.get("/panel/login").text)
    r = client.post("/panel/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/panel/applications").text)


def field_error(page: str, field: str) -> str | None:
    """The error shown next to a form field (`<p id="f-<field>-error">`), unescaped."""
    fid = "f-" + field.replace(".", "-")
    found = re.search(rf'<p class="field-error" id="{re.escape(fid)}-error"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def field_value(page: str, field: str) -> str | None:
    fid = "f-" + field.replace(".", "-")
    found = re.search(rf'<input id="{re.escape(fid)}"[^>]*? value="([^"]*)"', page)
    if found:
        return html.unescape(found.group(1))
    found = re.search(rf'<textarea id="{re.escape(fid)}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else None
