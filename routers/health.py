from fastapi import APIRouter, Request

from models.common import Message, error_responses
from services import health_service

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
    await health_service.check_database(request.app.state.engine)
    return {"status": "ready", "database": "ok"}
