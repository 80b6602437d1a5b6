"""Dynamic providers: admin-written provider code stored in the database and run in the sandbox.

Saving checks what can be checked without running the code (syntax, class shape, config_schema,
dependencies when the sandbox is there); a definition that fails is refused with a 422 naming the
line. Every write commits through `commit_change`, so every worker re-reads the definition on its
next call (hot reload) and re-syncs its factory registrations. Deleting is a soft delete.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from database.models import ApiKey, Provider
from errors import Conflict, InvalidInput, NotFound
from models.application import sent_fields
from models.dynamic_provider import (
    CodeValidationRequest,
    CodeValidationResult,
    DynamicDebugRequest,
    DynamicDebugResult,
    DynamicProviderCode,
    DynamicProviderCreate,
    DynamicProviderPublic,
    DynamicProvidersPublic,
    DynamicProviderUpdate,
    DynamicTestRequest,
    DynamicTestResult,
    ProviderTemplate,
    SandboxStatus,
    WorkerStatus,
)
from providers.dynamic import checks
from providers.dynamic.definition import DynamicDefinition
from providers.dynamic.registry import DynamicProviders
from repositories import provider_repository
from sandbox import validation
from sandbox.proxy import allow_list
from sandbox.templates import INTERFACE_NOTES, TEMPLATES
from services.config_cache import ConfigCache, commit_change
from services.security import SecretBox, mask_secret


def _public(provider: Provider, model_count: int, has_api_key: bool) -> DynamicProviderPublic:
    return DynamicProviderPublic(
        id=provider.id, name=provider.name, display_name=provider.display_name, icon_url=provider.icon_url,
        base_url=provider.base_url, is_active=provider.is_active, config_schema=provider.config_schema or {},
        required_dependencies=list(provider.required_dependencies or []),
        allowed_hosts=list(provider.allowed_hosts or []), has_validation_code=bool(provider.validation_code),
        has_api_key=has_api_key, model_count=model_count, code_sha256=_definition(provider).code_hash,
        created_at=provider.created_at, updated_at=provider.updated_at)


def _definition(provider: Provider) -> DynamicDefinition:
    return DynamicDefinition.from_row(provider)


async def _load(session: AsyncSession, provider_id: int) -> Provider:
    provider = await provider_repository.get_dynamic(session, provider_id)
    if provider is None:
        raise NotFound(f"Dynamic provider {provider_id} not found (built-in providers are under /admin/providers)")
    return provider


async def list_dynamic(session: AsyncSession, *, skip: int, limit: int,
                       is_active: bool | None = None) -> DynamicProvidersPublic:
    rows, total = await provider_repository.list_page(session, skip=skip, limit=limit, is_active=is_active,
                                                      is_dynamic=True)
    return DynamicProvidersPublic(data=[_public(*row) for row in rows], count=total)


async def get_dynamic(session: AsyncSession, provider_id: int) -> DynamicProviderPublic:
    await _load(session, provider_id)
    row = await provider_repository.get_with_stats(session, provider_id)
    assert row is not None
    return _public(*row)


async def get_code(session: AsyncSession, provider_id: int) -> DynamicProviderCode:
    provider = await _load(session, provider_id)
    return DynamicProviderCode(id=provider.id, name=provider.name, python_code=provider.python_code or "",
                               validation_code=provider.validation_code, config_schema=provider.config_schema or {},
                               required_dependencies=list(provider.required_dependencies or []),
                               code_sha256=_definition(provider).code_hash)


async def _refuse_invalid(runtime: DynamicProviders, *, python_code: str, config_schema: dict[str, Any],
                          required_dependencies: list[str], validation_code: str | None) -> None:
    problems = validation.check_code(python_code).errors
    problems += validation.check_config_schema(config_schema)
    problems += validation.check_validation_code(validation_code)
    problems += validation.dependency_names(required_dependencies)[1]
    if problems:
        first = problems[0]
        field = {"config_schema": "config_schema", "validation_code": "validation_code",
                 "dependencies": "required_dependencies"}.get(first.kind, "python_code")
        more = (f" (and {len(problems) - 1} more: POST /admin/providers/code/validate lists them)"
                if len(problems) > 1 else "")
        raise InvalidInput(f"{first.message}{more}", field=field)
    names = validation.dependency_names(required_dependencies)[0]
    # Checked only where the sandbox exists: saving never runs code, so it need not fail closed.
    if names and await runtime.pool.launcher.unavailable_reason() is None:
        missing = await runtime.pool.check_dependencies(names)
        if missing:
            raise InvalidInput(f"required_dependencies not importable in the sandbox: {', '.join(missing)} "
                               "(nothing is installed at run time)", field="required_dependencies")


def _store_key(settings: Settings, provider: Provider, plaintext: str, actor_id: int | None) -> ApiKey:
    return ApiKey(name=f"{provider.name} key", provider_id=provider.id, created_by=actor_id,
                  encrypted_key=SecretBox(settings.encryption_keys).encrypt(plaintext),
                  key_preview=mask_secret(plaintext))


async def create_dynamic(session: AsyncSession, cache: ConfigCache, settings: Settings, runtime: DynamicProviders,
                         data: DynamicProviderCreate, actor_id: int | None) -> DynamicProviderPublic:
    await _refuse_invalid(runtime, python_code=data.python_code, config_schema=data.config_schema,
                          required_dependencies=data.required_dependencies, validation_code=data.validation_code)
    _check_hosts(data.allowed_hosts, data.base_url)
    if await provider_repository.find_by_name(session, data.name) is not None:
        raise Conflict(f"A provider named '{data.name}' already exists (built-in or dynamic): pick another name")
    provider = Provider(name=data.name, display_name=data.display_name, icon_url=data.icon_url,
                        base_url=data.base_url, is_active=data.is_active, is_dynamic=True,
                        python_code=data.python_code, config_schema=data.config_schema,
                        required_dependencies=data.required_dependencies, validation_code=data.validation_code,
                        allowed_hosts=data.allowed_hosts)
    await provider_repository.add_dynamic(session, provider)
    if data.api_key:
        session.add(_store_key(settings, provider, data.api_key, actor_id))
    await commit_change(session, cache)
    runtime.register(provider.name)  # this worker at once; the others when they see the change
    return await get_dynamic(session, provider.id)


async def update_dynamic(session: AsyncSession, cache: ConfigCache, settings: Settings, runtime: DynamicProviders,
                         provider_id: int, data: DynamicProviderUpdate, actor_id: int | None) -> DynamicProviderPublic:
    provider = await _load(session, provider_id)
    changes = sent_fields(data)
    api_key = changes.pop("api_key", None)
    merged = {k: changes.get(k, getattr(provider, k)) for k in
              ("python_code", "config_schema", "required_dependencies", "validation_code")}
    if {"python_code", "config_schema", "required_dependencies", "validation_code"} & changes.keys():
        await _refuse_invalid(runtime, python_code=merged["python_code"] or "",
                              config_schema=merged["config_schema"] or {},
                              required_dependencies=list(merged["required_dependencies"] or []),
                              validation_code=merged["validation_code"])
    _check_hosts(changes.get("allowed_hosts", provider.allowed_hosts or []),
                 changes.get("base_url", provider.base_url))
    for field, value in changes.items():
        setattr(provider, field, value)
    if api_key:
        session.add(_store_key(settings, provider, api_key, actor_id))  # the newest active key is used
    await session.flush()
    await commit_change(session, cache)
    if not provider.is_active:
        await runtime.pool.discard(provider.name)
    return await get_dynamic(session, provider_id)


async def delete_dynamic(session: AsyncSession, cache: ConfigCache, runtime: DynamicProviders,
                         provider_id: int) -> DynamicProviderPublic:
    """Soft delete: the row stays (assistants keep their model) but is inactive; its workers stop
    and calls through it get a clear error."""
    provider = await _load(session, provider_id)
    provider.is_active = False
    await session.flush()
    await commit_change(session, cache)
    await runtime.pool.discard(provider.name)
    return await get_dynamic(session, provider_id)


def _check_hosts(hosts: list[str], base_url: str | None) -> None:
    try:
        allow_list(base_url, hosts)
    except ValueError as exc:
        raise InvalidInput(f"allowed_hosts entries are 'host:port', 'host' or an http(s) URL: {exc}",
                           field="allowed_hosts") from exc


def template(provider_type: str) -> ProviderTemplate:
    t = TEMPLATES[provider_type]
    return ProviderTemplate(provider_type=t.provider_type, display_name=t.display_name, python_code=t.python_code,
                            config_schema=t.config_schema, required_dependencies=list(t.required_dependencies),
                            validation_code=t.validation_code, default_base_url=t.default_base_url,
                            default_model=t.default_model, notes=f"{t.notes}\n\n{INTERFACE_NOTES}")


async def validate_code(runtime: DynamicProviders, data: CodeValidationRequest) -> CodeValidationResult:
    return await checks.validate(runtime.pool, python_code=data.python_code, config_schema=data.config_schema,
                                 required_dependencies=data.required_dependencies,
                                 validation_code=data.validation_code)


async def _candidate(session: AsyncSession,
                     data: DynamicTestRequest | DynamicDebugRequest) -> tuple[checks.Candidate, Provider | None]:
    saved = await _load(session, data.provider_id) if data.provider_id is not None else None
    if saved is None and data.python_code is None:
        raise InvalidInput("send python_code (unsaved code) or provider_id (a saved provider)", field="python_code")
    sent = data.model_dump(exclude_unset=True)

    def pick(name: str, default: Any) -> Any:
        if name in sent and sent[name] is not None:
            return sent[name]
        return getattr(saved, name) if saved is not None else default

    definition = DynamicDefinition(saved.id if saved else None, saved.name if saved else "unsaved-provider",
                                   pick("python_code", ""), dict(pick("config_schema", {}) or {}),
                                   pick("base_url", None), tuple(pick("allowed_hosts", []) or []))
    return checks.Candidate(definition, list(pick("required_dependencies", []) or []),
                            pick("validation_code", None)), saved


async def test_provider(session: AsyncSession, settings: Settings, runtime: DynamicProviders,
                        data: DynamicTestRequest) -> DynamicTestResult:
    candidate, saved = await _candidate(session, data)
    api_key = data.api_key
    # The stored key only goes to the saved code and hosts: edited code could return the key in its
    # answer, or send it elsewhere; a test of edited code brings its own api_key.
    definition = candidate.definition
    unchanged = saved is not None and (definition.python_code, definition.base_url, definition.allowed_hosts) == (
        saved.python_code, saved.base_url, tuple(saved.allowed_hosts or []))
    if api_key is None and unchanged and saved is not None:
        encrypted = await provider_repository.newest_active_key(session, saved.id)
        if encrypted:
            try:
                api_key = SecretBox(settings.encryption_keys).decrypt(encrypted)
            except ValueError as exc:
                raise InvalidInput("the stored API key cannot be decrypted with the current ENCRYPTION_KEY: "
                                   "send api_key, or store the key again", field="api_key") from exc
    await session.close()  # the sandbox run may take a while: don't hold a connection through it
    return await checks.run_test(runtime.pool, candidate, api_key=api_key, config=data.config, model=data.model,
                                 prompt=data.prompt, system_prompt=data.system_prompt, stream=data.stream,
                                 run_validation=data.run_validation)


async def debug_provider(session: AsyncSession, runtime: DynamicProviders,
                         data: DynamicDebugRequest) -> DynamicDebugResult:
    candidate, saved = await _candidate(session, data)
    await session.close()
    definition = candidate.definition
    report = await checks.validate(runtime.pool, python_code=definition.python_code,
                                   config_schema=definition.config_schema,
                                   required_dependencies=candidate.required_dependencies,
                                   validation_code=candidate.validation_code)
    try:
        hosts = sorted(f"{h}:{p}" for h, p in allow_list(definition.base_url, definition.allowed_hosts))
    except ValueError:
        hosts = []
    reason = await runtime.pool.launcher.unavailable_reason()
    workers = [WorkerStatus(provider_class=w.provider_class, alive=w.alive, requests_served=w.requests_served,
                            code_sha256=DynamicDefinition(None, "", w.spec.code, {}, None).code_hash,
                            denied_hosts=w.denied_hosts)
               for w in (runtime.pool.workers_of(saved.name) if saved is not None else [])]
    return DynamicDebugResult(
        parsed=validation.check_code(definition.python_code).parsed, validation=report,
        effective_allowed_hosts=hosts, sandbox=SandboxStatus(**runtime.pool.status(), available=reason is None,
                                                             reason=reason),
        workers=workers, registered_in_factory=runtime.is_registered(saved.name) if saved is not None else None,
        interface=INTERFACE_NOTES)
