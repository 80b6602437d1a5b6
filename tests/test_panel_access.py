"""A regular user in the panel: only their applications, no write controls, writes refused."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.e2e.panel_http import panel_login
from tests.factories import create_application, create_assistant, create_user

PASSWORD = "correct-horse-1"


@pytest.fixture
def panel(client: TestClient) -> Iterator[TestClient]:
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.fixture
def member(client: TestClient, admin_headers: dict[str, str]) -> dict[str, object]:
    """A regular user allowed into one application (with one assistant), and one they are not."""
    mine = create_application(client, admin_headers, name=unique("Mine"))
    other = create_application(client, admin_headers, name=unique("Other"))
    assistant = create_assistant(client, admin_headers, application_id=mine["id"])
    user = create_user(client, admin_headers)
    r = client.put(f"/admin/users/{user['id']}/applications", json={"application_ids": [mine["id"]]},
                   headers=admin_headers)
    assert r.status_code == 200, r.text
    return {"user": user, "mine": mine, "other": other, "assistant": assistant}


def _login(panel: TestClient, member: dict[str, object]) -> str:
    return panel_login(panel, member["user"]["username"], PASSWORD)  # type: ignore[index]


def test_regular_user_sees_only_their_applications(panel: TestClient, member: dict[str, object]) -> None:
    _login(panel, member)
    page = panel.get("/panel/applications").text
    assert member["mine"]["name"] in page  # type: ignore[index]
    assert member["other"]["name"] not in page  # type: ignore[index]


def test_regular_user_gets_not_found_for_another_application(panel: TestClient, member: dict[str, object]) -> None:
    _login(panel, member)
    r = panel.get(f"/panel/applications/{member['other']['id']}")  # type: ignore[index]
    assert r.status_code == 404 and "not found" in r.text


@pytest.mark.parametrize("path", ["/panel/applications", "/panel/applications/{mine}", "/panel/assistants",
                                  "/panel/assistants/{assistant}", "/panel/providers", "/panel/playground"])
def test_regular_user_sees_no_write_controls(panel: TestClient, member: dict[str, object], path: str) -> None:
    _login(panel, member)
    page = panel.get(path.format(mine=member["mine"]["id"], assistant=member["assistant"]["id"])).text  # type: ignore[index]
    forms = re.findall(r'<form[^>]*method="post"[^>]*>', page)
    assert forms == ['<form id="logout-form" method="post" action="/panel/logout" hidden>']
    assert "New application" not in page and "New assistant" not in page and "Delete" not in page


def test_regular_user_has_no_admin_navigation(panel: TestClient, member: dict[str, object]) -> None:
    _login(panel, member)
    page = panel.get("/panel/applications").text
    assert ">Playground</a>" in page and ">Applications</a>" in page
    assert ">API keys</a>" not in page and ">Users</a>" not in page


def test_server_refuses_a_regular_users_write(panel: TestClient, member: dict[str, object]) -> None:
    csrf = _login(panel, member)
    name = unique("Sneaky")
    r = panel.post("/panel/applications", data={"name": name, "csrf_token": csrf})
    assert r.status_code == 403 and "administrator" in r.text
    r = panel.post(f"/panel/assistants/{member['assistant']['id']}/delete", data={"csrf_token": csrf})  # type: ignore[index]
    assert r.status_code == 403


@pytest.mark.parametrize("path", ["/panel/api-keys", "/panel/users", "/panel/dynamic-providers",
                                  "/panel/applications/new"])
def test_regular_user_is_refused_admin_pages(panel: TestClient, member: dict[str, object], path: str) -> None:
    _login(panel, member)
    assert panel.get(path).status_code == 403
