"""Miss-ratio curves: LRU's exact curve for every size at once, SHARDS, reuse distances, working sets.

The LRU curve for all cache sizes comes from one pass of stack distances (Mattson, Gecsei, Slutz
and Traiger, "Evaluation techniques for storage hierarchies", IBM Systems Journal 1970): LRU is a
stack algorithm, so a request hits in a cache of size s exactly when fewer than s distinct other
keys were requested since the previous request for the same key. The other policies are not stack
algorithms: their curves replay the trace once per size.

The distances come from the compiled `sim.stack_distance` (a Fenwick tree over a bitmap of last
uses, in cache whatever the trace's length); `_stack_distances` below is the readable numpy
reference, which runs when the kernels are switched off (`sim.compiled._KERNELS = False`).
"""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from .. import _check
from . import compiled
from .inputs import PROGRESS_MIN, cache_sizes, policy_name, previous_uses, trace_keys
from .policies import hit_ratio

__all__ = ["miss_ratio_curve", "reuse_distances", "reuse_histogram", "shards_mrc", "shards_sample",
           "working_set"]

_PACK_BITS = 63  # stack distances pack value, index and count in an int64 while they fit (tests lower it)


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
    v = previous_uses(keys) + 1
    d = _count_smaller_before(v) - v
    d[v == 0] = -1
    return d


def _stack_kernel():
    """sim.stack_distance, or None when the kernels are switched off: numba's absence then reads as
    the replays' clear ImportError (compiled.kernels), so it is imported only once that passed."""
    if compiled.kernels() is None:
        return None
    from . import stack_distance

    return stack_distance


def _distances(keys: np.ndarray) -> np.ndarray:
    kernel = _stack_kernel()
    return _stack_distances(keys) if kernel is None else kernel.capped_distances(keys)


def reuse_distances(trace: object) -> np.ndarray:
    """LRU stack distance of each request: distinct other keys since its key's previous request.

    -1 marks a first request (a cold miss). A request hits an LRU cache of size s iff 0 <= d < s.
    """
    return _distances(trace_keys(trace))


def reuse_histogram(trace: object, bins: object = 50) -> tuple[np.ndarray, np.ndarray]:
    """np.histogram of the stack distances of re-requests; first requests (d = -1) are left out."""
    d = reuse_distances(trace)
    return np.histogram(d[d >= 0], bins=bins)


def _hits_below(d: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each size, how many (possibly scaled) re-request distances are below it: its LRU hits."""
    return np.searchsorted(np.sort(d[d >= 0]), sizes, side="left")


def miss_ratio_curve(trace: object, policy: str, sizes: object, *, progress: bool | None = None,
                     **policy_kwargs) -> np.ndarray:
    """Miss ratio at each cache size in `sizes`.

    LRU: exact for every size from one pass of stack distances. Other policies are not stack
    algorithms, so they are replayed once per size (with a progress bar over sizes when slow).
    """
    keys, sizes = trace_keys(trace), cache_sizes(sizes)
    policy = policy_name(policy, policy_kwargs)
    if policy == "lru":  # the kernel counts distances up to the largest size only, in a histogram
        kernel = _stack_kernel()
        hits = _hits_below(_stack_distances(keys), sizes) if kernel is None else kernel.lru_hits(keys, sizes)
        return 1.0 - hits / len(keys)
    kernels = compiled.kernels()
    if kernels is not None:  # the key ids (and OPT's next uses) once for every size
        prepared = compiled.prepare(kernels, keys, policy)
        hits = [compiled.run(kernels, prepared, policy, s, False, policy_kwargs)[0]
                for s in tqdm(sizes.tolist(), desc=f"{policy} sizes", disable=not progress, leave=False)]
        return 1.0 - np.array(hits) / len(keys)
    show = len(keys) * len(sizes) >= PROGRESS_MIN if progress is None else bool(progress)
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


def shards_sample(keys: object, rate: float, seed: int = 0) -> tuple[np.ndarray, float]:
    """SHARDS' spatial filter: every request of the keys whose salted hash falls below rate * 2**24,
    in order, and the rate actually kept (the threshold is whole)."""
    keys = trace_keys(keys)
    rate = _check.fraction("rate", rate, low_open=True)
    seed = _check.integer("seed", seed, minimum=0)
    modulus = 1 << 24
    threshold = max(1, round(rate * modulus))
    salted = keys.astype(np.uint64) ^ _splitmix64(np.array([seed], dtype=np.uint64))
    return keys[(_splitmix64(salted) % np.uint64(modulus)) < np.uint64(threshold)], threshold / modulus


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
    keys, sizes = trace_keys(trace), cache_sizes(sizes)
    sample, scale = shards_sample(keys, rate, seed)
    if len(sample) == 0:
        raise ValueError(f"rate={rate} sampled no request of this trace; use a larger rate")
    d = _distances(sample).astype(np.float64)
    d[d >= 0] /= scale
    expected = len(keys) * scale
    hits = _hits_below(d, sizes) + (expected - len(sample))
    return np.clip(1.0 - hits / expected, 0.0, 1.0)


def working_set(trace: object, window: int) -> np.ndarray:
    """Distinct keys in each consecutive window of `window` requests (the last may be shorter).

    Denning's working set: the cache size a window needs to hit on every re-request within it.
    """
    keys = trace_keys(trace)
    window = _check.integer("window", window)
    prev = previous_uses(keys)
    w = np.arange(len(keys)) // window
    first_in_window = prev < w * window  # the key was not requested earlier in the same window
    return np.bincount(w[first_in_window], minlength=math.ceil(len(keys) / window))
