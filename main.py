"""Builds the app: settings, database, caches and routers. Nothing happens at import time but
building the FastAPI object; the lifespan does the I/O."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from config import Settings, get_settings
from database.bootstrap import migrate_and_seed
from database.database import make_engine, make_sessionmaker
from errors import AppError
from middleware import BodySizeLimitMiddleware
from panel import install_panel
from providers import LLMFactory
from providers.dynamic import DynamicProviders
from routers import admin, apps, auth, chat, health, moneytracker, openapi_docs, suncar
from services.chat_service import ChatService
from services.config_cache import ConfigCache
from services.conversation_service import ConversationWriter
from services.seed_service import seed

log = logging.getLogger("assistants_admin")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    await asyncio.to_thread(migrate_and_seed, settings.database_url, lambda conn: seed(conn, settings))
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    cache = ConfigCache(sessionmaker, settings.config_poll_interval_seconds)
    await cache.refresh_version()
    app.state.engine, app.state.sessionmaker, app.state.cache = engine, sessionmaker, cache
    factory = app.state.llm_factory = LLMFactory()
    # Sandbox workers for dynamic providers, registered in the same LLM factory as the built-ins.
    app.state.dynamic_providers = await DynamicProviders.start(settings, sessionmaker, cache, factory=factory)
    writer = ConversationWriter(settings.database_url)
    app.state.chat_service = ChatService(settings, cache, factory, sessionmaker, writer)
    tasks = [asyncio.create_task(cache.poll_forever(), name="config-version-poller"),
             asyncio.create_task(writer.run_forever(), name="conversation-writer")]
    # Everything built so far lives as long as the process: move it out of the collector's sight,
    # so a full collection under load walks request garbage only (it took ~150 ms per pass before,
    # the p99 of a chat under load).
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        # Let them finish cancelling while the engine still exists: one cut off mid-query after
        # dispose() would wait forever for its connection.
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.state.dynamic_providers.aclose()
        await factory.aclose()
        await writer.close()
        await engine.dispose()


async def app_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI's envelope without `input`: it may hold undecodable bytes or a secret (an api_key).
    errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # FastAPI answers a body it cannot decode (bytes that are not UTF-8) with a bare 400 that does not
    # say what to fix; it is malformed JSON like any other, so it gets the same 422 and envelope.
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        detail = [{"type": "json_invalid", "loc": ["body"],
                   "msg": "The body is not UTF-8 text: send JSON encoded as UTF-8"}]
        return JSONResponse({"detail": detail}, status_code=422)
    return await http_exception_handler(request, exc)


async def unexpected_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse({"detail": "Internal server error; the incident was logged"}, status_code=500)


def create_app(settings: Settings | None = None) -> FastAPI:
    # /openapi.json and /docs are served by routers.openapi_docs (per-application tags, local assets).
    app = FastAPI(title="Virtual Assistants Admin", version="1.0.0", lifespan=lifespan,
                  description="Manage applications, assistants, LLM providers, models and keys at run time.",
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings or get_settings()
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=app.state.settings.max_request_body_bytes)
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    # The chat routes come first: routes are matched in order and they are the hot path.
    for router in (chat.router, apps.router, health.router, auth.router, suncar.router, moneytracker.router,
                   admin.router, openapi_docs.router):
        app.include_router(router)
    openapi_docs.mount_docs_assets(app)
    install_panel(app)  # the admin web panel under /panel/ (before the catch-all below)
    # Admin-defined endpoint paths: a catch-all, so it must stay the last route.
    app.include_router(apps.endpoints_router)
    return app


app = create_app()
