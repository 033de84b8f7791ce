"""The latency ladder, measured live: what one cache hit costs at each level, against the computation.

    from hotcache_lab.distributed.ladder import measure_ladder
    result = measure_ladder(value_size=1_000)        # starts (and stops) its own servers
    result.median("redis GET"), result.skipped        # seconds per call; {rung: why not measured}

The rungs, fastest first:
- "lru_cache hit": a `functools.lru_cache` hit (C code: hash the argument, one dict lookup, move
  the link to the front): tens of nanoseconds.
- "memoize hit": the lab's `memoize` over an instrumented `LRUCache` with the "global" lock
  (pure Python, thread-safe): a few hundred nanoseconds.
- "redis GET": `RedisCache.get` on a warm key: build the server key, one request/reply over the
  unix socket (or TCP when you pass a cache on another address), decode the value with the codec.
  Tens of microseconds, growing with the value's size.
- "memcached GET": the same through `MemcachedCache`, over its unix socket (or TCP when you pass a
  cache on 'host:port'); skipped with a reason when memcached is not installed.
- "computation": the function being cached (by default `recommend`, a pure-Python scoring loop of
  about a millisecond; pass your own with `compute=`).

An in-process hit returns a reference to the stored object, so its cost does not depend on the
value's size; a server hit copies the value through a socket and decodes it, so it does.
`codec_times` separates the decoding from the round trip.

Each rung is timed with `measure.timing.time_per_call` (batches that last `min_time`), and the
median of the per-call times is reported, with every batch's figure kept in `Rung.samples`.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import _check
from ..caches import LRUCache
from ..measure.timing import format_seconds, time_per_call
from ..memo.decorator import memoize
from .codecs import get_codec

__all__ = ["Rung", "Ladder", "RUNGS", "make_value", "recommend", "measure_ladder", "codec_times"]

RUNGS = ("lru_cache hit", "memoize hit", "redis GET", "memcached GET", "computation")


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: seconds per call, the median over `samples` (one per batch)."""

    name: str
    median: float
    samples: tuple[float, ...]
    number: int  # calls per batch
    note: str = ""

    @property
    def spread(self) -> tuple[float, float]:
        """The fastest and slowest batch, seconds per call."""
        return min(self.samples), max(self.samples)


@dataclass
class Ladder:
    """Rungs measured in one run, fastest level first; `skipped` says why a rung is missing."""

    rungs: list[Rung]
    skipped: dict[str, str] = field(default_factory=dict)
    value_size: int = 0  # bytes of the cached value once encoded with `codec`
    codec: str = "json"

    def __getitem__(self, name: str) -> Rung:
        for rung in self.rungs:
            if rung.name == name:
                return rung
        if name in self.skipped:
            raise KeyError(f"rung {name!r} was skipped: {self.skipped[name]}")
        raise KeyError(f"no rung {name!r}; measured: {[r.name for r in self.rungs]}")

    def __contains__(self, name: object) -> bool:
        return any(rung.name == name for rung in self.rungs)

    def median(self, name: str) -> float:
        return self[name].median

    def ratio(self, slower: str, faster: str) -> float:
        """How many times slower one rung's median is than another's."""
        return self.median(slower) / self.median(faster)

    def table(self) -> list[tuple[str, float]]:
        """(name, median seconds per call), in ladder order."""
        return [(rung.name, rung.median) for rung in self.rungs]

    def __str__(self) -> str:
        lines = [f"latency ladder (value {self.value_size} B as {self.codec}; median per call)"]
        for rung in self.rungs:
            lines.append(f"  {rung.name:<15} {format_seconds(rung.median):>10}")
        for name, why in self.skipped.items():
            lines.append(f"  {name:<15} {'skipped':>10}: {why}")
        return "\n".join(lines)


