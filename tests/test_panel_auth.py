"""The panel's session: login, logout, expiry, and the CSRF checks on every state-changing request."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from config import Settings
from tests.conftest import unique
from tests.e2e.panel_http import field_error, field_value, login_form_token, panel_login


@pytest.fixture
def panel(client: TestClient) -> Iterator[TestClient]:
    """The shared client with no panel cookies before or after (tests log in as they need)."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def test_page_without_session_redirects_to_login(panel: TestClient) -> None:
    r = panel.get("/panel/applications?page=2", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/panel/login?reason=required&next=%2Fpanel%2Fapplications%3Fpage%3D2"


def test_login_page_has_labelled_fields(panel: TestClient) -> None:
    r = panel.get("/panel/login")
    assert r.status_code == 200
    assert '<label for="f-username" class="required">Username</label>' in r.text
    assert '<label for="f-password" class="required">Password</label>' in r.text


def test_login_sets_an_httponly_samesite_strict_cookie(panel: TestClient) -> None:
    token = login_form_token(panel.get("/panel/login").text)
    r = panel.post("/panel/login", data={"username": "admin", "password": "password123", "csrf_token": token},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/panel/"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("panel_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/panel" in cookie


def test_login_goes_back_to_the_page_asked_for(panel: TestClient) -> None:
    token = login_form_token(panel.get("/panel/login").text)
    r = panel.post("/panel/login", data={"username": "admin", "password": "password123", "csrf_token": token,
                                         "next": "/panel/providers"}, follow_redirects=False)
    assert r.headers["location"] == "/panel/providers"


def test_login_never_redirects_to_another_site(panel: TestClient) -> None:
    token = login_form_token(panel.get("/panel/login").text)
    r = panel.post("/panel/login", data={"username": "admin", "password": "password123", "csrf_token": token,
                                         "next": "//evil.example.com/panel/"}, follow_redirects=False)
    assert r.headers["location"] == "/panel/"


def test_wrong_password_is_shown_at_the_password_field(panel: TestClient) -> None:
    token = login_form_token(panel.get("/panel/login").text)
    r = panel.post("/panel/login", data={"username": "admin", "password": "wrong", "csrf_token": token})
    assert r.status_code == 401
    assert field_error(r.text, "password") == "Incorrect username or password"
    assert field_value(r.text, "username") == "admin"
    assert "panel_session" not in panel.cookies


def test_login_without_the_form_token_is_refused(panel: TestClient) -> None:
    """Login CSRF: another site cannot log the browser into an account of its choosing."""
    panel.get("/panel/login")
    r = panel.post("/panel/login", data={"username": "admin", "password": "password123"})
    assert r.status_code == 403
    assert "This login form expired" in r.text
    assert "panel_session" not in panel.cookies


def test_expired_session_returns_to_login_with_a_message(panel: TestClient, settings: Settings) -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    expired = jwt.encode({"sub": "1", "iat": past, "exp": past + timedelta(minutes=30), "typ": "access"},
                         settings.secret_key, algorithm="HS256")
    panel.cookies.set("panel_session", expired, path="/panel")
    r = panel.get("/panel/assistants", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/panel/login?reason=expired")
    page = panel.get(r.headers["location"]).text
    assert "Your session has expired: please log in again." in page


def test_tampered_session_returns_to_login(panel: TestClient) -> None:
    panel.cookies.set("panel_session", "not-a-token", path="/panel")
    r = panel.get("/panel/assistants", follow_redirects=False)
    assert r.headers["location"].startswith("/panel/login?reason=invalid")


def test_htmx_request_without_session_is_told_where_to_log_in(panel: TestClient) -> None:
    r = panel.get("/panel/assistants/model-options?provider_id=1", headers={"HX-Request": "true"},
                  follow_redirects=False)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/panel/login?reason=required"


def test_post_without_csrf_token_is_refused(panel: TestClient) -> None:
    panel_login(panel, "admin", "password123")
    name = unique("NoCsrf")
    r = panel.post("/panel/applications", data={"name": name})
    assert r.status_code == 403 and "reload the page" in r.text
    assert name not in panel.get("/panel/applications").text


def test_post_with_a_wrong_csrf_token_is_refused(panel: TestClient) -> None:
    panel_login(panel, "admin", "password123")
    r = panel.post("/panel/applications", data={"name": unique("BadCsrf"), "csrf_token": "0" * 64})
    assert r.status_code == 403


def test_csrf_token_in_the_header_is_accepted(panel: TestClient) -> None:
    csrf = panel_login(panel, "admin", "password123")
    name = unique("HeaderCsrf")
    r = panel.post("/panel/applications", data={"name": name, "is_active": "on"}, headers={"X-CSRF-Token": csrf},
                   follow_redirects=False)
    assert r.status_code == 303


def test_logout_ends_the_session(panel: TestClient) -> None:
    csrf = panel_login(panel, "admin", "password123")
    r = panel.post("/panel/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/panel/login?reason=logged-out"
    assert panel.get("/panel/applications", follow_redirects=False).status_code == 303
    assert "You are logged out." in panel.get("/panel/login?reason=logged-out").text


def test_panel_is_left_out_of_the_openapi_schema(panel: TestClient) -> None:
    paths = panel.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/panel")]


def test_pages_forbid_framing_and_inline_scripts(panel: TestClient) -> None:
    r = panel.get("/panel/login")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
