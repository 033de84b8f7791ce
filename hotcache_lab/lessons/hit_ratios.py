"""Notebook 05 (hit ratios): its stand-in computation and what its live plots compute.

    lesson.profile_card(user_id)                         # a real computation worth caching
    lesson.break_even_lines((0.05, 1, 100), 0.1, 0.05)   # for plots.hit_ratios.draw_break_even
    lesson.speedup_curves(t0_us=60, h=0.8, costs=...)    # for plots.hit_ratios.draw_speedup
    lesson.budget(alpha=0.9, budget_mb=8, ...)           # for plots.hit_ratios.draw_budget

    lesson.trace_shape("typing_cache")                   # a bundled real trace's exact LRU curve
    lesson.record_profile_cards(path)                    # "now record your own": a recorded trace

and the verdicts of the exercises (judge_exercise_1 ... 4), and the sentences that say what this
run measured (describe_*), so that no prose number can contradict the outputs above it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import numbers
import operator
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _check, analyze, sim, workloads
from ..measure.latency import CallCosts, break_even_hit_ratio, choose_maxsize, speedup
from ..record import record

__all__ = ["profile_card", "BreakEvenLines", "break_even_lines", "SpeedupCurves", "speedup_curves",
           "N_USERS", "N_REQUESTS", "USER_SIZES", "users", "Budget", "budget", "describe_break_even",
           "describe_benchmark", "judge_exercise_1", "judge_exercise_2", "judge_exercise_3",
           "REAL_TRACES", "TraceShape", "trace_shape", "describe_trace_shapes", "record_profile_cards",
           "describe_own_report", "judge_exercise_4"]

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


@dataclass(frozen=True, eq=False)
class BreakEvenLines:
    """Speedup against hit ratio for several amounts of work behind one cache's lookup and store."""

    t_hit_us: float
    t_store_us: float
    grid: np.ndarray  # hit ratios
    curves: dict  # t0 in microseconds -> speedup over the grid
    break_even: dict  # t0 in microseconds -> h* (>= 1: the cache never pays)


def break_even_lines(t0s_us, t_hit_us: float, t_store_us: float) -> BreakEvenLines:
    """t0 / E[latency] over hit ratios 0 ... 0.999 for each t0 in `t0s_us` (all times in µs)."""
    t_hit_us = _check.positive("t_hit_us", t_hit_us)
    t_store_us = _check.non_negative("t_store_us", t_store_us)
    grid = np.linspace(0, 0.999, 400)
    t0s = [_check.positive("t0s_us", t0) for t0 in t0s_us]
    return BreakEvenLines(t_hit_us, t_store_us, grid,
                          {t0: speedup(grid, t_hit_us, t0 + t_store_us, t0) for t0 in t0s},
                          {t0: break_even_hit_ratio(t_hit_us, t0 + t_store_us, t0) for t0 in t0s})


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
RANK_POINTS = 300  # the rank-frequency line is drawn through this many log-spaced ranks


@functools.lru_cache(maxsize=64)
def users(alpha: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Requests per user, most requested first, and LRU's miss ratio at USER_SIZES, for Zipf `alpha`."""
    requests = workloads.zipf(n_keys=N_USERS, alpha=alpha, n_requests=N_REQUESTS, seed=seed)
    ranked = np.sort(np.bincount(requests, minlength=N_USERS))[::-1]
    ranked.flags.writeable = False  # cached and shared: nobody may change it
    curve = sim.miss_ratio_curve(requests, "lru", USER_SIZES)
    curve.flags.writeable = False
    return ranked, curve


@dataclass(frozen=True, eq=False)
class Budget:
    """The maxsize a memory budget buys for profile cards, and what it gains."""

    alpha: float
    budget_mb: float
    ranks: np.ndarray = field(repr=False)  # log-spaced ranks of the users with at least one request
    requests: np.ndarray = field(repr=False)  # their requests (all >= 1)
    requested: int  # users with at least one request; the other n_users - requested have none
    n_users: int
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
                "limited_by": self.limited_by, "hit_ratio": round(self.hit_ratio, 3),
                "requested": self.requested}


