"""Google Gemini generateContent (POST {base_url}/{api_version}/models/{model}:generateContent),
with plain httpx.

base_url is the host root, e.g. https://generativelanguage.googleapis.com. The key travels in the
x-goog-api-key header. Streaming uses :streamGenerateContent?alt=sse; each SSE event is a whole
GenerateContentResponse, the last one carrying finishReason and usageMetadata.
"""

import json

import httpx

FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter"}


def parse(data):
    candidate = (data.get("candidates") or [{}])[0]
    parts = (candidate.get("content") or {}).get("parts") or []
    text = "".join(part.get("text", "") for part in parts)
    meta = data.get("usageMetadata")
    usage = None
    if meta:
        usage = {"input_tokens": meta.get("promptTokenCount", 0), "output_tokens": meta.get("candidatesTokenCount", 0)}
    reason = candidate.get("finishReason")
    return text, usage, FINISH.get(reason, reason.lower() if reason else None)


class GeminiProvider:
    def __init__(self, config):
        self.api_version = config.get("api_version", "v1beta")
        self.client = httpx.AsyncClient(base_url=config["base_url"].rstrip("/") + "/",
                                        headers={"x-goog-api-key": config["api_key"]},
                                        timeout=config.get("timeout", 60))

    def body(self, messages, system_prompt, params):
        body = {"contents": [{"role": "model" if m["role"] == "assistant" else "user",
                              "parts": [{"text": m["content"]}]} for m in messages]}
        if system_prompt:
            body["systemInstruction"] = {"parts": [{"text": system_prompt}]}
        names = {"temperature": "temperature", "max_tokens": "maxOutputTokens", "top_p": "topP",
                 "stop": "stopSequences"}
        generation = {theirs: params[ours] for ours, theirs in names.items() if params.get(ours) is not None}
        if generation:
            body["generationConfig"] = generation
        return body

    async def chat(self, messages, system_prompt, model, params):
        url = f"{self.api_version}/models/{model}:generateContent"
        response = await self.client.post(url, json=self.body(messages, system_prompt, params))
        response.raise_for_status()
        text, usage, finish = parse(response.json())
        return {"text": text, "usage": usage or {"input_tokens": 0, "output_tokens": 0}, "finish_reason": finish}

    async def stream(self, messages, system_prompt, model, params):
        url = f"{self.api_version}/models/{model}:streamGenerateContent"
        usage, finish = None, None
        async with self.client.stream("POST", url, params={"alt": "sse"},
                                      json=self.body(messages, system_prompt, params)) as response:
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                text, chunk_usage, chunk_finish = parse(json.loads(line[5:].strip()))
                if text:
                    yield text
                usage, finish = chunk_usage or usage, chunk_finish or finish
        yield {"text": "", "usage": usage, "finish_reason": finish}
