"""Two admins demoting each other at the same moment must not leave the system without one."""

import threading

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, update

from database.database import sync_url
from database.models import User
from main import create_app
from tests.conftest import login, make_settings, unique
from tests.servers import serve_in_thread


def _active_admins(url: str) -> int:
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(User).where(User.is_admin, User.is_active)) or 0
    engine.dispose()
    return count


def _make_admin_again(url: str, user_id: int) -> None:
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(update(User).where(User.id == user_id).values(is_admin=True))
    engine.dispose()


def _demote(base: str, headers: dict[str, str], target: int, barrier: threading.Barrier, codes: list[int]) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        http.get("/health")  # connected before the barrier: both requests leave together
        barrier.wait()
        codes.append(http.put(f"/admin/users/{target}", json={"is_admin": False}).status_code)


def test_concurrent_demotions_keep_one_admin(tmp_sqlite_url: str) -> None:
    settings = make_settings(tmp_sqlite_url)
    with TestClient(create_app(settings)) as setup, serve_in_thread(create_app(settings)) as base_a, \
            serve_in_thread(create_app(settings)) as base_b:
        root_id = 1
        name = unique("adm")
        r = setup.post("/admin/users", headers=login(setup, "admin", "password123"), json={
            "username": name, "email": f"{name}@example.com", "password": "long-password-1", "is_admin": True})
        assert r.status_code == 201, r.text
        other_id = r.json()["id"]
        for _ in range(10):  # a race: several rounds, each starting from two active admins
            _make_admin_again(tmp_sqlite_url, root_id)
            _make_admin_again(tmp_sqlite_url, other_id)
            tokens = {root_id: login(setup, "admin", "password123"), other_id: login(setup, name, "long-password-1")}
            barrier = threading.Barrier(2)
            codes: list[int] = []

            # Two instances (as two workers or hosts would be), one demotion each.
            threads = [threading.Thread(target=_demote, args=(base_a, tokens[root_id], other_id, barrier, codes)),
                       threading.Thread(target=_demote, args=(base_b, tokens[other_id], root_id, barrier, codes))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert _active_admins(tmp_sqlite_url) == 1, codes
            assert 200 in codes and sorted(codes) != [200, 200]
