"""Notebook 03 (cache management): the simulated news API, its live plot, its exercises' verdicts.

    ts, keys = lesson.news_stream(40_000)                 # arrival times and article ids
    lesson.run_all(maxsize=1000, ttl=60, clear_every=60)  # for plots.service.draw_management

The service: half the requests ask for evergreen articles (Zipf over 5,000), half for news (a hot
set of 300 that moves on, over 50,000 more), arriving in flash crowds every two minutes, with a
minute of silence at 400 s; every article is edited every two minutes on average.

Every run of the news service goes through `run(strategy, **params)`, kept per setting: the live
plot's stops, the table, the frontier and the exercises share the runs instead of replaying again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _check, workloads
from ..sim.service import FRESH, MISS, STALE, FrontierPoint, ServiceResult, simulate_service

__all__ = ["SEED", "QUIET_START", "QUIET_LENGTH", "N_EVERGREEN", "N_NEWS", "KEY_SPACE", "MAXSIZES", "TIMES",
           "TTL_MAXSIZE", "news_stream", "NewsService", "news_service", "run", "unbounded_run",
           "ManagementRuns", "run_all", "frontier", "OneArticle", "one_article", "judge_exercise_1",
           "judge_exercise_2", "judge_exercise_3"]

SEED = 0
QUIET_START, QUIET_LENGTH = 400.0, 60.0
N_EVERGREEN, N_NEWS = 5_000, 50_000
KEY_SPACE = N_EVERGREEN + N_NEWS  # every article the origin holds: no cache can hold more
MAXSIZES = (250, 500, 1000, 2000, 4000, 8000)  # the live plot's maxsize stops (and the frontier's)
TIMES = (10.0, 30.0, 60.0, 120.0, 300.0)  # its ttl and clear-every stops, in seconds
TTL_MAXSIZE = 1000  # the live plot's ttl+maxsize keeps this maxsize and follows the ttl slider


def news_stream(n_requests: int, rate_scale: float = 1.0, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times and article ids of the simulated news API (`rate_scale` times the traffic)."""
    arrivals = workloads.bursts(n_keys=1, n_requests=n_requests, base_rate=50 * rate_scale,
                                burst_rate=300 * rate_scale, burst_every=120.0, burst_length=15.0,
                                seed=seed + 4).timestamps
    ts = arrivals + QUIET_LENGTH * (arrivals >= QUIET_START)  # a minute without traffic at 400 s
    evergreen = workloads.zipf(n_keys=N_EVERGREEN, alpha=0.9, n_requests=n_requests, seed=seed + 1)
    news = N_EVERGREEN + workloads.shifting_hotset(n_keys=N_NEWS, hot_size=300,
                                                   period=int(2_000 * rate_scale), n_requests=n_requests,
                                                   hot_fraction=0.8, seed=seed + 2)
    return ts, workloads.mix([(evergreen, 0.5), (news, 0.5)], n_requests, seed=seed + 3)


@dataclass(frozen=True, eq=False)
class NewsService:
    """The notebook's run: requests, the origin's edits, and what every simulation of it shares."""

    ts: np.ndarray
    keys: np.ndarray
    changes: workloads.Changes
    duration: float
    quiet: tuple[float, float]

    @property
    def common(self) -> dict:
        """The keyword arguments every `simulate_service` call of the notebook passes."""
        return {"changes": self.changes, "duration": self.duration, "bucket_seconds": 5.0}


@functools.cache
def news_service(n_requests: int = 40_000) -> NewsService:
    ts, keys = news_stream(n_requests)
    duration = float(np.ceil(ts[-1] / 10) * 10)
    changes = workloads.random_changes(KEY_SPACE, duration, change_every=120.0, seed=SEED + 5)
    return NewsService(ts, keys, changes, duration, (QUIET_START, QUIET_START + QUIET_LENGTH))


def run(strategy: str, **params: Any) -> ServiceResult:
    """One strategy on the news service (`simulate_service`), replayed once per setting."""
    return _run(strategy, tuple(sorted((k, _number(k, v)) for k, v in params.items())))


def _number(name: str, value: Any) -> Any:
    """Settings that compare equal share a run: 60 and 60.0 seconds are one run, not two."""
    if name == "maxsize":
        return _check.maxsize(value)
    return _check.seconds(name, value)


@functools.cache
def _run(strategy: str, params: tuple) -> ServiceResult:
    news = news_service()
    return simulate_service(news.ts, news.keys, strategy, **dict(params), **news.common)


def unbounded_run() -> ServiceResult:
    """The unbounded cache has no knob: it runs once."""
    return run("unbounded")


@dataclass(frozen=True, eq=False)
class ManagementRuns:
    """The five strategies on the same requests and edits, by name, and the quiet window."""

    runs: dict[str, ServiceResult]
    quiet: tuple[float, float]

    def summary(self) -> dict:
        return {name: r.summary() for name, r in self.runs.items()}


