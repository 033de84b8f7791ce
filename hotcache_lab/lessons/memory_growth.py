"""Notebook 02 (memory growth): what its live plot computes, and the verdicts of its exercises.

    lesson.growth(result_bytes=1024, maxsize=300)    # for plots.memory.draw_growth

The stream is a product catalogue's Zipf traffic (50 000 products, 15 000 calls, seed 7), replayed
through `functools.cache` and `functools.lru_cache(maxsize)` under tracemalloc. The replay runs once
per maxsize with results of None (what keys, dict and links cost); a result of `result_bytes` bytes
per entry held is then added, which is what tracemalloc reports for the same replay with real results,
because it counts requested bytes (`measure.memory.with_results`; `replayed` measures it directly).
"""

from __future__ import annotations

import bisect
import functools
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _check, caches, workloads
from ..measure import MEASURED
from ..measure.memory import Series, traced_series, with_results

__all__ = ["SEED", "Stream", "stream", "Growth", "growth", "replayed", "Budget", "memory_budget",
           "judge_exercise_1", "judge_exercise_2", "judge_exercise_3", "BUDGET"]

SEED = 7
MiB = 2**20
POINTS = 40
BUDGET = 64 * MiB  # exercise 3's memory budget


@dataclass(frozen=True)
class Stream:
    """The product ids requested, one call each, and the call count at which each new id first came."""

    keys: list[int]
    calls: list[tuple]
    first_seen: list[int]

    @property
    def distinct(self) -> int:
        return len(self.first_seen)

    def entries(self, done: list[int], maxsize: int | None = None) -> list[int]:
        """Entries a cache holds after each count of calls in `done`: the distinct keys seen so far,
        at most `maxsize` (an LRU cache holds min(distinct, maxsize) once it has evicted)."""
        seen = [bisect.bisect_right(self.first_seen, d) for d in done]
        return seen if maxsize is None else [min(n, maxsize) for n in seen]


@functools.cache
def stream(seed: int = SEED) -> Stream:
    """The notebook's stream (made once per seed: every slider move replays the same calls)."""
    keys = workloads.zipf(n_keys=50_000, alpha=0.8, n_requests=15_000, seed=seed).tolist()
    seen: set = set()
    first = [i + 1 for i, k in enumerate(keys) if not (k in seen or seen.add(k))]
    return Stream(keys, [(k,) for k in keys], first)


@dataclass(frozen=True)
class Growth:
    """tracemalloc's view of functools.cache and lru_cache(maxsize) over the stream."""

    result_bytes: int
    maxsize: int
    unbounded: Series = field(repr=False, metadata=MEASURED)  # functools.cache
    unbounded_info: Any  # its cache_info() at the end
    bounded: Series = field(repr=False, metadata=MEASURED)  # lru_cache(maxsize)
    bounded_info: Any
    full_at: int | None  # the call after which lru_cache is full (None: it never fills)

    def summary(self) -> dict:
        """The figures the notebook prints: sizes and entries (deterministic), MiB (measured)."""
        return {"result_bytes": self.result_bytes, "maxsize": self.maxsize,
                "cache_entries": self.unbounded_info.currsize, "lru_entries": self.bounded_info.currsize,
                "cache_mib": self.unbounded.final / MiB, "lru_mib": self.bounded.final / MiB}


def _sizes(result_bytes: float, maxsize: float) -> tuple[int, int]:
    """The sliders are logarithmic and pass floats: both are rounded to ints."""
    result_bytes = int(round(_check.positive("result_bytes", result_bytes)))
    return result_bytes, _check.maxsize(int(round(_check.positive("maxsize", maxsize))))


def _cached(maxsize: int | None, result):
    def render(product_id):
        return result()

    return functools.cache(render) if maxsize is None else functools.lru_cache(maxsize=maxsize)(render)


