"""Local fake upstream servers speaking each LLM provider's wire format (see `upstream.py`).

    with serve_upstream() as fake:
        fake.base_url("openai")      # http://127.0.0.1:PORT/v1 (OpenAI's base URL includes /v1)
        fake.base_url("gemini")      # http://127.0.0.1:PORT     (the others take the host root)
        fake.recorder.last(model)    # what the fake received
        async with fake.provider("openai", api_key="sk-test") as llm:   # our provider, pointed at it
            await llm.chat(...)
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from providers import LLMFactory, LLMProvider
from providers.llm_provider import ChatMessage, GenerationParams
from tests.fakes.upstream import ECHO_PREFIX, SLOW_SECONDS, Recorded, Recorder, make_upstream_app
from tests.servers import serve_in_thread

__all__ = ["ECHO_PREFIX", "HISTORY", "PARAMS", "SLOW_SECONDS", "FakeUpstream", "Recorded", "Recorder",
           "make_upstream_app",
           "serve_upstream"]


# A conversation with history and every generation parameter, shared by the provider tests.
HISTORY = [ChatMessage("user", "first question"), ChatMessage("assistant", "first answer"),
           ChatMessage("user", "hello there")]
PARAMS = GenerationParams(temperature=0.3, max_tokens=50, top_p=0.9, stop=("END", "STOP"))


@dataclass(frozen=True, slots=True)
class FakeUpstream:
    url: str
    recorder: Recorder

    def base_url(self, provider: str) -> str:
        """The base URL to store on the provider record, as each official SDK takes it."""
        return f"{self.url}/v1" if provider == "openai" else self.url

    @asynccontextmanager
    async def provider(self, name: str, *, api_key: str = "test-key", timeout: float = 10.0,
                       max_retries: int = 0) -> AsyncIterator[LLMProvider]:
        """Our provider `name` from a fresh factory, pointed at this fake; closed afterwards."""
        factory = LLMFactory()
        try:
            yield factory.create(name, api_key=api_key, base_url=self.base_url(name), timeout=timeout,
                                 max_retries=max_retries)
        finally:
            await factory.aclose()


@contextmanager
def serve_upstream(latency: float = 0.0) -> Iterator[FakeUpstream]:
    app = make_upstream_app(latency=latency)
    with serve_in_thread(app) as url:
        yield FakeUpstream(url, app.state.recorder)
