"""The one error hierarchy of the service. Every layer raises these; `main.py` turns them into
`{"detail": "..."}` with the status each class carries.

    AppError
    ├── InvalidInput (422)        ├── NotFound (404)        ├── Conflict (409)
    ├── Unauthenticated (401)     ├── PermissionDenied (403)
    ├── PayloadTooLarge (413)     ├── ServiceUnavailable (503)
    └── ProviderError (502)       upstream LLM trouble, never the caller's fault
        ├── ProviderAuthFailed (502)   upstream refused our key
        ├── ProviderNotConfigured (502) no key / unknown or inactive provider
        ├── ProviderRateLimited (429)  carries retry_after
        ├── ProviderTimeout (504)
        ├── ProviderBadResponse (502)  upstream 5xx or an unparseable answer
        └── SandboxError (502)         dynamic provider code failed or was refused
            ├── ProviderCodeFailed (502)   the admin's code raised, returned junk or crashed
            ├── SandboxTimeout (504)       the code did not answer in time (its worker is replaced)
            └── SandboxUnavailable (503)   no sandbox on this machine: running code is refused
"""

from typing import Any


class AppError(Exception):
    status_code = 500

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers

    def to_body(self) -> dict[str, Any]:
        return {"detail": self.detail}


class InvalidInput(AppError):
    """A body that validates as JSON but breaks a rule (unknown id, inconsistent fields)."""

    status_code = 422

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field

    def to_body(self) -> dict[str, Any]:
        # Same envelope as FastAPI's own validation errors, so clients parse one format.
        loc = ["body", self.field] if self.field else ["body"]
        return {"detail": [{"loc": loc, "msg": self.detail, "type": "value_error"}]}


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class Unauthenticated(AppError):
    status_code = 401

    def __init__(self, detail: str = "Not authenticated: send 'Authorization: Bearer <token>'") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class PermissionDenied(AppError):
    status_code = 403


class PayloadTooLarge(AppError):
    status_code = 413


class ServiceUnavailable(AppError):
    status_code = 503


class ProviderError(AppError):
    status_code = 502


class ProviderAuthFailed(ProviderError):
    status_code = 502


class ProviderNotConfigured(ProviderError):
    status_code = 502


class ProviderRateLimited(ProviderError):
    status_code = 429

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        seconds = max(1, int(retry_after)) if retry_after is not None else 1
        super().__init__(detail, headers={"Retry-After": str(seconds)})
        self.retry_after = seconds


class ProviderTimeout(ProviderError):
    status_code = 504


class ProviderBadResponse(ProviderError):
    status_code = 502


class SandboxError(ProviderError):
    status_code = 502


class ProviderCodeFailed(SandboxError):
    """The dynamic provider's own code failed; `output` is what it printed (secrets masked)."""

    def __init__(self, detail: str, *, kind: str = "exception", output: str = "", traceback: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.output = output
        self.traceback = traceback


class SandboxTimeout(SandboxError):
    status_code = 504


class SandboxUnavailable(SandboxError):
    status_code = 503
