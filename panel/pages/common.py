"""What every screen module shares: its router type, paging, and the form of the request."""

from dataclasses import dataclass
from math import ceil
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BeforeValidator, Field
from starlette.datastructures import FormData

from models.application import DB_INT_MAX
from panel.rendering import PanelRoute
from panel.session import csrf_protect

PAGE_SIZE = 25
# Selects (applications of an assistant, providers, models) list at most this many choices.
CHOICES_LIMIT = 1000

PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]


def _blank_is_none(value: object) -> object:
    # A filter form's "All ..." choice sends `?application_id=`: that means no filter, not an error.
    return None if value == "" else value


OptionalId = Annotated[Annotated[int, Field(ge=1, le=DB_INT_MAX)] | None, BeforeValidator(_blank_is_none), Query()]


def panel_router() -> APIRouter:
    """A router whose state-changing routes all need the CSRF token, answering errors as pages."""
    return APIRouter(route_class=PanelRoute, dependencies=[Depends(csrf_protect)], include_in_schema=False)


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    base: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def skip(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def url(self, page: int) -> str:
        return f"{self.base}?{urlencode([*self.params, ('page', str(page))])}"

    @property
    def prev_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None


def pager(page: int, total: int, base: str, **params: object) -> Pager:
    kept = tuple((k, str(v)) for k, v in params.items() if v is not None and v != "")
    return Pager(page=page, pages=max(1, ceil(total / PAGE_SIZE)), total=total, base=base, params=kept)


def skip_of(page: int) -> int:
    return (page - 1) * PAGE_SIZE


async def form_of(request: Request) -> FormData:
    return await request.form()
