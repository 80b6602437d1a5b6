"""Templates, security headers, and the route class that turns errors into panel pages.

Panel routes raise the same `AppError`s as the API. `PanelRoute` answers them as an HTML page in
the panel's layout (or as the API's JSON `detail` for the playground's fetch calls), and a missing
or expired session as a redirect to the login page, so no route repeats that handling."""

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from errors import AppError
from panel.session import COOKIE_PATH, FLASH_COOKIE, LoginRequired, read_flash

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

# Scripts only from our own files (no inline script, so injected markup cannot run code); styles
# may be inline because CodeMirror positions its parts with style attributes.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}

LOGIN_REASONS = {
    "required": "Please log in to use the admin panel.",
    "expired": "Your session has expired: please log in again.",
    "invalid": "Your session is no longer valid: please log in again.",
    "logged-out": "You are logged out.",
}


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             auto_reload=False)
    env.filters["when"] = _format_time
    env.filters["cost"] = _format_cost
    env.globals["static_version"] = _static_version()
    return env


def _static_version() -> str:
    """Changes whenever a static file does, so browsers never keep an old script (cache busting)."""
    latest = max((p.stat().st_mtime_ns for p in STATIC_DIR.rglob("*") if p.is_file()), default=0)
    return format(latest, "x")[-8:]


def _format_time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _format_cost(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") if value else "0"


def render(request: Request, template: str, status_code: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """A page in the panel's layout; `user` and the CSRF token come from the session dependency."""
    env: jinja2.Environment = request.app.state.panel_templates
    settings = request.app.state.settings
    flash = read_flash(request, settings) if FLASH_COOKIE in request.cookies else None
    html = env.get_template(template).render(
        request=request, user=getattr(request.state, "panel_user", None),
        csrf=getattr(request.state, "csrf_token", ""), flash=flash, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})})
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=COOKIE_PATH)
    return response


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and ("application/json" in accept or "text/event-stream" in accept)


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    reason = exc.reason if exc.reason in LOGIN_REASONS else "required"
    if wants_json(request):
        return JSONResponse({"detail": LOGIN_REASONS[reason], "login": "/panel/login?reason=" + reason},
                            status_code=401)
    query = {"reason": reason}
    if request.method == "GET" and not request.headers.get("hx-request"):
        query["next"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/panel/login?" + urlencode(query)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, exc: AppError) -> Response:
    if wants_json(request):
        return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc)
    return render(request, "error.html", status_code=exc.status_code, title=_TITLES.get(exc.status_code, "Error"),
                  detail=detail)


_TITLES = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Invalid input", 502: "Provider failed",
           503: "Unavailable", 504: "Provider timed out"}


def _validation_page(request: Request, exc: RequestValidationError) -> Response:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
    if wants_json(request):
        errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)
    return render(request, "error.html", status_code=422, title="Invalid address",
                  detail=f"This address has a value the panel cannot use ({problems}).")


class PanelRoute(APIRoute):
    """Answers the panel's errors in the panel's own terms (pages and redirects)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def panel_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                return login_redirect(request, exc)
            except AppError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                return _validation_page(request, exc)

        return panel_handler