def run_all(maxsize: int, ttl: float, clear_every: float, ttl_maxsize: int = TTL_MAXSIZE) -> ManagementRuns:
    """unbounded, lru(maxsize), ttl(ttl), ttl(ttl, ttl_maxsize) and clear(clear_every) on the news service."""
    return ManagementRuns({
        "unbounded": unbounded_run(),
        "lru": run("lru", maxsize=maxsize),
        "ttl": run("ttl", ttl=ttl),
        "ttl+maxsize": run("ttl", ttl=ttl, maxsize=ttl_maxsize),
        "clear": run("clear", clear_every=clear_every),
    }, news_service().quiet)


def frontier() -> list[FrontierPoint]:
    """Every setting of the live plot's stops, plus ttl+maxsize at the default maxsize: one point each."""
    settings = ([("unbounded", {})] + [("lru", {"maxsize": m}) for m in MAXSIZES]
                + [("ttl", {"ttl": t}) for t in TIMES]
                + [("ttl", {"ttl": t, "maxsize": TTL_MAXSIZE}) for t in TIMES]
                + [("clear", {"clear_every": t}) for t in TIMES])
    return [FrontierPoint.of(run(strategy, **params)) for strategy, params in settings]


@dataclass(frozen=True, eq=False)
class OneArticle:
    """One article requested about every 5 s for five minutes, edited four times, under three strategies."""

    ts: np.ndarray
    edits: list[float]
    duration: float
    runs: dict[str, ServiceResult]
    outcomes: dict[str, int]  # "miss", "fresh", "stale" -> the code in each run's log["outcome"]


def one_article() -> OneArticle:
    """The notebook's first picture: unbounded, ttl(30 s) and clear(every 60 s) on one key, logged."""
    ts = workloads.arrivals(60, 300.0, seed=SEED)
    edits = [50.0, 130.0, 170.0, 260.0]
    common = dict(change_times=edits, change_keys=[0] * len(edits), duration=300.0, record=True)
    keys = np.zeros(len(ts), dtype=np.int64)
    runs = {name: simulate_service(ts, keys, strategy, **params, **common)
            for name, strategy, params in [("unbounded", "unbounded", {}), ("ttl", "ttl", {"ttl": 30.0}),
                                           ("clear", "clear", {"clear_every": 60.0})]}
    return OneArticle(ts, edits, 300.0, runs, {"miss": MISS, "fresh": FRESH, "stale": STALE})


# --- the exercises' verdicts: None until answered, True when right, else what is wrong ---------
# (the notebook prints them with `exercises.check(label, verdict, True)`)

MAX_AGE, EX1_HITS, EX2_ENTRIES, EX2_HITS = 60.0, 0.60, 1_500, 0.59


def judge_exercise_1(ttl: Any) -> bool | str | None:
    """A ttl (no maxsize) under which nothing served is older than 60 s and the hit ratio is >= 0.60."""
    if ttl is None:
        return None
    if not _is_seconds(ttl):
        return f"a ttl is a positive number of seconds, not {ttl!r}"
    return _within(run("ttl", ttl=ttl), hits=EX1_HITS)


def judge_exercise_2(settings: Any) -> bool | str | None:
    """{"maxsize": ..., "ttl": ...} holding at most 1,500 entries, nothing older than 60 s, hits >= 0.59."""
    if settings is None:
        return None
    if not (isinstance(settings, dict) and set(settings) == {"maxsize", "ttl"}):
        return f'give a dict {{"maxsize": ..., "ttl": ...}}, not {settings!r}'
    if not (_is_seconds(settings["ttl"]) and _is_count(settings["maxsize"])):
        return "maxsize is a whole number of entries, ttl a positive number of seconds"
    return _within(run("ttl", **settings), hits=EX2_HITS, entries=EX2_ENTRIES)


def _within(r: ServiceResult, *, hits: float, entries: int | None = None) -> bool | str:
    if entries is not None and r.peak_entries > entries:
        return f"{r.label} holds up to {r.peak_entries:,} entries: over {entries:,}"
    if r.max_age > MAX_AGE:
        return f"{r.label} serves a value {r.max_age:.1f} s old: older than {MAX_AGE:g} s"
    if r.hit_ratio < hits:
        return f"{r.label} has a hit ratio of {r.hit_ratio:.3f}: under {hits:.2f}"
    return True


def judge_exercise_3(answer: Any, which: str, period: float = 60.0) -> bool | str | None:
    """"ttl" or "clear": which of ttl(period) and clear(period) has `which` ("fewer stale", "more hits")."""
    if answer is None:
        return None
    if answer not in ("ttl", "clear"):
        return f'answer "ttl" or "clear", not {answer!r}'
    ttl, clear = run("ttl", ttl=period), run("clear", clear_every=period)
    if which == "fewer stale":
        right = "clear" if clear.stale_reads < ttl.stale_reads else "ttl"
    elif which == "more hits":
        right = "ttl" if ttl.hit_ratio > clear.hit_ratio else "clear"
    else:
        raise ValueError(f"which must be 'fewer stale' or 'more hits', got {which!r}")
    return True if answer == right else f"the runs at {period:g} s say otherwise"


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_seconds(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")
