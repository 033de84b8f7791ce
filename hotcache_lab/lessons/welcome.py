"""Notebook 00 (welcome): a memoized function on Zipf traffic, its hit ratio as the calls come in,
and the verdict of the notebook's exercise.

Two replays of the same calls: `replay` runs them through the lab's own `memoize` (the instrument
the later notebooks open up), and `lru_cache_hits` through a real `functools.lru_cache`, whose C
code replays 10,000 calls in a few milliseconds: what a slider and a scan over sizes can afford.
The notebook shows the two count exactly alike.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np

from .. import _check, caches
from ..memo import CacheInfo, memoize

POINTS = 400  # points of the running hit ratio the slider draws: smooth, and light to redraw


def replay(calls, maxsize: int) -> tuple[CacheInfo, np.ndarray]:
    """Run the calls through a memoized function on an LRU cache of `maxsize`; return its
    cache_info() and the hit ratio after each call."""
    maxsize = _check.maxsize(maxsize)

    @memoize(caches.LRUCache(maxsize))
    def recommend(user_id):
        return (user_id * 7919) % 1000  # stands in for real work

    calls = np.asarray(calls).tolist()
    hits_so_far = np.empty(len(calls))
    for i, user in enumerate(calls):
        recommend(user)
        hits_so_far[i] = recommend.cache_info().hits
    return recommend.cache_info(), hits_so_far / np.arange(1, len(calls) + 1)


def lru_cache_hits(calls, maxsize: int) -> tuple[tuple, np.ndarray]:
    """Run the calls through a real functools.lru_cache(maxsize); return its cache_info() and, per
    call, True where the cache answered (the function ran only on the misses, and says which)."""
    maxsize = _check.maxsize(maxsize)
    calls = np.asarray(calls).tolist()
    answered = np.ones(len(calls), dtype=bool)
    position = 0

    def recommend(user_id):  # runs on a miss only
        answered[position] = False
        return (user_id * 7919) % 1000

    cached = functools.lru_cache(maxsize=maxsize)(recommend)
    for position, user in enumerate(calls):  # noqa: B007 - recommend reads it
        cached(user)
    return cached.cache_info(), answered


def hit_ratio(calls, maxsize: int) -> float:
    """hits / calls of a functools.lru_cache(maxsize) over the calls (fast enough to scan sizes)."""
    info, _ = lru_cache_hits(calls, maxsize)
    return info.hits / (info.hits + info.misses)


@dataclass(frozen=True, eq=False)
class RunningHitRatio:
    """What the maxsize slider shows: the hit ratio as the calls come in, and the final counts."""

    maxsize: int
    info: tuple  # the cache's cache_info() after the last call
    calls_so_far: np.ndarray  # POINTS call counts, from 1 to the last call
    running: np.ndarray  # the hit ratio after that many calls

    @property
    def hit_ratio(self) -> float:
        return self.info.hits / (self.info.hits + self.info.misses)


def running_hit_ratio(calls, maxsize: int) -> RunningHitRatio:
    """The slider's compute: replay the calls at this maxsize, keep POINTS points of the curve."""
    info, answered = lru_cache_hits(calls, maxsize)
    n = len(answered)
    at = np.unique(np.linspace(1, n, min(POINTS, n)).round().astype(np.int64))
    running = np.cumsum(answered)[at - 1] / at
    return RunningHitRatio(int(maxsize), info, at, running)


def judge_smallest_size(answer, calls, target: float = 0.60):
    """The exercise's verdict: True if `answer` is the smallest maxsize whose hit ratio on `calls`
    reaches `target`, None if not answered, else a sentence saying what is wrong.

    Two replays decide it, at `answer` and one below: LRU's hit ratio never falls as the cache grows
    (the inclusion property), so no scan over sizes is needed.
    """
    target = _check.fraction("target", target)
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return f"a maxsize is an int, got {answer!r}"
    if answer < 1:
        return f"a maxsize is at least 1, got {answer}"
    reached = hit_ratio(calls, int(answer))
    if reached < target:
        return f"maxsize={answer} reaches only {reached:.3f}: look higher"
    if answer > 1 and (below := hit_ratio(calls, int(answer) - 1)) >= target:
        return f"maxsize={answer - 1} already reaches {below:.3f}: look lower"
    return True
