"""Server processes the lab starts: spawn, wait until ready, restart, and never leave one behind.

Nothing is left running:
- `handle.stop()` (idempotent; also `with start_redis() as h:`) stops the server, reaps it and
  removes its folder;
- at interpreter exit (a kernel restart, the end of a test run) every server still running stops;
- if the process dies without running exit handlers (SIGKILL, a crashed kernel), a small watchdog
  process notices that its pipe from the parent closed and terminates the server.
Servers run in their own session, so "interrupt kernel" (SIGINT to the kernel's process group)
does not kill them.

Every wait has a deadline: a server that exits while starting, or does not answer within
`timeout`, is a ServerUnavailable carrying the tail of its log, and leaves no process behind.

A forked worker (multiprocessing with the fork start method) inherits handles but never stops
a server it did not start: connect to `handle.url` / `handle.address` from the worker instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import weakref

from .errors import ServerUnavailable

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


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS picks it; another process may take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def answers(family: int, address, request: bytes, reply: bytes, timeout: float = 1.0) -> bool:
    """Whether the server at `address` answers `request` (one command a line) with `reply` among its
    reply lines: the readiness probe. Reads until one reply line per command arrived, or EOF."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(address)
        s.sendall(request)
        got = b""
        while got.count(b"\r\n") < request.count(b"\r\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            got += chunk
        return reply in got


class _Processes:
    """The server process and its watchdog: one pair at a time, replaced by `restart()`."""

    def __init__(self, proc: subprocess.Popen, watchdog: subprocess.Popen | None) -> None:
        self.proc, self.watchdog = proc, watchdog


def _halt(procs: _Processes, grace: float) -> None:
    """Stop the server (SIGTERM, then SIGKILL after `grace` s), reap it, and disarm its watchdog."""
    proc, watchdog = procs.proc, procs.watchdog
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
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
            watchdog.wait(timeout=5)


def _shutdown(procs: _Processes, folder: str, owner: int, grace: float) -> None:
    if os.getpid() != owner:  # a forked child: the server belongs to the parent
        return
    _halt(procs, grace)
    shutil.rmtree(folder, ignore_errors=True)


def _spawn(args: list[str], folder: str, log_path: str) -> _Processes:
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
    return _Processes(proc, watchdog)


def _log_tail(path: str, lines: int = 8) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).strip()
    except OSError:
        return ""


class ServerHandle:
    """A server process the lab started. `stop()` ends it; so does leaving a `with` block.

    A subclass builds the command line and a private folder, then calls `__init__` and
    `_wait_ready(timeout)`; it implements `_ready()` (one readiness probe) and `address`.
    """

    kind = "server"
    install_hint = ""
    stop_grace = 5.0  # seconds between SIGTERM and SIGKILL

    def __init__(self, args: list[str], folder: str, log_path: str) -> None:
        self.args, self.folder, self.log_path = list(args), folder, log_path
        self._owner = os.getpid()
        try:
            self._procs = self._launch()
        except ServerUnavailable:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._finalizer = weakref.finalize(
            self, _shutdown, self._procs, folder, self._owner, self.stop_grace
        )
        _LIVE.add(self)

    def _launch(self) -> _Processes:
        self.started_at = time.perf_counter()
        self.start_seconds: float | None = None
        try:
            return _spawn(self.args, self.folder, self.log_path)
        except OSError as exc:  # no such binary, not executable, ...
            raise ServerUnavailable(
                f"cannot run {self.kind} {self.args[0]!r}: {exc}. {self.install_hint}"
            ) from exc

    def _ready(self) -> bool:
        raise NotImplementedError

    def _wait_ready(self, timeout: float, *, restarting: bool = False) -> None:
        """Return once `_ready()` answers; else stop the process and raise ServerUnavailable by `timeout`.

        A first start that fails removes everything; a failed restart keeps the folder for another try.
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        proc = self._procs.proc
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                why = f"{self.kind} exited with code {proc.returncode} while starting ({' '.join(self.args)})"
                break
            try:
                if self._ready():
                    self.start_seconds = time.perf_counter() - self.started_at
                    return
            except OSError as exc:
                last_error = exc
            time.sleep(0.005)
        else:
            why = f"{self.kind} did not answer within {timeout} s at {self.address} ({last_error})"
        message = f"{why}. Its log:\n{_log_tail(self.log_path)}"  # read before the folder goes
        self._fail_start(restarting)
        raise ServerUnavailable(message)

    def _fail_start(self, restarting: bool) -> None:
        if restarting:
            _halt(self._procs, self.stop_grace)
        else:
            self.stop()

    @property
    def address(self) -> str:
        raise NotImplementedError

    @property
    def pid(self) -> int:
        return self._procs.proc.pid

    @property
    def watchdog_pid(self) -> int | None:
        return self._procs.watchdog.pid if self._procs.watchdog else None

    @property
    def running(self) -> bool:
        return self._finalizer.alive and self._procs.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 5.0) -> None:
        """A fault drill: send the server `sig` (SIGKILL: a crash, no clean-up) and wait until it exited.

        The handle stays: `restart()` brings the server back on the same socket or port.
        """
        proc = self._procs.proc
        if proc.poll() is None:
            proc.send_signal(sig)
            proc.wait(timeout=timeout)

    def restart(self, timeout: float = 10.0) -> ServerHandle:
        """Start the server again with the same command line: same socket, port, password and limits.

        For a server that died or was killed (a running one is stopped first). Its data is gone (the
        lab keeps no persistence); clients reconnect on their next call. A restart that fails (the
        port was taken meanwhile, say) raises ServerUnavailable and can be tried again.
        """
        if os.getpid() != self._owner:
            raise ServerUnavailable(f"{self!r} belongs to process {self._owner}: only it can restart it")
        if not self._finalizer.alive:
            raise ServerUnavailable(f"{self!r} was stopped and its folder removed: start a new server")
        _halt(self._procs, self.stop_grace)
        fresh = self._launch()
        self._procs.proc, self._procs.watchdog = fresh.proc, fresh.watchdog  # the finalizer sees them
        self._wait_ready(timeout, restarting=True)
        return self

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
