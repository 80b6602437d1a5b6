"""Data access: one module per entity. Functions take an `AsyncSession`, query and flush, never
commit (the service owns the transaction), and return ORM objects."""

from repositories import (
    api_key_repository,
    application_repository,
    assistant_repository,
    client_key_repository,
    config_state_repository,
    model_repository,
    provider_repository,
    user_repository,
)

__all__ = ["api_key_repository", "application_repository", "assistant_repository", "client_key_repository",
           "config_state_repository", "model_repository", "provider_repository", "user_repository"]
