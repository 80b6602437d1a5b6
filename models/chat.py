from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from models.api_key import KEY_PATTERN, header_safe
from models.application import clean_text

MAX_MESSAGE_CHARS = 200_000
# Text the service stores (conversation history): PostgreSQL refuses NUL, and a lone surrogate cannot be
# encoded, so both are a 422 here instead of a failure when the turn is written.
ChatText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_CHARS), AfterValidator(clean_text)]
SystemPrompt = Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS), AfterValidator(clean_text)]
# Only ids this service issued exist (UUIDs); other text could only be a 404, or reach the database as NUL.
UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
ConversationId = Annotated[str, Field(pattern=UUID_PATTERN,
                                      description="The id an earlier answer returned, to continue that conversation")]
# A key the caller brings for one direct call: it goes into an HTTP header, so it must fit in one.
CallerKey = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(header_safe),
                      WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 500, "pattern": KEY_PATTERN})]


class UsagePublic(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


class DirectChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    provider: str = Field(min_length=1, max_length=64, examples=["openai"])
    model: str = Field(min_length=1, max_length=128, examples=["gpt-4o-mini"])
    prompt: ChatText
    system_prompt: SystemPrompt | None = None
    streaming: bool = Field(default=False, validation_alias=AliasChoices("streaming", "stream"))
    api_key: CallerKey | None = Field(default=None, description="write-only")


class DirectChatResponse(BaseModel):
    response: str
    provider_used: str
    model_used: str
    usage: UsagePublic
    finish_reason: str | None = None
    timestamp: datetime


class ChatTurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: ChatText
    stream: bool | None = Field(default=None, description="default: the assistant's is_streaming")
    conversation_id: ConversationId | None = None


class AssistantChatRequest(ChatTurnRequest):
    assistant_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    assistant_name: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_assistant(self) -> "AssistantChatRequest":
        if (self.assistant_id is None) == (self.assistant_name is None):
            raise ValueError("give exactly one of assistant_id or assistant_name")
        return self


class ChatResponse(BaseModel):
    response: str
    assistant_name: str
    application: str
    timestamp: datetime
    provider_used: str
    model_used: str
    conversation_id: str
    usage: UsagePublic
    finish_reason: str | None = None


class AssistantEndpoint(BaseModel):
    id: int
    name: str
    slug: str
    description: str | None
    url: str
    endpoint: str | None
    is_streaming: bool


class ApplicationInfo(BaseModel):
    id: int
    name: str
    slug: str
    description: str | None
    endpoint: str | None
    assistants: list[AssistantEndpoint]


class ProviderSmokeTest(BaseModel):
    status: str
    provider: str
    model: str
    response: str
