"""The /moneytracker and /suncar routers on their seeded assistants, routed to a local fake."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import unique
from tests.fakes import ECHO_PREFIX, FakeUpstream, serve_upstream
from tests.routing import route_providers

# Seeded: MoneyTracker on Gemini (gemini-2.5-flash), Suncar on Cohere (command-r-plus).


@pytest.fixture(scope="module")
def fake(client: TestClient, admin_headers: dict[str, str]) -> Iterator[FakeUpstream]:
    with serve_upstream() as upstream:
        route_providers(client, admin_headers, upstream)
        yield upstream


def last_user_text(fake: FakeUpstream, model: str) -> str:
    body = fake.recorder.last(model).body
    if "contents" in body:  # Gemini
        return str(body["contents"][-1]["parts"][0]["text"])
    return str(body["messages"][-1]["content"])


def test_moneytracker_info(client, admin_headers, fake) -> None:
    r = client.get("/moneytracker/info", headers=admin_headers)
    assert r.status_code == 200
    assert r.json()["provider"] == "gemini" and "/moneytracker/budget-advice" in r.json()["endpoints"]


def test_budget_advice_sends_the_users_figures(client, admin_headers, fake) -> None:
    r = client.post("/moneytracker/budget-advice", headers=admin_headers, json={
        "monthly_income": 5000, "monthly_expenses": {"rent": 1500, "food": 600},
        "financial_goals": ["emergency fund"], "current_savings": 2000, "debt_amount": 300, "age": 31})
    assert r.status_code == 200, r.text
    assert r.json()["assistant_name"] == "MoneyTracker" and r.json()["response"].startswith(ECHO_PREFIX)
    sent = last_user_text(fake, "gemini-2.5-flash")
    assert "$5,000.00" in sent and "$2,100.00" in sent and "emergency fund" in sent and "Age: 31" in sent
    system = fake.recorder.last("gemini-2.5-flash").body["systemInstruction"]["parts"][0]["text"]
    assert "MoneyTracker" in system


@pytest.mark.parametrize("body", [
    {"monthly_income": -1, "monthly_expenses": 10},
    {"monthly_income": 10, "monthly_expenses": {"rent": -5}},
    {"monthly_income": 10, "monthly_expenses": 10, "age": 3},
    {"monthly_expenses": 10},
])
def test_budget_advice_rejects_bad_figures(client, admin_headers, body) -> None:
    assert client.post("/moneytracker/budget-advice", headers=admin_headers, json=body).status_code == 422


def test_saving_plan_and_investment_advice(client, admin_headers, fake) -> None:
    r = client.post("/moneytracker/saving-plan", headers=admin_headers, json={
        "goal_description": "a car", "goal_amount": 12000, "timeframe_months": 24, "current_savings": 2400})
    assert r.status_code == 200, r.text
    assert "$400.00 per month" in last_user_text(fake, "gemini-2.5-flash")
    r = client.post("/moneytracker/investment-advice", headers=admin_headers, json={
        "investment_amount": 10000, "risk_tolerance": "medium", "time_horizon_years": 10})
    assert r.status_code == 200
    assert "Risk tolerance: medium" in last_user_text(fake, "gemini-2.5-flash")
    bad = client.post("/moneytracker/investment-advice", headers=admin_headers, json={
        "investment_amount": 10, "risk_tolerance": "yolo", "time_horizon_years": 10})
    assert bad.status_code == 422


def test_moneytracker_chat(client, admin_headers, fake) -> None:
    r = client.post("/moneytracker/chat", headers=admin_headers, json={"message": "how to save?"})
    assert r.status_code == 200 and r.json()["response"] == ECHO_PREFIX + "how to save?"


def test_suncar_maintenance_uses_stored_vehicle_profile(client, user_headers, admin_headers, fake) -> None:
    user_id = client.get("/auth/me", headers=user_headers).json()["id"]
    apps = {a["name"]: a["id"] for a in client.get("/admin/applications", headers=admin_headers,
                                                   params={"limit": 500}).json()["data"]}
    current = client.get(f"/admin/users/{user_id}/applications", headers=admin_headers).json()["application_ids"]
    client.put(f"/admin/users/{user_id}/applications", headers=admin_headers,
               json={"application_ids": sorted({*current, apps["Suncar"]})})
    missing = client.post("/suncar/maintenance-schedule", headers=user_headers, json={})
    assert missing.status_code == 422 and "vehicle-profile" in str(missing.json()["detail"])
    r = client.put("/suncar/vehicle-profile", headers=user_headers, json={
        "vehicle_make": "Toyota", "vehicle_model": "Corolla", "year": 2018, "current_mileage": 64000})
    assert r.status_code == 200 and r.json()["vehicle_make"] == "Toyota"
    assert client.get("/suncar/vehicle-profile", headers=user_headers).json()["current_mileage"] == 64000
    r = client.post("/suncar/maintenance-schedule", headers=user_headers, json={"current_mileage": 65000})
    assert r.status_code == 200, r.text
    sent = last_user_text(fake, "command-r-plus")
    assert "2018 Toyota Corolla, 65,000 miles" in sent
    # Another caller has no profile of its own.
    assert client.get("/suncar/vehicle-profile", headers=admin_headers).json().get("vehicle_make") is None


def test_suncar_diagnose_and_validation(client, admin_headers, fake) -> None:
    r = client.post("/suncar/diagnose-problem", headers=admin_headers, json={
        "vehicle_make": "Honda", "vehicle_model": "Civic", "year": 2015, "symptoms": "squeal when braking",
        "warning_lights": ["ABS"]})
    assert r.status_code == 200, r.text
    sent = last_user_text(fake, "command-r-plus")
    assert "squeal when braking" in sent and "ABS" in sent and "2015 Honda Civic" in sent
    assert client.post("/suncar/diagnose-problem", headers=admin_headers,
                       json={"symptoms": "x", "year": 3000}).status_code == 422
    assert client.post("/suncar/diagnose-problem", headers=admin_headers, json={}).status_code == 422
    assert client.put("/suncar/vehicle-profile", headers=admin_headers, json={"current_mileage": -1}).status_code == 422


def test_suncar_info_and_chat(client, admin_headers, fake) -> None:
    assert client.get("/suncar/info", headers=admin_headers).json()["provider"] == "cohere"
    r = client.post("/suncar/chat", headers=admin_headers, json={"message": "oil type?"})
    assert r.status_code == 200 and r.json()["response"].endswith("oil type?")


def test_specialised_routes_need_a_caller(client) -> None:
    assert client.get("/suncar/info").status_code == 401
    assert client.post("/moneytracker/chat", json={"message": "x"}).status_code == 401


def test_vehicle_profile_needs_access_to_suncar(client, admin_headers, fake) -> None:
    name = unique("driver")
    r = client.post("/admin/users", headers=admin_headers, json={
        "username": name, "email": f"{name}@example.com", "password": "long-password-1"})
    assert r.status_code == 201
    token = client.post("/auth/login", json={"username": name, "password": "long-password-1"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.put("/suncar/vehicle-profile", headers=headers, json={"vehicle_make": "Kia"}).status_code == 404
    assert client.get("/suncar/vehicle-profile", headers=headers).status_code == 404
