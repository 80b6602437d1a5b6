"""The allow-list proxy: a sandbox worker's only way out of its network namespace.

Served by the server (asyncio) on a Unix socket that is bind-mounted into that worker's sandbox, so
the allow-list is per worker: the host and port of its provider's `base_url` plus the admin's
`allowed_hosts`. It speaks just enough HTTP/1.1 for clients that honour HTTP(S)_PROXY:
`CONNECT host:port` (a raw tunnel, used for https) and absolute-URI requests for plain http,
which are forwarded with `Connection: close` so each upstream connection carries one request and
the bytes can then be relayed untouched (streams pass through as they arrive). Anything else gets a
403 naming the host, and the proxy never connects to it.
"""

import asyncio
import logging
import os
from collections.abc import Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
CONNECT_TIMEOUT = 10.0
_HOP_HEADERS = {b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive"}


def host_port(url: str) -> tuple[str, int]:
    """(host, port) of a URL, with the scheme's default port."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80)


def allow_list(base_url: str | None, extra_hosts: Iterable[str]) -> frozenset[tuple[str, int]]:
    """The (host, port) pairs a worker may reach. `extra_hosts` entries are "host:port" or a bare
    "host" (ports 80 and 443)."""
    allowed: set[tuple[str, int]] = set()
    if base_url:
        allowed.add(host_port(base_url))
    for entry in extra_hosts:
        entry = entry.strip().lower()
        if "://" in entry:
            allowed.add(host_port(entry))
        elif entry.rsplit(":", 1)[-1].isdigit() and ":" in entry:
            host, port = entry.rsplit(":", 1)
            allowed.add((host.strip("[]"), int(port)))
        elif entry:
            allowed.update({(entry, 80), (entry, 443)})
    return frozenset(allowed)


class AllowListProxy:
    def __init__(self, allowed: frozenset[tuple[str, int]]) -> None:
        self.allowed = allowed
        self.denied: list[str] = []  # what the code tried to reach; shown by the debug endpoint
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, path: str) -> None:
        self._server = await asyncio.start_unix_server(self._handle, path=path, limit=HEAD_LIMIT)
        # The worker runs as its own uid: it must be able to connect (the directory is private).
        os.chmod(path, 0o666)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away or sent junk: nothing to answer
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CONNECT_TIMEOUT)
        request_line, _, rest = head.partition(b"\r\n")
        try:
            method, target, version = request_line.decode("latin-1").split(" ")
        except ValueError:
            await self._reply(writer, 400, "the sandbox proxy needs an HTTP/1.1 request line")
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            address = (host.strip("[]").lower(), int(port) if port.isdigit() else 443)
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await self._reply(writer, 400, "send absolute http:// URLs, or CONNECT for https")
                return
            address = (parts.hostname.lower(), parts.port or 80)
        if address not in self.allowed:
            self.denied.append(f"{address[0]}:{address[1]}")
            del self.denied[:-20]
            await self._reply(writer, 403, f"the sandbox allows this provider to reach only "
                                            f"{self._allowed_text()}, not {address[0]}:{address[1]}; "
                                            "add the host to the provider's allowed_hosts")
            return
        try:
            connecting = asyncio.open_connection(*address)
            up_reader, up_writer = await asyncio.wait_for(connecting, CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            await self._reply(writer, 502, f"the sandbox proxy could not connect to {address[0]}:{address[1]}")
            return
        if method == "CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(self._origin_form(method, target, version, rest))
        await asyncio.gather(_relay(reader, up_writer), _relay(up_reader, writer))

    @staticmethod
    def _origin_form(method: str, target: str, version: str, rest: bytes) -> bytes:
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [line for line in rest.split(b"\r\n")
                   if line and line.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]
        lines = [f"{method} {path} {version}".encode("latin-1"), *headers, b"Connection: close", b"", b""]
        return b"\r\n".join(lines)

    def _allowed_text(self) -> str:
        return ", ".join(sorted(f"{h}:{p}" for h, p in self.allowed)) or "no host"

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, status: int, message: str) -> None:
        reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
        body = message.encode()
        writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        await writer.drain()


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        if writer.can_write_eof():
            try:
                writer.write_eof()
            except OSError:
                writer.close()
        else:
            writer.close()
