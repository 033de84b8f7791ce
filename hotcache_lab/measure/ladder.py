"""The latency ladder, measured live: what one cache hit costs at each level, against the computation.

    from hotcache_lab import ladder
    result = ladder.measure_ladder(value_size=1_000)        # starts (and stops) its own servers
    result.median("redis GET"), result.skipped               # seconds per call; {rung: why not measured}

The rungs, fastest first:
- "lru_cache hit": a `functools.lru_cache` hit (C code: hash the argument, one dict lookup, move
  the link to the front): tens of nanoseconds.
- "memoize hit": the lab's `memoize` over an instrumented `LRUCache` with the "global" lock
  (pure Python, thread-safe): a few hundred nanoseconds.
- "redis GET": `RedisCache.get` on a warm key: build the server key, one request/reply over the
  unix socket (or TCP when you pass a cache on another address), decode the value with the codec.
  Tens of microseconds, growing with the value's size.
- "memcached GET": the same through `MemcachedCache` over TCP on 127.0.0.1 (skipped with a reason
  when memcached is not installed).
- "computation": the function being cached (by default `recommend`, a pure-Python scoring loop of
  about a millisecond; pass your own with `compute=`).

An in-process hit returns a reference to the stored object, so its cost does not depend on the
value's size; a server hit copies the value through a socket and decodes it, so it does.
`codec_times` separates the decoding from the round trip.

How it is measured: each rung is timed in `repeat` batches of `number` calls (`number` grows until
a batch lasts `min_time`), and the median of the per-call times is reported, with every batch's
figure kept in `Rung.samples`. Medians over batches resist the odd preemption on a busy machine;
still, compare rungs measured in the same run, and trust ratios, not absolute figures.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Rung", "Ladder", "time_per_call", "make_value", "recommend", "measure_ladder", "codec_times", "RUNGS",
    "draw_ladder", "format_seconds",
]

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


def format_seconds(seconds: float) -> str:
    """A duration with the unit that reads best: ns, µs, ms or s."""
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _positive_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def time_per_call(fn: Callable[[], Any], *, repeat: int = 5, min_time: float = 0.005,
                  number: int | None = None) -> tuple[list[float], int]:
    """Seconds per call of `fn()`, one figure per batch, and the batch size used.

    With `number=None` the batch size doubles from 1 until a batch lasts at least `min_time`
    (as `timeit.Timer.autorange` does, with a shorter target), so fast and slow rungs both get
    batches long enough for the clock.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    repeat = _positive_int("repeat", repeat)
    min_time = _positive_number("min_time", min_time)
    clock = time.perf_counter

    def batch(n: int) -> float:
        start = clock()
        for _ in range(n):
            fn()
        return clock() - start

    if number is None:
        number = 1
        while True:
            elapsed = batch(number)
            if elapsed >= min_time:
                break
            number *= 2 if elapsed * 4 >= min_time else 4
    else:
        number = _positive_int("number", number)
    return [batch(number) / number for _ in range(repeat)], number


