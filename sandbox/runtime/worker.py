"""The trusted runtime of a sandbox worker. It runs INSIDE the sandbox, before and around the
admin's code, and imports nothing from the project (the project directory is not mounted).

Start-up, in this order: lower the resource limits, drop to the worker's own unprivileged uid,
then either answer a dependency check (`mode == "check"`) or say hello, learn where the allow-list
proxy is (the server listens on 127.0.0.1:<port> inside our own network namespace when it runs as
root; otherwise a TCP->Unix-socket relay here forwards to it), load the provider code once and
serve requests.

Protocol: JSON lines on a dedicated socket fd (never stdout, so the code's `print` cannot break
it). Requests carry an `id`; answers are `result`, `error`, or for streams several `delta` then
one `end`. What the code prints during a request is captured and returned with the answer.
"""

import asyncio
import contextvars
import importlib.util
import inspect
import io
import json
import linecache
import os
import resource
import socket
import sys
import threading
import traceback
import types
from typing import Any

CODE_FILENAME = "provider.py"
OUTPUT_LIMIT = 16 * 1024
_output: contextvars.ContextVar["_Capture | None"] = contextvars.ContextVar("output", default=None)


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        if self.size < OUTPUT_LIMIT:
            self.parts.append(text[: OUTPUT_LIMIT - self.size])
        self.size += len(text)

    def text(self) -> str:
        out = "".join(self.parts)
        return out + ("\n[output truncated]" if self.size > OUTPUT_LIMIT else "")


class _RoutedStream(io.TextIOBase):
    """sys.stdout/sys.stderr: each request's task writes into its own capture (a context var)."""

    def __init__(self, fallback: _Capture) -> None:
        self._fallback = fallback

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        (_output.get() or self._fallback).write(str(text))
        return len(text)


# --- start-up -------------------------------------------------------------------------------

def apply_limits(limits: dict[str, int]) -> None:
    names = {"cpu": resource.RLIMIT_CPU, "as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
             "nofile": resource.RLIMIT_NOFILE, "fsize": resource.RLIMIT_FSIZE, "core": resource.RLIMIT_CORE}
    for name, value in limits.items():
        # CPU: soft < hard so the kernel sends SIGXCPU first and SIGKILL a second later.
        hard = value + 1 if name == "cpu" else value
        resource.setrlimit(names[name], (value, hard))


def drop_privileges(uid: int | None, gid: int | None) -> None:
    """Become the worker's own uid: no capabilities left, and the NPROC limit applies (the kernel
    never enforces RLIMIT_NPROC on uid 0)."""
    if uid is None or os.geteuid() != 0:
        return
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.geteuid() == 0 or os.getegid() == 0:
        raise SystemExit("sandbox: could not drop privileges")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def start_relay(proxy_socket: str) -> int:
    """Listen on 127.0.0.1 (the sandbox's own loopback) and relay each connection to the
    allow-list proxy's Unix socket. Its own thread and loop, so blocking user code (a sync
    HTTP client) cannot starve the relay it depends on."""
    port_box: list[int] = []
    started = threading.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_unix_connection(proxy_socket)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def run() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=128)
        port_box.append(server.sockets[0].getsockname()[1])
        started.set()
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(run()), name="sandbox-relay", daemon=True).start()
    started.wait(10)
    if not port_box:
        raise SystemExit("sandbox: the network relay did not start")
    return port_box[0]


