"""Anthropic Messages API (POST {base_url}/v1/messages), with plain httpx.

base_url is the host root, e.g. https://api.anthropic.com. `max_tokens` is required by the API, so
`default_max_tokens` from the config is sent when the assistant sets none.
"""

import json

import httpx

FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


class AnthropicProvider:
    def __init__(self, config):
        headers = {"x-api-key": config["api_key"],
                   "anthropic-version": config.get("anthropic_version", "2023-06-01")}
        self.default_max_tokens = config.get("default_max_tokens", 1024)
        self.client = httpx.AsyncClient(base_url=config["base_url"].rstrip("/") + "/", headers=headers,
                                        timeout=config.get("timeout", 60))

    def body(self, messages, system_prompt, model, params, stream):
        body = {"model": model, "max_tokens": params.get("max_tokens") or self.default_max_tokens,
                "messages": [{"role": m["role"], "content": m["content"]} for m in messages]}
        if system_prompt:
            body["system"] = system_prompt
        if params.get("temperature") is not None:
            body["temperature"] = params["temperature"]
        if params.get("top_p") is not None:
            body["top_p"] = params["top_p"]
        if params.get("stop"):
            body["stop_sequences"] = list(params["stop"])
        if stream:
            body["stream"] = True
        return body

    async def chat(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, False)
        response = await self.client.post("v1/messages", json=body)
        response.raise_for_status()
        data = response.json()
        text = "".join(block.get("text", "") for block in data.get("content", []) if block.get("type") == "text")
        usage = data.get("usage") or {}
        return {"text": text,
                "usage": {"input_tokens": usage.get("input_tokens", 0), "output_tokens": usage.get("output_tokens", 0)},
                "finish_reason": FINISH.get(data.get("stop_reason"), data.get("stop_reason"))}

    async def stream(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, True)
        usage, finish = {"input_tokens": 0, "output_tokens": 0}, None
        async with self.client.stream("POST", "v1/messages", json=body) as response:
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:].strip())
                kind = event.get("type")
                if kind == "message_start":
                    usage["input_tokens"] = event["message"].get("usage", {}).get("input_tokens", 0)
                elif kind == "content_block_delta" and event["delta"].get("type") == "text_delta":
                    yield event["delta"]["text"]
                elif kind == "message_delta":
                    usage["output_tokens"] = event.get("usage", {}).get("output_tokens", 0)
                    reason = event["delta"].get("stop_reason")
                    finish = FINISH.get(reason, reason)
                elif kind == "error":
                    raise RuntimeError(f"Anthropic stream error: {event.get('error', {}).get('message')}")
                elif kind == "message_stop":
                    break
        yield {"text": "", "usage": usage, "finish_reason": finish}
