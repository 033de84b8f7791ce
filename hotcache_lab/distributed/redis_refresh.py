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

`run_processes(url, strategy)` measures it: several processes (each with a few threads) request the
key at a steady rate for a few TTLs; each computation is logged with its wall-clock start and end
(the same machine clock for all processes) and counted with INCR on the server as a cross-check.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from ..expiry.hotkey_sim import episodes
from ..expiry.refresh import xfetch_should_refresh

STRATEGIES = ("none", "lock", "xfetch")

# KEYS[1] = the lock key, ARGV[1] = our token. Delete only if the lock still holds our token.
RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def _check_number(name: str, value: Any, *, positive: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or (value <= 0 if positive else value < 0):
        raise ValueError(f"{name} must be a {'positive' if positive else 'non-negative'} finite number, "
                         f"got {value!r}")


def connect(url: str) -> redis.Redis:
    """A redis-py client for `url` (decode_responses=True), checked with PING."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a Redis URL str (e.g. start_redis().url), got {url!r}")
    client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2.0, socket_timeout=10.0)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        client.close()
        raise ConnectionError(f"cannot reach Redis at {url}: {exc}. Start one with "
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
        if not isinstance(key, str) or not key:
            raise TypeError(f"key must be a non-empty str, got {key!r}")
        if not callable(compute):
            raise TypeError(f"compute must be callable, got {compute!r}")
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        for name, value in (("ttl", ttl), ("beta", beta), ("lock_timeout", lock_timeout), ("poll", poll),
                            ("wait_timeout", wait_timeout)):
            _check_number(name, value)
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


# --- several processes ----------------------------------------------------------------------------


def slow_backend(seconds: float) -> Callable[[], str]:
    """A stand-in for the database: sleeps `seconds`, returns who computed it and when."""
    def compute() -> str:
        time.sleep(seconds)
        return f"pid {os.getpid()} at {time.time():.3f}"
    return compute


def _client_loop(refresher: RedisRefresher, start: float, duration: float, rate: float, offset: float,
                 errors: list) -> None:
    """Request at a steady `rate` from wall time `start + offset` until `start + duration`."""
    i = 0
    while True:
        due = start + offset + i / rate
        if due >= start + duration:
            return
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        try:
            refresher.get()
        except Exception as exc:  # reported to the parent, not swallowed
            errors.append(repr(exc))
            return
        i += 1


def _worker(url: str, params: dict, index: int, go, results) -> None:
    try:
        client = connect(url)
    except Exception as exc:
        results.put(("failed", index, repr(exc)))
        return
    threads_n = params["threads"]
    refreshers = [
        RedisRefresher(client, params["key"], slow_backend(params["recompute"]), ttl=params["ttl"],
                       strategy=params["strategy"], beta=params["beta"], lock_timeout=params["lock_timeout"],
                       rng=random.Random(params["seed"] * 1000 + index * threads_n + t),
                       counter_key=params["counter_key"])
        for t in range(threads_n)
    ]
    errors: list = []
    results.put(("ready", index, None))
    if not go.wait(timeout=120):
        return
    start = time.time()  # within a millisecond or so of the parent's and the other workers'
    clients = params["processes"] * threads_n
    stagger = 1 / (clients * params["rate"])  # the clients' requests interleave evenly
    threads = [threading.Thread(target=_client_loop, args=(r, start, params["duration"], params["rate"],
                                                           (index * threads_n + t) * stagger, errors))
               for t, r in enumerate(refreshers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = RefresherStats()
    for r in refreshers:
        s = r.stats
        for name in ("calls", "hits", "computations", "early", "waits", "double_checked", "lock_steals",
                     "polls"):
            setattr(merged, name, getattr(merged, name) + getattr(s, name))
        merged.max_latency = max(merged.max_latency, s.max_latency)
        merged.intervals.extend((a, b, early, index) for a, b, early in s.intervals)
    client.close()
    results.put(("done", index, (os.getpid(), merged, errors)))


@dataclass
class ProcessRun:
    """What several processes did to one Redis key (times in seconds)."""

    strategy: str
    params: dict
    per_process: list[int]  # computations by each process
    per_episode: list[int]  # computations in each refresh episode (overlapping in time)
    computations: int
    server_count: int  # the INCR counter on the server: must equal computations
    calls: int
    hits: int
    early: int
    waits: int
    double_checked: int
    max_latency: float
    intervals: list = field(repr=False)  # (start, end, early, process index), seconds from the run's start

    @property
    def per_expiry(self) -> float:
        return self.computations / len(self.per_episode) if self.per_episode else 0.0

    def summary(self) -> dict:
        return {"recomputations": self.computations, "episodes": len(self.per_episode),
                "per_expiry": round(self.per_expiry, 2),
                "max_in_one_episode": max(self.per_episode, default=0), "early": self.early,
                "waits": self.waits}


def run_processes(url: str, strategy: str = "lock", *, processes: int = 3, threads: int = 2,
                  rate: float = 50.0, recompute: float = 0.05, ttl: float = 0.5, periods: int = 3,
                  beta: float = 1.0, lock_timeout: float = 2.0, seed: int = 0, key: str | None = None,
                  start_method: str | None = None, timeout: float = 60.0) -> ProcessRun:
    """`processes` processes x `threads` threads each request one key at `rate` per second per client,
    for `periods * ttl + ttl / 2` seconds, starting from a warm value; returns what they computed.

    The clients are evenly staggered, so together they send `processes * threads * rate` requests per
    second. `start_method` None means the platform's default (fork on Linux before Python 3.14,
    spawn on macOS and Windows); the worker is a function of this module, so every method works,
    also inside a Jupyter kernel ("spawn" costs about a second per process on a busy 2-core machine).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    for name, value in (("processes", processes), ("threads", threads), ("periods", periods)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    for name, value in (("rate", rate), ("recompute", recompute), ("ttl", ttl), ("beta", beta),
                        ("lock_timeout", lock_timeout), ("timeout", timeout)):
        _check_number(name, value)
    client = connect(url)
    key = key or f"hot:{strategy}:{uuid.uuid4().hex[:8]}"
    counter_key = f"{key}:computations"
    client.delete(key, f"lock:{key}", counter_key)
    duration = periods * ttl + ttl / 2
    ctx = multiprocessing.get_context(start_method)  # None: the platform's default
    go = ctx.Event()
    results = ctx.Queue()
    params = {"key": key, "strategy": strategy, "processes": processes, "threads": threads, "rate": rate,
              "recompute": recompute, "ttl": ttl, "beta": beta, "lock_timeout": lock_timeout, "seed": seed,
              "counter_key": counter_key, "duration": duration}
    warm = RedisRefresher(client, key, slow_backend(0.0), ttl=3600, strategy="none")
    warm.store(f"warm at {time.time():.3f}", recompute)  # warm, so the stampede studied is the one at expiry
    workers = [ctx.Process(target=_worker, args=(url, params, index, go, results), daemon=True)
               for index in range(processes)]

    def collect(kind: str, seconds: float) -> list:
        """Wait for one `kind` message from every worker, noticing workers that die or fail."""
        got: dict = {}
        deadline = time.monotonic() + seconds
        while len(got) < processes:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{processes - len(got)} worker processes did not report {kind!r} "
                                   f"within {seconds:.0f} s")
            try:
                what, index, payload = results.get(timeout=0.5)
            except queue.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"worker process {dead[0].pid} exited with code "
                                       f"{dead[0].exitcode}") from None
                continue
            if what == "failed":
                raise RuntimeError(f"worker {index} failed: {payload}")
            if what == kind:
                got[index] = payload
        return [got[i] for i in range(processes)]

    try:
        for w in workers:
            w.start()
        collect("ready", timeout)  # every process is connected: go
        client.pexpire(key, max(1, round(ttl * 1000)))  # the first expiry is at start + ttl
        start = time.time()
        go.set()
        collected = collect("done", duration + timeout)
        server_count = int(client.get(counter_key) or 0)
        client.delete(key, f"lock:{key}", counter_key)
    finally:
        go.set()  # a worker still waiting to start returns at once
        for w in workers:
            if w.pid is None:
                continue
            w.join(5)
            if w.is_alive():
                w.terminate()
                w.join(5)
        client.close()
    errors = [e for _, _, errs in collected for e in errs]
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed in the workers, first: {errors[0]}")
    intervals = sorted((a - start, b - start, early, index)
                       for _, stats, _ in collected for a, b, early, index in stats.intervals)
    stats = [r[1] for r in collected]
    return ProcessRun(
        strategy=strategy, params={k: v for k, v in params.items() if k not in ("key", "counter_key")},
        per_process=[s.computations for s in stats],
        per_episode=[len(g) for g in episodes([(a, b) for a, b, _, _ in intervals])],
        computations=sum(s.computations for s in stats), server_count=server_count,
        calls=sum(s.calls for s in stats), hits=sum(s.hits for s in stats), early=sum(s.early for s in stats),
        waits=sum(s.waits for s in stats), double_checked=sum(s.double_checked for s in stats),
        max_latency=max(s.max_latency for s in stats), intervals=intervals,
    )
