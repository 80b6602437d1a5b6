"""The server's handle on one sandboxed worker process: it starts the process with its own
allow-list proxy, loads the code once, multiplexes requests over the JSON-lines channel, enforces
the wall-clock timeouts, and kills the process (its whole pid namespace goes with it) on a timeout,
a crash or a protocol breach. Everything here is awaited; nothing blocks the event loop."""

import asyncio
import hashlib
import itertools
import json
import logging
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from errors import ProviderCodeFailed, SandboxError, SandboxTimeout
from sandbox.launcher import PROXY_SOCKET_NAME, Launcher, SandboxLimits
from sandbox.proxy import AllowListProxy

log = logging.getLogger(__name__)
TAIL_LIMIT = 8 * 1024
LINE_LIMIT = 16 * 1024 * 1024
_DEAD = object()


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker runs: the code, the config its class is built with (holds the API key),
    and the hosts it may reach. `label` names it in messages."""

    label: str
    code: str
    config: dict[str, Any] = field(default_factory=dict)
    allowed: frozenset[tuple[str, int]] = frozenset()
    secrets: tuple[str, ...] = ()

    @cached_property
    def key(self) -> str:
        """Changes whenever the code, the config or the allow-list does (so does the worker)."""
        blob = json.dumps([self.code, self.config, sorted(self.allowed)], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


class SandboxWorker:
    _ids = itertools.count(1)

    def __init__(self, spec: WorkerSpec, limits: SandboxLimits, timeout: float) -> None:
        self.spec = spec
        self.limits = limits
        self.timeout = timeout
        self.provider_class: str | None = None
        self.load_output = ""
        self.requests_served = 0
        self._process: asyncio.subprocess.Process | None = None
        self._proxy: AllowListProxy | None = None
        self._tmpdir: str | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._queues: dict[int, asyncio.Queue[Any]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._tails = {"stdout": bytearray(), "stderr": bytearray()}
        self._death: str | None = None

    @property
    def alive(self) -> bool:
        return self._death is None and self._process is not None and self._process.returncode is None

    @property
    def denied_hosts(self) -> list[str]:
        return list(self._proxy.denied) if self._proxy else []

    # --- life cycle -------------------------------------------------------------------------

    async def start(self, launcher: Launcher) -> "SandboxWorker":
        """Spawn, load the code and build the provider instance; raise if that fails."""
        self._proxy = AllowListProxy(self.spec.allowed)
        if not launcher.proxy_in_namespace:
            self._tmpdir = tempfile.mkdtemp(prefix="va-sandbox-")
            Path(self._tmpdir).chmod(0o755)
            await self._proxy.start(str(Path(self._tmpdir) / PROXY_SOCKET_NAME))
        parent, child = socket.socketpair()
        try:
            self._process = await launcher.spawn(channel_fd=child.fileno(), proxy_dir=self._tmpdir,
                                                 limits=self.limits)
        except OSError as exc:
            parent.close()
            await self.close()
            raise SandboxError(f"could not start a sandbox worker ({type(exc).__name__}: {exc})") from exc
        finally:
            child.close()
        reader, self._writer = await asyncio.open_connection(sock=parent, limit=LINE_LIMIT)
        self._tasks = [asyncio.create_task(self._drain(self._process.stdout, "stdout")),
                       asyncio.create_task(self._drain(self._process.stderr, "stderr"))]
        self._queues[0] = asyncio.Queue()  # load answers arrive without an id
        self._tasks.append(asyncio.create_task(self._read(reader)))
        await self._next(0, self.timeout, "start-up")  # hello: the sandbox and its loopback exist
        load: dict[str, Any] = {"code": self.spec.code, "config": self.spec.config}
        if launcher.proxy_in_namespace:
            try:
                sock = await launcher.listen_in_namespace(self._process.pid)
            except OSError as exc:
                await self.close()
                raise SandboxError(f"could not open the sandbox's network proxy ({exc})") from exc
            await self._proxy.start_on_socket(sock)
            load["proxy_port"] = sock.getsockname()[1]
        self._send(load)
        answer = await self._next(0, self.timeout, "loading")
        self._queues.pop(0, None)
        self.load_output = self.spec.redact(answer.get("output") or "")
        if answer.get("type") != "loaded":
            await self.close()
            raise self._code_failure(answer.get("error") or {}, self.load_output, loading=True)
        self.provider_class = answer.get("class")
        return self

    async def close(self) -> None:
        if self._death is None:
            self._death = "stopped"
        if self._process is not None and self._process.returncode is None:
            try:
                self._process.kill()  # bwrap: --die-with-parent takes the whole pid namespace down
            except ProcessLookupError:
                pass
            await self._process.wait()
        for queue in self._queues.values():
            queue.put_nowait(_DEAD)
        if self._writer is not None:
            self._writer.close()
        if self._proxy is not None:
            await self._proxy.close()
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # --- requests -----------------------------------------------------------------------------

    async def call(self, op: str, payload: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """One request, one answer (`chat`, `validate`, `ping`)."""
        rid = self._open(op, payload)
        try:
            answer = await self._next(rid, timeout or self.timeout, op)
        finally:
            self._queues.pop(rid, None)
        self.requests_served += 1
        return self._result(answer)

    async def stream(self, payload: dict[str, Any], *, timeout: float | None = None) -> AsyncIterator[dict[str, Any]]:
        """Deltas as the code yields them, then the `end` message. The timeout applies to each wait
        for the next message, so a stream that hangs midway is cut off like a silent chat."""
        rid = self._open("stream", payload)
        finished = False
        try:
            while True:
                message = await self._next(rid, timeout or self.timeout, "stream")
                if message.get("type") == "delta":
                    yield {"text": message.get("text", "")}
                    continue
                finished = True
                self.requests_served += 1
                yield {"end": True, **self._result(message)}
                return
        finally:
            self._queues.pop(rid, None)
            if not finished and self.alive:
                self._send({"op": "cancel", "id": rid})  # the caller went away: stop the code's work

    def _open(self, op: str, payload: dict[str, Any]) -> int:
        if not self.alive:
            raise SandboxError(f"the sandbox worker of '{self.spec.label}' is not running ({self._death})")
        rid = next(self._ids)
        self._queues[rid] = asyncio.Queue()
        self._send({"id": rid, "op": op, **payload})
        return rid

    def _send(self, message: dict[str, Any]) -> None:
        assert self._writer is not None
        self._writer.write(json.dumps(message).encode() + b"\n")

    async def _next(self, rid: int, timeout: float, what: str) -> dict[str, Any]:
        queue = self._queues[rid]
        try:
            async with asyncio.timeout(timeout):  # no extra task per wait, unlike wait_for
                message = await queue.get()
        except TimeoutError:
            await self._kill(f"timed out during {what}")
            raise SandboxTimeout(f"the dynamic provider '{self.spec.label}' did not answer within {timeout:g} s "
                                 f"({what}); its sandbox worker was stopped and will be replaced") from None
        if message is _DEAD:
            raise self._death_error(what)
        return message  # type: ignore[no-any-return]

    def _result(self, answer: dict[str, Any]) -> dict[str, Any]:
        output = self.spec.redact(answer.get("output") or "")
        if answer.get("type") == "error":
            raise self._code_failure(answer.get("error") or {}, output, loading=False)
        if answer.get("type") == "result":
            return {**(answer.get("result") or {}), "output": output}
        return {"usage": answer.get("usage"), "finish_reason": answer.get("finish_reason"), "output": output}

    # --- failures -----------------------------------------------------------------------------

    def _code_failure(self, error: dict[str, Any], output: str, *, loading: bool) -> SandboxError:
        kind = str(error.get("kind") or "exception")
        message = self.spec.redact(str(error.get("message") or ""))
        trace = self.spec.redact(str(error.get("traceback") or ""))
        where = "loading the code" if loading else "the call"
        label = self.spec.label
        if kind == "upstream_timeout":
            return SandboxTimeout(f"the dynamic provider '{label}' timed out calling its API: {message}")
        if error.get("type"):
            message = f"{error['type']}: {message}"
        prefix = {"structure": "has the wrong shape", "bad_return": "returned the wrong type",
                  "load": f"failed while {where}"}.get(kind, f"failed in {where}")
        detail = f"the dynamic provider '{label}' {prefix}: {message}".rstrip(": ")
        if error.get("upstream_status"):
            detail += f" (upstream answered HTTP {error['upstream_status']})"
        return ProviderCodeFailed(detail, kind=kind, output=output, traceback=trace)

    def _death_error(self, what: str) -> SandboxError:
        status = self._process.returncode if self._process else None
        stderr = self.spec.redact(self._tails["stderr"].decode(errors="replace").strip())[-1500:]
        reason = self._death or f"exited with status {status}"
        detail = f"the sandbox worker of '{self.spec.label}' stopped during {what} ({reason})"
        if stderr:
            detail += f"; it wrote: {stderr}"
        return ProviderCodeFailed(detail, kind="crash", output=self.load_output)

    async def _kill(self, reason: str) -> None:
        if self._death is None:
            self._death = reason
        await self.close()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                try:
                    message = json.loads(line)
                    rid = message.get("id", 0) if isinstance(message, dict) else None
                except ValueError:
                    rid = None
                if rid is None or not isinstance(message.get("type"), str):
                    await self._kill("the code wrote to the worker's protocol channel: protocol breach")
                    return
                queue = self._queues.get(rid)
                if queue is not None:
                    queue.put_nowait(message)
        except (ConnectionError, OSError, ValueError, asyncio.LimitOverrunError):
            await self._kill("the worker's protocol channel broke: protocol breach")
            return
        if self._process is not None:
            try:
                await asyncio.wait_for(self._process.wait(), 2)
            except TimeoutError:
                pass
        status = self._process.returncode if self._process else None
        await self._kill(f"exited with status {status}" if status is not None else "closed its channel")

    async def _drain(self, stream: asyncio.StreamReader | None, name: str) -> None:
        # Read the process's own stdout/stderr (fd level) so it never blocks on a full pipe;
        # keep only the tail for crash reports.
        if stream is None:
            return
        tail = self._tails[name]
        while data := await stream.read(65536):
            tail += data
            del tail[:-TAIL_LIMIT]
