"""Belady's MIN (OPT): on a miss, evict the cached key whose next use is farthest in the future.

L. A. Belady, "A study of replacement algorithms for a virtual-storage computer", IBM Systems
Journal 5(2), 1966. It needs the whole trace up front, so no real cache can run it: it is the bound
the online policies are measured against. The compiled kernel (`sim.kernels.opt`) runs it; the heap
loop below is its readable reference. `caches.BeladyOPT` is the same policy as a steppable cache.
"""

from __future__ import annotations

import heapq

import numpy as np

from . import compiled
from .inputs import CHUNK, cache_size, chunks, previous_uses, trace_keys

__all__ = ["opt_hit_ratio"]


def _next_uses(keys: np.ndarray) -> np.ndarray:
    """next_use[i]: position of the next request for keys[i]; n + i if there is none, so that every
    value names one request and a heap of plain ints (fast to compare) identifies its key."""
    n = len(keys)
    prev = previous_uses(keys)
    next_use = np.arange(n, 2 * n, dtype=np.int64)
    has_prev = prev >= 0
    next_use[prev[has_prev]] = np.flatnonzero(has_prev)
    return next_use


def _opt_flags(keys: np.ndarray, maxsize: int, progress: bool | None) -> bytearray:
    """Belady's MIN with demand paging: on a miss, evict the cached key whose next use is farthest.

    Every miss is inserted, as with every other policy here, so this is the best any of them can do
    (Belady 1966; Mattson et al. 1970). A cache that may also refuse to insert could do better.
    """
    n = len(keys)
    next_use = _next_uses(keys)
    key_list = keys.tolist()
    flags = bytearray(n)
    cached: dict = {}  # key -> position of its next use
    heap: list = []  # -next use; an entry is current iff its key is cached with that next use
    push, pop = heapq.heappush, heapq.heappop
    i = 0
    for chunk in chunks(next_use, progress, "opt"):
        for nu in chunk:
            k = key_list[i]
            if k in cached:
                flags[i] = 1
            elif len(cached) >= maxsize:
                while True:
                    far = -pop(heap)
                    victim = key_list[far if far < n else far - n]
                    if cached.get(victim) == far:
                        break
                del cached[victim]
            cached[k] = nu
            push(heap, -nu)
            i += 1
        if len(heap) > 4 * maxsize + CHUNK:  # drop stale entries, amortised O(1)
            heap = [-v for v in cached.values()]
            heapq.heapify(heap)
    return flags


def opt_hit_ratio(trace: object, maxsize: int, *, progress: bool | None = None) -> float:
    """The hit ratio of Belady's MIN: an upper bound for every policy here at this size."""
    keys, maxsize = trace_keys(trace), cache_size(maxsize)
    kernels = compiled.kernels()
    if kernels is not None:
        hits, _ = compiled.run(kernels, compiled.prepare(kernels, keys, "opt"), "opt", maxsize, progress, {})
        return hits / len(keys)
    return sum(_opt_flags(keys, maxsize, progress)) / len(keys)
