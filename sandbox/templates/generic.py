"""A generic OpenAI-compatible chat API (vLLM, Ollama, LM Studio, OpenRouter, Together, ...), with
plain httpx. Everything that differs between such services is config: the path of the chat
endpoint, the header that carries the key and its prefix, and any extra JSON fields.
"""

import json

import httpx


class GenericChatProvider:
    def __init__(self, config):
        headers = {}
        if config.get("api_key"):
            prefix = config.get("auth_prefix", "Bearer ")
            headers[config.get("auth_header", "Authorization")] = prefix + config["api_key"]
        self.path = config.get("chat_path", "/chat/completions").lstrip("/")
        self.extra_body = config.get("extra_body") or {}
        self.client = httpx.AsyncClient(base_url=config["base_url"].rstrip("/") + "/", headers=headers,
                                        timeout=config.get("timeout", 60))

    def body(self, messages, system_prompt, model, params, stream):
        history = [{"role": "system", "content": system_prompt}] if system_prompt else []
        history += [{"role": m["role"], "content": m["content"]} for m in messages]
        body = {**self.extra_body, "model": model, "messages": history, "stream": stream}
        body.update({k: v for k, v in params.items() if v is not None})
        return body

    async def chat(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, False)
        response = await self.client.post(self.path, json=body)
        response.raise_for_status()
        data = response.json()
        choice = data["choices"][0]
        usage = data.get("usage") or {}
        return {"text": choice["message"].get("content") or "",
                "usage": {"input_tokens": usage.get("prompt_tokens", 0),
                          "output_tokens": usage.get("completion_tokens", 0)},
                "finish_reason": choice.get("finish_reason")}

    async def stream(self, messages, system_prompt, model, params):
        finish = None
        async with self.client.stream("POST", self.path,
                                      json=self.body(messages, system_prompt, model, params, True)) as response:
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                    continue
                for choice in json.loads(line[5:].strip()).get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        yield text
                    finish = choice.get("finish_reason") or finish
        yield {"text": "", "finish_reason": finish}
