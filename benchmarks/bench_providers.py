"""How much one provider call costs us: N calls through each provider against a zero-latency fake
upstream (tests/fakes, in its own process so it does not share our CPU), sequential and concurrent,
whole answers and streams. For OpenAI and Anthropic it also measures the official SDKs on their default
and aiohttp transports, the alternatives the lean client (providers/lean_http.py) was chosen over.

    python -m benchmarks.bench_providers [--calls 2000] [--concurrency 32] [--providers openai,gemini]
"""

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

from providers import ChatMessage, GenerationParams, LLMFactory

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = [ChatMessage("user", "What is a good monthly budget for groceries?")]
SYSTEM = "You are a concise assistant."
Call = Callable[[], Awaitable[object]]


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def start_fake(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", (
        "import uvicorn; from tests.fakes.upstream import make_upstream_app; "
        f"uvicorn.run(make_upstream_app(latency={latency}), host='127.0.0.1', port={port}, "
        "log_level='warning', access_log=False)")], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/", timeout=0.2)  # noqa: S310 - loopback only
        except OSError as exc:
            if getattr(exc, "code", None) is not None:  # an HTTP answer (404): it is up
                return proc, url
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the fake upstream (tests/fakes/upstream.py) did not start")


async def measure(label: str, call: Call, *, calls: int, concurrency: int) -> None:
    for _ in range(min(100, calls)):  # warm up connections and caches
        await call()
    latencies: list[float] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            t = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    await asyncio.gather(*(worker(calls // concurrency) for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    out(f"{label:44s} c={concurrency:<3d} {len(latencies) / elapsed:9.0f} calls/s   "
        f"p50 {statistics.median(latencies) * 1000:7.3f} ms")


def ours(factory: LLMFactory, provider: str, base_url: str, *, stream: bool) -> Call:
    llm = factory.create(provider, api_key="bench-key", base_url=base_url, timeout=30, max_retries=0)
    params = GenerationParams(temperature=0.2, max_tokens=64)

    async def chat() -> object:
        return await llm.chat(MESSAGES, model="bench-model", system_prompt=SYSTEM, params=params)

    async def streamed() -> object:
        return [c async for c in llm.stream(MESSAGES, model="bench-model", system_prompt=SYSTEM, params=params)]

    return streamed if stream else chat


def sdk_calls(url: str, clients: list[object]) -> dict[str, Call]:
    """The official OpenAI and Anthropic SDKs, as the alternatives to the lean client."""
    import anthropic
    import openai

    a_msgs = [{"role": m.role, "content": m.content} for m in MESSAGES]
    msgs = [{"role": "system", "content": SYSTEM}, *a_msgs]
    o_default = openai.AsyncOpenAI(api_key="k", base_url=url + "/v1", max_retries=0)
    o_aio = openai.AsyncOpenAI(api_key="k", base_url=url + "/v1", max_retries=0,
                               http_client=openai.DefaultAioHttpClient())
    a_default = anthropic.AsyncAnthropic(api_key="k", base_url=url, max_retries=0)
    a_aio = anthropic.AsyncAnthropic(api_key="k", base_url=url, max_retries=0,
                                     http_client=anthropic.DefaultAioHttpClient())
    clients.extend((o_default, o_aio, a_default, a_aio))
    return {
        "openai SDK, default transport": lambda: o_default.chat.completions.create(model="m", messages=msgs),
        "openai SDK, aiohttp transport": lambda: o_aio.chat.completions.create(model="m", messages=msgs),
        "anthropic SDK, default transport": lambda: a_default.messages.create(
            model="m", max_tokens=64, system=SYSTEM, messages=a_msgs),
        "anthropic SDK, aiohttp transport": lambda: a_aio.messages.create(
            model="m", max_tokens=64, system=SYSTEM, messages=a_msgs),
    }


async def run(args: argparse.Namespace, url: str) -> None:
    factory = LLMFactory()
    providers = args.providers.split(",")
    sdk_clients: list[object] = []
    try:
        for concurrency in (1, args.concurrency):
            for provider in providers:
                base = f"{url}/v1" if provider == "openai" else url
                for stream in (False, True):
                    label = f"{provider} (ours), {'stream' if stream else 'whole answer'}"
                    await measure(label, ours(factory, provider, base, stream=stream), calls=args.calls,
                                  concurrency=concurrency)
            if args.sdks:
                for label, call in sdk_calls(url, sdk_clients).items():
                    if label.split()[0] in providers:
                        await measure(label + ", whole answer", call, calls=args.calls, concurrency=concurrency)
    finally:
        await factory.aclose()
        for client in sdk_clients:
            await client.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--providers", default="openai,anthropic,cohere,gemini")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake waits before answering")
    parser.add_argument("--no-sdks", dest="sdks", action="store_false", help="skip the SDK comparison")
    args = parser.parse_args()
    proc, url = start_fake(args.latency)
    try:
        asyncio.run(run(args, url))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
