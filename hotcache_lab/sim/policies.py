"""Replay request traces through the replacement policies, by name: hit ratios and per-request hits.

Semantics: every request is `Cache.request(key)`: `get`, and on a miss `put(key, key)`, exactly as
with the instrumented classes in `hotcache_lab.caches` (the tests check the hit counts agree for
every policy). A hit-ratio sweep replays millions of requests, so the instrumented classes are too
slow here: the replays run the compiled kernels of `sim.kernels` over arrays of key ids. numba is a
required dependency (pyproject.toml), so the kernels always run. The lean per-policy loops over plain
dicts and deques below are the readable reference: the tests compare every kernel with them (and
with the classes), and `compiled._KERNELS = False` runs the public functions on them.
"""

from __future__ import annotations

import heapq
import random
from collections import OrderedDict, deque

import numpy as np

from ..caches import POLICIES
from . import compiled
from .inputs import POLICY_NAMES, cache_size, chunks, policy_name, trace_keys
from .opt import _opt_flags, opt_hit_ratio

__all__ = ["POLICY_NAMES", "hit_ratio", "replay"]


# --- the readable replays: each returns the number of hits -------------------------------------

def _lru(chunks, maxsize: int) -> int:
    cache: OrderedDict = OrderedDict()
    move_to_end, popitem = cache.move_to_end, cache.popitem
    hits = 0
    for chunk in chunks:
        for k in chunk:
            if k in cache:
                move_to_end(k)
                hits += 1
            else:
                cache[k] = None
                if len(cache) > maxsize:
                    popitem(last=False)
    return hits


def _fifo(chunks, maxsize: int) -> int:
    # A FIFO cache holds the keys of the last `maxsize` misses (a missed key is not cached, so those
    # keys are distinct). So a key hits iff it missed at most `maxsize` misses ago: no queue needed.
    missed_at: dict = {}
    get = missed_at.get
    misses = hits = 0
    for chunk in chunks:
        for k in chunk:
            t = get(k)
            if t is not None and misses - t <= maxsize:
                hits += 1
            else:
                missed_at[k] = misses
                misses += 1
    return hits


def _lfu(chunks, maxsize: int) -> int:
    # LFUCache evicts the least frequently used key, ties to the least recently used: the cached key
    # with the smallest (frequency, time of last access), kept as one int frequency * 2**40 + time.
    # A hit only raises that number, so the heap keeps one entry per key, possibly out of date: an
    # entry is a lower bound, and an out-of-date top is re-pushed with its current value until the
    # top is current, which is then the true minimum (lazy updates: hits cost two dict operations).
    prio: dict = {}
    heap: list = []
    push, pop, pushpop = heapq.heappush, heapq.heappop, heapq.heappushpop
    one = 1 << 40
    t = hits = 0
    for chunk in chunks:
        for k in chunk:
            t += 1
            p = prio.get(k)
            if p is not None:
                hits += 1
                prio[k] = ((p >> 40) + 1) * one + t
                continue
            if len(prio) >= maxsize:
                entry = pop(heap)
                while prio[entry[1]] != entry[0]:
                    entry = pushpop(heap, (prio[entry[1]], entry[1]))
                del prio[entry[1]]
            prio[k] = one + t
            push(heap, (one + t, k))
    return hits


def _rr(chunks, maxsize: int, seed: int | None = 0) -> int:
    # Mirrors RRCache, including its random.Random(seed), so the same seed evicts the same keys.
    # randrange(n) is _randbelow(n) after argument checks (CPython 3.11-3.13); calling it directly
    # draws the same numbers for a third of the cost.
    rng = random.Random(seed)
    randrange = getattr(rng, "_randbelow", rng.randrange)
    slot: dict = {}
    order: list = []
    hits = 0
    for chunk in chunks:
        for k in chunk:
            if k in slot:
                hits += 1
                continue
            if len(order) >= maxsize:
                i = slot.pop(order[randrange(len(order))])
                moved = order.pop()
                if i < len(order):
                    order[i] = moved
                    slot[moved] = i
            slot[k] = len(order)
            order.append(k)
    return hits