@functools.cache
def _bare(maxsize: int | None, points: int) -> tuple[Series, Any]:
    """The replay with results of None, measured once per maxsize (None: functools.cache)."""
    cached = _cached(maxsize, lambda: None)
    return traced_series(cached, stream().calls, points=points), cached.cache_info()


def growth(result_bytes: float, maxsize: float, points: int = POINTS) -> Growth:
    """cache and lru_cache(maxsize) over the stream, with results of `result_bytes` bytes each."""
    result_bytes, maxsize = _sizes(result_bytes, maxsize)
    s = stream()
    size = sys.getsizeof(bytes(result_bytes))  # what one result requests: its payload and a header
    grow, grow_info = _bare(None, points)
    flat, flat_info = _bare(maxsize, points)
    return Growth(result_bytes, maxsize,
                  with_results(grow, s.entries(grow.done), size), grow_info,
                  with_results(flat, s.entries(flat.done, maxsize), size), flat_info,
                  s.first_seen[maxsize - 1] if maxsize <= s.distinct else None)


def replayed(result_bytes: float, maxsize: float, points: int = POINTS) -> Growth:
    """The same, measured directly: a replay with real results of `result_bytes` bytes (slower)."""
    result_bytes, maxsize = _sizes(result_bytes, maxsize)
    s = stream()
    unbounded = _cached(None, lambda: bytes(result_bytes))
    bounded = _cached(maxsize, lambda: bytes(result_bytes))
    grow = traced_series(unbounded, s.calls, points=points)
    flat = traced_series(bounded, s.calls, points=points)
    return Growth(result_bytes, maxsize, grow, unbounded.cache_info(), flat, bounded.cache_info(),
                  s.first_seen[maxsize - 1] if maxsize <= s.distinct else None)


# --- a budget in bytes: getsizeof= against an entry count -------------------------------------

PAGES, SEARCHES = 5_000, 5_000  # product pages (small results) and search results (big ones)


@dataclass(frozen=True)
class Budget:
    """Payload bytes held over the requests by two LRU caches given the same memory budget: one bounded
    by an entry count sized from the mean result of the first half, one by bytes (`getsizeof=len`)."""

    budget: int  # bytes
    entry_bound: int  # the first cache's maxsize: budget / the first half's mean result
    shift_at: int  # the request from which half the traffic asks for big results
    done: list[int]  # requests served at each sample
    by_count: list[int]  # payload bytes the entry-bounded cache holds
    by_bytes: list[int]  # payload bytes the byte-bounded cache holds
    entries_count: list[int]
    entries_bytes: list[int]
    hit_ratio_count: float
    hit_ratio_bytes: float
    refused: int  # results the byte-bounded cache refused as larger than its whole budget


