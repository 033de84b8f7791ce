"""The origin's load while the cache is down and after it comes back: a deterministic model, per strategy.

A seeded Zipf stream arrives at a steady `rate` on a simulated clock and is served by `workers` worker
threads. The cache (an LRU) dies at `down_at` and restarts *empty* at `up_at` (memcached keeps nothing
across a restart). Each request holds a worker for its service time: a hit `cache_latency`; a miss that
plus `origin_latency`; a call to the dead cache `cache_timeout` before its fallback. A request that finds
every worker busy fails. The strategies:

* **no breaker**: every request tries the dead cache and waits out the timeout. The timeouts hold the
  workers, so most requests fail, and, by accident, the origin is spared.
* **breaker**: `breaker.CircuitBreaker` (the lab's own, on the simulated clock) opens after a few
  timeouts; requests go straight to the origin, no worker waits, and the origin gets *everything*.
* **breaker + limit**: origin calls go through a concurrency limit; a call over it is refused at once
  and the request is answered with a fallback (a default, a stale copy): the origin stays at its limit.
* **breaker + limit + warm-up**: as above, and after the restart a miss is first read from a warm peer
  (what the cache held when it died, as a second cluster or a replica holds it) and filled, instead of
  from the origin: Facebook's "cold cluster warmup" (Nishtala et al., NSDI 2013, section 4.3).

Simplifications, said here so the plot is read rightly: arrivals are evenly spaced; the breaker records a
failure when the request starts, not when its timeout ends; the origin's latency does not grow with its
load (its `origin_capacity` is drawn as a line, and time above it counted).
"""

from __future__ import annotations

import copy
import functools
import heapq
from dataclasses import dataclass

from .. import _check
from ..caches import LRUCache
from ..workloads import zipf
from .breaker import OPEN, CircuitBreaker

__all__ = ["FALLBACK_STRATEGIES", "FallbackRun", "origin_load", "compare_fallbacks"]

FALLBACK_STRATEGIES = ("no breaker", "breaker", "breaker + limit", "breaker + limit + warm-up")


@dataclass(frozen=True)
class FallbackRun:
    """Per bucket of `bucket` seconds (starting at `times`): requests a second by outcome."""

    strategy: str
    times: tuple[float, ...]
    origin: tuple[float, ...]  # origin calls a second
    hits: tuple[float, ...]  # cache hits a second
    peer: tuple[float, ...]  # misses read from the warm peer a second
    shed: tuple[float, ...]  # refused by the concurrency limit (answered with a fallback) a second
    failed: tuple[float, ...]  # found no free worker a second
    mean_latency_ms: tuple[float, ...]  # of the requests served in the bucket
    open_buckets: tuple[bool, ...]  # the breaker was open at some point in the bucket
    capacity: float  # the origin's capacity, calls a second
    down_at: float
    up_at: float
    breaker_transitions: tuple[tuple[float, str, str], ...]

    @property
    def peak_origin(self) -> float:
        return max(self.origin)

    @property
    def seconds_over_capacity(self) -> float:
        width = self.times[1] - self.times[0] if len(self.times) > 1 else 0.0
        return sum(width for load in self.origin if load > self.capacity)

    def total(self, outcome: str) -> int:
        """The count of requests with `outcome` ("origin", "hits", "peer", "shed", "failed") over the run."""
        _check.one_of("outcome", outcome, ("origin", "hits", "peer", "shed", "failed"))
        width = self.times[1] - self.times[0] if len(self.times) > 1 else 1.0
        return round(sum(getattr(self, outcome)) * width)


class _Run:
    """One strategy's replay: the clock, the workers' and the origin's in-flight calls, the counters."""

    def __init__(self, strategy: str, settings: dict, buckets: int) -> None:
        self.s = settings
        self.now = 0.0
        self.breaker = (CircuitBreaker(failure_threshold=settings["failure_threshold"],
                                       reset_timeout=settings["reset_timeout"], clock=lambda: self.now)
                        if strategy != "no breaker" else None)
        self.limit = settings["limit"] if "limit" in strategy else None
        self.warm = strategy.endswith("warm-up")
        self.cache = LRUCache(settings["maxsize"])
        self.peer: set = set()
        self.workers: list[float] = []  # end times of the requests holding a worker
        self.origin_calls: list[float] = []  # end times of the origin calls running
        self.counts = {name: [0] * buckets for name in ("origin", "hits", "peer", "shed", "failed")}
        self.latency = [0.0] * buckets
        self.served = [0] * buckets

    def _origin(self) -> bool:
        """Start an origin call now if the limit allows: True if started."""
        while self.origin_calls and self.origin_calls[0] <= self.now:
            heapq.heappop(self.origin_calls)
        if self.limit is not None and len(self.origin_calls) >= self.limit:
            return False
        heapq.heappush(self.origin_calls, self.now + self.s["origin_latency"])
        return True

    def serve(self, key: int, b: int, cache_up: bool) -> None:
        s = self.s
        while self.workers and self.workers[0] <= self.now:
            heapq.heappop(self.workers)
        if len(self.workers) >= s["workers"]:
            self.counts["failed"][b] += 1
            return
        cost = 0.0
        use_cache = self.breaker is None or self.breaker.allow()
        if use_cache and cache_up:
            if self.breaker is not None:
                self.breaker.record_success()
            cost = s["cache_latency"]
            if self.cache.get(key) is not None:
                outcome = "hits"
            elif self.warm and key in self.peer:
                outcome, cost = "peer", cost + s["cache_latency"]
            else:
                outcome = "origin" if self._origin() else "shed"
            if outcome in ("origin", "peer"):
                self.cache.put(key, True)
        else:
            if use_cache:  # the dead cache, tried: the timeout, then the fallback
                cost = s["cache_timeout"]
                if self.breaker is not None:
                    self.breaker.record_failure()
            outcome = "origin" if self._origin() else "shed"
        if outcome == "origin":
            cost += s["origin_latency"]
        heapq.heappush(self.workers, self.now + cost)
        self.counts[outcome][b] += 1
        self.latency[b] += cost
        self.served[b] += 1


