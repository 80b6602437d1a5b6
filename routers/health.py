from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from errors import ServiceUnavailable
from models.common import Message, error_responses

router = APIRouter(tags=["health"])


@router.get("/", response_model=Message)
async def root() -> Message:
    return Message(message="Hello World")


@router.get("/hello/{name}", response_model=Message)
async def say_hello(name: str) -> Message:
    return Message(message=f"Hello {name}")


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses=error_responses(503))
async def ready(request: Request) -> dict[str, str]:
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        raise ServiceUnavailable("Database unreachable: check DATABASE_URL and the database server") from exc
    return {"status": "ready", "database": "ok"}