def make_value(size: int) -> dict:
    """A recommendation-like result whose JSON encoding is about `size` bytes (at least ~20).

    `{"user": 1, "items": [100000, 100001, ...]}`: each item is 7 bytes of JSON ("100000,").
    """
    size = _positive_int("size", size)
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
    from ..distributed.codecs import get_codec

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

    `redis` / `memcached`: a `RedisCache` / `MemcachedCache` to use (left open), or None to start a
    private server for this call and stop it before returning. A server that cannot be started
    (memcached not installed, say) becomes an entry of `Ladder.skipped` with the reason, not an error.
    The cached value is `make_value(value_size)`; its size once encoded with `codec` is reported.
    `compute(key)` is the computation rung (default `recommend`).
    """
    value_size = _positive_int("value_size", value_size)
    unknown = [name for name in rungs if name not in RUNGS]
    if unknown or not rungs:
        raise ValueError(f"rungs must be a non-empty subset of {RUNGS}, got {rungs!r}")
    if compute is not None and not callable(compute):
        raise TypeError(f"compute must be callable, got {compute!r}")
    from ..caches import LRUCache
    from ..distributed.codecs import get_codec
    from ..memo.decorator import memoize

    value = make_value(value_size)
    encoded = len(get_codec(codec).dumps(value))
    compute = compute or recommend
    key = 7
    result = Ladder([], {}, value_size=encoded, codec=codec)

    def add(name: str, fn: Callable[[], Any], note: str = "") -> None:
        samples, number = time_per_call(fn, repeat=repeat, min_time=min_time)
        result.rungs.append(Rung(name, statistics.median(samples), tuple(samples), number, note))

    if "lru_cache hit" in rungs:
        @functools.lru_cache(maxsize=128)
        def lru_cached(k):
            return value

        lru_cached(key)
        add("lru_cache hit", functools.partial(lru_cached, key), "C: hash, dict lookup, relink")

    if "memoize hit" in rungs:
        @memoize(LRUCache(128), lock="global")
        def memoized(k):
            return value

        memoized(key)
        add("memoize hit", functools.partial(memoized, key), "Python: lock, dict lookup, relink")

    for name, kind in (("redis GET", "redis"), ("memcached GET", "memcached")):
        if name not in rungs:
            continue
        given = redis if kind == "redis" else memcached
        cache, started = given, False
        if cache is None:
            try:
                cache = _start(kind, codec)
            except Exception as exc:  # ServerUnavailable, or a missing client library
                result.skipped[name] = f"{type(exc).__name__}: {exc}"
                continue
            started = True
        try:
            used = getattr(cache.codec, "name", codec)
            if used != codec:
                raise ValueError(f"the {kind} cache given uses codec {cache.codec!r}, not {codec!r}")
            server_key = ("ladder", value_size)
            cache.put(server_key, value, ttl=None)
            if cache.get(server_key) != value:
                raise RuntimeError(f"{kind} did not return the value just stored under {server_key!r}")
            add(name, functools.partial(cache.get, server_key), f"{kind} round trip + {codec} decode")
            cache.delete(server_key)
        finally:
            if started:
                cache.close()

    if "computation" in rungs:
        add("computation", functools.partial(compute, key), getattr(compute, "__name__", "compute"))

    result.rungs.sort(key=lambda r: RUNGS.index(r.name))
    return result


def _start(kind: str, codec: str):
    from ..distributed import MemcachedCache, RedisCache

    if kind == "redis":
        return RedisCache(namespace="ladder", codec=codec)
    return MemcachedCache(namespace="ladder", codec=codec, memory_mb=16)


def draw_ladder(axes, value_size: int = 1_000, codec: str = "json", *, redis: Any = None,
                memcached: Any = None, compute: Callable[[int], Any] | None = None, repeat: int = 3,
                measured: Ladder | None = None) -> dict:
    """Measure and draw, for a live plot with two axes: the ladder (left) and JSON vs pickle (right).

    Left: one bar per rung, seconds per call on a log scale, labelled with the figure. Right: the
    cached value's encode and decode times with each codec, its size in the legend. Returns the
    medians in µs by rung, the skipped rungs, and the codecs' sizes and times (a plain dict, for tests).
    `axes` is a pair of matplotlib Axes (this module does not import matplotlib). `measured`: a Ladder
    already measured at this value size and codec, drawn instead of measuring again.
    """
    left, right = axes
    if measured is not None:
        if not isinstance(measured, Ladder):
            raise TypeError(f"measured must be a Ladder from measure_ladder, got {measured!r}")
        result = measured
    else:
        result = measure_ladder(int(value_size), codec=codec, redis=redis, memcached=memcached,
                                compute=compute, repeat=repeat, min_time=0.002)
    names = [r.name for r in result.rungs]
    medians = [r.median for r in result.rungs]
    colours = {"lru_cache hit": "#1f77b4", "memoize hit": "#2ca02c", "redis GET": "#d62728",
               "memcached GET": "#9467bd", "computation": "#7f7f7f"}
    left.barh(range(len(names)), medians, color=[colours[n] for n in names])
    for i, seconds in enumerate(medians):
        left.text(seconds, i, " " + format_seconds(seconds), va="center", fontsize=8)
    left.set_yticks(range(len(names)), names)
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlim(min(medians) / 3, max(medians) * 30)
    left.set_xlabel("seconds per call (log scale)")
    left.set_title(f"one hit, value of {result.value_size:,} B as {codec}")
    if result.skipped:
        left.text(0.99, 0.02, "skipped: " + ", ".join(result.skipped), transform=left.transAxes,
                  ha="right", fontsize=8, color="0.4")

    codecs = codec_times(make_value(int(value_size)), repeat=repeat)
    xs = range(len(codecs))
    enc = [codecs[c]["dumps"] * 1e6 for c in codecs]
    dec = [codecs[c]["loads"] * 1e6 for c in codecs]
    right.bar([x - 0.2 for x in xs], enc, width=0.4, label="encode (dumps)", color="#ff7f0e")
    right.bar([x + 0.2 for x in xs], dec, width=0.4, label="decode (loads)", color="#17becf")
    right.set_xticks(list(xs), [f"{c}\n{codecs[c]['bytes']:,} B" for c in codecs])
    right.set_ylabel("µs per value")
    right.set_title("serialization")
    right.legend()
    return {"median_us": {r.name: r.median * 1e6 for r in result.rungs}, "skipped": dict(result.skipped),
            "codecs": codecs, "value_bytes": result.value_size}
