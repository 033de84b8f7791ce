"""Seeded synthetic request streams: uniform, Zipf, scans, loops, moving hot sets, bursts, mixes.

Every generator returns an int64 numpy array of keys (or a `Trace` when requests also have
timestamps), and the same arguments with the same `seed` give the same array, so notebook outputs
can be checked. Keys are small non-negative integers; their meaning is up to the experiment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import _check
from .traces import Trace

__all__ = ["uniform", "zipf", "scan", "loop", "shifting_hotset", "bursts", "diurnal", "mix"]


# --- synthetic streams -------------------------------------------------------------------------

def uniform(n_keys: int, n_requests: int, seed: int | None = 0) -> np.ndarray:
    """Every key equally likely: no locality at all, so hit ratio ~ maxsize / n_keys for any policy."""
    n_keys, n_requests = _check.integer("n_keys", n_keys), _check.integer("n_requests", n_requests)
    return _check.seed(seed).integers(0, n_keys, size=n_requests, dtype=np.int64)


def zipf(
    n_keys: int = 10_000, alpha: float = 1.0, n_requests: int = 100_000, seed: int | None = 0
) -> np.ndarray:
    """Bounded Zipf: key r-1 has probability proportional to 1 / r**alpha (key 0 is the hottest).

    Unlike `np.random.zipf` this has a finite key space and allows any alpha >= 0 (0 is uniform),
    which is what web and key-value caches see (Breslau et al., INFOCOM 1999: alpha ~ 0.6-1.0).
    """
    n_keys, n_requests = _check.integer("n_keys", n_keys), _check.integer("n_requests", n_requests)
    alpha = _check.number("alpha", alpha, low=0.0, high=10.0)
    weights = np.arange(1, n_keys + 1, dtype=np.float64) ** -alpha
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    u = _check.seed(seed).random(n_requests)
    # side="right": u == cdf[k] belongs to k+1; the clip guards u just below 1 against rounding in cdf
    return np.minimum(np.searchsorted(cdf, u, side="right"), n_keys - 1).astype(np.int64)


def scan(n_requests: int, start: int = 0) -> np.ndarray:
    """Keys start, start+1, ...: each requested once (a table scan, a backup, a crawler)."""
    n_requests, start = _check.integer("n_requests", n_requests), _check.integer("start", start, minimum=0)
    return np.arange(start, start + n_requests, dtype=np.int64)


def loop(k: int, n_requests: int) -> np.ndarray:
    """0, 1, ..., k-1, 0, 1, ...: LRU's and FIFO's worst case (hit ratio 0) whenever k > maxsize."""
    k, n_requests = _check.integer("k", k), _check.integer("n_requests", n_requests)
    return np.arange(n_requests, dtype=np.int64) % k


def shifting_hotset(
    n_keys: int = 10_000,
    hot_size: int = 100,
    period: int = 10_000,
    n_requests: int = 100_000,
    hot_fraction: float = 0.9,
    seed: int | None = 0,
) -> np.ndarray:
    """A hot set of `hot_size` keys gets `hot_fraction` of requests; it moves every `period` requests.

    Epoch e (requests e*period ...) uses the hot keys e*hot_size ... (e+1)*hot_size - 1, modulo
    n_keys, so consecutive hot sets are disjoint: yesterday's favourites go cold (LFU's weakness).
    The other requests are uniform over all n_keys keys.
    """
    n_keys, hot_size = _check.integer("n_keys", n_keys), _check.integer("hot_size", hot_size)
    period, n_requests = _check.integer("period", period), _check.integer("n_requests", n_requests)
    hot_fraction = _check.number("hot_fraction", hot_fraction, low=0.0, high=1.0)
    if hot_size > n_keys:
        raise ValueError(f"hot_size must be at most n_keys ({n_keys}), got {hot_size}")
    rng = _check.seed(seed)
    epoch = np.arange(n_requests, dtype=np.int64) // period
    hot = (epoch * hot_size + rng.integers(0, hot_size, size=n_requests)) % n_keys
    cold = rng.integers(0, n_keys, size=n_requests, dtype=np.int64)
    return np.where(rng.random(n_requests) < hot_fraction, hot, cold).astype(np.int64)


def _arrival_times(rate: Callable[[np.ndarray], np.ndarray], n: int, step: float, cycle: float,
                   rng: np.random.Generator) -> np.ndarray:
    """n arrival times of a Poisson process with a periodic time-varying rate (requests/s).

    Time rescaling: unit-rate arrivals u_1 < u_2 < ... are mapped through the inverse of
    Lambda(t) = integral of the rate over [0, t], tabulated on a grid of width `step` (the rate is
    taken as constant within a step) that is extended until it covers the last arrival.
    """
    u = np.cumsum(rng.exponential(1.0, size=n))
    per_cycle = float(rate(np.arange(0.0, cycle, step)).sum() * step)
    horizon = cycle * (math.ceil(u[-1] / per_cycle) + 1)
    while True:
        grid = np.arange(0.0, horizon + step, step)
        lam = np.concatenate([[0.0], np.cumsum(rate(grid[:-1]) * step)])
        if lam[-1] >= u[-1]:
            return np.interp(u, lam, grid)
        horizon *= 2


def _timed_zipf(rate: Callable[[np.ndarray], np.ndarray], step: float, cycle: float, n_keys: int,
                n_requests: int, alpha: float, seed: int | None) -> Trace:
    """Zipf keys at the arrival times of a periodic rate: what `bursts` and `diurnal` share."""
    n_keys, n_requests = _check.integer("n_keys", n_keys), _check.integer("n_requests", n_requests)
    rng = _check.seed(seed)
    times = _arrival_times(rate, n_requests, step, cycle, rng)
    keys = zipf(n_keys, alpha, n_requests, seed=int(rng.integers(2**32)))
    return Trace(keys, times)


def bursts(n_keys: int = 10_000, n_requests: int = 100_000, base_rate: float = 1_000.0,
           burst_rate: float = 10_000.0, burst_every: float = 10.0, burst_length: float = 1.0,
           alpha: float = 1.0, seed: int | None = 0) -> Trace:
    """Zipf keys arriving at `base_rate` req/s, with `burst_rate` req/s for `burst_length` s every
    `burst_every` s (a flash crowd, a retry storm). Returns a Trace with timestamps in seconds.
    """
    base_rate = _check.positive("base_rate", base_rate)
    burst_rate = _check.positive("burst_rate", burst_rate)
    burst_every = _check.positive("burst_every", burst_every)
    burst_length = _check.number("burst_length", burst_length, low=0.0, high=burst_every)

    def rate(t: np.ndarray) -> np.ndarray:
        return np.where(t % burst_every < burst_length, burst_rate, base_rate)

    step = (burst_length if burst_length > 0 else burst_every) / 100
    return _timed_zipf(rate, step, burst_every, n_keys, n_requests, alpha, seed)


def diurnal(n_keys: int = 10_000, n_requests: int = 100_000, mean_rate: float = 0.5, amplitude: float = 0.8,
            period: float = 86_400.0, alpha: float = 1.0, seed: int | None = 0) -> Trace:
    """Zipf keys whose arrival rate follows a day: mean_rate * (1 - amplitude * cos(2 pi t / period)),
    so the trough is at t = 0 (night) and the peak at period / 2. Returns a Trace with timestamps.
    """
    mean_rate = _check.positive("mean_rate", mean_rate)
    amplitude = _check.fraction("amplitude", amplitude)
    period = _check.positive("period", period)

    def rate(t: np.ndarray) -> np.ndarray:
        return mean_rate * (1.0 - amplitude * np.cos(2 * np.pi * t / period))

    return _timed_zipf(rate, period / 1000, period, n_keys, n_requests, alpha, seed)


def mix(streams: Sequence[tuple[object, float]], n_requests: int, seed: int | None = 0) -> np.ndarray:
    """Interleave streams: each request comes from stream i with probability weight_i / sum(weights).

    Each stream is consumed in its own order (a scan stays a scan inside the mix). A stream that is
    too short for its share raises ValueError rather than being silently repeated. Streams share one
    key space: offset them (e.g. `scan(n, start=10**9)`) if their keys should not collide.
    """
    n_requests = _check.integer("n_requests", n_requests)
    if isinstance(streams, (str, bytes)) or not isinstance(streams, Sequence) or not streams:
        raise TypeError("streams must be a non-empty list of (keys, weight) pairs")
    arrays, weights = [], []
    for i, pair in enumerate(streams):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"streams[{i}] must be a (keys, weight) pair, got {type(pair).__name__}")
        keys = np.asarray(pair[0])
        if keys.ndim != 1 or keys.dtype.kind not in "iu":
            raise TypeError(f"streams[{i}] keys must be a 1-d integer array, got {keys.dtype} {keys.shape}")
        arrays.append(keys.astype(np.int64, copy=False))
        weights.append(_check.number(f"streams[{i}] weight", pair[1], low=0.0))
    total = sum(weights)
    if total <= 0:
        raise ValueError("streams weights must sum to more than 0")
    choice = _check.seed(seed).choice(len(arrays), size=n_requests, p=np.asarray(weights) / total)
    out = np.empty(n_requests, dtype=np.int64)
    for i, keys in enumerate(arrays):
        where = np.flatnonzero(choice == i)
        if len(where) > len(keys):
            raise ValueError(
                f"streams[{i}] has {len(keys)} requests but the mix draws {len(where)} from it; "
                "pass a longer stream"
            )
        out[where] = keys[: len(where)]
    return out


