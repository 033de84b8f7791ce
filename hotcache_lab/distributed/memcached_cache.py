"""MemcachedCache: the lab's cache interface over a real memcached server."""

from __future__ import annotations

import math
import socket
import time
import weakref
from collections.abc import Hashable
from typing import Any
from urllib.parse import unquote

from pymemcache.client.base import PooledClient
from pymemcache.exceptions import (
    MemcacheError,
    MemcacheServerError,
    MemcacheUnexpectedCloseError,
    MemcacheUnknownError,
)

from ..caches.base import MISSING
from .base import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ServerCache, close_client
from .codecs import Codec
from .errors import ServerUnavailable
from .keys import memcached_key
from .servers import start_memcached

THIRTY_DAYS = 30 * 24 * 3600  # memcached reads a larger expire as an absolute unix time


def parse_address(address: str | tuple[str, int]) -> str | tuple[str, int]:
    """A unix socket's path ('/path', 'unix:/path') -> the path; 'host:port', '[::1]:port' or
    (host, port) -> (host, port)."""
    if isinstance(address, str) and address.startswith(("/", "unix:")):
        return address.removeprefix("unix:")
    if isinstance(address, tuple) and len(address) == 2:
        host, port = address
    elif isinstance(address, str) and ":" in address:
        host, _, port = address.rpartition(":")
        host = host.strip("[]")
    else:
        raise ValueError(
            f"memcached address must be a socket path, 'host:port' or (host, port), got {address!r}"
        )
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ValueError(f"memcached address {address!r} has no valid port") from None
    return host, port


def expire_seconds(ttl: float | None) -> int:
    """memcached's `expire` for a ttl: whole seconds rounded up (0: never), absolute past 30 days."""
    if ttl is None:
        return 0
    seconds = max(1, math.ceil(ttl))
    return int(time.time()) + seconds if seconds > THIRTY_DAYS else seconds


