"""OpenAI Chat Completions (POST {base_url}/chat/completions), with plain httpx.

base_url includes the version, e.g. https://api.openai.com/v1. Streaming reads the SSE `data:` lines
until `[DONE]`; usage arrives on the last chunk because we ask for `stream_options.include_usage`.
"""

import json

import httpx

FINISH = {"stop": "stop", "length": "length", "content_filter": "content_filter", "tool_calls": "tool_calls"}


class OpenAIProvider:
    def __init__(self, config):
        headers = {"Authorization": f"Bearer {config['api_key']}"}
        if config.get("organization"):
            headers["OpenAI-Organization"] = config["organization"]
        self.client = httpx.AsyncClient(base_url=config["base_url"].rstrip("/") + "/", headers=headers,
                                        timeout=config.get("timeout", 60))

    def body(self, messages, system_prompt, model, params, stream):
        history = [{"role": "system", "content": system_prompt}] if system_prompt else []
        history += [{"role": m["role"], "content": m["content"]} for m in messages]
        body = {"model": model, "messages": history}
        for name in ("temperature", "max_tokens", "top_p", "stop"):
            if params.get(name) is not None:
                body[name] = params[name]
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def chat(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, False)
        response = await self.client.post("chat/completions", json=body)
        response.raise_for_status()
        data = response.json()
        choice = data["choices"][0]
        usage = data.get("usage") or {}
        return {"text": choice["message"].get("content") or "",
                "usage": {"input_tokens": usage.get("prompt_tokens", 0),
                          "output_tokens": usage.get("completion_tokens", 0)},
                "finish_reason": FINISH.get(choice.get("finish_reason"), choice.get("finish_reason"))}

    async def stream(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, True)
        usage, finish = None, None
        async with self.client.stream("POST", "chat/completions", json=body) as response:
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                event = json.loads(data)
                if event.get("usage"):
                    usage = {"input_tokens": event["usage"].get("prompt_tokens", 0),
                             "output_tokens": event["usage"].get("completion_tokens", 0)}
                for choice in event.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        yield text
                    if choice.get("finish_reason"):
                        finish = FINISH.get(choice["finish_reason"], choice["finish_reason"])
        yield {"text": "", "usage": usage, "finish_reason": finish}
