"""Notebook 05 (hit ratios): its stand-in computation and what its live plots compute.

    lesson.profile_card(user_id)                         # a real computation worth caching
    lesson.speedup_curves(t0_us=60, h=0.8, costs=...)    # for plots.hit_ratios.draw_speedup
    lesson.budget(alpha=0.9, budget_mb=8, ...)           # for plots.hit_ratios.draw_budget
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import random
from dataclasses import dataclass, field

import numpy as np

from .. import _check, sim, workloads
from ..measure.latency import CallCosts, break_even_hit_ratio, choose_maxsize, speedup

__all__ = ["profile_card", "SpeedupCurves", "speedup_curves", "N_USERS", "N_REQUESTS", "USER_SIZES",
           "users", "Budget", "budget"]

_WORDS = ("cache", "python", "latency", "redis", "lru", "hot", "cold", "miss", "hit", "shard")
US = 1e6  # microseconds per second


def profile_card(user_id: int) -> str:
    """A real computation worth caching: render a user's profile card as JSON (tens of microseconds).

    Deterministic in `user_id` (the same card every time), as a cached function must be.
    """
    user_id = operator.index(user_id)  # numpy ints from a trace are fine; floats are not ids
    rng = random.Random(user_id)
    user = {
        "id": user_id,
        "name": f"user{user_id}",
        "followers": rng.randrange(10**6),
        "bio": " ".join(rng.choice(_WORDS) for _ in range(30)),
        "posts": [{"id": rng.randrange(10**9), "likes": rng.randrange(1000)} for _ in range(15)],
    }
    body = json.dumps(user, sort_keys=True)
    etag = hashlib.sha256(body.encode()).hexdigest()[:16]
    return f'{{"etag": "{etag}", "card": {body}}}'


def _speedup_at(costs: CallCosts, t0: float, h):
    """Speedup of a cache with these measured lookup and store costs in front of t0 seconds of work."""
    return speedup(h, costs.t_hit, t0 + costs.t_store, t0)


@dataclass(frozen=True, eq=False)
class SpeedupCurves:
    """Speedup against hit ratio for each measured cache, in front of t0 microseconds of work."""

    t0_us: float
    h: float
    grid: np.ndarray = field(repr=False)  # hit ratios
    curves: dict[str, np.ndarray] = field(repr=False)  # cache name -> speedup over the grid
    break_even: dict[str, float]  # cache name -> h*
    speedup: dict[str, float]  # cache name -> speedup at h

    def summary(self) -> dict:
        return {"t0_us": round(self.t0_us, 3), "h": self.h,
                **{n: {"break_even": self.break_even[n], "speedup": self.speedup[n]} for n in self.curves}}


def speedup_curves(t0_us: float, h: float, *, costs: dict[str, CallCosts]) -> SpeedupCurves:
    """The speedup curves of the measured caches (`costs`: name -> CallCosts) for t0_us of work."""
    t0_us = _check.positive("t0_us", t0_us)
    h = _check.fraction("h", h)
    t = t0_us / US
    grid = np.linspace(0, 0.999, 300)
    return SpeedupCurves(
        t0_us, h, grid,
        curves={name: _speedup_at(o, t, grid) for name, o in costs.items()},
        break_even={name: break_even_hit_ratio(o.t_hit, t + o.t_store, t) for name, o in costs.items()},
        speedup={name: float(_speedup_at(o, t, h)) for name, o in costs.items()},
    )


N_USERS, N_REQUESTS = 100_000, 50_000
USER_SIZES = np.unique(np.geomspace(1, N_USERS, 200).astype(np.int64))


@functools.lru_cache(maxsize=64)
def users(alpha: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Requests per user, most requested first, and LRU's miss ratio at USER_SIZES, for Zipf `alpha`."""
    requests = workloads.zipf(n_keys=N_USERS, alpha=alpha, n_requests=N_REQUESTS, seed=seed)
    ranked = np.sort(np.bincount(requests, minlength=N_USERS))[::-1]
    return ranked, sim.miss_ratio_curve(requests, "lru", USER_SIZES)


@dataclass(frozen=True, eq=False)
class Budget:
    """The maxsize a memory budget buys for profile cards, and what it gains."""

    alpha: float
    budget_mb: float
    ranked: np.ndarray = field(repr=False)  # requests per user, most requested first
    sizes: np.ndarray = field(repr=False)
    curve: np.ndarray = field(repr=False)  # LRU miss ratio at `sizes`
    maxsize: int
    knee: int
    budget_entries: int
    limited_by: str
    hit_ratio: float
    gain: float  # speedup over no cache at that hit ratio

    def summary(self) -> dict:
        return {"alpha": self.alpha, "budget_mb": self.budget_mb, "maxsize": self.maxsize, "knee": self.knee,
                "limited_by": self.limited_by, "hit_ratio": round(self.hit_ratio, 3)}


def budget(alpha: float, budget_mb: float, *, entry_bytes: float, costs: CallCosts, t0: float) -> Budget:
    """choose_maxsize on the users' LRU curve for a budget of `budget_mb` MB of `entry_bytes` entries;
    `costs` and `t0` (seconds of work per card) give the speedup at the hit ratio it reaches."""
    alpha = round(_check.number("alpha", alpha, low=0.0), 2)
    budget_mb = _check.positive("budget_mb", budget_mb)
    ranked, curve = users(alpha)
    choice = choose_maxsize(USER_SIZES, curve, budget_bytes=budget_mb * 1e6, entry_bytes=entry_bytes)
    hit_ratio = 1 - choice.miss_ratio
    gain = float(_speedup_at(costs, t0, hit_ratio))
    return Budget(alpha, budget_mb, ranked, USER_SIZES, curve, choice.maxsize, choice.knee,
                  choice.budget_entries, choice.limited_by, hit_ratio, gain)
