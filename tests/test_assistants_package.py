"""assistants/: the legacy hand-built constructor, `from_database`, and key resolution order."""

import pytest
from fastapi.testclient import TestClient

from assistants.base_assistant import BaseAssistant
from assistants.money_tracker import MoneyTracker
from assistants.suncar import Suncar
from config import Settings
from database.database import make_engine, make_sessionmaker
from errors import NotFound
from main import create_app
from tests.conftest import login, make_settings
from tests.fakes import ECHO_PREFIX, serve_upstream
from tests.routing import make_assistant, provider_ids, route_providers


async def test_legacy_constructor_calls_the_provider() -> None:
    with serve_upstream() as fake:
        bot = BaseAssistant("openai", "gpt-4o-mini", "sk-legacy-key-0001", system_prompt="Legacy.",
                            base_url=fake.base_url("openai"))
        assert await bot.chat("hi") == ECHO_PREFIX + "hi"
        sent = fake.recorder.last("gpt-4o-mini")
        assert sent.body["messages"][0] == {"role": "system", "content": "Legacy."}
        assert sent.headers["authorization"] == "Bearer sk-legacy-key-0001"


async def test_specialised_classes_use_their_expert_prompts() -> None:
    with serve_upstream() as fake:
        money = MoneyTracker("anthropic", "claude-3-5-haiku-20241022", "sk-ant-x-0001",
                             base_url=fake.base_url("anthropic"))
        answer = await money.get_saving_plan(goal_description="a bike", goal_amount=600, timeframe_months=6)
        assert answer.startswith(ECHO_PREFIX) and "$100.00 per month" in answer
        assert "MoneyTracker" in fake.recorder.last("claude-3-5-haiku-20241022").body["system"]
        car = Suncar("cohere", "command-r", "co-x-0001", base_url=fake.base_url("cohere"))
        tips = await car.get_fuel_efficiency_tips({"vehicle_make": "Kia", "vehicle_model": "Rio", "year": 2020})
        assert "2020 Kia Rio" in tips


async def test_from_database_loads_everything(client: TestClient, admin_headers, settings: Settings) -> None:
    with serve_upstream() as fake:
        route_providers(client, admin_headers, fake)
        a = make_assistant(client, admin_headers, provider="gemini", model="gemini-2.5-pro",
                           system_prompt="From the DB.", config={"max_tokens": 77})
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                bot = await BaseAssistant.from_database(a["id"], session, settings=settings)
                with pytest.raises(NotFound):
                    await BaseAssistant.from_database(999_999, session, settings=settings)
        finally:
            await engine.dispose()
        assert (bot.llm_provider, bot.model, bot.system_prompt) == ("gemini", "gemini-2.5-pro", "From the DB.")
        assert await bot.chat("db?") == ECHO_PREFIX + "db?"
        sent = fake.recorder.last("gemini-2.5-pro")
        assert sent.body["generationConfig"]["maxOutputTokens"] == 77


def test_environment_key_is_the_last_resort(tmp_sqlite_url: str) -> None:
    settings = make_settings(tmp_sqlite_url, openai_api_key="sk-from-the-environment-01")
    with serve_upstream() as fake, TestClient(create_app(settings)) as fresh:
        headers = login(fresh, "admin", "password123")
        pid = provider_ids(fresh, headers)["openai"]
        fresh.put(f"/admin/providers/{pid}", headers=headers, json={"base_url": fake.base_url("openai")})
        r = fresh.post("/chat/", headers=headers, json={"provider": "openai", "model": "gpt-4o", "prompt": "env"})
        assert r.status_code == 200, r.text
        assert fake.recorder.last("gpt-4o").headers["authorization"] == "Bearer sk-from-the-environment-01"
        # A stored provider key wins over the environment as soon as it exists.
        fresh.post("/admin/api-keys", headers=headers,
                   json={"name": "stored", "provider_id": pid, "api_key": "sk-stored-key-000000002"})
        fresh.post("/chat/", headers=headers, json={"provider": "openai", "model": "gpt-4o", "prompt": "env"})
        assert fake.recorder.last("gpt-4o").headers["authorization"] == "Bearer sk-stored-key-000000002"