def _budget_stream(n_requests: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys for `n_requests`: first half 95% product pages, second half 50% search results; and the
    payload size of every key (pages 256-768 B, searches 4-16 KiB, drawn once per key)."""
    rng = np.random.default_rng(seed)
    sizes = np.concatenate([rng.integers(256, 769, PAGES), rng.integers(4_096, 16_385, SEARCHES)])
    half = n_requests // 2
    phases = []
    for i, (n, search_share) in enumerate([(half, 0.05), (n_requests - half, 0.5)]):
        pages = workloads.zipf(n_keys=PAGES, alpha=0.9, n_requests=n, seed=seed + 2 * i)
        searches = PAGES + workloads.zipf(n_keys=SEARCHES, alpha=0.9, n_requests=n, seed=seed + 2 * i + 1)
        phases.append(workloads.mix([(pages, 1 - search_share), (searches, search_share)], n, seed=seed + i))
    return np.concatenate(phases), sizes


def memory_budget(budget: int = 2 * MiB, n_requests: int = 20_000, points: int = 100,
                  seed: int = SEED) -> Budget:
    """Replay the shifting stream through LRUCache(budget / mean first-half result) and through
    LRUCache(budget, getsizeof=len), results being bytes of each key's size; sample what each holds."""
    budget, n_requests = _check.integer("budget", budget), _check.integer("n_requests", n_requests)
    keys, sizes = _budget_stream(n_requests, seed)
    shift_at = n_requests // 2
    entry_bound = max(1, int(budget // sizes[keys[:shift_at]].mean()))
    by_count, by_bytes = caches.LRUCache(entry_bound), caches.LRUCache(budget, getsizeof=len)
    payload = [0]  # bytes the entry-bounded cache holds: added on put, taken back by its eviction hook
    by_count.on_evict(lambda key, value: payload.__setitem__(0, payload[0] - len(value)))
    every = max(1, n_requests // points)
    done, held, entries, refused = [], ([], []), ([], []), 0
    for i, key in enumerate(keys.tolist(), start=1):
        if by_count.get(key, caches.MISSING) is caches.MISSING:
            result = bytes(int(sizes[key]))
            by_count.put(key, result)
            payload[0] += len(result)
        if by_bytes.get(key, caches.MISSING) is caches.MISSING:
            try:
                by_bytes.put(key, bytes(int(sizes[key])))
            except caches.ValueTooLargeError:
                refused += 1
        if i % every == 0 or i == n_requests:
            done.append(i)
            held[0].append(payload[0])
            held[1].append(by_bytes.currsize)  # getsizeof=len: the summed payload of what it holds
            entries[0].append(len(by_count))
            entries[1].append(len(by_bytes))
    return Budget(budget, entry_bound, shift_at, done, held[0], held[1], entries[0], entries[1],
                  by_count.stats.hits / n_requests, by_bytes.stats.hits / n_requests, refused)


# --- the exercises' verdicts: None until answered, True when right, else what is wrong ---------
# (the notebook prints them with `exercises.check(label, verdict, True)`)


def judge_exercise_1(answer: Any, profiles: list[tuple]) -> bool | str | None:
    """Entries when keyed on the segment (age_band, country, device): one per distinct segment."""
    if answer is None:
        return None
    if not _is_count(answer):
        return f"{answer!r} is not a number of entries (a whole number)"
    if answer == len(profiles):
        return "one entry per profile is the whole-profile key: count the distinct segments instead"
    if answer != len({p[1:4] for p in profiles}):
        return f"{answer:,} is not the number of distinct (age_band, country, device) segments"
    return True


def judge_exercise_2(answer: Any, freed_by_refcount: bool) -> bool | str | None:
    """Is fix 1's instance freed by `del` alone? Judged against what the experiment observed."""
    if answer is None:
        return None
    if not isinstance(answer, bool):
        return f"answer True or False, not {answer!r}"
    if answer != freed_by_refcount:
        return ("the experiment says it is freed by reference counting" if freed_by_refcount else
                "the experiment says it survives `del` while the cycle collector is off")
    return True


def judge_exercise_3(answer: Any, per_entry: float, budget: int = BUDGET) -> bool | str | None:
    """The largest maxsize within `budget` bytes at `per_entry` measured bytes per entry.

    Right: it fits (within 2%, the spread of a per-entry figure measured another way) and leaves at
    most 5% of the budget unused. Sizing from the payload alone (budget / 1024 = 65,536) or from the
    result object alone (budget / 1,057) does not fit: the per-entry overhead is the point.
    """
    if answer is None:
        return None
    _check.positive("per_entry", per_entry)
    if not _is_count(answer):
        return f"{answer!r} is not a maxsize (a whole number of entries)"
    held = answer * per_entry
    if held > 1.02 * budget:
        return (f"{answer:,} entries at {per_entry:,.0f} B each hold {held / MiB:.1f} MiB: over the "
                f"{budget / MiB:g} MiB budget (an entry costs more than its payload)")
    if held < 0.95 * budget:
        return (f"{answer:,} entries hold {held / MiB:.1f} MiB: more than 5% of the {budget / MiB:g} MiB "
                "left unused")
    return True


def _is_count(answer: Any) -> bool:
    return isinstance(answer, int) and not isinstance(answer, bool) and answer >= 0
