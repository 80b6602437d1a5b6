from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """The error body of every 4xx/5xx: `detail` is a sentence (or FastAPI's field errors on 422)."""

    detail: str | list[dict[str, object]]


class Message(BaseModel):
    message: str


def error_responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI declarations of the error statuses a route can answer, all with `ErrorDetail`."""
    return {code: {"model": ErrorDetail, "description": _DESCRIPTIONS.get(code, "Error")} for code in codes}


_DESCRIPTIONS = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
    409: "Conflict", 413: "Request body too large", 422: "Invalid input", 429: "Upstream rate limit",
    502: "Upstream provider failed", 503: "Unavailable", 504: "Upstream provider timed out",
}
