"""MemcachedCache: the lab's cache interface over a real memcached server."""

from __future__ import annotations

import math
import socket
import time
import weakref
from collections.abc import Hashable, Sequence
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
from .base import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ServerCache
from .codecs import Codec
from .errors import ServerUnavailable
from .keys import memcached_key
from .pool import MemcachedPool, client_key, make_hash_client
from .servers import start_memcached

THIRTY_DAYS = 30 * 24 * 3600  # memcached reads a larger expire as an absolute unix time
_SUMMED = (b"curr_items", b"evictions", b"limit_maxbytes", b"get_hits", b"get_misses", b"cmd_get", b"cmd_set")


def _show(spec: str | tuple[str, int]) -> str:
    """A parsed address as text: the socket's path, 'host:port' or '[v6]:port'."""
    if isinstance(spec, str):
        return spec
    host, port = spec
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _close_all(clients: list, server: Any) -> None:
    """Disconnect every client, then stop the server if the cache started one."""
    try:
        for client in clients:
            client.close()
    finally:
        if server is not None:
            server.stop()


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

    Several servers: `pool=` a `start_memcached_pool(n)` or `servers=` a list of addresses. Keys are
    then spread by pymemcache's HashClient (rendezvous hashing; `node_for(key)` says where one goes)
    and its dead-node settings pass through with the library's meaning and defaults: retry_attempts=2,
    retry_timeout=1, dead_timeout=60, ignore_exc=False (see `pool` for what each does; note that for
    `retry_timeout` s after a failure, calls to that node return a miss without raising). No call is
    retried by this class then; `len`, `clear` and `stats` cover every node (stats summed).

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
        servers: Sequence[str | tuple[str, int]] | None = None,
        pool: MemcachedPool | None = None,
        namespace: str = "hotcache",
        ttl: float | None = None,
        codec: str | Codec = "json",
        memory_mb: int = 64,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        timeout: float = DEFAULT_TIMEOUT,
        on_error: str = "raise",
        **client_settings: Any,
    ) -> None:
        super().__init__(namespace=namespace, ttl=ttl, codec=codec, on_error=on_error, timeout=timeout,
                         connect_timeout=connect_timeout)
        if memcached_key(self.namespace, 0).startswith(f"{self.namespace}:#sha1:"):
            raise ValueError(
                f"namespace {namespace!r} is not usable in memcached keys (too long or has spaces)"
            )
        addresses, names = self._pool_addresses(address, servers, pool, client_settings)
        server = None
        if address is None and addresses is None:
            server = start_memcached(memory_mb=memory_mb)
            address = server.address
        self.server = server
        self.pool = pool
        if addresses is None:
            spec = parse_address(address)
            self._specs = [spec]
            single = (spec, None, None) if isinstance(spec, str) else (None, *spec)
            self.socket_path, self.host, self.port = single
            self.address = _show(spec)
            self.client = self._node_client(spec)
            self._admin = [self.client]
        else:
            self._specs = [parse_address(a) for a in addresses]
            self.address = ",".join(_show(spec) for spec in self._specs)
            self.client = make_hash_client(self._specs, names, connect_timeout=self.connect_timeout,
                                           timeout=self.timeout, **client_settings)
            self._admin = [self._node_client(spec) for spec in self._specs]
        self._client_keys = {key: i for i, key in enumerate(client_key(spec) for spec in self._specs)}
        self._closer = weakref.finalize(self, _close_all, [self.client, *self._admin], server)
        self._check_reachable()
        self._prefix = self.namespace + ":"
        self._metadump = True
        self._eviction_base = self._server_evictions()

    @staticmethod
    def _pool_addresses(address, servers, pool, settings) -> tuple[list | None, list[str] | None]:
        """The nodes of a sharded cache (`servers=` or `pool=`), or None for one server."""
        if sum(x is not None for x in (address, servers, pool)) > 1:
            raise TypeError("pass one of address, servers= or pool=, not several")
        if pool is not None:
            if not isinstance(pool, MemcachedPool):
                raise TypeError(f"pool must be a MemcachedPool (start_memcached_pool), got {pool!r}")
            return pool.addresses, pool.names
        if servers is not None:
            if isinstance(servers, (str, bytes)) or not isinstance(servers, Sequence) or not servers:
                raise TypeError(f"servers must be a non-empty list of addresses, got {servers!r}")
            return list(servers), [_show(parse_address(a)) for a in servers]
        if settings:
            raise TypeError(f"{sorted(settings)} are HashClient settings: they need servers= or pool=")
        return None, None

    def _node_client(self, spec) -> PooledClient:
        return PooledClient(
            spec,
            connect_timeout=self.connect_timeout,
            timeout=self.timeout,
            no_delay=True,  # TCP only: send each small request at once (pymemcache skips it on a socket)
            default_noreply=False,  # wait for STORED, so a refused value is an error, not silence
        )

    def _check_reachable(self) -> None:
        for spec, admin in zip(self._specs, self._admin, strict=True):
            try:
                admin.version()
            except (OSError, MemcacheError) as exc:
                self.close()
                raise ServerUnavailable(
                    f"cannot reach memcached at {_show(spec)}: {exc or type(exc).__name__}. Start one with "
                    f"`memcached -s /path/to/private/dir/memcached.sock -a 0700` (or "
                    f"`memcached -l 127.0.0.1 -p 11211 -U 0`), or pass no address to start a private one"
                ) from exc

    @property
    def sharded(self) -> bool:
        """True when keys are spread over several servers by a HashClient."""
        return self.client is not self._admin[0]

    def node_for(self, key: Hashable) -> int:
        """The index (in `servers`/`pool.nodes`) of the node the client sends `key` to right now.

        With a HashClient this follows its dead-node state: a node removed as dead no longer gets keys.
        """
        if not self.sharded:
            return 0
        node = self.client.hasher.get_node(memcached_key(self.namespace, key))
        if node is None:
            raise self._unavailable("node_for", OSError("every node is marked dead"))
        return self._client_keys[node]

    # --- faults ----------------------------------------------------------------------------------
    @property
    def where(self) -> str:
        return self.address

    def _call(self, operation: str, fn, *args: Any, **kwargs: Any) -> Any:
        """As ServerCache._call, but on one server a connection error that is not a timeout is retried
        once at once. A HashClient is left to its own dead-node rules (see `pool`), never retried."""
        try:
            return fn(*args, **kwargs)
        except self._unavailable_errors as exc:
            hashed = self.sharded and getattr(fn, "__self__", None) is self.client
            if isinstance(exc, TimeoutError) or hashed:  # hung: waiting again would double the timeout
                raise self._unavailable(operation, exc) from exc
        except MemcacheError as exc:  # HashClient: "All servers seem to be down right now"
            if self.sharded and "down" in str(exc):
                raise self._unavailable(operation, exc) from exc
            raise
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
            counts = [self._count_namespace(i) for i in range(len(self._specs))]
            if None not in counts:
                return sum(counts)
            self._metadump = False
        return int(self._stats()[b"curr_items"])

    def _count_namespace(self, node: int = 0) -> int | None:
        """Live keys under our prefix on one node, from `lru_crawler metadump hash`; None if unsupported."""
        now = int(self._call("stats", self._admin[node].stats)[b"time"])
        for _ in range(100):
            data = self._call("lru_crawler metadump", self._raw, b"lru_crawler metadump hash\r\n", node)
            if not data.startswith(b"BUSY"):  # the LRU crawler is busy (a crawl, memcached's own too): retry
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

    def _raw(self, command: bytes, node: int = 0) -> bytes:
        """`command` on a socket of its own, and everything up to END, ERROR or BUSY: the reply."""
        spec = self._specs[node]
        if isinstance(spec, str):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.connect_timeout)
            try:
                s.connect(spec)
            except OSError:
                s.close()
                raise
        else:
            s = socket.create_connection(spec, timeout=self.connect_timeout)
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
                if tail.endswith((b"END\r\n", b"ERROR\r\n")):
                    break
                if chunks[0].startswith(b"BUSY") and tail.endswith(b"\r\n"):  # one line, 43 bytes
                    break
        return b"".join(chunks)

    def _clear(self) -> None:
        for admin in self._admin:  # every node: HashClient.flush_all would skip a failed one silently
            self._call("flush_all", admin.flush_all, noreply=False)

    # --- server-wide figures ----------------------------------------------------------------------
    def _stats(self) -> dict:
        """The server's `stats`; over a pool, the counters summed over the nodes."""
        per_node = [self._call("stats", admin.stats) for admin in self._admin]
        if len(per_node) == 1:
            return per_node[0]
        summed = {name: sum(int(s[name]) for s in per_node) for name in _SUMMED}
        return {**per_node[0], **summed}

    def node_stats(self) -> list[dict]:
        """Each node's own `stats`, in node order (gets, hits, items: where the load went)."""
        return [self._call("stats", admin.stats) for admin in self._admin]

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
