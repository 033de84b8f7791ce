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
from pymemcache.exceptions import MemcacheError, MemcacheServerError

from ..caches.base import MISSING
from .base import ServerCache, close_client
from .codecs import Codec
from .keys import memcached_key
from .servers import ServerUnavailable, start_memcached

THIRTY_DAYS = 30 * 24 * 3600  # memcached reads a larger expire as an absolute unix time


def parse_address(address: str | tuple[str, int]) -> tuple[str, int]:
    """'host:port', '[::1]:port' or (host, port) -> (host, port)."""
    if isinstance(address, tuple) and len(address) == 2:
        host, port = address
    elif isinstance(address, str) and ":" in address:
        host, _, port = address.rpartition(":")
        host = host.strip("[]")
    else:
        raise ValueError(f"memcached address must be 'host:port' or (host, port), got {address!r}")
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

    With no `address`, starts the system `memcached` on 127.0.0.1 and a free port with
    `memory_mb` of item memory (stopped by `close()`, when collected, or at exit); `.server.address`
    is what a worker process passes back in. `memory_mb` is ignored when `address` is given.
    If the binary is missing, ServerUnavailable says how to install it.

    Keys: `namespace:key_text(key)` as for Redis, but a key over memcached's 250-byte limit or
    containing a space or control character is replaced by `namespace:#sha1:<hex>` of its text.
    Values go through `codec` (json by default; see RedisCache for pickle's risk).
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
    """

    policy = "memcached"

    def __init__(
        self,
        address: str | tuple[str, int] | None = None,
        *,
        namespace: str = "hotcache",
        ttl: float | None = None,
        codec: str | Codec = "json",
        memory_mb: int = 64,
        connect_timeout: float = 1.0,
    ) -> None:
        super().__init__(namespace=namespace, ttl=ttl, codec=codec)
        if memcached_key(self.namespace, 0).startswith(f"{self.namespace}:#sha1:"):
            raise ValueError(
                f"namespace {namespace!r} is not usable in memcached keys (too long or has spaces)"
            )
        server = None
        if address is None:
            server = start_memcached(memory_mb=memory_mb)
            address = server.address
        self.host, self.port = parse_address(address)
        self.address = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        self.server = server
        self._timeout = max(5.0, connect_timeout)
        self.client = PooledClient(
            (self.host, self.port),
            connect_timeout=connect_timeout,
            timeout=self._timeout,
            no_delay=True,
            default_noreply=False,  # wait for STORED, so a refused value is an error, not silence
        )
        self._closer = weakref.finalize(self, close_client, self.client, server)
        try:
            self.client.version()
        except (OSError, MemcacheError) as exc:
            self.close()
            raise ServerUnavailable(
                f"cannot reach memcached at {self.address}: {exc or type(exc).__name__}. Start one with "
                f"`memcached -l 127.0.0.1 -p 11211 -U 0`, or pass no address to start a private one"
            ) from exc
        self._prefix = self.namespace + ":"
        self._metadump = True
        self._eviction_base = self._server_evictions()

    # --- entries -------------------------------------------------------------------------------
    def _lookup(self, key: Hashable) -> Any:
        data = self.client.get(memcached_key(self.namespace, key))
        return MISSING if data is None else self.codec.loads(data)

    def _contains(self, key: object) -> bool:
        return self.client.get(memcached_key(self.namespace, key)) is not None

    def _put(self, key: Hashable, value: Any, ttl: float | None) -> None:
        name = memcached_key(self.namespace, key)
        data = self.codec.dumps(value)
        try:
            self.client.set(name, data, expire=expire_seconds(ttl))
        except MemcacheServerError as exc:
            if "too large" in str(exc):
                raise ValueError(
                    f"value for key {key!r} is {len(data)} bytes after encoding: more than this memcached "
                    f"stores in one item (1 MB unless started with -I)"
                ) from exc
            raise

    def _delete(self, key: Hashable) -> bool:
        return bool(self.client.delete(memcached_key(self.namespace, key), noreply=False))

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
            data = self._raw(b"lru_crawler metadump hash\r\n")
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
        with socket.create_connection((self.host, self.port), timeout=self._timeout) as s:
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
        self.client.flush_all(noreply=False)

    # --- server-wide figures ----------------------------------------------------------------------
    def _stats(self) -> dict:
        return self.client.stats()

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
