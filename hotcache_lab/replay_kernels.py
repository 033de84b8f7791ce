"""Compiled replay kernels: the policies of `hotcache_lab.caches` over arrays of dense key ids.

The fast path of `simulate` (which falls back to its pure-Python loops when numba is missing).
Each kernel takes the trace as ids 0..nkeys-1 (`dense_ids`), writes flags[i] = 1 for each hit and
returns the hit count. Per-key state lives in arrays indexed by id: a doubly linked list is a pair
of prev/next arrays, a FIFO a ring buffer. Each kernel mirrors its class step for step (the tests
compare every kernel with the class and with simulate's Python loop).

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
            if k != newest:  # unlink, then append at the newest end
                n, o = newer[k], older[k]
                if o == _NONE:
                    oldest = n
                else:
                    newer[o] = n
                older[n] = o
                newer[newest] = k
                older[k] = newest
                newer[k] = _NONE
                newest = k
            continue
        cached[k] = True
        older[k] = newest
        newer[k] = _NONE
        if newest == _NONE:
            oldest = k
        else:
            newer[newest] = k
        newest = k
        size += 1
        if size > maxsize:
            victim = oldest
            oldest = newer[victim]
            older[oldest] = _NONE
            cached[victim] = False
            size -= 1
    return hits


@njit(cache=True)
def fifo(ids, nkeys, maxsize, flags):  # pragma: no cover - compiled
    # A key hits iff it missed at most `maxsize` misses ago (see simulate._fifo).
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
            # unlink k from bucket f
            n, o = newer[k], older[k]
            if o == _NONE:
                head[f] = n
            else:
                newer[o] = n
            if n == _NONE:
                tail[f] = o
            else:
                older[n] = o
            if head[f] == _NONE and min_freq == f:
                min_freq = f + 1
            f += 1
        else:
            if size >= maxsize:
                victim = head[min_freq]
                n = newer[victim]
                head[min_freq] = n
                if n == _NONE:
                    tail[min_freq] = _NONE
                else:
                    older[n] = _NONE
                freq[victim] = 0
                size -= 1
            size += 1
            f = 1
            min_freq = 1
        # append k at the newest end of bucket f
        freq[k] = f
        t = tail[f]
        older[k] = t
        newer[k] = _NONE
        if t == _NONE:
            head[f] = k
        else:
            newer[t] = k
        tail[f] = k
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
            n, o = newer[node], older[node]
            if n == _NONE:
                newest = o
            else:
                older[n] = o
            if o == _NONE:
                oldest = n
            else:
                newer[o] = n
            cached[node] = False
            size -= 1
        cached[k] = True
        visited[k] = False
        newer[k] = _NONE
        older[k] = newest
        if newest != _NONE:
            newer[newest] = k
        newest = k
        if oldest == _NONE:
            oldest = k
        size += 1
    return hits


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
                            while True:  # evict_main
                                mk = main[m_head]
                                m_head = (m_head + 1) % cap
                                if freq[mk] > 0:
                                    freq[mk] -= 1
                                    main[(m_head + m_len - 1) % cap] = mk
                                else:
                                    m_len -= 1
                                    freq[mk] = -1
                                    size -= 1
                                    break
                    else:
                        freq[key] = -1
                        size -= 1
                        in_ghost[key] = True
                        g_older[key] = g_newest
                        g_newer[key] = _NONE
                        if g_newest == _NONE:
                            g_oldest = key
                        else:
                            g_newer[g_newest] = key
                        g_newest = key
                        g_len += 1
                        if g_len > main_cap:
                            gk = g_oldest
                            g_oldest = g_newer[gk]
                            if g_oldest == _NONE:
                                g_newest = _NONE
                            else:
                                g_older[g_oldest] = _NONE
                            in_ghost[gk] = False
                            g_len -= 1
                        break
            else:
                while True:  # evict_main
                    mk = main[m_head]
                    m_head = (m_head + 1) % cap
                    if freq[mk] > 0:
                        freq[mk] -= 1
                        main[(m_head + m_len - 1) % cap] = mk
                    else:
                        m_len -= 1
                        freq[mk] = -1
                        size -= 1
                        break
        if in_ghost[k]:
            in_ghost[k] = False
            n, o = g_newer[k], g_older[k]
            if n == _NONE:
                g_newest = o
            else:
                g_older[n] = o
            if o == _NONE:
                g_oldest = n
            else:
                g_newer[o] = n
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
    # simulate._next_uses in one backward pass: the next request for ids[i], or n + i if none.
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