@functools.lru_cache(maxsize=8)
def _warm_cache(n_keys: int, alpha: float, maxsize: int, seed: int) -> LRUCache:
    """An LRU filled by a seeded stream of its own: the steady state the outage interrupts (copied)."""
    cache = LRUCache(maxsize)
    for key in zipf(n_keys, alpha, 10 * maxsize, seed + 1).tolist():
        cache.request(key)
    return cache


def origin_load(strategy: str, *, rate: int = 500, duration: float = 16.0, down_at: float = 3.0,
                up_at: float = 8.0, bucket: float = 0.5, workers: int = 20, cache_timeout: float = 0.1,
                cache_latency: float = 0.0005, origin_latency: float = 0.04, origin_capacity: float = 250.0,
                limit: int = 8, failure_threshold: int = 5, reset_timeout: float = 1.0, maxsize: int = 2000,
                n_keys: int = 10_000, alpha: float = 1.1, seed: int = 0) -> FallbackRun:
    """Replay `rate * duration` requests under `strategy` (one of FALLBACK_STRATEGIES) from a warm cache
    (filled by a seeded stream of its own first); the cache is down in [down_at, up_at). `limit` is the
    origin's concurrency limit (strategies with "limit": at most limit / origin_latency calls a second)."""
    _check.one_of("strategy", strategy, FALLBACK_STRATEGIES)
    rate, duration = _check.integer("rate", rate), _check.seconds("duration", duration)
    bucket = _check.seconds("bucket", bucket)
    down_at = _check.number("down_at", down_at, low=0, high=duration)
    up_at = _check.number("up_at", up_at, low=down_at, high=duration)
    settings = {"workers": _check.integer("workers", workers), "limit": _check.integer("limit", limit),
                "cache_timeout": _check.seconds("cache_timeout", cache_timeout),
                "cache_latency": _check.seconds("cache_latency", cache_latency),
                "origin_latency": _check.seconds("origin_latency", origin_latency),
                "failure_threshold": failure_threshold, "reset_timeout": reset_timeout,
                "maxsize": _check.maxsize(maxsize)}
    capacity = _check.positive("origin_capacity", origin_capacity)
    n = round(rate * duration)
    buckets = max(1, round(duration / bucket))
    run = _Run(strategy, settings, buckets)
    run.cache = copy.copy(_warm_cache(n_keys, alpha, settings["maxsize"], seed))
    restarted = False
    for i, key in enumerate(zipf(n_keys, alpha, n, seed).tolist()):
        run.now = i / rate
        cache_up = not down_at <= run.now < up_at
        if not cache_up and not run.peer:
            run.peer = set(run.cache)  # what the cache held when it died: the warm peer's copy
        if cache_up and run.now >= up_at and not restarted and up_at > down_at:
            run.cache, restarted = LRUCache(settings["maxsize"]), True  # back, and empty
        run.serve(key, min(int(run.now / bucket), buckets - 1), cache_up)
    counts = {name: tuple(c / bucket for c in values) for name, values in run.counts.items()}
    latency = tuple(1000 * t / m if m else 0.0 for t, m in zip(run.latency, run.served, strict=True))
    transitions = tuple(run.breaker.transitions) if run.breaker else ()
    return FallbackRun(strategy, tuple(i * bucket for i in range(buckets)), counts["origin"], counts["hits"],
                       counts["peer"], counts["shed"], counts["failed"], latency,
                       _open_buckets(transitions, buckets, bucket), capacity, down_at, up_at, transitions)


def _open_buckets(transitions: tuple[tuple[float, str, str], ...], buckets: int,
                  bucket: float) -> tuple[bool, ...]:
    """For each bucket, whether the breaker was open at some moment of it (from its transitions)."""
    spans = [(t, transitions[i + 1][0] if i + 1 < len(transitions) else buckets * bucket)
             for i, (t, _, to) in enumerate(transitions) if to == OPEN]
    return tuple(any(start < (b + 1) * bucket and end > b * bucket for start, end in spans)
                 for b in range(buckets))


def compare_fallbacks(**settings) -> dict[str, FallbackRun]:
    """Every strategy on the same stream and settings."""
    return {strategy: origin_load(strategy, **settings) for strategy in FALLBACK_STRATEGIES}
