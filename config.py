"""All settings, read once from the environment and `.env` (the only module that reads them)."""

from functools import lru_cache
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values shipped in .env.example / docs: fine for development, refused in production.
DEV_SECRET_KEY = "dev-secret-key-change-me-0123456789abcdef"
DEV_ENCRYPTION_KEY = "ZGV2LWVuY3J5cHRpb24ta2V5LWNoYW5nZS1tZS0wMDA="
KNOWN_DEFAULTS = {"", "changethis", "change-me", "secret", DEV_SECRET_KEY, DEV_ENCRYPTION_KEY}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./data/app.db"
    secret_key: str = DEV_SECRET_KEY
    encryption_key: str = DEV_ENCRYPTION_KEY
    access_token_expire_minutes: int = Field(default=30, gt=0)
    jwt_algorithm: Literal["HS256"] = "HS256"

    # Provider keys used when neither the assistant nor the provider record has one.
    gemini_api_key: str = ""
    cohere_api_key: str = ""
    openai_api_key: str = ""
    anthropic_api_key: str = ""

    provider_timeout_seconds: float = Field(default=60.0, gt=0)
    provider_max_retries: int = Field(default=2, ge=0, le=10)
    # How often each worker checks whether another worker/instance changed the configuration.
    config_poll_interval_seconds: float = Field(default=0.5, gt=0)
    max_request_body_bytes: int = Field(default=1024 * 1024, gt=0)
    default_history_window: int = Field(default=20, ge=0)

    # Dynamic providers: "strict" refuses to run code without the bubblewrap sandbox;
    # "unsafe-local" runs workers with rlimits and an empty environment only (documented, opt-in).
    sandbox_mode: Literal["strict", "unsafe-local"] = "strict"
    sandbox_timeout_seconds: float = Field(default=30.0, gt=0)
    sandbox_memory_mb: int = Field(default=512, gt=0)

    seed_default_users: bool = True

    @field_validator("database_url")
    @classmethod
    def _url_not_empty(cls, v: str) -> str:
        return v.strip() or "sqlite:///./data/app.db"

    @property
    def encryption_keys(self) -> list[str]:
        """Fernet keys, newest first (the first one encrypts; all of them decrypt)."""
        return [k.strip() for k in self.encryption_key.split(",") if k.strip()]

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @model_validator(mode="after")
    def _check_secrets(self) -> "Settings":
        keys = self.encryption_keys
        if not keys:
            raise ValueError("ENCRYPTION_KEY is empty: set one or more Fernet keys, newest first")
        for key in keys:
            try:
                Fernet(key)
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    "ENCRYPTION_KEY must be comma-separated Fernet keys (32 url-safe base64 bytes); "
                    "make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                ) from exc
        if self.is_production:
            if self.secret_key.strip() in KNOWN_DEFAULTS or len(self.secret_key) < 16:
                raise ValueError("APP_ENV=production needs a SECRET_KEY of your own (16+ characters)")
            if any(k in KNOWN_DEFAULTS for k in keys):
                raise ValueError("APP_ENV=production needs an ENCRYPTION_KEY of your own")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