class MemcachedCache(ServerCache):
    """The lab's cache interface (get/put/in/len/clear/stats, a MutableMapping) over memcached.

    With no `address`, starts the system `memcached` on a unix socket in a folder only this user can
    enter, with `memory_mb` of item memory (stopped by `close()`, when collected, or at exit);
    `.server.address` (the socket's path) is what a worker process passes back in. `address` may be
    a socket path or 'host:port' (on TCP memcached has no password: see `servers.MemcachedServer`).
    `memory_mb` is ignored when `address` is given. If the binary is missing, ServerUnavailable says
    how to install it.

    Keys: `namespace:key_text(key)` as for Redis, but a key over memcached's 250-byte limit or
    containing a space or control character is replaced by `namespace:#sha1:<hex>` of its text.
    Values go through `codec` (json by default; see `codecs.PickleCodec` for pickle's risk).
    `ttl` becomes memcached's `expire`, in whole seconds rounded up (0.2 s -> 1 s); memcached
    itself checks expiry against a clock with 1-second ticks, so an entry can live up to ~1 s longer.

    The fine print, because memcached is simpler than Redis:
    - `len()` counts this namespace's live entries with `lru_crawler metadump hash` (present in the
      memcached 1.6.18 tested here, absent from old releases), O(items on the server) per call.
      It walks the hash table; `metadump all` walks the LRU lists and misses entries that a recent
      get is moving between them (1 dump in 10 in a test here). Servers without it fall back to
      `stats curr_items`, which counts the WHOLE server and lags after `clear()` until memcached
      reclaims the flushed items.
    - `clear()` is `flush_all`: it empties the WHOLE server, every namespace, since memcached
      cannot delete by prefix.
    - `key in c` is a get, so unlike `in` on the other caches it bumps the entry in memcached's LRU.
    - values larger than the server's item size limit (1 MB unless started with `-I`) are a ValueError.

    Faults: connecting waits at most `connect_timeout` s, each command `timeout` s. A server gone or
    hung raises CacheUnavailable (see `ServerCache` for on_error="miss"). pymemcache drops a socket
    that failed, and a pooled socket whose server restarted fails on first use, so a connection
    error that is not a timeout is retried once, at once, on a fresh socket: after a restart the
    next call works, and a dead server still fails at once. (get, set, delete and flush_all are
    safe to repeat.)
    """

    policy = "memcached"
    kind = "memcached"
    _unavailable_errors = (OSError, MemcacheUnexpectedCloseError, MemcacheUnknownError)

    def __init__(
        self,
        address: str | tuple[str, int] | None = None,
        *,
        namespace: str = "hotcache",
        ttl: float | None = None,
        codec: str | Codec = "json",
        memory_mb: int = 64,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        timeout: float = DEFAULT_TIMEOUT,
        on_error: str = "raise",
    ) -> None:
        super().__init__(namespace=namespace, ttl=ttl, codec=codec, on_error=on_error, timeout=timeout,
                         connect_timeout=connect_timeout)
        if memcached_key(self.namespace, 0).startswith(f"{self.namespace}:#sha1:"):
            raise ValueError(
                f"namespace {namespace!r} is not usable in memcached keys (too long or has spaces)"
            )
        server = None
        if address is None:
            server = start_memcached(memory_mb=memory_mb)
            address = server.address
        spec = parse_address(address)
        if isinstance(spec, str):
            self.socket_path, self.host, self.port = spec, None, None
            self.address = spec
        else:
            self.socket_path, (self.host, self.port) = None, spec
            self.address = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        self.server = server
        self.client = PooledClient(
            spec,
            connect_timeout=self.connect_timeout,
            timeout=self.timeout,
            no_delay=True,  # TCP only: send each small request at once (pymemcache skips it on a socket)
            default_noreply=False,  # wait for STORED, so a refused value is an error, not silence
        )
        self._closer = weakref.finalize(self, close_client, self.client, server)
        try:
            self.client.version()
        except (OSError, MemcacheError) as exc:
            self.close()
            raise ServerUnavailable(
                f"cannot reach memcached at {self.address}: {exc or type(exc).__name__}. Start one with "
                f"`memcached -s /path/to/private/dir/memcached.sock -a 0700` (or "
                f"`memcached -l 127.0.0.1 -p 11211 -U 0`), or pass no address to start a private one"
            ) from exc
        self._prefix = self.namespace + ":"
        self._metadump = True
        self._eviction_base = self._server_evictions()

    # --- faults ----------------------------------------------------------------------------------
    @property
    def where(self) -> str:
        return self.address

    def _call(self, operation: str, fn, *args: Any, **kwargs: Any) -> Any:
        """As ServerCache._call, but a connection error that is not a timeout is retried once at once."""
        try:
            return fn(*args, **kwargs)
        except self._unavailable_errors as exc:
            if isinstance(exc, TimeoutError):  # hung: waiting again would double the timeout
                raise self._unavailable(operation, exc) from exc
        return super()._call(operation, fn, *args, **kwargs)

    # --- entries -------------------------------------------------------------------------------
    def _lookup(self, key: Hashable) -> Any:
        data = self._call("get", self.client.get, memcached_key(self.namespace, key))
        return MISSING if data is None else self.codec.loads(data)

    def _contains(self, key: object) -> bool:
        return self._call("get", self.client.get, memcached_key(self.namespace, key)) is not None

    def _put(self, key: Hashable, value: Any, ttl: float | None) -> None:
        name = memcached_key(self.namespace, key)
        data = self.codec.dumps(value)
        try:
            self._call("set", self.client.set, name, data, expire=expire_seconds(ttl))
        except MemcacheServerError as exc:
            if "too large" in str(exc):
                raise ValueError(
                    f"value for key {key!r} is {len(data)} bytes after encoding: more than this memcached "
                    f"stores in one item (1 MB unless started with -I)"
                ) from exc
            raise

    def _delete(self, key: Hashable) -> bool:
        name = memcached_key(self.namespace, key)
        return bool(self._call("delete", self.client.delete, name, noreply=False))

    def __len__(self) -> int:
        if self._metadump:
            count = self._count_namespace()
            if count is not None:
                return count
            self._metadump = False
        return int(self._stats()[b"curr_items"])

    def _count_namespace(self) -> int | None:
        """Live keys under our prefix, from `lru_crawler metadump hash`; None if unsupported."""
        now = int(self._stats()[b"time"])
        for _ in range(100):
            data = self._call("lru_crawler metadump", self._raw, b"lru_crawler metadump hash\r\n")
            if not data.startswith(b"BUSY"):  # another metadump is running: retry shortly
                break
            time.sleep(0.02)
        else:
            raise TimeoutError(f"memcached at {self.address} stayed busy with another lru_crawler metadump")
        if not data.endswith(b"END\r\n") or data.startswith((b"ERROR", b"CLIENT_ERROR")):
            return None
        count = 0
        for line in data.split(b"\n"):
            if not line.startswith(b"key="):
                continue
            fields = line.split(b" ", 2)
            if not unquote(fields[0][4:].decode("ascii")).startswith(self._prefix):
                continue
            exp = int(fields[1][4:]) if fields[1].startswith(b"exp=") else -1
            if exp == -1 or exp > now:  # expired entries stay listed until memcached reclaims them
                count += 1
        return count

    def _raw(self, command: bytes) -> bytes:
        """`command` on a socket of its own, and everything up to END, ERROR or BUSY: the reply."""
        if self.socket_path:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.connect_timeout)
            try:
                s.connect(self.socket_path)
            except OSError:
                s.close()
                raise
        else:
            s = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        with s:
            s.settimeout(self.timeout)
            s.sendall(command)
            chunks = []
            while True:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                tail = b"".join(chunks[-2:])[-16:]
                if tail.endswith((b"END\r\n", b"ERROR\r\n")) or tail.startswith(b"BUSY"):
                    break
        return b"".join(chunks)

    def _clear(self) -> None:
        self._call("flush_all", self.client.flush_all, noreply=False)

    # --- server-wide figures ----------------------------------------------------------------------
    def _stats(self) -> dict:
        return self._call("stats", self.client.stats)

    def _server_evictions(self) -> int:
        return int(self._stats()[b"evictions"])

    def _server_maxbytes(self) -> int | None:
        return int(self._stats()[b"limit_maxbytes"]) or None

    def __repr__(self) -> str:
        where = "embedded " if self.server else ""
        state = ", closed" if self.closed else ""
        return (
            f"MemcachedCache({where}{self.address}, namespace={self.namespace!r}, codec={self.codec!r}, "
            f"ttl={self.ttl}{state})"
        )