def set_proxy_env(port: int | None) -> None:
    os.environ.clear()
    os.environ.update({"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    if port is not None:
        url = f"http://127.0.0.1:{port}"
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            os.environ[name] = url
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = ""


# --- loading and serving the admin's code ------------------------------------------------------

class ProviderCodeError(Exception):
    """A problem in the admin's code, reported with a message the admin can act on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _user_traceback(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == CODE_FILENAME]
    lines = traceback.format_list(frames) if frames else []
    return "".join(lines + traceback.format_exception_only(type(exc), exc)).strip()[-4000:]


def _error_body(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ProviderCodeError):
        return {"kind": exc.kind, "message": exc.message}
    body: dict[str, Any] = {"kind": "exception", "type": type(exc).__name__,
                            "message": str(exc)[:2000], "traceback": _user_traceback(exc)}
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        body["upstream_status"] = status  # lets the server map 401/429/5xx like the built-ins
    if "timeout" in type(exc).__name__.lower():
        body["kind"] = "upstream_timeout"
    return body


def find_provider_class(module: types.ModuleType) -> type:
    chosen = getattr(module, "PROVIDER_CLASS", None)
    if isinstance(chosen, type):
        return chosen
    candidates = [obj for obj in vars(module).values() if isinstance(obj, type)
                  and obj.__module__ == module.__name__ and hasattr(obj, "chat") and hasattr(obj, "stream")]
    if len(candidates) != 1:
        names = ", ".join(c.__name__ for c in candidates) or "none"
        raise ProviderCodeError("structure", "the code must define exactly one provider class with "
                                f"async chat() and stream() methods (found: {names}); "
                                "set PROVIDER_CLASS = YourClass to choose one")
    return candidates[0]


def load_module(code: str) -> types.ModuleType:
    module = types.ModuleType("dynamic_provider")
    module.__file__ = CODE_FILENAME
    linecache.cache[CODE_FILENAME] = (len(code), None, code.splitlines(True), CODE_FILENAME)
    exec(compile(code, CODE_FILENAME, "exec"), module.__dict__)  # noqa: S102 - this is the sandbox
    return module


def check_chat_result(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"text": value}
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise ProviderCodeError("bad_return", "chat() must return a dict like {'text': str, 'usage': "
                                "{'input_tokens': int, 'output_tokens': int}, 'finish_reason': str}, "
                                f"not {type(value).__name__}")
    return _normalised(value, "text")


def check_stream_piece(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, dict):
        text = value.get("text", value.get("delta", ""))
        if isinstance(text, str):
            return _normalised({**value, "text": text}, "text")
    raise ProviderCodeError("bad_return", "stream() must yield str deltas (or dicts with 'text', and "
                            f"optionally 'usage' and 'finish_reason'), not {type(value).__name__}")


def _normalised(value: dict[str, Any], text_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {"text": value[text_key]}
    usage = value.get("usage")
    if isinstance(usage, dict):
        out["usage"] = {k: int(usage.get(k) or 0) for k in ("input_tokens", "output_tokens")
                        if isinstance(usage.get(k) or 0, (int, float))}
    if isinstance(value.get("finish_reason"), str):
        out["finish_reason"] = value["finish_reason"]
    return out


class Server:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.instance: Any = None
        self.module: types.ModuleType | None = None
        self.tasks: dict[Any, asyncio.Task[None]] = {}

    def send(self, message: dict[str, Any]) -> None:
        self.writer.write(json.dumps(message, default=str).encode() + b"\n")

    async def load(self, request: dict[str, Any]) -> bool:
        capture = _Capture()
        _output.set(capture)
        try:
            self.module = load_module(request["code"])
            cls = find_provider_class(self.module)
            self.instance = cls(dict(request.get("config") or {}))
        except BaseException as exc:  # noqa: BLE001 - anything the code raises is reported, not fatal
            body = _error_body(exc)
            if not isinstance(exc, ProviderCodeError):
                body["kind"] = "load"
            self.send({"type": "load_error", "error": body, "output": capture.text()})
            return False
        finally:
            _output.set(None)
        self.send({"type": "loaded", "class": type(self.instance).__name__, "output": capture.text()})
        return True

    def start(self, request: dict[str, Any]) -> None:
        if request.get("op") == "cancel":
            task = self.tasks.get(request.get("id"))
            if task is not None:
                task.cancel()
            return
        self.tasks[request["id"]] = asyncio.create_task(self.handle(request))

    async def handle(self, request: dict[str, Any]) -> None:
        rid, op = request["id"], request.get("op")
        capture = _Capture()
        _output.set(capture)
        args = (request.get("messages") or [], request.get("system_prompt"), request.get("model") or "",
                dict(request.get("params") or {}))
        try:
            if op == "chat":
                result = check_chat_result(await self.instance.chat(*args))
                self.send({"id": rid, "type": "result", "result": result, "output": capture.text()})
            elif op == "stream":
                await self._stream(rid, args, capture)
            elif op == "validate":
                problems = await self._validate(request)
                self.send({"id": rid, "type": "result", "result": {"problems": problems},
                           "output": capture.text()})
            elif op == "ping":
                self.send({"id": rid, "type": "result", "result": {"pong": True}, "output": ""})
            else:
                raise ProviderCodeError("protocol", f"unknown op {op!r}")
        except asyncio.CancelledError:
            self.send({"id": rid, "type": "error", "error": {"kind": "cancelled", "message": "cancelled"},
                       "output": capture.text()})
        except BaseException as exc:  # noqa: BLE001 - SystemExit from the code is an error, not an exit
            self.send({"id": rid, "type": "error", "error": _error_body(exc), "output": capture.text()})
        finally:
            self.tasks.pop(rid, None)

    async def _stream(self, rid: Any, args: tuple[Any, ...], capture: _Capture) -> None:
        pieces = self.instance.stream(*args)
        if inspect.isawaitable(pieces):
            pieces = await pieces
        if not hasattr(pieces, "__aiter__"):
            raise ProviderCodeError("bad_return", "stream() must be an async generator (async def with "
                                    f"yield), not {type(pieces).__name__}")
        usage, finish = None, None
        async for piece in pieces:
            chunk = check_stream_piece(piece)
            usage, finish = chunk.get("usage", usage), chunk.get("finish_reason", finish)
            if chunk["text"]:
                self.send({"id": rid, "type": "delta", "text": chunk["text"]})
            await self.writer.drain()
        self.send({"id": rid, "type": "end", "usage": usage, "finish_reason": finish, "output": capture.text()})

    async def _validate(self, request: dict[str, Any]) -> list[str]:
        namespace: dict[str, Any] = {"__name__": "validation"}
        linecache.cache["validation.py"] = (0, None, request["code"].splitlines(True), "validation.py")
        exec(compile(request["code"], "validation.py", "exec"), namespace)  # noqa: S102
        validate = namespace.get("validate")
        if not callable(validate):
            raise ProviderCodeError("structure", "validation_code must define validate(provider, config, model)")
        try:
            outcome = validate(self.instance, dict(request.get("config") or {}), request.get("model") or "")
            if inspect.isawaitable(outcome):
                outcome = await outcome
        except AssertionError as exc:
            return [str(exc) or "an assertion in validate() failed"]
        if outcome in (None, True):
            return []
        if outcome is False:
            return ["validate() returned False"]
        return [str(outcome)] if isinstance(outcome, str) else [str(p) for p in outcome]


def _detach_children_from(fd: int) -> None:
    """A process the code forks must not read or answer requests on our channel: in the child the
    channel becomes /dev/null (its loop sees end-of-file and the copy exits)."""
    def in_child() -> None:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, fd)
        os.close(null)

    os.register_at_fork(after_in_child=in_child)


async def serve(fd: int) -> None:
    _detach_children_from(fd)
    reader, writer = await asyncio.open_connection(sock=socket.socket(fileno=fd), limit=64 * 1024 * 1024)
    server = Server(writer)
    server.send({"type": "hello"})  # our loopback is up: the server may now listen on it
    first = await reader.readline()
    load = json.loads(first) if first else {}
    if load.get("proxy_port"):
        set_proxy_env(int(load["proxy_port"]))  # the proxy listens inside our namespace
    if not first or not await server.load(load):
        await writer.drain()
        return
    await writer.drain()
    while line := await reader.readline():
        server.start(json.loads(line))
        await writer.drain()


def check_dependencies(fd: int, names: list[str]) -> None:
    missing = []
    for name in names:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except (ImportError, ValueError):
            missing.append(name)
    with socket.socket(fileno=fd) as sock:
        sock.sendall(json.dumps({"type": "dependencies", "missing": missing}).encode() + b"\n")


def main() -> None:
    options = json.loads(sys.argv[1])
    apply_limits(options["limits"])
    drop_privileges(options.get("uid"), options.get("gid"))
    fallback = _Capture()
    sys.stdout = sys.stderr = _RoutedStream(fallback)  # type: ignore[assignment]
    sys.setswitchinterval(0.0005)  # the relay thread (when used) should not wait 5 ms for the GIL
    if options.get("mode") == "check":
        set_proxy_env(None)
        check_dependencies(options["fd"], options.get("dependencies") or [])
        return
    set_proxy_env(start_relay(options["proxy"]) if options.get("proxy") else None)
    asyncio.run(serve(options["fd"]))
    os._exit(0)  # don't wait for the relay thread or threads the code started


if __name__ == "__main__":
    main()