def budget(alpha: float, budget_mb: float, *, entry_bytes: float, costs: CallCosts, t0: float) -> Budget:
    """choose_maxsize on the users' LRU curve for a budget of `budget_mb` MB of `entry_bytes` entries;
    `costs` and `t0` (seconds of work per card) give the speedup at the hit ratio it reaches.

    Users never requested have no place on a log-log rank-frequency plot (and no hit ratio): the
    result carries only the requested ones, thinned to RANK_POINTS log-spaced ranks, and their count."""
    alpha = round(_check.number("alpha", alpha, low=0.0), 2)
    budget_mb = _check.positive("budget_mb", budget_mb)
    ranked, curve = users(alpha)
    requested = int(np.count_nonzero(ranked))
    ranks = np.unique(np.geomspace(1, requested, RANK_POINTS).astype(np.int64))
    choice = choose_maxsize(USER_SIZES, curve, budget_bytes=budget_mb * 1e6, entry_bytes=entry_bytes)
    hit_ratio = 1 - choice.miss_ratio
    gain = float(_speedup_at(costs, t0, hit_ratio))
    return Budget(alpha, budget_mb, ranks, ranked[ranks - 1], requested, len(ranked), USER_SIZES, curve,
                  choice.maxsize, choice.knee, choice.budget_entries, choice.limited_by, hit_ratio, gain)


# --- what this run measured, in words ---------------------------------------------------------

def _us(seconds: float) -> str:
    return f"{seconds * US:.3g} µs"


def _times(ratio: float) -> str:
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def _regime(t_hit: float, t_store: float, t0: float) -> str:
    """One clause on whether a cache with these measured costs pays in front of t0 seconds of work."""
    h_star = break_even_hit_ratio(t_hit, t0 + t_store, t0)
    if h_star >= 1:  # by the formula, exactly when t_hit >= t0
        return (f"**never pays**: h* = {h_star:.2f}, a hit ({_us(t_hit)}) costs {_times(t_hit / t0)} "
                f"the work it saves ({_us(t0)})")
    if h_star < 0.05:
        return f"pays above h* = {h_star:.4f}: almost any reuse pays"
    return (f"pays only above h* = {h_star:.2f}, and even with every call a hit it is at most "
            f"{_times(t0 / t_hit)} faster (t0 / t_hit)")


def describe_break_even(overhead: dict[str, CallCosts], t0: dict[str, float]) -> str:
    """A Markdown list: for each function (t0: name -> seconds) behind each measured cache
    (overhead: name -> CallCosts measured on a trivial function), whether and where it pays."""
    return "\n".join(f"* `{fn}` behind `{name}`: {_regime(o.t_hit, o.t_store, work)}."
                     for fn, work in t0.items() for name, o in overhead.items())


def describe_benchmark(benchmark: dict[str, float], costs: CallCosts, t0: float) -> str:
    """The speedup each benchmark's hit ratio (benchmark: name -> h) reports for this run's costs."""
    said = {name: float(_speedup_at(costs, t0, h)) for name, h in benchmark.items()}
    parts = [f"`{name}` keys: hit ratio {benchmark[name]:.3f}, {s:.2f}× faster than no cache"
             for name, s in said.items()]
    low, high = min(said, key=said.get), max(said, key=said.get)
    return (f"In this run: {'; '.join(parts)}. The `{low}` benchmark's speedup is "
            f"{said[high] / said[low]:.1f}× smaller than what the `{high}` traffic gets.")


# --- the exercises' verdicts: True (right), None (not answered yet), or what is wrong ----------

EX1_T0, EX1_T_HIT, EX1_T_STORE = 20.0, 0.5, 1.0  # µs: the work, a hit, storing a result
EX3_MAXSIZE = 10_000  # room for 10,000 of N_USERS users, uniform keys
TOLERANCE = 1e-3  # relative: far tighter than the mistakes below (5% and more)