def _sieve(chunks, maxsize: int) -> int:
    # The SIEVE queue as a list, oldest first, with None in evicted slots (compacted now and then):
    # a hit only sets a bit; the hand walks toward newer slots, wrapping to the oldest.
    slot: dict = {}
    queue: list = []
    visited = bytearray()
    hand = hits = 0
    for chunk in chunks:
        for k in chunk:
            i = slot.get(k)
            if i is not None:
                visited[i] = 1
                hits += 1
                continue
            if len(slot) >= maxsize:
                end = len(queue)
                while True:
                    if hand >= end:
                        hand = 0
                    if queue[hand] is None:
                        hand += 1
                    elif visited[hand]:
                        visited[hand] = 0
                        hand += 1
                    else:
                        break
                del slot[queue[hand]]
                queue[hand] = None
                # The hand moves to the next newer entry; past the newest it restarts at the oldest,
                # so it must not land on the entry about to be appended.
                hand += 1
                while hand < end and queue[hand] is None:
                    hand += 1
                if hand >= end:
                    hand = 0
                if end > 2 * maxsize + 64:
                    hand = sum(1 for key in queue[:hand] if key is not None)
                    keep = [j for j, key in enumerate(queue) if key is not None]
                    queue = [queue[j] for j in keep]
                    visited = bytearray(visited[j] for j in keep)
                    slot = {key: j for j, key in enumerate(queue)}
            slot[k] = len(queue)
            queue.append(k)
            visited.append(0)
    return hits


def _s3fifo(chunks, maxsize: int, small_ratio: float = 0.1) -> int:
    # Mirrors S3FIFOCache step for step: small FIFO S, main FIFO M with a 2-bit CLOCK, ghost G of keys.
    small_cap = max(1, int(maxsize * small_ratio))
    main_cap = max(1, maxsize - small_cap)
    small: deque = deque()
    main: deque = deque()
    ghost: OrderedDict = OrderedDict()
    freq: dict = {}  # the cached keys, with their access counts (capped at 3)

    def evict_main() -> None:
        while True:
            key = main.popleft()
            f = freq[key]
            if f > 0:
                freq[key] = f - 1
                main.append(key)
            else:
                del freq[key]
                return

    def evict_small() -> None:
        while small:
            key = small.popleft()
            if freq[key] >= 1:
                freq[key] = 0
                main.append(key)
                if len(main) > main_cap:
                    evict_main()
            else:
                del freq[key]
                ghost[key] = None
                if len(ghost) > main_cap:
                    ghost.popitem(last=False)
                return

    hits = 0
    for chunk in chunks:
        for k in chunk:
            f = freq.get(k)
            if f is not None:
                hits += 1
                if f < 3:
                    freq[k] = f + 1
                continue
            while len(freq) >= maxsize:
                if len(small) >= small_cap or not main:
                    evict_small()
                else:
                    evict_main()
            if k in ghost:
                del ghost[k]
                main.append(k)
            else:
                small.append(k)
            freq[k] = 0
    return hits


_REPLAYS = {"lru": _lru, "fifo": _fifo, "lfu": _lfu, "rr": _rr, "sieve": _sieve, "s3fifo": _s3fifo}



# --- public replays -----------------------------------------------------------------------------

def hit_ratio(trace: object, policy: str, maxsize: int, *, progress: bool | None = None,
              **policy_kwargs) -> float:
    """Fraction of requests that hit a cache of `maxsize` entries under `policy`, starting empty.

    policy is one of POLICY_NAMES; "rr" takes seed= and "s3fifo" small_ratio=, like their classes.
    """
    keys, maxsize = trace_keys(trace), cache_size(maxsize)
    policy = policy_name(policy, policy_kwargs)
    kernels = compiled.kernels()
    if kernels is not None:
        prepared = compiled.prepare(kernels, keys, policy)
        return compiled.run(kernels, prepared, policy, maxsize, progress, policy_kwargs)[0] / len(keys)
    if policy == "opt":
        return opt_hit_ratio(keys, maxsize, progress=progress)
    hits = _REPLAYS[policy](chunks(keys, progress, policy), maxsize, **policy_kwargs)
    return hits / len(keys)


def replay(trace: object, policy: str, maxsize: int, **policy_kwargs) -> np.ndarray:
    """Per-request hit (True) or miss (False), for plots of the hit ratio over time.

    The compiled kernels; with them switched off, OPT's own loop and, for the other policies, the
    instrumented classes of hotcache_lab.caches (slower, and the same hits).
    """
    keys, maxsize = trace_keys(trace), cache_size(maxsize)
    policy = policy_name(policy, policy_kwargs)
    kernels = compiled.kernels()
    if kernels is not None:
        return compiled.run(kernels, compiled.prepare(kernels, keys, policy), policy, maxsize, False,
                            policy_kwargs)[1].astype(bool)
    if policy == "opt":
        return np.frombuffer(_opt_flags(keys, maxsize, None), dtype=np.uint8).astype(bool)
    request = POLICIES[policy](maxsize, **policy_kwargs).request
    return np.fromiter((request(k) for k in keys.tolist()), dtype=bool, count=len(keys))
