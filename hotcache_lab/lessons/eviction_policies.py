"""Notebook 04 (eviction policies): a small cache step by step, and miss-ratio curves by skew."""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from .. import _check, caches, workloads
from ..sim import curves, policies
from ..sim.stepper import Recording, frame, record

POLICIES = policies.POLICY_NAMES  # the online policies, then OPT
#: the step-through's trace: a hot set, a scan of new keys, the hot set again
TRACE = (1, 2, 3, 1, 2, 4, 1, 5, 2, 1, 10, 11, 12, 13, 14, 1, 2, 3, 1, 2)
MRC_SIZES = np.unique(np.geomspace(10, 3_000, 12).astype(int))
SEED = 0


@functools.lru_cache(maxsize=16)
def recordings(trace: tuple = TRACE, maxsize: int = 4) -> tuple[Recording, ...]:
    """Every policy's recording of the trace, step by step (sim.stepper.record)."""
    return tuple(record(trace, p, maxsize) for p in POLICIES)


@dataclass(frozen=True)
class StepView:
    """Step `t` of every policy: the rows of boxes to draw, and who hit and who evicted what."""

    t: int
    trace: tuple
    rows: tuple  # one sim.stepper.frame a policy
    hit: dict  # policy -> hit at step t
    evicted: dict  # policy -> keys evicted at step t

    @property
    def request(self) -> Hashable:
        return self.trace[self.t]


def step(t: int, trace: tuple = TRACE, maxsize: int = 4) -> StepView:
    """The time slider's compute: every policy at step `t` of the trace."""
    recs = recordings(tuple(trace), maxsize)
    return StepView(t, tuple(trace), tuple(frame(rec, t) for rec in recs),
                    {rec.policy: rec[t].hit for rec in recs}, {rec.policy: rec[t].evicted for rec in recs})


@functools.lru_cache(maxsize=32)
def miss_curves(alpha: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A Zipf(alpha) trace of 10,000 requests over 5,000 keys, and each policy's miss ratio at MRC_SIZES."""
    trace = workloads.zipf(n_keys=5_000, alpha=alpha, n_requests=10_000, seed=SEED)
    return trace, {p: curves.miss_ratio_curve(trace, p, MRC_SIZES) for p in POLICIES}


@functools.lru_cache(maxsize=256)
def miss_at(alpha: float, size: int) -> dict[str, float]:
    """Each policy's miss ratio at one cache size, on the trace of miss_curves(alpha)."""
    trace, _ = miss_curves(alpha)
    return {p: 1 - policies.hit_ratio(trace, p, size) for p in POLICIES}


@dataclass(frozen=True, eq=False)
class MissCurves:
    """The curves of every policy at one skew, and the policies in order at one size."""

    alpha: float
    size: int
    sizes: np.ndarray
    curves: dict  # policy -> miss ratio at each of `sizes`
    miss: dict  # policy -> miss ratio at `size`
    order: tuple  # policies, fewest misses first


def mrc(alpha: float, size: float) -> MissCurves:
    """The sliders' compute: alpha from a float slider, size from a log slider (a float)."""
    alpha = round(_check.non_negative("alpha", alpha), 2)
    size = _check.maxsize(int(round(size)), name="size")
    _, by_policy = miss_curves(alpha)
    here = miss_at(alpha, size)
    return MissCurves(alpha, size, MRC_SIZES, by_policy, here, tuple(sorted(here, key=here.get)))


def served(policy: str, keys: Iterable, maxsize: int) -> caches.Cache:
    """A fresh cache of `policy` after serving `keys`, each with `Cache.request` (get, put on a miss)."""
    cache = caches.POLICIES[_check.one_of("policy", policy, caches.POLICIES)](maxsize)
    for key in np.asarray(keys).tolist():
        cache.request(key)
    return cache


def hot_keys_kept(cache: caches.Cache, hot: Iterable = range(50)) -> int:
    """How many of the hot keys the cache still holds (membership counts nothing)."""
    return sum(key in cache for key in hot)