def _real(answer) -> bool:
    return isinstance(answer, numbers.Real) and not isinstance(answer, bool) and math.isfinite(answer)


def _near(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=TOLERANCE)


def judge_exercise_1(answer) -> bool | str | None:
    """Exercise 1: the break-even hit ratio of EX1's times, judged against break_even_hit_ratio."""
    if answer is None:
        return None
    if not _real(answer):
        return f"give h* as a number, got {answer!r}"
    t0, t_hit, t_store = EX1_T0, EX1_T_HIT, EX1_T_STORE
    if _near(answer, break_even_hit_ratio(t_hit, t0 + t_store, t0)):
        return True
    mistakes = {t_hit / t0: "a miss also pays t_store: it belongs above and below the line",
                (t_hit + t_store) / t0: "a miss pays t0 + t_store: the denominator too",
                t_hit / (t0 + t_store): "the store is paid on top of the hit: add it above the line too",
                1 - (t_hit + t_store) / (t0 + t_store): "that is 1 - h*: h* is the hit ratio itself"}
    for wrong, why in mistakes.items():
        if _near(answer, wrong):
            return why
    return "solve t_hit + (1 - h)(t0 + t_store) = t0 for h"


@functools.lru_cache(maxsize=1)
def re_compile_profile() -> tuple[np.ndarray, np.ndarray, float]:
    """The re_compile trace's sizes 1 ... distinct keys, its exact LRU miss-ratio curve there, and
    the best hit ratio any cache reaches on it (only first requests miss)."""
    trace = workloads.load("re_compile").keys
    distinct = len(np.unique(trace))
    sizes = np.arange(1, distinct + 1)
    return sizes, sim.miss_ratio_curve(trace, "lru", sizes), 1 - distinct / len(trace)


def judge_exercise_2(answer) -> bool | str | None:
    """Exercise 2: the smallest LRU maxsize reaching 99% of the best hit ratio on re_compile."""
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return f"give a maxsize as an int, got {answer!r}"
    sizes, curve, best = re_compile_profile()
    reaching = sizes[1 - curve >= 0.99 * best]
    right = int(reaching[0])
    if answer == right:
        return True
    if answer == right - 1:
        return "off by one: lru_curve[s - 1] is the miss ratio at size s"
    if answer > right and answer in reaching:
        return f"maxsize {answer} reaches 99% of the best, but a smaller one already does"
    return f"maxsize {answer} does not reach 99% of the best hit ratio ({0.99 * best:.4f})"


def judge_exercise_3(answer) -> bool | str | None:
    """Exercise 3: the long-run LRU hit ratio on uniform keys, EX3_MAXSIZE of N_USERS users."""
    if answer is None:
        return None
    if not _real(answer):
        return f"give a hit ratio as a number, got {answer!r}"
    right = EX3_MAXSIZE / N_USERS
    if _near(answer, right):
        return True
    if _near(answer, 1 - right):
        return "that is the miss ratio"
    if 0.8 * right < answer < right:
        return "a finite run includes its warm-up misses; in a long run the ratio tends to a simple fraction"
    return "under uniform keys the cache holds maxsize of n_keys equally likely keys"


# --- three real traces, and your own -----------------------------------------------------------

REAL_TRACES = ("re_compile", "typing_cache", "linecache_pydoc")
EX4_SMALL, EX4_LARGE = 1, 64  # exercise 4: the gain from growing an LRU cache from 1 to 64 entries


@dataclass(frozen=True)
class TraceShape:
    """A bundled trace's counts and its exact LRU miss-ratio curve at every size 1 ... distinct."""

    name: str
    requests: int
    distinct: int
    once: int
    top10: float  # share of the requests to the 10 most requested keys
    curve: np.ndarray = field(repr=False)  # curve[s - 1]: LRU miss ratio at size s

    @property
    def ceiling(self) -> float:
        return 1 - self.distinct / self.requests

    def hit_ratio(self, size: int) -> float:
        return float(1 - self.curve[min(size, self.distinct) - 1])


