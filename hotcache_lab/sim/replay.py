"""Replay request traces through replacement policies; exact and sampled LRU miss-ratio curves.

Semantics: every request is `v = cache.get(key)`, and on a miss `cache.put(key, key)`, exactly as
with the instrumented classes in `hotcache_lab.caches` (the tests check the hit counts agree for
every policy). A hit-ratio sweep replays millions of requests, so the instrumented classes are too
slow here. With numba installed the replays run compiled kernels over arrays of key ids
(`hotcache_lab.replay_kernels`, tens of times faster); without it, the lean per-policy loops over
plain dicts and deques below, which are also the readable reference the kernels are tested against.

The LRU curve for all cache sizes comes from one pass of stack distances (Mattson, Gecsei, Slutz
and Traiger, "Evaluation techniques for storage hierarchies", IBM Systems Journal 1970): LRU is a
stack algorithm, so a request hits in a cache of size s exactly when fewer than s distinct other
keys were requested since the previous request for the same key.
"""

from __future__ import annotations

import heapq
import math
import numbers
import random
from collections import OrderedDict, deque
from collections.abc import Iterator

import numpy as np
from tqdm.auto import tqdm

from ..caches import MISSING, POLICIES, check_maxsize

__all__ = [
    "POLICY_NAMES", "hit_ratio", "replay", "miss_ratio_curve", "reuse_distances", "reuse_histogram",
    "shards_mrc", "opt_hit_ratio", "working_set",
]

POLICY_NAMES = ("lru", "fifo", "lfu", "rr", "sieve", "s3fifo", "opt")
_OPTIONS = {"rr": {"seed"}, "s3fifo": {"small_ratio"}}  # policy keyword arguments, as the classes take
_CHUNK = 1 << 16
_PROGRESS_MIN = 1_000_000  # requests: below this a replay takes about a second or less, so no bar
_PACK_BITS = 63  # stack distances pack value, index and count in an int64 while they fit (tests lower it)


# --- input checks -------------------------------------------------------------------------------

def _keys(trace: object) -> np.ndarray:
    keys = np.asarray(trace)
    if keys.ndim != 1:
        raise TypeError(f"trace must be a 1-d sequence of integer keys, got shape {keys.shape}")
    if keys.size == 0:
        raise ValueError("trace must not be empty")
    if keys.dtype.kind not in "iu":
        raise TypeError(f"trace keys must be integers, got dtype {keys.dtype} (see workloads.read_trace)")
    return keys.astype(np.int64, copy=False)


def _maxsize(maxsize: object) -> int:
    if isinstance(maxsize, np.integer):
        maxsize = int(maxsize)
    return check_maxsize(maxsize)


def _sizes(sizes: object) -> np.ndarray:
    arr = np.asarray(sizes)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"sizes must be a non-empty 1-d sequence of positive ints, got {sizes!r}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"sizes must be positive ints, got dtype {arr.dtype}")
    if (arr <= 0).any():
        raise ValueError(f"sizes must be positive ints, got {arr[arr <= 0][0]}")
    return arr.astype(np.int64)


def _policy(policy: object, options: dict) -> str:
    if policy not in POLICY_NAMES:
        raise ValueError(f"policy must be one of {', '.join(POLICY_NAMES)}; got {policy!r}")
    unknown = set(options) - _OPTIONS.get(policy, set())
    if unknown:
        allowed = sorted(_OPTIONS.get(policy, ())) or "none"
        raise TypeError(f"policy {policy!r} got unknown options {sorted(unknown)}; it takes: {allowed}")
    if policy == "s3fifo" and "small_ratio" in options:
        r = options["small_ratio"]
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not 0 < r < 1:
            raise ValueError(f"small_ratio must be between 0 and 1, got {r!r}")
    if policy == "rr" and options.get("seed") is not None:
        seed = options["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int or None, got {seed!r}")
    return policy


def _chunks(keys: np.ndarray, progress: bool | None, desc: str) -> Iterator[list]:
    """The trace as lists of Python ints (fast to hash), with a progress bar on long runs only."""
    show = len(keys) >= _PROGRESS_MIN if progress is None else bool(progress)
    with tqdm(total=len(keys), desc=desc, unit="req", unit_scale=True, disable=not show, leave=False) as bar:
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK].tolist()
            yield chunk
            bar.update(len(chunk))


# --- compiled replays (numba), when installed -----------------------------------------------------

_KERNELS: object = None  # hotcache_lab.replay_kernels once imported; False when numba is missing


