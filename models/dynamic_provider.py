"""Schemas of the dynamic-provider endpoints. The code is shown only by `/code`; API keys are
write-only (a `*Public` schema says `has_api_key`, never the key)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from models.application import IconUrl, Name, clean_text
from models.provider import BaseUrl

CODE_LIMIT = 200_000
ProviderName = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=64,
                                                pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=CODE_LIMIT), AfterValidator(clean_text)]
OptionalCode = Annotated[str, StringConstraints(max_length=CODE_LIMIT), AfterValidator(clean_text)]
Dependency = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                       AfterValidator(clean_text)]
Host = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
                 AfterValidator(clean_text)]
Secret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
                   AfterValidator(clean_text)]
ProviderType = Literal["openai", "anthropic", "cohere", "gemini", "generic"]
Dependencies = Annotated[list[Dependency], Field(max_length=50)]
Hosts = Annotated[list[Host], Field(max_length=50, description='Extra "host:port" the code may reach')]


class DynamicProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ProviderName = Field(description="Unique name the factory and the chat runtime know it by")
    display_name: Name
    icon_url: IconUrl | None = None
    base_url: BaseUrl = Field(description="Where the code sends requests; its host:port is allowed")
    python_code: Code
    config_schema: dict[str, Any] = Field(default_factory=dict)
    required_dependencies: Dependencies = Field(default_factory=list)
    validation_code: OptionalCode | None = None
    allowed_hosts: Hosts = Field(default_factory=list)
    api_key: Secret | None = Field(None, description="Stored encrypted as the provider's API key; never returned")
    is_active: bool = True


class DynamicProviderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: Name = None  # type: ignore[assignment]
    icon_url: IconUrl | None = None
    base_url: BaseUrl = None  # type: ignore[assignment]
    python_code: Code = None  # type: ignore[assignment]
    config_schema: dict[str, Any] = None  # type: ignore[assignment]
    required_dependencies: Dependencies = None  # type: ignore[assignment]
    validation_code: OptionalCode | None = None
    allowed_hosts: Hosts = None  # type: ignore[assignment]
    api_key: Secret = Field(None, description="Replaces the stored key")  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


class DynamicProviderPublic(BaseModel):
    id: int
    name: str
    display_name: str
    icon_url: str | None
    base_url: str | None
    is_active: bool
    is_dynamic: bool = True
    config_schema: dict[str, Any]
    required_dependencies: list[str]
    allowed_hosts: list[str]
    has_validation_code: bool
    has_api_key: bool
    model_count: int
    code_sha256: str = Field(description="Changes whenever the code does (a new sandbox worker)")
    created_at: datetime
    updated_at: datetime


class DynamicProvidersPublic(BaseModel):
    data: list[DynamicProviderPublic]
    count: int


class DynamicProviderCode(BaseModel):
    id: int
    name: str
    python_code: str
    validation_code: str | None
    config_schema: dict[str, Any]
    required_dependencies: list[str]
    code_sha256: str


class ProviderTemplate(BaseModel):
    provider_type: ProviderType
    display_name: str
    python_code: str
    config_schema: dict[str, Any]
    required_dependencies: list[str]
    validation_code: str
    default_base_url: str
    default_model: str
    notes: str


class CodeValidationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    python_code: Code
    config_schema: dict[str, Any] | None = None
    required_dependencies: Dependencies | None = None
    validation_code: OptionalCode | None = None


class CodeIssue(BaseModel):
    kind: str = Field(description="syntax | structure | config_schema | dependencies | validation_code | config")
    message: str
    line: int | None = None
    column: int | None = None


class CodeValidationResult(BaseModel):
    valid: bool = Field(description="false: `errors` says what to fix (broken code is a 200, not a 4xx)")
    errors: list[CodeIssue]
    warnings: list[CodeIssue]
    provider_class: str | None
    methods: dict[str, str]
    missing_dependencies: list[str]


class DynamicTestRequest(BaseModel):
    """Test a saved provider (`provider_id`) or unsaved code (`python_code`); fields given here
    override the saved ones."""

    model_config = ConfigDict(extra="forbid")
    provider_id: int | None = Field(None, ge=1, le=2_147_483_647)
    python_code: Code | None = None
    config_schema: dict[str, Any] | None = None
    required_dependencies: Dependencies | None = None
    validation_code: OptionalCode | None = None
    base_url: BaseUrl | None = None
    allowed_hosts: Hosts | None = None
    api_key: Secret | None = Field(None, description="Default: the saved provider's stored key")
    config: dict[str, Any] = Field(default_factory=dict, description="Assistant config values for config_schema")
    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)] = "test-model"
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=20_000),
                      AfterValidator(clean_text)] = "Hello! Reply with one short sentence."
    system_prompt: Annotated[str, StringConstraints(max_length=20_000), AfterValidator(clean_text)] | None = None
    stream: bool = False
    run_validation: bool = True


class ValidationRun(BaseModel):
    ran: bool
    passed: bool | None = None
    problems: list[str] = Field(default_factory=list)
    output: str = ""


class DynamicTestResult(BaseModel):
    success: bool
    answer: str | None = None
    deltas: list[str] | None = Field(None, description="What a stream yielded, in order (stream: true)")
    usage: dict[str, int] | None = None
    finish_reason: str | None = None
    error: str | None = Field(None, description="Why it failed (secrets masked)")
    error_kind: str | None = None
    status_code: int | None = Field(None, description="The status a chat through this provider would get")
    traceback: str | None = None
    output: str = Field("", description="What the code printed (secrets masked)")
    elapsed_ms: float
    provider_class: str | None = None
    validation: ValidationRun


class DynamicDebugRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider_id: int | None = Field(None, ge=1, le=2_147_483_647)
    python_code: Code | None = None
    config_schema: dict[str, Any] | None = None
    required_dependencies: Dependencies | None = None
    validation_code: OptionalCode | None = None
    base_url: BaseUrl | None = None
    allowed_hosts: Hosts | None = None


class SandboxStatus(BaseModel):
    mode: str
    isolated: bool
    available: bool
    reason: str | None
    warm_workers: int
    max_workers: int
    spawned: int
    timeout_seconds: float
    memory_mb: int


class WorkerStatus(BaseModel):
    provider_class: str | None
    alive: bool
    requests_served: int
    code_sha256: str
    denied_hosts: list[str] = Field(description="Hosts the code tried to reach and the proxy refused")


class DynamicDebugResult(BaseModel):
    parsed: bool
    validation: CodeValidationResult
    effective_allowed_hosts: list[str]
    sandbox: SandboxStatus
    workers: list[WorkerStatus]
    registered_in_factory: bool | None
    interface: str
