"""Notebook 00 (welcome): a memoized function on Zipf traffic, and its hit ratio as the calls come in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _check, caches
from ..memo import CacheInfo, memoize


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


@dataclass(frozen=True, eq=False)
class RunningHitRatio:
    """What the maxsize slider shows: the hit ratio after each call, and the final counts."""

    maxsize: int
    info: CacheInfo
    running: np.ndarray  # hit ratio after call 1, 2, ...

    @property
    def hit_ratio(self) -> float:
        return self.info.hits / len(self.running)


def running_hit_ratio(calls, maxsize: int) -> RunningHitRatio:
    """The slider's compute: replay the calls at this maxsize (an int slider)."""
    info, running = replay(calls, maxsize)
    return RunningHitRatio(int(maxsize), info, running)