def _kernels():
    """The compiled replay kernels, or None without numba (then the Python loops below run)."""
    global _KERNELS
    if _KERNELS is None:
        try:
            from . import kernels as replay_kernels
        except ImportError:
            _KERNELS = False
        else:
            _KERNELS = replay_kernels
    return _KERNELS or None


def _compiled_run(kernels, prepared: tuple, policy: str, maxsize: int, progress: bool | None,
                  options: dict) -> tuple[int, np.ndarray]:
    """(hits, per-request uint8 hit flags) from the kernel; prepared = _prepare(kernels, keys, policy)."""
    ids, nkeys, next_use = prepared
    maxsize = min(maxsize, nkeys + 1)  # the same replay (more room than keys never evicts), in an int64
    flags = np.zeros(len(ids), dtype=np.uint8)
    # a kernel replays a million requests in tens of milliseconds: a bar only when asked for
    bar = tqdm(total=len(ids), desc=policy, unit="req", unit_scale=True, disable=not progress, leave=False)
    with bar:
        if policy == "opt":
            hits = kernels.opt(ids, next_use, nkeys, maxsize, flags)
        else:
            hits = kernels.KERNELS[policy](ids, nkeys, maxsize, flags, **options)
        bar.update(len(ids))
    return int(hits), flags


def _prepare(kernels, keys: np.ndarray, policy: str) -> tuple:
    ids, nkeys = kernels.dense_ids(keys)
    return ids, nkeys, kernels.next_uses(ids, nkeys) if policy == "opt" else None


# --- lean replays: each returns the number of hits ----------------------------------------------

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


# --- Belady's MIN -------------------------------------------------------------------------------

