"""The one interface every LLM provider implements, built-in or dynamic.

A provider gets everything as arguments (API key, base URL, timeouts): it never reads the database
or the environment. `chat` returns a whole answer; `stream` is an async generator of `StreamChunk`s
(text deltas as they arrive, then one chunk carrying usage and the finish reason).
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class GenerationParams:
    """Generation settings from an assistant's `config`, in our names; each provider maps them."""

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: tuple[str, ...] | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "GenerationParams":
        config = config or {}
        stop = config.get("stop")
        if isinstance(stop, str):
            stop = (stop,)
        return cls(
            temperature=config.get("temperature"),
            max_tokens=config.get("max_tokens"),
            top_p=config.get("top_p"),
            stop=tuple(stop) if stop else None,
        )


DEFAULT_PARAMS = GenerationParams()  # the shared "no settings" default (immutable, so safe to share)


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class ChatResult:
    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None  # normalised: "stop", "length", "content_filter", "tool_calls", ...


@dataclass(slots=True)
class StreamChunk:
    delta: str = ""
    usage: Usage | None = None  # set on the final chunk
    finish_reason: str | None = None


class LLMProvider(ABC):
    """Base class of all providers. Subclasses set `name` and `default_base_url`."""

    name: ClassVar[str]
    default_base_url: ClassVar[str | None] = None

    def __init__(self, *, api_key: str | None, base_url: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2) -> None:
        self.api_key = api_key
        self.base_url = base_url or self.default_base_url
        self.timeout = timeout
        self.max_retries = max_retries

    @abstractmethod
    async def chat(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
                   params: GenerationParams = GenerationParams()) -> ChatResult:
        """One whole answer."""

    @abstractmethod
    def stream(self, messages: list[ChatMessage], *, model: str, system_prompt: str | None = None,
               params: GenerationParams = GenerationParams()) -> AsyncIterator[StreamChunk]:
        """Text deltas as they arrive, then a final chunk with usage (an async generator)."""

    def with_config(self, extra_config: Mapping[str, Any] | None) -> "LLMProvider":
        """This provider for one assistant's extra settings. Built-ins take everything they need as
        GenerationParams; dynamic providers pass the values their config_schema declares."""
        return self

    async def aclose(self) -> None:  # noqa: B027 - optional hook: most providers hold nothing to close
        """Release clients and connections (called when the factory drops this instance)."""
