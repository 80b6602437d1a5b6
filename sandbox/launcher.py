"""Builds and starts sandboxed worker processes with bubblewrap (`bwrap`).

Why bubblewrap: it is one small, audited Debian package that gives every namespace we need (mount,
pid, net, ipc, uts, cgroup) without a daemon, and composes with plain rlimits. The worker sees a
read-only root holding only /usr, /etc/ssl, the Python installation and the runtime script; a
private tmpfs /tmp is its only writable place; its /proc shows only its own pid namespace; its
network namespace has only a loopback, whose single way out is the allow-list proxy socket. When
the server runs as root, bwrap runs privileged (no user namespace) and the runtime then drops to a
uid of its own per worker with no capabilities and no_new_privs (set by bwrap), because the kernel
never enforces RLIMIT_NPROC for uid 0, which would leave fork bombs unbounded.

"unsafe-local" mode (opt-in, documented) starts the same runtime without bwrap: separate process,
empty environment and rlimits only; no filesystem, network, uid or pid isolation.
"""

import asyncio
import ctypes
import fcntl
import itertools
import json
import os
import shutil
import site
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
SANDBOX_RUNTIME = "/opt/sandbox-runtime"
SANDBOX_PROXY_DIR = "/run/sandbox"
PROXY_SOCKET_NAME = "proxy.sock"
CLONE_NEWNET = 0x40000000
# Worker uids when the server is root: one per worker, so the NPROC limit is counted per worker.
UID_BASE, UID_SPAN = 61000, 2000
# Leases of those uids, shared by every server process on the machine (several workers or
# instances): a flock held for a worker's lifetime, so no two live workers ever share a uid.
UID_LEASE_DIR = Path("/run/va-sandbox-uids")


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    cpu_seconds: int = 120
    memory_mb: int = 512
    processes: int = 32
    open_files: int = 256
    file_size_mb: int = 16
    tmp_size_mb: int = 64

    def rlimits(self) -> dict[str, int]:
        return {"cpu": self.cpu_seconds, "as": self.memory_mb * 1024 * 1024, "nproc": self.processes,
                "nofile": self.open_files, "fsize": self.file_size_mb * 1024 * 1024, "core": 0}


def _listen_in(pid: int) -> socket.socket:
    libc = ctypes.CDLL(None, use_errno=True)
    target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns into the sandbox network namespace failed")
    finally:
        os.close(target)
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without it
    # Nagle holds each answer's body behind its headers until the client's delayed ACK (40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def python_paths() -> list[str]:
    """The directories the worker's Python needs: the installation and any site-packages outside
    it (a virtualenv). Exactly these, never the project directory or the home folder."""
    paths = [sys.base_prefix, sys.prefix, *site.getsitepackages()]
    chosen: list[str] = []
    for path in sorted({str(Path(p).resolve()) for p in paths if Path(p).is_dir()}, key=len):
        if not any(path == c or path.startswith(c + os.sep) for c in chosen):
            chosen.append(path)
    return chosen