@functools.cache
def trace_shape(name: str) -> TraceShape:
    """The shape of a bundled real trace (workloads.load), its curve from one pass of stack distances."""
    keys = workloads.load(name).keys
    counts = np.sort(np.unique(keys, return_counts=True)[1])[::-1]
    curve = sim.miss_ratio_curve(keys, "lru", np.arange(1, len(counts) + 1))
    return TraceShape(name, len(keys), len(counts), int((counts == 1).sum()),
                      float(counts[:10].sum() / len(keys)), curve)


def describe_trace_shapes(shapes: list[TraceShape]) -> str:
    """One sentence per trace, from its computed shape (Markdown)."""
    return "\n".join(
        f"* **{t.name}**: {t.requests:,} requests over {t.distinct:,} keys ({t.once:,} requested once); "
        f"the top 10 keys take {t.top10:.0%}; LRU hits {t.hit_ratio(1):.3f} with 1 entry, "
        f"{t.hit_ratio(64):.3f} with 64, and no cache beats {t.ceiling:.3f}." for t in shapes)


def record_profile_cards(path: str | Path, *, n_requests: int = 10_000, alpha: float = 0.9,
                         seed: int = 0) -> Path:
    """Serve seeded Zipf requests for profile cards through an unbounded lru_cache, recorded to `path`.

    The recorder sits in front of the cache, as you would put it in front of yours: it sees every
    call; each user's first call is a miss, timed and measured."""
    path = Path(path)
    users_asked = workloads.zipf(n_keys=N_USERS, alpha=alpha, n_requests=n_requests, seed=seed)
    with record(path) as rec:
        card = rec(functools.lru_cache(maxsize=None)(profile_card))
        for user in users_asked.tolist():
            card(user)
    return path


def describe_own_report(r: analyze.Report) -> str:
    """What the report on the recorded trace says, in words, from its fields (Markdown)."""
    size = r.choice.maxsize
    return (f"The recorder saw {r.requests:,} calls for {r.distinct:,} users; {r.once:,} were asked for "
            f"once, so no cache can hit more than {r.ceiling:.3f}. Each result holds about "
            f"{r.entry_bytes:,.0f} bytes, so the budget of {r.budget_bytes / 1e6:g} MB holds "
            f"{r.choice.budget_entries:,} entries; the knee is at {r.choice.knee:,}, and the report picks "
            f"maxsize {size:,} (limited by the {r.choice.limited_by}), where LRU hits "
            f"{r.hit_ratio('lru', size):.3f}. A first call took {_us(r.miss_seconds)} on average, so caching "
            f"pays above a hit ratio of {r.break_even:.3g}. The advice: *{analyze.recommendation(r)}*")


def judge_exercise_4(answer) -> bool | str | None:
    """Exercise 4: which real trace gains the most LRU hit ratio from EX4_SMALL to EX4_LARGE entries."""
    if answer is None:
        return None
    if answer not in REAL_TRACES:
        return f"give one of {', '.join(map(repr, REAL_TRACES))}, got {answer!r}"
    gains = {name: trace_shape(name).hit_ratio(EX4_LARGE) - trace_shape(name).hit_ratio(EX4_SMALL)
             for name in REAL_TRACES}
    if answer == max(gains, key=gains.get):
        return True
    shape = trace_shape(answer)
    if shape.hit_ratio(EX4_SMALL) > 0.5:
        return (f"{answer} already hits {shape.hit_ratio(EX4_SMALL):.3f} with one entry: "
                f"it gains only {gains[answer]:.3f}; compare hit_ratio({EX4_LARGE}) - hit_ratio({EX4_SMALL})")
    return f"{answer} gains {gains[answer]:.3f}; another trace gains more: compare all three"
