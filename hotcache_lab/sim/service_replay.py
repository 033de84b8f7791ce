"""The replay behind `simulate_service`: requests through a real cache on a simulated clock.

The loop only does what needs the cache at that moment: a lookup (and a fetch on a miss), and at
each bucket end or periodic clear what the cache holds. Everything countable afterwards (hits,
stale reads, ages, per-bucket series) is counted from the per-request record with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..caches import MISSING
from .service_result import FRESH, MISS, STALE


class Timeline:
    """The time-driven events of a run, in time order: bucket ends, then periodic clears on a tie."""

    def __init__(self, cache, n_buckets: int, bucket_seconds: float, clear_every: float | None,
                 ttl: float | None, held: dict | None) -> None:
        self.cache, self.nb, self.width = cache, n_buckets, bucket_seconds
        self.clear_every, self.ttl, self.held = clear_every, ttl, held
        self.entries = np.zeros(n_buckets, dtype=np.int64)  # held at each bucket's end
        self.expired = np.zeros(n_buckets, dtype=np.int64)  # of them past their TTL
        self.start = np.zeros(n_buckets, dtype=np.int64)  # held as each bucket began
        self.bucket = 0
        self.clears = 0
        self.next_edge = bucket_seconds if n_buckets > 1 else np.inf
        self.next_clear = clear_every if clear_every is not None else np.inf

    def advance(self, t: float) -> float:
        """Run every event due at or before `t`; returns when the next one is due."""
        while t >= self.next_edge or t >= self.next_clear:
            if self.next_edge <= self.next_clear:
                self._close(self.next_edge)
            else:
                self._clear()
        return min(self.next_edge, self.next_clear)

    def finish(self, duration: float) -> None:
        """The buckets after the last request still exist: the cache keeps holding what it holds."""
        while self.bucket < self.nb:
            edge = min((self.bucket + 1) * self.width, duration)
            while self.next_clear < edge:
                self._clear()
            self._close(edge)

    def held_now(self) -> int:
        """Entries in memory: for ttl the mirror `held`, which keeps the expired that are not yet
        swept (a TTLCache's len() counts only the live ones); for the others len(cache)."""
        return len(self.cache) if self.held is None else len(self.held)

    def _close(self, at: float) -> None:
        b = self.bucket
        self.entries[b] = self.held_now()
        if self.held is not None:
            self.expired[b] = self._expired_at(at)
        self.bucket = b = b + 1
        if b < self.nb:
            self.start[b] = self.held_now()
        self.next_edge = (b + 1) * self.width if b + 1 < self.nb else np.inf

    def _expired_at(self, at: float) -> int:
        """Held entries whose ttl is up at `at`. `held` is in order of storing (a key is stored again
        only after a miss, which drops it from `held` first), so they are a prefix: count until the
        first one still live."""
        ttl, count = self.ttl, 0
        for stored in self.held.values():
            if stored + ttl > at:  # the very test the cache makes: live while now < stored + ttl
                break
            count += 1
        return count

    def _clear(self) -> None:
        self.cache.clear()
        self.clears += 1
        self.next_clear = (self.clears + 1) * self.clear_every


def replay(ts: list, keys: list, cache, clock, timeline: Timeline, held: dict | None) -> tuple[list, list]:
    """Serve each request at its time; returns, per request, the entries held after a miss (0 on a
    hit) and which request fetched the value served (itself on a miss).

    The value cached is the index of the request that fetched it: the version it carries and when it
    was fetched are looked up afterwards, for every request at once (`Requests.of`), so the loop does
    nothing but what needs the cache at that moment.
    """
    sizes: list = []
    served: list = []
    get, put, missing = cache.get, cache.put, MISSING
    size = timeline.held_now
    next_event = min(timeline.next_edge, timeline.next_clear)
    for i, (t, k) in enumerate(zip(ts, keys, strict=True)):
        if t >= next_event:
            next_event = timeline.advance(t)
        clock.now = t
        v = get(k, missing)
        if v is missing:
            put(k, i)
            if held is not None:
                held[k] = t
            sizes.append(size())
            served.append(i)
        else:
            sizes.append(0)
            served.append(v)
    return sizes, served


@dataclass(frozen=True)
class Requests:
    """The replay's record, one entry per request, as arrays."""

    bucket: np.ndarray  # which bucket each request fell in
    hit: np.ndarray
    stale: np.ndarray
    age: np.ndarray  # seconds since the served value was fetched (0 on a miss)
    served: np.ndarray  # version served
    current: np.ndarray  # the origin's version then
    size: np.ndarray  # entries held after a miss (0 on a hit)

    @classmethod
    def of(cls, ts: np.ndarray, versions: list, sizes: list, served: list, timeline: Timeline) -> Requests:
        edges = np.arange(1, timeline.nb) * timeline.width
        fetched_by = np.array(served, dtype=np.int64)  # the request whose miss fetched the value served
        size = np.array(sizes, dtype=np.int64)
        hit = size == 0
        current = np.array(versions, dtype=np.int64)
        version = current[fetched_by]  # the origin's version when it was fetched
        return cls(bucket=np.searchsorted(edges, ts, side="right"), hit=hit, stale=hit & (version != current),
                   age=ts - ts[fetched_by], served=version, current=current, size=size)

    def series(self, timeline: Timeline) -> dict[str, np.ndarray]:
        """The per-bucket series of `ServiceResult.series`."""
        nb, b = timeline.nb, self.bucket
        requests = np.bincount(b, minlength=nb).astype(np.int64)
        hits = np.bincount(b[self.hit], minlength=nb).astype(np.int64)
        peak = timeline.start.copy()
        np.maximum.at(peak, b, self.size)
        max_age = np.zeros(nb, dtype=float)
        np.maximum.at(max_age, b[self.hit], self.age[self.hit])
        return {"entries": timeline.entries, "peak_entries": peak, "expired_held": timeline.expired,
                "requests": requests, "hits": hits, "misses": requests - hits,
                "stale_reads": np.bincount(b[self.stale], minlength=nb).astype(np.int64), "max_age": max_age}

    def max_stale_for(self, ts: np.ndarray, key_ids: list, change_start: list, change_times: list) -> float:
        """Longest a served value had already been out of date: since its version was replaced.

        Version v of key id d went out of date at change_times[change_start[d] + v]."""
        if not self.stale.any():
            return 0.0
        start = np.asarray(change_start, dtype=np.int64)[np.asarray(key_ids, dtype=np.int64)[self.stale]]
        replaced = np.asarray(change_times, dtype=float)[start + self.served[self.stale]]
        return float(np.max(ts[self.stale] - replaced))

    def log(self) -> dict[str, np.ndarray]:
        outcome = np.where(self.hit, np.where(self.stale, STALE, FRESH), MISS).astype(np.int8)
        return {"outcome": outcome, "served_version": self.served, "origin_version": self.current,
                "age": np.where(self.hit, self.age, 0.0)}
