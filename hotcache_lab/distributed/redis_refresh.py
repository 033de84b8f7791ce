"""One hot key in Redis shared by several processes: what happens at expiry, and two ways to stop a stampede.

An in-process lock (`ttl_memoize(single_flight=True)`) cannot stop two *processes* from recomputing
the same expired key. Across processes the coordination has to live in Redis itself:

- strategy "none": GET; on a miss compute and store with a TTL. Every client that misses during the
  recompute computes too: at expiry the backend gets one computation per busy client.
- strategy "lock": on a miss, take a lock key with `SET lock:<key> <token> NX PX <ms>` (set only if
  absent, with an expiry so a crashed holder cannot block everybody forever). The holder checks the
  value again (another process may have stored it between our read and our lock: double-checked
  locking), computes, stores, and releases the lock. The others poll for the value; if the lock
  disappears without a value (holder failed, or its lock expired) they try to take it themselves.
  Releasing must delete the lock only if it is still *ours*: if our computation outlived PX, the lock
  expired and another process may hold it now; a plain DEL would delete theirs. A GET followed by a
  DEL from the client has the same hole (the lock can change hands between the two commands), so
  the check and the delete run in one Lua script, which Redis executes atomically (the pattern on
  the Redis SET command's page, https://redis.io/docs/latest/commands/set/).
- strategy "xfetch": no lock at all. The value is stored with the time its computation took (delta),
  every reader gets the remaining TTL with `PTTL` and recomputes early when
  `-delta * beta * ln(U) >= remaining` (Vattani, Chierichetti and Lowenstein, PVLDB 8(8), 2015).
  One reader refreshes shortly before expiry and the others keep hitting; nothing to release, no
  process can block another, but two readers can occasionally both refresh.

The value lives in a hash `{value, delta}` (HSET + PEXPIRE in one MULTI), read with HMGET + PTTL in
one MULTI, so a reader sees the value and its remaining TTL together. Values are str (what Redis
returns with decode_responses=True); `compute()` should return a str, bytes or number.

`redis_refresh_processes.run_processes(url, strategy)` measures it with several processes at once.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from .. import _check
from ..expiry.refresh import xfetch_should_refresh
from .base import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT
from .redis_cache import make_client, redact

#: how clients in several processes refresh one Redis key: no coordination, a lock key, or XFetch
REDIS_REFRESH_STRATEGIES = ("none", "lock", "xfetch")

# KEYS[1] = the lock key, ARGV[1] = our token. Delete only if the lock still holds our token.
RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def connect(url: str, *, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
            ) -> redis.Redis:
    """A redis-py client for `url` (decode_responses=True), checked with PING; every command waits at
    most `timeout` s and is not retried (`redis_cache.make_client`), so a dead server is an error."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a Redis URL str (e.g. start_redis().url), got {url!r}")
    client = make_client(url, timeout=timeout, connect_timeout=connect_timeout, decode_responses=True)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        client.close()
        raise ConnectionError(f"cannot reach Redis at {redact(url)}: {exc}. Start one with "
                              "hotcache_lab.backends.start_redis() and pass its .url") from exc
    return client


@dataclass
class RefresherStats:
    calls: int = 0
    hits: int = 0
    computations: int = 0  # recomputations this client did (inline)
    early: int = 0  # of which XFetch refreshes before expiry
    waits: int = 0  # calls that found the lock taken and waited for another client's value
    double_checked: int = 0  # took the lock, but the value had been stored meanwhile: no computation
    lock_steals: int = 0  # took the lock after the holder vanished without storing a value
    polls: int = 0
    max_latency: float = 0.0  # seconds, the slowest get()
    intervals: list = field(default_factory=list)  # (wall start, wall end, early) of each computation


