"""Checking and trying a provider definition before (or after) it is saved: static validation
plus the dependency check in a sandbox, and a test run of the code against its real API in a
one-off sandbox worker. Broken code is a result (`valid: false`, `success: false`), not an error
status; only a machine without the sandbox is refused (503, fail closed)."""

import time
from dataclasses import dataclass
from typing import Any

from errors import ProviderCodeFailed, ProviderNotConfigured, SandboxError, SandboxUnavailable
from models.dynamic_provider import CodeIssue, CodeValidationResult, DynamicTestResult, ValidationRun
from providers.dynamic.definition import DynamicDefinition
from sandbox import validation
from sandbox.pool import SandboxPool
from sandbox.worker import SandboxWorker


@dataclass(frozen=True)
class Candidate:
    """A definition under test: saved fields overridden by what the request sent."""

    definition: DynamicDefinition
    required_dependencies: list[str]
    validation_code: str | None


def _issue(i: validation.Issue) -> CodeIssue:
    return CodeIssue(kind=i.kind, message=i.message, line=i.line, column=i.column)


async def validate(pool: SandboxPool, *, python_code: str, config_schema: dict[str, Any] | None,
                   required_dependencies: list[str] | None, validation_code: str | None) -> CodeValidationResult:
    report = validation.check_code(python_code)
    errors = list(report.errors) + validation.check_config_schema(config_schema)
    errors += validation.check_validation_code(validation_code)
    names, dependency_issues = validation.dependency_names(required_dependencies or [])
    errors += dependency_issues
    missing: list[str] = []
    if names:
        try:
            missing = await pool.check_dependencies(names)
        except SandboxUnavailable as exc:
            errors.append(validation.Issue("dependencies", f"could not check required_dependencies: {exc.detail}"))
        if missing:
            errors.append(validation.Issue("dependencies", f"not importable in the sandbox: {', '.join(missing)}; "
                                           "nothing is installed at run time: use what is available "
                                           "(httpx, aiohttp, the official SDKs) or ask an operator"))
    return CodeValidationResult(valid=not errors, errors=[_issue(i) for i in errors],
                                warnings=[_issue(i) for i in report.warnings], provider_class=report.provider_class,
                                methods=report.methods, missing_dependencies=missing)


async def run_test(pool: SandboxPool, candidate: Candidate, *, api_key: str | None, config: dict[str, Any],
                   model: str, prompt: str, system_prompt: str | None, stream: bool,
                   run_validation: bool) -> DynamicTestResult:
    started = time.perf_counter()
    definition = candidate.definition
    static = await validate(pool, python_code=definition.python_code, config_schema=definition.config_schema,
                            required_dependencies=candidate.required_dependencies,
                            validation_code=candidate.validation_code)
    if not static.valid:
        problems = "; ".join(e.message for e in static.errors)
        return _failed(started, f"the definition does not validate: {problems}", "validation", 422)
    try:
        spec = definition.worker_spec(definition.build_config(api_key=api_key, base_url=None, extra=config),
                                      label=definition.name)
    except ProviderNotConfigured as exc:
        return _failed(started, exc.detail, "config", exc.status_code)
    await pool.ensure_available()  # fail closed: a 503 for the request, not a test result
    payload = {"messages": [{"role": "user", "content": prompt}], "system_prompt": system_prompt,
               "model": model, "params": {}}
    result: dict[str, Any] = {}
    provider_class = None
    try:
        async with pool.ephemeral(spec) as worker:
            provider_class = worker.provider_class
            result = await _call(worker, payload, stream)
            check = await _validation(worker, candidate.validation_code, spec.config, model, run_validation)
    except SandboxError as exc:
        failed = _failed(started, exc.detail, getattr(exc, "kind", type(exc).__name__), exc.status_code,
                         output=getattr(exc, "output", ""), trace=getattr(exc, "traceback", "") or None)
        failed.provider_class = provider_class
        failed.output = (result.get("output", "") + failed.output) if result else failed.output
        return failed
    # The test shows the admin what the code answered, minus any secret it echoed.
    deltas = [spec.redact(d) for d in result["deltas"]] if result.get("deltas") is not None else None
    return DynamicTestResult(
        success=check.passed is not False, answer=spec.redact(result.get("text", "")), deltas=deltas,
        usage=result.get("usage") or None, finish_reason=result.get("finish_reason"),
        error=None if check.passed is not False else "validate() reported: " + "; ".join(check.problems),
        error_kind=None if check.passed is not False else "validation_code",
        output=result.get("output", ""), elapsed_ms=_ms(started), provider_class=provider_class, validation=check)


async def _call(worker: SandboxWorker, payload: dict[str, Any], stream: bool) -> dict[str, Any]:
    if not stream:
        return await worker.call("chat", payload)
    deltas: list[str] = []
    end: dict[str, Any] = {}
    async for message in worker.stream(payload):
        if message.get("end"):
            end = message
        else:
            deltas.append(message["text"])
    return {**end, "text": "".join(deltas), "deltas": deltas}


async def _validation(worker: SandboxWorker, code: str | None, config: dict[str, Any], model: str,
                      enabled: bool) -> ValidationRun:
    if not enabled or not code or not code.strip():
        return ValidationRun(ran=False)
    try:
        outcome = await worker.call("validate", {"code": code, "config": config, "model": model})
    except ProviderCodeFailed as exc:
        return ValidationRun(ran=True, passed=False, problems=[exc.detail], output=exc.output)
    problems = [str(p) for p in outcome.get("problems") or []]
    return ValidationRun(ran=True, passed=not problems, problems=[worker.spec.redact(p) for p in problems],
                         output=outcome.get("output", ""))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _failed(started: float, error: str, kind: str, status: int, *, output: str = "",
            trace: str | None = None) -> DynamicTestResult:
    return DynamicTestResult(success=False, error=error, error_kind=kind, status_code=status, output=output,
                             traceback=trace, elapsed_ms=_ms(started), validation=ValidationRun(ran=False))
