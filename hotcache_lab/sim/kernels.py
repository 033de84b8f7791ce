"""Compiled replay kernels: the policies of `hotcache_lab.caches` over arrays of dense key ids.

The fast path of `simulate`; the readable pure-Python replays in `sim.policies` and `sim.opt` are
their reference.
Each kernel takes the trace as ids 0..nkeys-1 (`dense_ids`), writes flags[i] = 1 for each hit and
returns the hit count. Per-key state lives in arrays indexed by id: a doubly linked list is a pair
of prev/next arrays, a FIFO a ring buffer. Each kernel mirrors its class step for step (the tests
compare every kernel with the class and with the Python replay in sim.policies).

Compiled on first use (a fraction of a second per kernel) and cached on disk beside this module
(numba's cache=True), so later processes load them at once.
"""

from __future__ import annotations

import random

import numpy as np
from numba import njit

__all__ = ["dense_ids", "next_uses", "opt", "KERNELS"]

_NONE = -1


def dense_ids(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """The keys as int64 ids in 0..nkeys-1, and nkeys. Small non-negative keys are their own ids."""
    lo, hi = int(keys.min()), int(keys.max())
    if lo >= 0 and hi < 2 * len(keys) + 1024:
        return keys.astype(np.int64, copy=False), hi + 1
    uniq, ids = np.unique(keys, return_inverse=True)
    return ids.reshape(-1).astype(np.int64, copy=False), len(uniq)


# A doubly linked list over ids is a pair of arrays (newer, older) and its two ends (oldest, newest),
# which the helpers take and return: numba passes arrays by reference and scalars by value.
# _unlink and _append have the same shape on purpose: they are the two mirror-image list edits.


@njit(cache=True)
def _unlink(k, newer, older, oldest, newest):  # pragma: no cover - compiled
    n, o = newer[k], older[k]
    if o == _NONE:
        oldest = n
    else:
        newer[o] = n
    if n == _NONE:
        newest = o
    else:
        older[n] = o
    return oldest, newest


@njit(cache=True)
def _append(k, newer, older, oldest, newest):  # pragma: no cover - compiled
    """Put k at the newest end."""
    older[k] = newest
    newer[k] = _NONE
    if newest == _NONE:
        oldest = k
    else:
        newer[newest] = k
    return oldest, k


@njit(cache=True)
def lru(ids, nkeys, maxsize, flags):  # pragma: no cover - compiled
    # A doubly linked list over ids, the least recent at `oldest`; cached[k] marks membership.
    newer = np.full(nkeys, _NONE, np.int64)
    older = np.full(nkeys, _NONE, np.int64)
    cached = np.zeros(nkeys, np.bool_)
    oldest = newest = _NONE
    size = hits = 0
    for i in range(len(ids)):
        k = ids[i]
        if cached[k]:
            flags[i] = 1
            hits += 1
            if k != newest:
                oldest, newest = _unlink(k, newer, older, oldest, newest)
                oldest, newest = _append(k, newer, older, oldest, newest)
            continue
        cached[k] = True
        oldest, newest = _append(k, newer, older, oldest, newest)
        size += 1
        if size > maxsize:
            victim = oldest
            oldest, newest = _unlink(victim, newer, older, oldest, newest)
            cached[victim] = False
            size -= 1
    return hits


@njit(cache=True)
def fifo(ids, nkeys, maxsize, flags):  # pragma: no cover - compiled
    # A key hits iff it missed at most `maxsize` misses ago (see sim.policies._fifo).
    missed_at = np.full(nkeys, -1, np.int64)
    misses = hits = 0
    for i in range(len(ids)):
        k = ids[i]
        t = missed_at[k]
        if t >= 0 and misses - t <= maxsize:
            flags[i] = 1
            hits += 1
        else:
            missed_at[k] = misses
            misses += 1
    return hits


@njit(cache=True)
def lfu(ids, nkeys, maxsize, flags):  # pragma: no cover - compiled
    # LFUCache's frequency buckets: one linked list per frequency, least recent first; freq 0 = absent.
    freq = np.zeros(nkeys, np.int64)
    newer = np.full(nkeys, _NONE, np.int64)
    older = np.full(nkeys, _NONE, np.int64)
    top = len(ids) + 2  # a frequency never exceeds the request count
    head = np.full(top, _NONE, np.int64)
    tail = np.full(top, _NONE, np.int64)
    min_freq = size = hits = 0
    for i in range(len(ids)):
        k = ids[i]
        f = freq[k]
        if f > 0:
            flags[i] = 1
            hits += 1
            head[f], tail[f] = _unlink(k, newer, older, head[f], tail[f])
            if head[f] == _NONE and min_freq == f:
                min_freq = f + 1
            f += 1
        else:
            if size >= maxsize:
                victim = head[min_freq]
                head[min_freq], tail[min_freq] = _unlink(victim, newer, older, head[min_freq], tail[min_freq])
                freq[victim] = 0
                size -= 1
            size += 1
            f = 1
            min_freq = 1
        freq[k] = f
        head[f], tail[f] = _append(k, newer, older, head[f], tail[f])
    return hits


@njit(cache=True)
def _rr_run(ids, start, maxsize, shift, raw, slot, order, state, flags):  # pragma: no cover - compiled
    # Replays ids[start:] until an eviction needs a draw that `raw` does not hold; returns where it
    # stopped (state = [size, hits] carries over). raw holds 32-bit outputs of the Mersenne Twister
    # of random.Random(seed): randrange(n) is getrandbits(n.bit_length()), i.e. an output shifted
    # right by 32 - n.bit_length(), drawn again while >= n (CPython's _randbelow_with_getrandbits).
    size, hits = state[0], state[1]
    pos = 0
    i = start
    while i < len(ids):
        k = ids[i]
        if slot[k] >= 0:
            flags[i] = 1
            hits += 1
            i += 1
            continue
        if size >= maxsize:
            r = maxsize
            while r >= maxsize:
                if pos >= len(raw):
                    state[0], state[1] = size, hits
                    return i
                r = raw[pos] >> shift
                pos += 1
            slot[order[r]] = _NONE  # RRCache._drop: the last key moves into the victim's slot
            size -= 1
            if r < size:
                order[r] = order[size]
                slot[order[r]] = r
        slot[k] = size
        order[size] = k
        size += 1
        i += 1
    state[0], state[1] = size, hits
    return i


def rr(ids: np.ndarray, nkeys: int, maxsize: int, flags: np.ndarray, seed: int | None = 0) -> int:
    """RRCache(maxsize, seed). Each eviction's victim slot is randrange(maxsize), whatever the trace:
    the draws come from numpy's MT19937 started in the state of random.Random(seed), in batches."""
    if maxsize.bit_length() > 32 and maxsize <= nkeys:
        raise ValueError(f"maxsize {maxsize} is too large for the RR kernel")
    twister = np.random.MT19937()
    mt = random.Random(seed).getstate()[1]
    twister.state = {"bit_generator": "MT19937",
                     "state": {"key": np.array(mt[:624], dtype=np.uint32), "pos": mt[624]}}
    slot = np.full(nkeys, _NONE, np.int64)
    order = np.empty(min(maxsize, nkeys), np.int64)  # no eviction while fewer keys than maxsize
    state = np.zeros(2, np.int64)
    shift = max(0, 32 - maxsize.bit_length())  # no draws at all when maxsize > nkeys
    batch = min(max(len(ids), 1 << 12), 1 << 20)
    i = _rr_run(ids, 0, maxsize, shift, np.empty(0, np.int64), slot, order, state, flags)
    while i < len(ids):
        raw = twister.random_raw(batch).view(np.int64)  # outputs < 2**32: the same as int64
        i = _rr_run(ids, i, maxsize, shift, raw, slot, order, state, flags)
    return int(state[1])


@njit(cache=True)
def sieve(ids, nkeys, maxsize, flags):  # pragma: no cover - compiled
    # SIEVECache: a queue as a linked list, a visited bit, a hand walking from old to new.
    newer = np.full(nkeys, _NONE, np.int64)
    older = np.full(nkeys, _NONE, np.int64)
    cached = np.zeros(nkeys, np.bool_)
    visited = np.zeros(nkeys, np.bool_)
    oldest = newest = hand = _NONE
    size = hits = 0
    for i in range(len(ids)):
        k = ids[i]
        if cached[k]:
            visited[k] = True
            flags[i] = 1
            hits += 1
            continue
        if size >= maxsize:
            node = oldest if hand == _NONE else hand
            while visited[node]:
                visited[node] = False
                node = oldest if newer[node] == _NONE else newer[node]
            hand = newer[node]
            oldest, newest = _unlink(node, newer, older, oldest, newest)
            cached[node] = False
            size -= 1
        cached[k] = True
        visited[k] = False
        oldest, newest = _append(k, newer, older, oldest, newest)
        size += 1
    return hits


@njit(cache=True)
def _evict_main(main, head, length, cap, freq):  # pragma: no cover - compiled
    """S3-FIFO's main queue (a ring buffer) as a 2-bit CLOCK: reinsert with freq - 1 until one
    entry with freq 0 leaves. Returns the queue's new head and length."""
    while True:
        k = main[head]
        head = (head + 1) % cap
        if freq[k] > 0:
            freq[k] -= 1
            main[(head + length - 1) % cap] = k
        else:
            freq[k] = -1
            return head, length - 1


@njit(cache=True)
def _remember(key, in_ghost, newer, older, oldest, newest, length, cap):  # pragma: no cover - compiled
    """Put an evicted key in S3-FIFO's ghost FIFO (a linked list over ids), forgetting the oldest
    ghost beyond `cap`. Returns the ghost list's new ends and length."""
    in_ghost[key] = True
    oldest, newest = _append(key, newer, older, oldest, newest)
    length += 1
    if length > cap:
        in_ghost[oldest] = False
        oldest, newest = _unlink(oldest, newer, older, oldest, newest)
        length -= 1
    return oldest, newest, length


@njit(cache=True)
def _s3fifo(ids, nkeys, maxsize, small_cap, main_cap, flags):  # pragma: no cover - compiled
    # S3FIFOCache: small and main FIFOs as ring buffers, the ghost FIFO as a linked list over ids
    # (a ghost hit removes a key from its middle); freq[k] = -1 when k is not cached.
    cap = min(maxsize, nkeys) + 1
    small = np.empty(cap, np.int64)
    main = np.empty(cap, np.int64)
    s_head = s_len = m_head = m_len = 0
    freq = np.full(nkeys, -1, np.int64)
    g_newer = np.full(nkeys, _NONE, np.int64)
    g_older = np.full(nkeys, _NONE, np.int64)
    in_ghost = np.zeros(nkeys, np.bool_)
    g_oldest = g_newest = _NONE
    g_len = size = hits = 0
    for i in range(len(ids)):
        k = ids[i]
        f = freq[k]
        if f >= 0:
            flags[i] = 1
            hits += 1
            if f < 3:
                freq[k] = f + 1
            continue
        while size >= maxsize:
            if s_len >= small_cap or m_len == 0:
                # evict_small
                while s_len > 0:
                    key = small[s_head]
                    s_head = (s_head + 1) % cap
                    s_len -= 1
                    if freq[key] >= 1:
                        freq[key] = 0
                        main[(m_head + m_len) % cap] = key
                        m_len += 1
                        if m_len > main_cap:
                            m_head, m_len = _evict_main(main, m_head, m_len, cap, freq)
                            size -= 1
                    else:
                        freq[key] = -1
                        size -= 1
                        g_oldest, g_newest, g_len = _remember(key, in_ghost, g_newer, g_older, g_oldest,
                                                              g_newest, g_len, main_cap)
                        break
            else:
                m_head, m_len = _evict_main(main, m_head, m_len, cap, freq)
                size -= 1
        if in_ghost[k]:
            in_ghost[k] = False
            g_oldest, g_newest = _unlink(k, g_newer, g_older, g_oldest, g_newest)
            g_len -= 1
            main[(m_head + m_len) % cap] = k
            m_len += 1
        else:
            small[(s_head + s_len) % cap] = k
            s_len += 1
        freq[k] = 0
        size += 1
    return hits


def s3fifo(ids: np.ndarray, nkeys: int, maxsize: int, flags: np.ndarray, small_ratio: float = 0.1) -> int:
    small_cap = max(1, int(maxsize * small_ratio))  # as S3FIFOCache computes them
    main_cap = max(1, maxsize - small_cap)
    return _s3fifo(ids, nkeys, maxsize, small_cap, main_cap, flags)


@njit(cache=True)
def next_uses(ids, nkeys):  # pragma: no cover - compiled
    # sim.opt._next_uses in one backward pass: the next request for ids[i], or n + i if none.
    n = len(ids)
    later = np.full(nkeys, _NONE, np.int64)
    out = np.empty(n, np.int64)
    for i in range(n - 1, -1, -1):
        k = ids[i]
        out[i] = n + i if later[k] == _NONE else later[k]
        later[k] = i
    return out


@njit(cache=True)
def opt(ids, next_use, nkeys, maxsize, flags):  # pragma: no cover - compiled
    # Belady's MIN: a binary max-heap of the cached keys by next use, with each key's heap position,
    # so a hit moves its key in place (next uses are distinct, so the farthest one is unique).
    cap = min(maxsize, nkeys)
    heap = np.empty(cap, np.int64)  # key ids
    at = np.full(nkeys, _NONE, np.int64)  # heap position of a cached key
    nu = np.zeros(nkeys, np.int64)  # next use of a cached key
    size = hits = 0
    for i in range(len(ids)):
        k = ids[i]
        p = at[k]
        if p >= 0:
            flags[i] = 1
            hits += 1
        else:
            if size >= maxsize:  # evict the top: move the last entry to the root and sift down
                at[heap[0]] = _NONE
                size -= 1
                if size > 0:
                    last = heap[size]
                    v = nu[last]
                    j = 0
                    while True:
                        c = 2 * j + 1
                        if c >= size:
                            break
                        if c + 1 < size and nu[heap[c + 1]] > nu[heap[c]]:
                            c += 1
                        if nu[heap[c]] <= v:
                            break
                        heap[j] = heap[c]
                        at[heap[j]] = j
                        j = c
                    heap[j] = last
                    at[last] = j
            p = size
            size += 1
        # k's next use only grows (or k is new): sift up from p
        v = next_use[i]
        nu[k] = v
        while p > 0:
            parent = (p - 1) >> 1
            if nu[heap[parent]] >= v:
                break
            heap[p] = heap[parent]
            at[heap[p]] = p
            p = parent
        heap[p] = k
        at[k] = p
    return hits


KERNELS = {"lru": lru, "fifo": fifo, "lfu": lfu, "rr": rr, "sieve": sieve, "s3fifo": s3fifo}
