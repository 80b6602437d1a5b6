"""Dynamic providers (admin only): CRUD of provider code, templates, validation, test runs in the
sandbox and a troubleshooting view. Included before the built-in provider routes, so
/admin/providers/dynamic/... and /admin/providers/code/... are matched here first."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from models.common import error_responses
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
    ProviderType,
)
from providers.dynamic.registry import DynamicProviders
from routers.admin.params import Id, IsActive, Limit, Skip
from routers.deps import CacheDep, CurrentAdmin, SessionDep, SettingsDep
from services import dynamic_provider_service as service

router = APIRouter(prefix="/providers", tags=["admin: dynamic providers"])


async def get_dynamic_providers(request: Request) -> DynamicProviders:
    return request.app.state.dynamic_providers  # type: ignore[no-any-return]


DynamicProvidersDep = Annotated[DynamicProviders, Depends(get_dynamic_providers)]

READ = (401, 403, 404, 422)
WRITE = (401, 403, 404, 409, 413, 422)
# Running code: the sandbox may be missing (503, fail closed).
RUN = (401, 403, 404, 413, 422, 503)


@router.get("/dynamic", response_model=DynamicProvidersPublic, responses=error_responses(401, 403, 422))
async def list_dynamic_providers(session: SessionDep, _admin: CurrentAdmin, skip: Skip = 0, limit: Limit = 100,
                                 is_active: IsActive = None) -> DynamicProvidersPublic:
    return await service.list_dynamic(session, skip=skip, limit=limit, is_active=is_active)


@router.post("/dynamic", response_model=DynamicProviderPublic, status_code=201,
             responses=error_responses(401, 403, 409, 413, 422))
async def create_dynamic_provider(body: DynamicProviderCreate, session: SessionDep, cache: CacheDep,
                                  settings: SettingsDep, runtime: DynamicProvidersDep,
                                  admin: CurrentAdmin) -> DynamicProviderPublic:
    """Save provider code. It is checked first (syntax, class shape, config_schema, dependencies);
    a definition that fails is refused with a 422 naming what to fix. `api_key` is stored encrypted."""
    return await service.create_dynamic(session, cache, settings, runtime, body, admin.id)


@router.post("/dynamic/test", response_model=DynamicTestResult, responses=error_responses(*RUN))
async def test_dynamic_provider(body: DynamicTestRequest, session: SessionDep, settings: SettingsDep,
                                runtime: DynamicProvidersDep, _admin: CurrentAdmin) -> DynamicTestResult:
    """Run unsaved code (or a saved provider) in a one-off sandbox worker with a test prompt, then
    its validation_code. Failures of the code are a 200 with `success: false`, the error, the status
    a chat would get and what the code printed."""
    return await service.test_provider(session, settings, runtime, body)


@router.post("/dynamic/debug", response_model=DynamicDebugResult, responses=error_responses(401, 403, 404, 413, 422))
async def debug_dynamic_provider(body: DynamicDebugRequest, session: SessionDep, runtime: DynamicProvidersDep,
                                 _admin: CurrentAdmin) -> DynamicDebugResult:
    """Parse result, detected class, schema and dependency checks, sandbox and worker status.
    Nothing secret (no key, no config values)."""
    return await service.debug_provider(session, runtime, body)


@router.get("/dynamic/{provider_id:int}", response_model=DynamicProviderPublic, responses=error_responses(*READ))
async def get_dynamic_provider(provider_id: Id, session: SessionDep, _admin: CurrentAdmin) -> DynamicProviderPublic:
    return await service.get_dynamic(session, provider_id)


@router.put("/dynamic/{provider_id:int}", response_model=DynamicProviderPublic, responses=error_responses(*WRITE))
async def update_dynamic_provider(provider_id: Id, body: DynamicProviderUpdate, session: SessionDep,
                                  cache: CacheDep, settings: SettingsDep, runtime: DynamicProvidersDep,
                                  admin: CurrentAdmin) -> DynamicProviderPublic:
    """Change any field; new code is served from the next call on (a new sandbox worker)."""
    return await service.update_dynamic(session, cache, settings, runtime, provider_id, body, admin.id)


@router.delete("/dynamic/{provider_id:int}", response_model=DynamicProviderPublic, responses=error_responses(*READ))
async def delete_dynamic_provider(provider_id: Id, session: SessionDep, cache: CacheDep,
                                  runtime: DynamicProvidersDep, _admin: CurrentAdmin) -> DynamicProviderPublic:
    """Soft delete: the provider becomes inactive (answered with is_active false); assistants on it
    get a clear error until they are moved or it is reactivated with PUT."""
    return await service.delete_dynamic(session, cache, runtime, provider_id)


@router.get("/dynamic/{provider_id:int}/code", response_model=DynamicProviderCode, responses=error_responses(*READ))
async def get_dynamic_provider_code(provider_id: Id, session: SessionDep, _admin: CurrentAdmin) -> DynamicProviderCode:
    return await service.get_code(session, provider_id)


@router.get("/code/template", response_model=ProviderTemplate, responses=error_responses(401, 403, 422))
async def get_provider_template(_admin: CurrentAdmin,
                                provider_type: Annotated[ProviderType, Query()] = "openai") -> ProviderTemplate:
    """A complete, working provider for that wire format, with its config_schema, dependencies,
    validation_code and notes on the interface and the sandbox."""
    return service.template(provider_type)


@router.post("/code/validate", response_model=CodeValidationResult, responses=error_responses(401, 403, 413, 422))
async def validate_provider_code(body: CodeValidationRequest, runtime: DynamicProvidersDep,
                                 _admin: CurrentAdmin) -> CodeValidationResult:
    """Check code without running it: syntax (line and column), the provider class shape,
    config_schema, validation_code, and whether required_dependencies import in the sandbox.
    Broken code is a 200 with `valid: false` and the errors."""
    return await service.validate_code(runtime, body)
