"""Notebook 02 (memory growth): what its live plot computes.

    lesson.growth(result_bytes=1024, maxsize=300)    # for plots.memory.draw_growth

The stream is a product catalogue's Zipf traffic (50 000 products, 15 000 calls, seed 7), replayed
through `functools.cache` and `functools.lru_cache(maxsize)` with results of `result_bytes` bytes
while tracemalloc samples what the caches hold.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from .. import _check, workloads
from ..measure.memory import Series, traced_series

__all__ = ["SEED", "Stream", "stream", "Growth", "growth"]

SEED = 7
MiB = 2**20


@dataclass(frozen=True)
class Stream:
    """The product ids requested, one call each, and the call count at which each new id first came."""

    keys: list[int]
    calls: list[tuple]
    first_seen: list[int]

    @property
    def distinct(self) -> int:
        return len(self.first_seen)


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
    unbounded: Series = field(repr=False)  # functools.cache
    unbounded_info: Any  # its cache_info() at the end
    bounded: Series = field(repr=False)  # lru_cache(maxsize)
    bounded_info: Any
    full_at: int | None  # the call after which lru_cache is full (None: it never fills)

    def summary(self) -> dict:
        """The figures the notebook prints: sizes and entries (deterministic), MiB (measured)."""
        return {"result_bytes": self.result_bytes, "maxsize": self.maxsize,
                "cache_entries": self.unbounded_info.currsize, "lru_entries": self.bounded_info.currsize,
                "cache_mib": self.unbounded.final / MiB, "lru_mib": self.bounded.final / MiB}


def growth(result_bytes: float, maxsize: float, points: int = 40) -> Growth:
    """Replay the stream through cache and lru_cache(maxsize), results of `result_bytes` bytes each.

    The sliders are logarithmic and pass floats: both are rounded to ints.
    """
    result_bytes = int(round(_check.positive("result_bytes", result_bytes)))
    maxsize = _check.maxsize(int(round(_check.positive("maxsize", maxsize))))
    s = stream()

    def render(product_id):
        return bytes(result_bytes)

    unbounded = functools.cache(render)
    bounded = functools.lru_cache(maxsize=maxsize)(render)
    grow = traced_series(unbounded, s.calls, points=points)
    flat = traced_series(bounded, s.calls, points=points)
    full_at = s.first_seen[maxsize - 1] if maxsize <= s.distinct else None
    return Growth(result_bytes, maxsize, grow, unbounded.cache_info(), flat, bounded.cache_info(), full_at)