class Launcher:
    def __init__(self, *, mode: str = "strict", bwrap: str | None = None) -> None:
        self.mode = mode
        self.bwrap = bwrap if bwrap is not None else (shutil.which("bwrap") or "")
        self._uid_cursor = itertools.count(os.getpid())
        self._leases: set[asyncio.Task[None]] = set()
        self._probe: str | None | bool = False  # False = not probed yet; None = works; str = why not

    @property
    def isolated(self) -> bool:
        return self.mode == "strict"

    @property
    def proxy_in_namespace(self) -> bool:
        """Whether the server can listen inside a worker's network namespace (it needs root): the
        worker then reaches the proxy directly, without a relay hop and a Unix socket."""
        return self.isolated and os.geteuid() == 0

    async def listen_in_namespace(self, bwrap_pid: int) -> socket.socket:
        """A listening socket on 127.0.0.1 inside the network namespace of the sandbox that
        `bwrap_pid` started. Made on a thread of its own, which enters that namespace (setns
        changes only the calling thread) and ends afterwards, so no thread of ours stays inside."""
        children = Path(f"/proc/{bwrap_pid}/task/{bwrap_pid}/children").read_text().split()
        if not children:
            raise OSError(f"the sandbox of bwrap process {bwrap_pid} has no process yet")
        box: list[socket.socket | BaseException] = []

        def enter_and_listen() -> None:
            try:
                box.append(_listen_in(int(children[0])))
            except OSError as exc:
                box.append(exc)

        def run() -> None:
            thread = threading.Thread(target=enter_and_listen, name="sandbox-netns")
            thread.start()
            thread.join()

        await asyncio.to_thread(run)
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    async def unavailable_reason(self) -> str | None:
        """None when workers can be started; otherwise why not, naming the fix (checked once)."""
        if self.mode != "strict":
            return None
        if self._probe is False:
            self._probe = await self._run_probe()
        return self._probe  # type: ignore[return-value]

    async def _run_probe(self) -> str | None:
        if not self.bwrap or not Path(self.bwrap).exists():
            return ("the bubblewrap sandbox is not installed: install it (apt-get install bubblewrap) "
                    "or, on a development machine only, set SANDBOX_MODE=unsafe-local")
        argv = self._bwrap_argv(proxy_dir=None) + ["--", sys.executable, "-I", "-c", "pass"]
        try:
            proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL,
                                                        stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.PIPE)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        except (TimeoutError, OSError) as exc:
            return f"the bubblewrap sandbox could not start ({type(exc).__name__}); running dynamic code is refused"
        if proc.returncode != 0:
            reason = err.decode(errors="replace").strip()[-300:]
            return (f"the bubblewrap sandbox cannot create namespaces on this machine ({reason}); "
                    "allow user namespaces or run as root, or set SANDBOX_MODE=unsafe-local on a "
                    "development machine")
        return None

    def _bwrap_argv(self, *, proxy_dir: str | None) -> list[str]:
        privileged = os.geteuid() == 0
        argv = [self.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
                "--hostname", "sandbox"]
        if privileged:
            # No user namespace: the runtime needs exactly these two capabilities to drop to its
            # own uid, after which it has none.
            argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            argv += ["--unshare-user"]
        argv += ["--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc/ssl", "/etc/ssl"]
        for name in ("lib", "lib64", "lib32", "bin", "sbin"):
            target = Path("/") / name
            if target.is_symlink():
                argv += ["--symlink", os.readlink(target), f"/{name}"]
            elif target.is_dir():
                argv += ["--ro-bind", str(target), f"/{name}"]
        made: set[str] = {"/", "/usr"}
        for path in python_paths():
            argv += self._parents(path, made) + ["--ro-bind", path, path]
        argv += self._parents(SANDBOX_RUNTIME, made) + ["--ro-bind", str(RUNTIME_DIR), SANDBOX_RUNTIME]
        if proxy_dir is not None:
            argv += self._parents(SANDBOX_PROXY_DIR, made) + ["--ro-bind", proxy_dir, SANDBOX_PROXY_DIR]
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(64 * 1024 * 1024), "--tmpfs", "/tmp",
                 "--remount-ro", "/", "--chdir", "/tmp"]
        return argv

    @staticmethod
    def _parents(path: str, made: set[str]) -> list[str]:
        # bwrap copies the mode of host directories it creates on the way (/root is 0700), and the
        # worker uid must be able to walk down to the Python installation.
        args: list[str] = []
        for parent in reversed(Path(path).parents):
            p = str(parent)
            if p not in made:
                made.add(p)
                args += ["--perms", "0755", "--dir", p]
        return args

    def _lease_uid(self) -> tuple[int, int]:
        """A worker uid no live process uses, and the lock file descriptor that holds it."""
        UID_LEASE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        busy = {st for st in (_uid_of(p) for p in os.listdir("/proc") if p.isdigit()) if st is not None}
        for _ in range(UID_SPAN):
            uid = UID_BASE + next(self._uid_cursor) % UID_SPAN
            if uid in busy:
                continue
            fd = os.open(UID_LEASE_DIR / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return uid, fd
        raise OSError("every sandbox worker uid is in use")

    def _options(self, channel_fd: int, uid: int | None, **extra: object) -> dict[str, object]:
        return {"fd": channel_fd, "uid": uid, "gid": uid, **extra}

    def _hold_lease(self, proc: asyncio.subprocess.Process, lock_fd: int) -> None:
        async def release_on_exit() -> None:
            try:
                await proc.wait()
            finally:
                os.close(lock_fd)

        task = asyncio.create_task(release_on_exit())
        self._leases.add(task)
        task.add_done_callback(self._leases.discard)

    async def spawn(self, *, channel_fd: int, proxy_dir: str | None, limits: SandboxLimits,
                    mode: str = "serve", dependencies: list[str] | None = None) -> asyncio.subprocess.Process:
        """Start one worker whose protocol socket is `channel_fd` (inherited under the same number)."""
        # unsafe-local keeps the server's uid: a Python under /root would not be readable otherwise.
        uid, lock_fd = self._lease_uid() if os.geteuid() == 0 and self.isolated else (None, -1)
        options = self._options(channel_fd, uid, limits=limits.rlimits(), mode=mode,
                                dependencies=dependencies or [],
                                proxy=f"{SANDBOX_PROXY_DIR}/{PROXY_SOCKET_NAME}" if proxy_dir else None)
        if self.mode == "strict":
            argv = self._bwrap_argv(proxy_dir=proxy_dir)
            argv += ["--", sys.executable, "-I", "-B", f"{SANDBOX_RUNTIME}/worker.py", json.dumps(options)]
        else:
            if proxy_dir:
                options["proxy"] = f"{proxy_dir}/{PROXY_SOCKET_NAME}"
            argv = [sys.executable, "-I", "-B", str(RUNTIME_DIR / "worker.py"), json.dumps(options)]
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env={} if self.mode != "strict" else {"PATH": "/usr/bin:/bin"},
                start_new_session=True, pass_fds=(channel_fd,))
        except BaseException:
            if lock_fd >= 0:
                os.close(lock_fd)
            raise
        if lock_fd >= 0:
            self._hold_lease(proc, lock_fd)
        return proc



def _uid_of(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None