class RedisRefresher:
    """Get one Redis key through a refresh strategy; `compute()` makes the value on a miss.

    `ttl`, `lock_timeout` (the lock's PX), `poll` (waiters' sleep between reads) and `wait_timeout`
    are in seconds. `rng` (with `.random()`) drives XFetch; `counter_key`, if given, is INCRed on the
    server at each computation so several processes' computations can be totalled.
    """

    def __init__(self, client: redis.Redis, key: str, compute: Callable[[], Any], *, ttl: float,
                 strategy: str = "lock", beta: float = 1.0, lock_timeout: float = 5.0, poll: float = 0.002,
                 wait_timeout: float = 10.0, rng=None, counter_key: str | None = None) -> None:
        if not isinstance(client, redis.Redis):
            raise TypeError(f"client must be a redis.Redis (see connect(url)), got {client!r}")
        _check.text("key", key)
        _check.function("compute", compute)
        _check.one_of("strategy", strategy, REDIS_REFRESH_STRATEGIES)
        for name, value in (("ttl", ttl), ("lock_timeout", lock_timeout), ("poll", poll),
                            ("wait_timeout", wait_timeout)):
            _check.seconds(name, value)
        _check.positive("beta", beta)
        rng = random.Random(0) if rng is None else rng
        if not callable(getattr(rng, "random", None)):
            raise TypeError(f"rng must have a .random() method, got {rng!r}")
        self.client, self.key, self.compute = client, key, compute
        self.lock_key = f"lock:{key}"
        self.ttl_ms = max(1, round(ttl * 1000))
        self.lock_ms = max(1, round(lock_timeout * 1000))
        self.strategy, self.beta, self.poll, self.wait_timeout = strategy, beta, poll, wait_timeout
        self.rng, self.counter_key = rng, counter_key
        self.stats = RefresherStats()
        self._release = client.register_script(RELEASE_SCRIPT)

    # --- the three steps every strategy is made of ------------------------------------------------
    def read(self) -> tuple[str | None, float, float]:
        """(value or None, seconds left before expiry, delta) in one round trip."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hmget(self.key, "value", "delta")
        pipe.pttl(self.key)
        (value, delta), pttl = pipe.execute()
        if value is None or pttl == -2:
            return None, 0.0, 0.0
        left = math.inf if pttl == -1 else pttl / 1000
        return value, left, float(delta or 0.0)

    def store(self, value: Any, delta: float) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self.key)
        pipe.hset(self.key, mapping={"value": value, "delta": repr(delta)})
        pipe.pexpire(self.key, self.ttl_ms)
        pipe.execute()

    def recompute(self, early: bool = False) -> Any:
        wall, start = time.time(), time.perf_counter()
        value = self.compute()
        delta = time.perf_counter() - start
        self.store(value, delta)
        self.stats.computations += 1
        self.stats.early += early
        self.stats.intervals.append((wall, wall + delta, early))
        if self.counter_key is not None:
            self.client.incr(self.counter_key)
        return str(value) if not isinstance(value, str) else value

    # --- the lock -------------------------------------------------------------------------------------
    def acquire(self) -> str | None:
        """Take the lock: `SET lock:<key> <token> NX PX <lock_ms>`. Returns our token, or None if taken."""
        token = uuid.uuid4().hex
        return token if self.client.set(self.lock_key, token, nx=True, px=self.lock_ms) else None

    def release(self, token: str) -> bool:
        """Delete the lock only if it still holds `token` (atomically, in Lua). True if we deleted it."""
        return bool(self._release(keys=[self.lock_key], args=[token]))

    def fill_with_lock(self) -> tuple[Any, bool]:
        """Try once to take the lock and fill the key: (value, True) with the lock, (None, False) without."""
        token = self.acquire()
        if token is None:
            return None, False
        try:
            value, _, _ = self.read()  # double-checked: someone may have stored it since our miss
            if value is not None:
                self.stats.double_checked += 1
                return value, True
            return self.recompute(), True
        finally:
            self.release(token)

    # --- the public call ----------------------------------------------------------------------------
    def get(self) -> Any:
        start = time.perf_counter()
        try:
            return self._get()
        finally:
            self.stats.calls += 1
            self.stats.max_latency = max(self.stats.max_latency, time.perf_counter() - start)

    def _get(self) -> Any:
        value, left, delta = self.read()
        if value is not None:
            if self.strategy == "xfetch" and xfetch_should_refresh(0.0, left, delta, self.beta, self.rng):
                return self.recompute(early=True)
            self.stats.hits += 1
            return value
        if self.strategy != "lock":
            return self.recompute()
        value, got = self.fill_with_lock()
        if got:
            return value
        self.stats.waits += 1
        deadline = time.monotonic() + self.wait_timeout
        while True:
            time.sleep(self.poll)
            self.stats.polls += 1
            value, _, _ = self.read()
            if value is not None:
                return value
            if not self.client.exists(self.lock_key):  # the holder gave up or died: take over
                value, got = self.fill_with_lock()
                if got:
                    self.stats.lock_steals += 1
                    return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {self.wait_timeout} s for {self.key!r} while {self.lock_key!r} "
                                   "was held by another client; raise wait_timeout or check that client")
