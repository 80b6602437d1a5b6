"""Parameters the admin routers share: paging, ids in paths, and the service's own static routes."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.routing import iter_route_contexts

from models.application import DB_INT_MAX

Skip = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip")]
Limit = Annotated[int, Query(ge=1, le=500, description="Rows to return (at most 500)")]
IsActive = Annotated[bool | None, Query(description="Only active (true) or inactive (false) rows")]
# Paths use the `{x:int}` converter, so a segment that is not a number matches no route here and a
# later router (e.g. /admin/providers/dynamic) can still have it.
Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
Force = Annotated[bool, Query(description="Also delete what still depends on it")]


def static_route_paths(request: Request) -> frozenset[str]:
    """Paths of the app's routes without parameters: an endpoint may not shadow one of them."""
    # FastAPI keeps included routers nested; iter_route_contexts flattens them with their prefixes.
    # Templates with parameters count too ("/hello/{name}" takes "/hello/world"); the catch-all
    # that serves the admin-defined endpoints themselves does not.
    return frozenset(path for route in iter_route_contexts(request.app.routes)
                     if isinstance(path := getattr(route, "path", None), str) and path != "/{path:path}")


LiveRoutes = Annotated[frozenset[str], Depends(static_route_paths)]

READ_ERRORS = (401, 404, 422)
# 400: FastAPI answers it itself for a body that is not UTF-8 text.
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)
CREATE_ERRORS = (400, 401, 403, 409, 413, 422)