def _previous(keys: np.ndarray) -> np.ndarray:
    """prev[i] = position of the previous request for keys[i], or -1 for its first request."""
    order = np.argsort(keys, kind="stable")
    same = keys[order[1:]] == keys[order[:-1]]
    prev = np.full(len(keys), -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    return prev


def _next_uses(keys: np.ndarray) -> np.ndarray:
    """next_use[i]: position of the next request for keys[i]; n + i if there is none, so that every
    value names one request and a heap of plain ints (fast to compare) identifies its key."""
    n = len(keys)
    prev = _previous(keys)
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
    for chunk in _chunks(next_use, progress, "opt"):
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
        if len(heap) > 4 * maxsize + _CHUNK:  # drop stale entries, amortised O(1)
            heap = [-v for v in cached.values()]
            heapq.heapify(heap)
    return flags


def opt_hit_ratio(trace: object, maxsize: int, *, progress: bool | None = None) -> float:
    """The hit ratio of Belady's MIN: an upper bound for every policy here at this size."""
    keys, maxsize = _keys(trace), _maxsize(maxsize)
    kernels = _kernels()
    if kernels is not None:
        hits, _ = _compiled_run(kernels, _prepare(kernels, keys, "opt"), "opt", maxsize, progress, {})
        return hits / len(keys)
    return sum(_opt_flags(keys, maxsize, progress)) / len(keys)


# --- public replays -----------------------------------------------------------------------------

def hit_ratio(trace: object, policy: str, maxsize: int, *, progress: bool | None = None,
              **policy_kwargs) -> float:
    """Fraction of requests that hit a cache of `maxsize` entries under `policy`, starting empty.

    policy is one of POLICY_NAMES; "rr" takes seed= and "s3fifo" small_ratio=, like their classes.
    """
    keys, maxsize = _keys(trace), _maxsize(maxsize)
    policy = _policy(policy, policy_kwargs)
    kernels = _kernels()
    if kernels is not None:
        prepared = _prepare(kernels, keys, policy)
        return _compiled_run(kernels, prepared, policy, maxsize, progress, policy_kwargs)[0] / len(keys)
    if policy == "opt":
        return opt_hit_ratio(keys, maxsize, progress=progress)
    hits = _REPLAYS[policy](_chunks(keys, progress, policy), maxsize, **policy_kwargs)
    return hits / len(keys)


def replay(trace: object, policy: str, maxsize: int, **policy_kwargs) -> np.ndarray:
    """Per-request hit (True) or miss (False), for plots of the hit ratio over time.

    With numba, the compiled kernels. Without: LRU comes from stack distances and OPT from its own
    loop; the other policies replay the instrumented classes in hotcache_lab.caches (slower).
    """
    keys, maxsize = _keys(trace), _maxsize(maxsize)
    policy = _policy(policy, policy_kwargs)
    kernels = _kernels()
    if kernels is not None:
        return _compiled_run(kernels, _prepare(kernels, keys, policy), policy, maxsize, False,
                             policy_kwargs)[1].astype(bool)
    if policy == "lru":
        d = reuse_distances(keys)
        return (d >= 0) & (d < maxsize)
    if policy == "opt":
        return np.frombuffer(_opt_flags(keys, maxsize, None), dtype=np.uint8).astype(bool)
    cache = POLICIES[policy](maxsize, **policy_kwargs)
    get, put = cache.get, cache.put
    flags = np.empty(len(keys), dtype=bool)
    for i, k in enumerate(keys.tolist()):
        hit = get(k, MISSING) is not MISSING
        if not hit:
            put(k, k)
        flags[i] = hit
    return flags


# --- stack distances and miss-ratio curves ------------------------------------------------------

def _count_smaller_before(v: np.ndarray) -> np.ndarray:
    """c[i] = #{j < i : v[j] < v[i]} for non-negative ints, in O(n log max(v)) numpy passes.

    MSB-first stable radix partitioning (a wavelet matrix): at the level of bit b, elements whose
    values agree above b sit together in their original order; a pair j < i with v[j] < v[i] is
    counted exactly once, at the highest bit where they differ (v[j] has 0 there, v[i] has 1), as
    "zeros before i within its group". Value, original index and (when it fits in 63 bits, i.e. up
    to 2M requests) the running count are packed into one int64, so each level moves one array.
    """
    n = len(v)
    nbits = max(int(v.max()).bit_length(), 1)
    w = max(n.bit_length(), 1)
    packed = nbits + 2 * w <= _PACK_BITS
    low = 2 * w if packed else w  # bits below the value: index (and count)
    if nbits + low > 63:
        raise ValueError(f"trace too long for the exact curve ({n} requests); use shards_mrc")
    key = (v.astype(np.int64) << low) | (np.arange(n, dtype=np.int64) << (low - w))
    count = None if packed else np.zeros(n, dtype=np.int64)
    other, other_count = np.empty_like(key), None if packed else np.empty_like(key)
    t1, t2 = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    zbuf = np.zeros(n + 1, dtype=np.int64)
    zeros, zeros_before = zbuf[1:], zbuf[:-1]  # zeros in [0, t] and in [0, t)
    is_zero, is_one = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    for b in range(nbits - 1, -1, -1):
        np.right_shift(key, low + b, out=t1)
        np.bitwise_and(t1, 1, out=t2)  # bit b of each value
        np.equal(t2, 0, out=is_zero)
        np.cumsum(is_zero, out=zeros)
        np.right_shift(t1, 1, out=t1)  # the value's bits above b: its group
        np.not_equal(t1[1:], t1[:-1], out=new_group[1:])
        np.multiply(zeros_before, new_group, out=t1)
        np.maximum.accumulate(t1, out=t1)  # zeros before the start of each element's group
        np.subtract(zeros, t1, out=t1)  # zeros of the group up to each element
        np.multiply(t1, t2, out=t1)  # counted for elements whose bit b is 1
        np.logical_not(is_zero, out=is_one)
        nz = int(zeros[-1])
        if packed:
            key += t1
        else:
            count += t1
            np.compress(is_zero, count, out=other_count[:nz])
            np.compress(is_one, count, out=other_count[nz:])
            count, other_count = other_count, count
        np.compress(is_zero, key, out=other[:nz])
        np.compress(is_one, key, out=other[nz:])
        key, other = other, key
    mask = (1 << w) - 1
    out = np.empty(n, dtype=np.int64)
    out[(key >> (low - w)) & mask] = key & mask if packed else count
    return out


def _stack_distances(keys: np.ndarray) -> np.ndarray:
    # For request i whose key was last requested at p = prev[i], the distance is the number of
    # distinct keys requested in (p, i): the j in (p, i) with prev[j] < p (first in that window).
    # All j < p+1 have prev[j] < p, so that is #{j < i : prev[j] < p} - (p + 1); with v = prev + 1,
    # #{j < i : v[j] < v[i]} - v[i].
    v = _previous(keys) + 1
    d = _count_smaller_before(v) - v
    d[v == 0] = -1
    return d


def reuse_distances(trace: object) -> np.ndarray:
    """LRU stack distance of each request: distinct other keys since its key's previous request.

    -1 marks a first request (a cold miss). A request hits an LRU cache of size s iff 0 <= d < s.
    """
    return _stack_distances(_keys(trace))


def reuse_histogram(trace: object, bins: object = 50) -> tuple[np.ndarray, np.ndarray]:
    """np.histogram of the stack distances of re-requests; first requests (d = -1) are left out."""
    d = reuse_distances(trace)
    return np.histogram(d[d >= 0], bins=bins)


def _curve_from_distances(d: np.ndarray, sizes: np.ndarray, total: float) -> np.ndarray:
    """Miss ratio for each size from (possibly scaled) distances; `total` is the request count."""
    finite = np.sort(d[d >= 0])
    hits = np.searchsorted(finite, sizes, side="left")  # distances < size
    return 1.0 - hits / total


def miss_ratio_curve(trace: object, policy: str, sizes: object, *, progress: bool | None = None,
                     **policy_kwargs) -> np.ndarray:
    """Miss ratio at each cache size in `sizes`.

    LRU: exact for every size from one pass of stack distances. Other policies are not stack
    algorithms, so they are replayed once per size (with a progress bar over sizes when slow).
    """
    keys, sizes = _keys(trace), _sizes(sizes)
    policy = _policy(policy, policy_kwargs)
    if policy == "lru":
        return _curve_from_distances(_stack_distances(keys), sizes, len(keys))
    kernels = _kernels()
    if kernels is not None:  # the key ids (and OPT's next uses) once for every size
        prepared = _prepare(kernels, keys, policy)
        hits = [_compiled_run(kernels, prepared, policy, s, False, policy_kwargs)[0]
                for s in tqdm(sizes.tolist(), desc=f"{policy} sizes", disable=not progress, leave=False)]
        return 1.0 - np.array(hits) / len(keys)
    show = len(keys) * len(sizes) >= _PROGRESS_MIN if progress is None else bool(progress)
    ratios = [
        1.0 - hit_ratio(keys, policy, int(s), progress=False, **policy_kwargs)
        for s in tqdm(sizes.tolist(), desc=f"{policy} sizes", disable=not show, leave=False)
    ]
    return np.array(ratios)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Steele, Lea and Flood's SplitMix64 finaliser: a fast, well-mixed 64-bit integer hash."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def shards_mrc(trace: object, sizes: object, rate: float = 0.01, seed: int = 0) -> np.ndarray:
    """Approximate LRU miss-ratio curve from a spatially hashed sample of keys (SHARDS).

    Waldspurger, Park, Garthwaite and Ahmad, "Efficient MRC Construction with SHARDS", FAST 2015:
    keep every request whose key hashes below rate * 2**24 (all requests of a kept key, so reuse
    within the sample is intact), compute exact stack distances of the sample and scale them by
    1 / rate. The difference between the expected and the actual number of sampled requests is
    credited to the smallest distance (the paper's SHARDS_adj), which removes most of the bias.

    Accuracy depends on how many distinct keys the sample holds: on a Zipf(0.9) trace of 200k
    requests over 100k keys, at rate 0.1, the mean absolute error over evenly spaced sizes is about
    0.005 (0.016 for the worst of 40 seeds). Sizes below ~1 / rate entries are not resolved, and a
    small, very skewed key space makes the curve depend on whether a few hot keys are sampled.
    """
    keys, sizes = _keys(trace), _sizes(sizes)
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 < rate <= 1:
        raise ValueError(f"rate must be in (0, 1], got {rate!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    modulus = 1 << 24
    threshold = max(1, round(rate * modulus))
    salted = keys.astype(np.uint64) ^ _splitmix64(np.array([seed], dtype=np.uint64))
    sample = keys[(_splitmix64(salted) % np.uint64(modulus)) < np.uint64(threshold)]
    if len(sample) == 0:
        raise ValueError(f"rate={rate} sampled no request of this trace; use a larger rate")
    scale = threshold / modulus
    d = _stack_distances(sample).astype(np.float64)
    d[d >= 0] /= scale
    expected = len(keys) * scale
    finite = np.sort(d[d >= 0])
    hits = np.searchsorted(finite, sizes, side="left") + (expected - len(sample))
    return np.clip(1.0 - hits / expected, 0.0, 1.0)


def working_set(trace: object, window: int) -> np.ndarray:
    """Distinct keys in each consecutive window of `window` requests (the last may be shorter).

    Denning's working set: the cache size a window needs to hit on every re-request within it.
    """
    keys = _keys(trace)
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window <= 0:
        raise ValueError(f"window must be a positive int, got {window!r}")
    window = int(window)
    prev = _previous(keys)
    w = np.arange(len(keys)) // window
    first_in_window = prev < w * window  # the key was not requested earlier in the same window
    return np.bincount(w[first_in_window], minlength=math.ceil(len(keys) / window))
