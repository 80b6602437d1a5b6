"""The chat runtime's view of the configuration: every application, assistant, model and provider
as immutable snapshots with the lookups the hot path needs. Built in one go per configuration
version and cached in the worker, so a chat request in steady state reads no database."""

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import runtime_config_repository as repo
from services.config_cache import ConfigCache


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    id: int
    name: str
    display_name: str
    base_url: str | None
    is_active: bool
    is_dynamic: bool
    encrypted_key: str | None  # newest active stored key


@dataclass(frozen=True, slots=True)
class AssistantConfig:
    id: int
    name: str
    slug: str
    description: str | None
    application_id: int
    system_prompt: str | None
    is_active: bool
    is_streaming: bool
    config: MappingProxyType[str, Any]
    endpoint: str | None
    encrypted_api_key: str | None
    model_name: str
    model_active: bool
    supports_streaming: bool
    supports_system_prompt: bool
    provider: ProviderConfig


@dataclass(frozen=True, slots=True)
class ApplicationConfig:
    id: int
    name: str
    slug: str
    description: str | None
    is_active: bool
    endpoint: str | None
    assistants: dict[str, AssistantConfig] = field(default_factory=dict)  # by slug


@dataclass(frozen=True, slots=True)
class RuntimeSnapshot:
    apps_by_slug: dict[str, ApplicationConfig]
    apps_by_id: dict[int, ApplicationConfig]
    apps_by_endpoint: dict[str, ApplicationConfig]
    assistants_by_id: dict[int, AssistantConfig]
    assistants_by_name: dict[str, list[AssistantConfig]]
    assistants_by_endpoint: dict[str, AssistantConfig]
    providers_by_name: dict[str, ProviderConfig]
    models_by_provider: dict[str, frozenset[str]]  # active catalogue models per provider name


async def _load(session: AsyncSession) -> RuntimeSnapshot:
    keys = await repo.load_newest_active_keys(session)
    providers = {p.id: ProviderConfig(p.id, p.name, p.display_name, p.base_url, p.is_active, p.is_dynamic,
                                      keys.get(p.id))
                 for p in await repo.load_providers(session)}
    models = {m.id: m for m in await repo.load_models(session)}
    apps = {a.id: ApplicationConfig(a.id, a.name, a.slug, a.description, a.is_active, a.endpoint)
            for a in await repo.load_applications(session)}
    by_id: dict[int, AssistantConfig] = {}
    by_name: dict[str, list[AssistantConfig]] = {}
    by_endpoint: dict[str, AssistantConfig] = {}
    for a in await repo.load_assistants(session):
        model = models.get(a.model_id)
        app = apps.get(a.application_id)
        if model is None or app is None or model.provider_id not in providers:
            continue
        cfg = AssistantConfig(
            id=a.id, name=a.name, slug=a.slug, description=a.description, application_id=a.application_id,
            system_prompt=a.system_prompt, is_active=a.is_active, is_streaming=a.is_streaming,
            config=MappingProxyType(dict(a.config or {})), endpoint=a.endpoint, encrypted_api_key=a.api_key,
            model_name=model.name, model_active=model.is_active, supports_streaming=model.supports_streaming,
            supports_system_prompt=model.supports_system_prompt, provider=providers[model.provider_id])
        by_id[a.id] = cfg
        by_name.setdefault(a.name.lower(), []).append(cfg)
        app.assistants[a.slug] = cfg
        if a.endpoint:
            by_endpoint[a.endpoint] = cfg
    return RuntimeSnapshot(
        apps_by_slug={a.slug: a for a in apps.values()}, apps_by_id=apps,
        apps_by_endpoint={a.endpoint: a for a in apps.values() if a.endpoint},
        assistants_by_id=by_id, assistants_by_name=by_name, assistants_by_endpoint=by_endpoint,
        providers_by_name={p.name: p for p in providers.values()},
        models_by_provider={p.name: frozenset(m.name for m in models.values()
                                              if m.provider_id == p.id and m.is_active)
                            for p in providers.values()})


async def get_snapshot(cache: ConfigCache) -> RuntimeSnapshot:
    return await cache.get("runtime_snapshot", _load)
