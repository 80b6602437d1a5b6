"""First-start data: default users (outside production), built-in providers with their model
catalogue, and the MoneyTracker and Suncar assistants. Idempotent: rows are matched by name and
only missing ones are added, so an admin's later edits are never overwritten."""

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from assistants.prompts import MONEYTRACKER_SYSTEM_PROMPT, SUNCAR_SYSTEM_PROMPT
from config import Settings
from database.models import Application, Assistant, ConfigState, LLMModel, Provider, User
from services.security import hash_password
from services.slugs import slugify

BUILTIN_PROVIDERS: list[dict[str, Any]] = [
    {"name": "gemini", "display_name": "Google Gemini", "base_url": "https://generativelanguage.googleapis.com",
     "models": [("gemini-2.5-pro", "Gemini 2.5 Pro", 65536, 1.25e-6),
                ("gemini-2.5-flash", "Gemini 2.5 Flash", 65536, 3.0e-7),
                ("gemini-2.0-flash", "Gemini 2.0 Flash", 8192, 1.0e-7)]},
    {"name": "cohere", "display_name": "Cohere", "base_url": "https://api.cohere.com",
     "models": [("command-a-03-2025", "Command A", 8000, 2.5e-6),
                ("command-r-plus", "Command R+", 4000, 2.5e-6),
                ("command-r", "Command R", 4000, 1.5e-7)]},
    {"name": "openai", "display_name": "OpenAI", "base_url": "https://api.openai.com/v1",
     "models": [("gpt-4o", "GPT-4o", 16384, 2.5e-6),
                ("gpt-4o-mini", "GPT-4o mini", 16384, 1.5e-7),
                ("gpt-4.1", "GPT-4.1", 32768, 2.0e-6)]},
    {"name": "anthropic", "display_name": "Anthropic Claude", "base_url": "https://api.anthropic.com",
     "models": [("claude-sonnet-4-20250514", "Claude Sonnet 4", 64000, 3.0e-6),
                ("claude-3-5-haiku-20241022", "Claude 3.5 Haiku", 8192, 8.0e-7),
                ("claude-opus-4-20250514", "Claude Opus 4", 32000, 1.5e-5)]},
]

DEFAULT_USERS = [
    {"username": "admin", "password": "password123", "email": "admin@example.com",
     "full_name": "Administrator", "is_admin": True},
    {"username": "user1", "password": "user123", "email": "user1@example.com",
     "full_name": "Regular User", "is_admin": False},
]

SPECIALISED_ASSISTANTS = [
    {"app": "MoneyTracker", "app_description": "Personal finance assistant app",
     "name": "MoneyTracker", "description": "Budgeting, saving and investment advice",
     "provider": "gemini", "model": "gemini-2.5-flash", "system_prompt": MONEYTRACKER_SYSTEM_PROMPT},
    {"app": "Suncar", "app_description": "Car care assistant app",
     "name": "Suncar", "description": "Maintenance schedules, diagnosis and fuel efficiency",
     "provider": "cohere", "model": "command-r-plus", "system_prompt": SUNCAR_SYSTEM_PROMPT},
]


def seed(conn: Connection, settings: Settings) -> None:
    with Session(bind=conn) as db:
        if settings.seed_default_users and not settings.is_production:
            _seed_users(db)
        _seed_providers(db)
        db.flush()
        _seed_assistants(db)
        if db.get(ConfigState, 1) is None:
            db.add(ConfigState(id=1, version=1))
        db.commit()


def _seed_users(db: Session) -> None:
    for spec in DEFAULT_USERS:
        if db.scalar(select(User).where(User.username == spec["username"])) is None:
            db.add(User(username=spec["username"], email=spec["email"], full_name=spec["full_name"],
                        hashed_password=hash_password(spec["password"]), is_admin=spec["is_admin"]))


def _seed_providers(db: Session) -> None:
    for spec in BUILTIN_PROVIDERS:
        provider = db.scalar(select(Provider).where(Provider.name == spec["name"]))
        if provider is None:
            provider = Provider(name=spec["name"], display_name=spec["display_name"],
                                base_url=spec["base_url"], is_dynamic=False)
            db.add(provider)
            db.flush()
        existing = set(db.scalars(select(LLMModel.name).where(LLMModel.provider_id == provider.id)))
        for name, display, max_tokens, cost in spec["models"]:
            if name not in existing:
                db.add(LLMModel(name=name, display_name=display, provider_id=provider.id,
                                max_tokens=max_tokens, cost_per_token=cost))


def _seed_assistants(db: Session) -> None:
    for spec in SPECIALISED_ASSISTANTS:
        app = db.scalar(select(Application).where(Application.name == spec["app"]))
        if app is None:
            app = Application(name=spec["app"], slug=slugify(spec["app"]), description=spec["app_description"])
            db.add(app)
            db.flush()
        exists = db.scalar(select(Assistant.id).where(Assistant.application_id == app.id,
                                                      Assistant.name == spec["name"]))
        if exists is None:
            model_id = db.scalar(select(LLMModel.id).join(Provider).where(
                Provider.name == spec["provider"], LLMModel.name == spec["model"]))
            if model_id is not None:
                db.add(Assistant(name=spec["name"], slug=slugify(spec["name"]), application_id=app.id,
                                 model_id=model_id, description=spec["description"],
                                 system_prompt=spec["system_prompt"], config={"temperature": 0.7}))
