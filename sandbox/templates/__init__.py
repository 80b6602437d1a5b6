"""Starting points for dynamic providers: one complete, working provider per wire format, written
with plain httpx (available in the sandbox). The code lives in the sibling `.py` files so it can be
read and linted as Python; it is served as text and never imported by the server."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

INTERFACE_NOTES = """\
Interface (what the sandbox runtime calls):
- Define exactly one provider class (or set PROVIDER_CLASS = YourClass).
- __init__(self, config): config holds 'api_key', 'base_url' and the assistant's config values that
  config_schema declares, validated against config_schema before the class is built.
- async def chat(self, messages, system_prompt, model, params) -> {'text': str, 'usage':
  {'input_tokens': int, 'output_tokens': int}, 'finish_reason': 'stop' | 'length' | ...}.
  messages: [{'role': 'user' | 'assistant', 'content': str}]; system_prompt: str or None;
  params: {'temperature', 'max_tokens', 'top_p', 'stop'} (only those the assistant sets).
- async def stream(self, messages, system_prompt, model, params): an async generator yielding str
  deltas as they arrive; it may end with a dict {'text': '', 'usage': {...}, 'finish_reason': ...}.
- Raise on failure (e.g. response.raise_for_status()): the caller gets a 502 with your message, and
  the upstream status when the exception carries a response.
Sandbox rules: no environment variables, no project files, a private writable /tmp only; HTTP(S)
goes through a proxy that allows only base_url's host:port plus the provider's allowed_hosts (httpx,
aiohttp with trust_env=True, and the official SDKs honour HTTP(S)_PROXY); limits on CPU, memory,
processes, open files and file size; each call has a wall-clock timeout. print() output is captured
and shown by the test endpoint. Nothing is pip-installed: required_dependencies must already be
importable in the sandbox.
validation_code defines validate(provider, config, model) (async or not): raise AssertionError,
return a message or a list of messages to report problems; return None when all is well.
"""

VALIDATION_CODE = '''\
async def validate(provider, config, model):
    """Run by POST /admin/providers/dynamic/test after the test prompt."""
    assert config.get("base_url", "").startswith(("http://", "https://")), "base_url must be an http(s) URL"
    assert config.get("api_key"), "set an API key for this provider"
    result = await provider.chat([{"role": "user", "content": "Reply with the word OK"}], None, model,
                                 {"max_tokens": 5})
    assert result["text"].strip(), "the API answered with an empty text"
'''


def _schema(properties: dict[str, Any], *, key_required: bool = True) -> dict[str, Any]:
    return {"type": "object",
            "properties": {"api_key": {"type": "string", "minLength": 1, "writeOnly": True},
                           "base_url": {"type": "string", "pattern": "^https?://"}, **properties},
            "required": ["api_key", "base_url"] if key_required else ["base_url"]}


@dataclass(frozen=True)
class Template:
    provider_type: str
    display_name: str
    default_base_url: str
    default_model: str
    config_schema: dict[str, Any]
    notes: str
    required_dependencies: list[str] = field(default_factory=lambda: ["httpx"])
    validation_code: str = VALIDATION_CODE

    @property
    def python_code(self) -> str:
        return (HERE / f"{self.provider_type}.py").read_text()


TEMPLATES: dict[str, Template] = {t.provider_type: t for t in (
    Template("openai", "OpenAI-style chat completions", "https://api.openai.com/v1", "gpt-4o-mini",
             _schema({"organization": {"type": "string"}}),
             "OpenAI Chat Completions. base_url includes the version (https://api.openai.com/v1)."),
    Template("anthropic", "Anthropic Messages", "https://api.anthropic.com", "claude-3-5-haiku-20241022",
             _schema({"anthropic_version": {"type": "string", "default": "2023-06-01"},
                      "default_max_tokens": {"type": "integer", "minimum": 1, "default": 1024}}),
             "Anthropic Messages API. base_url is the host root (https://api.anthropic.com)."),
    Template("cohere", "Cohere Chat v2", "https://api.cohere.com", "command-r",
             _schema({}), "Cohere Chat v2. base_url is the host root (https://api.cohere.com)."),
    Template("gemini", "Google Gemini", "https://generativelanguage.googleapis.com", "gemini-2.0-flash",
             _schema({"api_version": {"type": "string", "enum": ["v1", "v1beta"], "default": "v1beta"}}),
             "Gemini generateContent. base_url is the host root (https://generativelanguage.googleapis.com)."),
    Template("generic", "Generic OpenAI-compatible API", "http://localhost:8000/v1", "my-model",
             _schema({"chat_path": {"type": "string", "default": "/chat/completions"},
                      "auth_header": {"type": "string", "default": "Authorization"},
                      "auth_prefix": {"type": "string", "default": "Bearer "},
                      "extra_body": {"type": "object"}}, key_required=False),
             "Any OpenAI-compatible service; the chat path, auth header and extra body fields are config."),
)}
