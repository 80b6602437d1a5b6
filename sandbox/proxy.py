"""The allow-list proxy: a sandbox worker's only way out of its network namespace.

Served by the server (asyncio) on a Unix socket that is bind-mounted into that worker's sandbox, so
the allow-list is per worker: the host and port of its provider's `base_url` plus the admin's
`allowed_hosts`. It speaks just enough HTTP/1.1 for clients that honour HTTP(S)_PROXY:
`CONNECT host:port` (a raw tunnel, used for https) and absolute-URI requests for plain http,
forwarded with h11 over kept-alive connections on both sides (a new connection per request would
cost more than the rest of the sandbox hop together), streams passing through as they arrive. Anything else gets a
403 naming the host, and the proxy never connects to it.
"""

import asyncio
import logging
import os
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import h11

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
CONNECT_TIMEOUT = 10.0
_HOP_HEADERS = {b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive", b"upgrade", b"te"}


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

    async def start_on_socket(self, sock: socket.socket) -> None:
        """Serve on a listening socket made inside the worker's network namespace."""
        self._server = await asyncio.start_server(self._handle, sock=sock, limit=HEAD_LIMIT)

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
        method, _, rest = head.partition(b" ")
        if method != b"CONNECT":
            await _Forwarding(self, reader, writer).run(head)
            return
        host, _, port = rest.split(b" ", 1)[0].decode("latin-1").rpartition(":")
        address = (host.strip("[]").lower(), int(port) if port.isdigit() else 443)
        if not self.permits(address):
            await self._reply(writer, 403, self.refusal(address))
            return
        upstream = await self.connect(address)
        if upstream is None:
            await self._reply(writer, 502, f"the sandbox proxy could not connect to {address[0]}:{address[1]}")
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(_relay(reader, upstream[1]), _relay(upstream[0], writer))

    def permits(self, address: tuple[str, int]) -> bool:
        if address in self.allowed:
            return True
        self.denied.append(f"{address[0]}:{address[1]}")
        del self.denied[:-20]
        return False

    def refusal(self, address: tuple[str, int]) -> str:
        return (f"the sandbox allows this provider to reach only {self._allowed_text()}, not "
                f"{address[0]}:{address[1]}; add the host to the provider's allowed_hosts")

    @staticmethod
    async def connect(address: tuple[str, int]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            return await asyncio.wait_for(asyncio.open_connection(*address), CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            return None

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


def _end_to_end(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in headers if name.lower() not in _HOP_HEADERS]


class _Forwarding:
    """Absolute-URI requests on one client connection, kept alive on both sides: each request is
    checked against the allow-list, then forwarded to a kept upstream connection for its host, and
    the answer relayed back event by event (a stream passes through as it arrives)."""

    def __init__(self, proxy: AllowListProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.proxy, self.reader, self.writer = proxy, reader, writer
        self.client = h11.Connection(h11.SERVER)
        sock = writer.get_extra_info("socket")
        self.client_sock = sock if sock is not None and sock.family == socket.AF_INET else None
        if self.client_sock is not None:
            self.client_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.address: tuple[str, int] | None = None
        self.upstream: tuple[h11.Connection, asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def run(self, head: bytes) -> None:
        self.client.receive_data(head)
        try:
            while isinstance(request := await _next(self.client, self.reader, self.client_sock), h11.Request):
                if not await self._exchange(request):
                    return
                if self.client.our_state is not h11.DONE or self.client.their_state is not h11.DONE:
                    return
                self.client.start_next_cycle()
        except h11.ProtocolError:
            return  # junk from either side: close both
        finally:
            self._drop_upstream()

    async def _exchange(self, request: h11.Request) -> bool:
        parts = urlsplit(request.target.decode("latin-1"))
        if parts.scheme != "http" or not parts.hostname:
            return await self._refuse(400, "send absolute http:// URLs, or CONNECT for https")
        address = (parts.hostname.lower(), parts.port or 80)
        if not self.proxy.permits(address):
            return await self._refuse(403, self.proxy.refusal(address))
        upstream = await self._upstream(address)
        if upstream is None:
            return await self._refuse(502, f"the sandbox proxy could not connect to {address[0]}:{address[1]}")
        conn, up_reader, up_writer = upstream
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        up_writer.write(conn.send(h11.Request(method=request.method, target=path,
                                              headers=_end_to_end(request.headers))))
        while not isinstance(event := await _next(self.client, self.reader, self.client_sock), h11.EndOfMessage):
            if not isinstance(event, h11.Data):
                return False
            up_writer.write(conn.send(event))
        up_writer.write(conn.send(h11.EndOfMessage()))
        while True:
            event = await _next(conn, up_reader)
            if isinstance(event, h11.Response):
                self.writer.write(self.client.send(h11.Response(status_code=event.status_code, reason=event.reason,
                                                                headers=_end_to_end(event.headers))))
            elif isinstance(event, h11.Data):
                self.writer.write(self.client.send(event))
                await self.writer.drain()
            elif isinstance(event, h11.EndOfMessage):
                self.writer.write(self.client.send(h11.EndOfMessage()))
                await self.writer.drain()
                break
            elif not isinstance(event, h11.InformationalResponse):
                return False  # the upstream closed mid-answer
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
        else:
            self._drop_upstream()
        return True

    async def _upstream(self, address: tuple[str, int]
                        ) -> tuple[h11.Connection, asyncio.StreamReader, asyncio.StreamWriter] | None:
        if self.upstream is not None and self.address == address and self.upstream[0].our_state is h11.IDLE:
            return self.upstream
        self._drop_upstream()
        opened = await self.proxy.connect(address)
        if opened is None:
            return None
        self.address, self.upstream = address, (h11.Connection(h11.CLIENT), *opened)
        return self.upstream

    def _drop_upstream(self) -> None:
        if self.upstream is not None:
            self.upstream[2].close()
        self.upstream = self.address = None

    async def _refuse(self, status: int, message: str) -> bool:
        body = message.encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]
        self.writer.write(self.client.send(h11.Response(status_code=status, headers=headers)))
        self.writer.write(self.client.send(h11.Data(data=body)) + self.client.send(h11.EndOfMessage()))
        await self.writer.drain()
        return False


async def _next(conn: h11.Connection, reader: asyncio.StreamReader, quickack: socket.socket | None = None) -> object:
    while (event := conn.next_event()) is h11.NEED_DATA:
        conn.receive_data(await reader.read(65536))
        if quickack is not None:
            _quickack(quickack)
    return event


def _quickack(sock: socket.socket) -> None:
    # Clients send a request's headers and body as two writes; with Nagle on their side and a
    # delayed ACK on ours, the body would wait 40 ms on a kept-alive connection. Linux resets
    # TCP_QUICKACK after each read, so it is set again every time.
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except (OSError, AttributeError):
        pass
