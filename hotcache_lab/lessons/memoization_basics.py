"""Notebook 01 (memoization basics): how big should an lru_cache be, and what does it save?"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .. import _check

#: the maxsizes of the hit-ratio curve the sizing plot draws
SIZES = (1, 3, 10, 30, 100, 300, 1000, 3000, 5000)


def replay(maxsize: int | None, keys) -> tuple:
    """Feed the calls through a real functools.lru_cache(maxsize); return its cache_info()."""
    f = functools.lru_cache(maxsize=maxsize)(lambda k: k)
    for k in keys:
        f(k)
    return f.cache_info()


@dataclass(frozen=True)
class Sizing:
    """One maxsize on the hit-ratio curve, and the stream's total time with and without the cache."""

    maxsize: int
    compute_ms: float
    hits: int
    misses: int
    hit_ratio: float
    sizes: tuple[int, ...]
    curve: tuple[float, ...]  # hit ratio at each of `sizes`
    unbounded_hit_ratio: float  # functools.cache: every repeat a hit
    unbounded_entries: int
    without_s: float  # every call computes
    with_cache_s: float  # the misses compute, every call looks up

    @property
    def saved_s(self) -> float:
        return self.without_s - self.with_cache_s


@functools.lru_cache(maxsize=8)
def _curve(keys: tuple) -> tuple[tuple[float, ...], tuple]:
    return tuple(replay(m, keys).hits / len(keys) for m in SIZES), replay(None, keys)


def sizing(maxsize: float, compute_ms: float, *, keys, hit_time: float) -> Sizing:
    """The sliders' compute: maxsize and compute_ms come from log sliders (floats); `hit_time` is
    the measured cost of one hit, in seconds."""
    keys = tuple(keys)
    maxsize = _check.maxsize(int(round(maxsize)))
    compute_ms = _check.positive("compute_ms", compute_ms)
    hit_time = _check.non_negative("hit_time", hit_time)
    curve, unbounded = _curve(keys)
    info = replay(maxsize, keys)
    without = len(keys) * compute_ms / 1e3
    with_cache = info.misses * compute_ms / 1e3 + len(keys) * hit_time
    return Sizing(maxsize, compute_ms, info.hits, info.misses, info.hits / len(keys), SIZES, curve,
                  unbounded.hits / len(keys), unbounded.currsize, without, with_cache)
