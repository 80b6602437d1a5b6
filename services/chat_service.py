"""Chat with stored assistants: find the assistant the caller may use, build the provider call
from the cached configuration, continue the conversation, and store the finished turn."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assistants.base_assistant import BaseAssistant
from assistants.keys import resolve_api_key
from config import Settings
from errors import AppError, InvalidInput, NotFound, PermissionDenied, ProviderNotConfigured
from providers import LLMFactory
from providers.llm_provider import ChatMessage, ChatResult, StreamChunk, Usage
from services.auth_service import Caller
from services.config_cache import ConfigCache
from services.conversation_service import ConversationWriter, Turn, load_history, new_conversation_id
from services.runtime_config import ApplicationConfig, AssistantConfig, RuntimeSnapshot, get_snapshot
from services.security import SecretBox


@dataclass(slots=True)
class PreparedChat:
    assistant: AssistantConfig
    application: ApplicationConfig
    runner: BaseAssistant
    message: str
    history: list[ChatMessage]
    conversation_id: str
    is_new: bool
    owner: str
    stream: bool


@dataclass(slots=True)
class ChatAnswer:
    text: str
    usage: Usage
    finish_reason: str | None
    prepared: PreparedChat
    timestamp: datetime


@dataclass(slots=True)
class Delta:
    text: str


@dataclass(slots=True)
class Done:
    usage: Usage
    finish_reason: str | None


@dataclass(slots=True)
class StreamFailed:
    status: int
    detail: str


ChatEvent = Delta | Done | StreamFailed


class ChatService:
    def __init__(self, settings: Settings, cache: ConfigCache, factory: LLMFactory,
                 sessionmaker: async_sessionmaker[AsyncSession], writer: ConversationWriter) -> None:
        self._settings = settings
        self._cache = cache
        self._factory = factory
        self._sessionmaker = sessionmaker
        self._writer = writer
        self._box = SecretBox(settings.encryption_keys)

    def _decrypt(self, encrypted: str) -> str:
        return self._cache.memo(("secret", encrypted), lambda: self._box.decrypt(encrypted))

    async def snapshot(self) -> RuntimeSnapshot:
        return await get_snapshot(self._cache)

    # -- finding what the caller may use -------------------------------------------------------

    async def refreshed_snapshot(self) -> RuntimeSnapshot:
        """Something asked for is missing: it may have been created a moment ago through another
        worker, so check the version now rather than at the next poll (one cheap query, misses only)."""
        await self._cache.refresh_version()
        return await self.snapshot()

    async def application(self, caller: Caller, *, slug: str | None = None,
                          endpoint: str | None = None) -> ApplicationConfig:
        snap = await self.snapshot()
        for _ in range(2):
            app = snap.apps_by_endpoint.get(endpoint or "") if endpoint else snap.apps_by_slug.get(slug or "")
            if app is not None:
                break
            snap = await self.refreshed_snapshot()
        if app is None or not caller.can_use(app.id):
            raise NotFound(f"Application '{endpoint or slug}' not found: GET /admin/applications lists them")
        if not app.is_active:
            raise PermissionDenied(f"Application '{app.name}' is disabled by an administrator")
        return app

    async def assistant_in_app(self, caller: Caller, app: ApplicationConfig, slug: str) -> AssistantConfig:
        assistant = app.assistants.get(slug)
        if assistant is None:
            snap = await self.refreshed_snapshot()
            app = snap.apps_by_id.get(app.id, app)
            assistant = app.assistants.get(slug)
        if assistant is None or not caller.can_use(app.id, assistant.id):
            raise NotFound(f"Assistant '{slug}' not found in application '{app.name}': GET {app_url(app)} "
                           "lists its assistants")
        return assistant

    async def find_assistant(self, caller: Caller, *, assistant_id: int | None = None,
                             name: str | None = None, endpoint: str | None = None) -> AssistantConfig:
        snap = await self.snapshot()
        for _ in range(2):
            if assistant_id is not None:
                candidates = [snap.assistants_by_id[assistant_id]] if assistant_id in snap.assistants_by_id else []
            elif endpoint is not None:
                candidates = [snap.assistants_by_endpoint[endpoint]] if endpoint in snap.assistants_by_endpoint else []
            else:
                candidates = snap.assistants_by_name.get((name or "").lower(), [])
            visible = [a for a in candidates if caller.can_use(a.application_id, a.id)]
            if visible:
                break
            snap = await self.refreshed_snapshot()
        if not visible:
            raise NotFound(f"Assistant '{assistant_id or name or endpoint}' not found")
        if len(visible) > 1:
            apps = ", ".join(sorted(snap.apps_by_id[a.application_id].name for a in visible))
            raise InvalidInput(f"Several assistants are named '{name}' (in {apps}): use assistant_id or "
                               "POST /app/{app}/{assistant}", field="assistant_name")
        return visible[0]

    # -- building and running the call ---------------------------------------------------------

    async def prepare(self, caller: Caller, assistant: AssistantConfig, message: str, *,
                      stream: bool | None, conversation_id: str | None) -> PreparedChat:
        snap = await self.snapshot()
        app = snap.apps_by_id.get(assistant.application_id)
        if app is None:  # deleted a moment ago
            raise NotFound(f"Assistant '{assistant.name}' not found")
        if not app.is_active:
            raise PermissionDenied(f"Application '{app.name}' is disabled by an administrator")
        if not assistant.is_active:
            raise PermissionDenied(f"Assistant '{assistant.name}' is disabled by an administrator")
        provider = assistant.provider
        if not provider.is_active or not assistant.model_active:
            raise PermissionDenied(f"Assistant '{assistant.name}' uses {provider.name}/{assistant.model_name}, "
                                   "which an administrator disabled: re-point it to an active model")
        api_key = resolve_api_key(self._settings, self._decrypt, provider_name=provider.name,
                                  assistant_key=assistant.encrypted_api_key, provider_key=provider.encrypted_key)
        runner = BaseAssistant(provider.name, assistant.model_name, api_key, assistant.is_streaming,
                               assistant.system_prompt if assistant.supports_system_prompt else None,
                               factory=self._factory, base_url=provider.base_url, config=assistant.config,
                               name=assistant.name, timeout=self._settings.provider_timeout_seconds,
                               max_retries=self._settings.provider_max_retries)
        history: list[ChatMessage] = []
        if conversation_id:
            window = int(assistant.config.get("history_window", self._settings.default_history_window))
            async with self._sessionmaker() as session:
                history = await load_history(session, conversation_id=conversation_id, owner=caller.owner,
                                             assistant_id=assistant.id, window=window)
        wants_stream = assistant.is_streaming if stream is None else stream
        return PreparedChat(assistant, app, runner, message, history, conversation_id or new_conversation_id(),
                            is_new=conversation_id is None, owner=caller.owner,
                            stream=wants_stream and assistant.supports_streaming)

    async def complete(self, prepared: PreparedChat) -> ChatAnswer:
        result: ChatResult = await prepared.runner.complete(prepared.message, prepared.history)
        await self._record(prepared, result.text)
        return ChatAnswer(result.text, result.usage, result.finish_reason, prepared, datetime.now(UTC))

    async def start_stream(self, prepared: PreparedChat) -> AsyncIterator[ChatEvent]:
        return await open_stream(prepared.runner.stream(prepared.message, prepared.history),
                                 lambda text: self._record(prepared, text))

    async def smoke_test(self, provider: str, preferred: str = "gemini-2.5-flash") -> BaseAssistant:
        """A direct call to `provider` on its preferred (else first) active model."""
        models = (await self.snapshot()).models_by_provider.get(provider, frozenset())
        if not models:
            raise ProviderNotConfigured(f"Provider '{provider}' has no active model: add or activate one "
                                        "with /admin/models")
        model = preferred if preferred in models else min(models)
        return await self.direct(provider=provider, model=model, system_prompt=None, api_key=None)

    async def direct(self, *, provider: str, model: str, system_prompt: str | None,
                     api_key: str | None) -> BaseAssistant:
        """A one-off call to any active provider and catalogue model (`POST /chat/`)."""
        snap = await self.snapshot()
        record = snap.providers_by_name.get(provider)
        if record is None:
            raise InvalidInput(f"Unknown provider '{provider}': use one of {', '.join(sorted(snap.providers_by_name))}",
                               field="provider")
        if not record.is_active:
            raise PermissionDenied(f"Provider '{provider}' is disabled by an administrator")
        models = snap.models_by_provider.get(provider, frozenset())
        if model not in models:
            raise InvalidInput(f"Model '{model}' is not an active model of '{provider}': use one of "
                               f"{', '.join(sorted(models)) or '(none: add one with POST /admin/models)'}",
                               field="model")
        key = api_key or resolve_api_key(self._settings, self._decrypt, provider_name=provider, assistant_key=None,
                                         provider_key=record.encrypted_key)
        return BaseAssistant(provider, model, key, system_prompt=system_prompt, factory=self._factory,
                             base_url=record.base_url, timeout=self._settings.provider_timeout_seconds,
                             max_retries=self._settings.provider_max_retries)

    async def _record(self, prepared: PreparedChat, answer: str) -> None:
        await self._writer.record(Turn(prepared.conversation_id, prepared.is_new, prepared.assistant.id,
                                       prepared.owner, prepared.message, answer))


async def open_stream(upstream: AsyncIterator[StreamChunk],
                      on_finish: Callable[[str], Awaitable[None]] | None = None) -> AsyncIterator[ChatEvent]:
    """Wait for the first piece, so an upstream failure before it is an ordinary HTTP error;
    after that, failures arrive as a `StreamFailed` event. `on_finish` gets the whole text."""
    try:
        first: StreamChunk | None = await anext(upstream)
    except StopAsyncIteration:
        first = None
    except BaseException:
        await upstream.aclose()  # type: ignore[attr-defined]
        raise
    return _events(upstream, first, on_finish)


async def _events(upstream: AsyncIterator[StreamChunk], chunk: StreamChunk | None,
                  on_finish: Callable[[str], Awaitable[None]] | None) -> AsyncIterator[ChatEvent]:
    parts: list[str] = []
    usage, finish_reason = Usage(), None
    try:
        while chunk is not None:
            if chunk.delta:
                parts.append(chunk.delta)
                yield Delta(chunk.delta)
            if chunk.usage is not None:
                usage = chunk.usage
            finish_reason = chunk.finish_reason or finish_reason
            chunk = await anext(upstream, None)
        if on_finish is not None:
            await on_finish("".join(parts))
    except AppError as exc:
        yield StreamFailed(exc.status_code, exc.detail)
        return
    finally:
        await upstream.aclose()  # type: ignore[attr-defined]  # a client that left cancels upstream
    yield Done(usage, finish_reason)


def app_url(app: ApplicationConfig) -> str:
    return f"/app/{app.slug}/"