def make_value(size: int) -> dict:
    """A recommendation-like result whose JSON encoding is about `size` bytes (at least ~20).

    `{"user": 1, "items": [100000, 100001, ...]}`: each item is 7 bytes of JSON ("100000,").
    """
    size = _check.integer("size", size)
    return {"user": 1, "items": [100_000 + i for i in range(max(0, (size - 20) // 7))]}


def recommend(user: int, n_items: int = 4_000) -> list[int]:
    """A stand-in for the expensive call: score `n_items` items for `user`, keep the top 10.

    Pure Python, deterministic, about a millisecond on a laptop: a cheap recommendation.
    """
    scores = [((item * 2654435761) ^ (user * 40503)) % 1_000_003 for item in range(n_items)]
    return sorted(range(n_items), key=scores.__getitem__, reverse=True)[:10]


def codec_times(value: Any, codecs: tuple[str, ...] = ("json", "pickle"), *, repeat: int = 5,
                min_time: float = 0.002) -> dict[str, dict[str, float]]:
    """For each codec: encoded bytes, and median seconds to encode (`dumps`) and decode (`loads`)."""
    out = {}
    for name in codecs:
        codec = get_codec(name)
        data = codec.dumps(value)
        dumps, _ = time_per_call(lambda c=codec: c.dumps(value), repeat=repeat, min_time=min_time)
        loads, _ = time_per_call(lambda c=codec, d=data: c.loads(d), repeat=repeat, min_time=min_time)
        out[name] = {"bytes": len(data), "dumps": statistics.median(dumps), "loads": statistics.median(loads)}
    return out


def measure_ladder(value_size: int = 1_000, *, codec: str = "json", redis: Any = None, memcached: Any = None,
                   compute: Callable[[int], Any] | None = None, rungs: tuple[str, ...] = RUNGS,
                   repeat: int = 5, min_time: float = 0.005) -> Ladder:
    """Measure the rungs named in `rungs` (default all) in one run; see the module docstring.

    `redis` / `memcached`: a `RedisCache` / `MemcachedCache` to use (left open; one with another codec
    lends its server to a cache with `codec`), or None to start a private server for this call and
    stop it before returning. A server that cannot be started
    (memcached not installed, say) becomes an entry of `Ladder.skipped` with the reason, not an error.
    The cached value is `make_value(value_size)`; its size once encoded with `codec` is reported.
    `compute(key)` is the computation rung (default `recommend`).
    """
    value_size = _check.integer("value_size", value_size)
    unknown = [name for name in rungs if name not in RUNGS]
    if unknown or not rungs:
        raise ValueError(f"rungs must be a non-empty subset of {RUNGS}, got {rungs!r}")
    if compute is not None and not callable(compute):
        raise TypeError(f"compute must be callable, got {compute!r}")
    value = make_value(value_size)
    compute = compute or recommend
    key = 7
    result = Ladder([], {}, value_size=len(get_codec(codec).dumps(value)), codec=codec)

    def add(name: str, fn: Callable[[], Any], note: str = "") -> None:
        samples, number = time_per_call(fn, repeat=repeat, min_time=min_time)
        result.rungs.append(Rung(name, statistics.median(samples), tuple(samples), number, note))

    if "lru_cache hit" in rungs:
        lru_cached = functools.lru_cache(maxsize=128)(lambda k: value)
        lru_cached(key)
        add("lru_cache hit", functools.partial(lru_cached, key), "C: hash, dict lookup, relink")
    if "memoize hit" in rungs:
        memoized = memoize(LRUCache(128), lock="global")(lambda k: value)
        memoized(key)
        add("memoize hit", functools.partial(memoized, key), "Python: lock, dict lookup, relink")
    for name, kind, given in (("redis GET", "redis", redis), ("memcached GET", "memcached", memcached)):
        if name in rungs:
            _server_rung(result, add, name, kind, given, value, value_size, codec)
    if "computation" in rungs:
        add("computation", functools.partial(compute, key), getattr(compute, "__name__", "compute"))
    result.rungs.sort(key=lambda r: RUNGS.index(r.name))
    return result


def _server_rung(result: Ladder, add: Callable, name: str, kind: str, cache: Any, value: Any,
                 value_size: int, codec: str) -> None:
    """Time one GET of `value` on a server: the cache given, or one opened (and closed) here."""
    started = cache is None or getattr(cache.codec, "name", codec) != codec
    if started:
        try:
            cache = _start(kind, codec, None if cache is None else cache)
        except Exception as exc:  # ServerUnavailable, or a missing client library
            result.skipped[name] = f"{type(exc).__name__}: {exc}"
            return
    try:
        server_key = ("ladder", value_size)
        cache.put(server_key, value, ttl=None)
        if cache.get(server_key) != value:
            raise RuntimeError(f"{kind} did not return the value just stored under {server_key!r}")
        add(name, functools.partial(cache.get, server_key), f"{kind} round trip + {codec} decode")
        cache.delete(server_key)
    finally:
        if started:
            cache.close()


def _start(kind: str, codec: str, given: Any = None):
    """A cache with `codec`: on the given cache's server (one that uses another codec), else a private one."""
    from .memcached_cache import MemcachedCache
    from .redis_cache import RedisCache

    if kind == "redis":
        return RedisCache(None if given is None else given.url, namespace="ladder", codec=codec)
    if given is not None:
        return MemcachedCache(given.address, namespace="ladder", codec=codec)
    return MemcachedCache(namespace="ladder", codec=codec, memory_mb=16)
