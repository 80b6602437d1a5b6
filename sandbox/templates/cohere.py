"""Cohere Chat v2 (POST {base_url}/v2/chat), with plain httpx.

base_url is the host root, e.g. https://api.cohere.com. The system prompt is the first message.
Streaming reads the SSE events content-delta ... message-end (which carries usage and the finish).
"""

import json

import httpx

FINISH = {"COMPLETE": "stop", "STOP_SEQUENCE": "stop", "MAX_TOKENS": "length", "TOOL_CALL": "tool_calls"}


def usage_of(usage):
    tokens = (usage or {}).get("tokens") or (usage or {}).get("billed_units") or {}
    return {"input_tokens": int(tokens.get("input_tokens", 0)), "output_tokens": int(tokens.get("output_tokens", 0))}


class CohereProvider:
    def __init__(self, config):
        headers = {"Authorization": f"Bearer {config['api_key']}"}
        self.client = httpx.AsyncClient(base_url=config["base_url"].rstrip("/") + "/", headers=headers,
                                        timeout=config.get("timeout", 60))

    def body(self, messages, system_prompt, model, params, stream):
        history = [{"role": "system", "content": system_prompt}] if system_prompt else []
        history += [{"role": m["role"], "content": m["content"]} for m in messages]
        body = {"model": model, "messages": history, "stream": stream}
        names = {"temperature": "temperature", "max_tokens": "max_tokens", "top_p": "p", "stop": "stop_sequences"}
        for ours, theirs in names.items():
            if params.get(ours) is not None:
                body[theirs] = params[ours]
        return body

    async def chat(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, False)
        response = await self.client.post("v2/chat", json=body)
        response.raise_for_status()
        data = response.json()
        content = (data.get("message") or {}).get("content") or []
        text = "".join(part.get("text", "") for part in content if part.get("type") == "text")
        return {"text": text, "usage": usage_of(data.get("usage")),
                "finish_reason": FINISH.get(data.get("finish_reason"), data.get("finish_reason"))}

    async def stream(self, messages, system_prompt, model, params):
        body = self.body(messages, system_prompt, model, params, True)
        usage, finish = None, None
        async with self.client.stream("POST", "v2/chat", json=body) as response:
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:].strip())
                if event.get("type") == "content-delta":
                    text = event["delta"]["message"]["content"].get("text")
                    if text:
                        yield text
                elif event.get("type") == "message-end":
                    delta = event.get("delta") or {}
                    usage = usage_of(delta.get("usage"))
                    finish = FINISH.get(delta.get("finish_reason"), delta.get("finish_reason"))
                    break
        yield {"text": "", "usage": usage, "finish_reason": finish}
