"""Notebook 03 (cache management): the simulated news API and what its live plot computes.

    ts, keys = lesson.news_stream(40_000)                 # arrival times and article ids
    lesson.run_all(maxsize=1000, ttl=60, clear_every=60)  # for plots.service.draw_management

The service: half the requests ask for evergreen articles (Zipf over 5,000), half for news (a hot
set of 300 that moves on, over 50,000 more), arriving in flash crowds every two minutes, with a
minute of silence at 400 s; every article is edited every two minutes on average.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import workloads
from ..sim.service import ServiceResult, simulate_service

__all__ = ["SEED", "QUIET_START", "QUIET_LENGTH", "N_EVERGREEN", "N_NEWS", "news_stream", "NewsService",
           "news_service", "unbounded_run", "ManagementRuns", "run_all"]

SEED = 0
QUIET_START, QUIET_LENGTH = 400.0, 60.0
N_EVERGREEN, N_NEWS = 5_000, 50_000


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
    changes = workloads.random_changes(N_EVERGREEN + N_NEWS, duration, change_every=120.0, seed=SEED + 5)
    return NewsService(ts, keys, changes, duration, (QUIET_START, QUIET_START + QUIET_LENGTH))


@functools.cache
def unbounded_run() -> ServiceResult:
    """The unbounded cache has no knob: it runs once."""
    news = news_service()
    return simulate_service(news.ts, news.keys, "unbounded", **news.common)


@dataclass(frozen=True, eq=False)
class ManagementRuns:
    """The five strategies on the same requests and edits, by name, and the quiet window."""

    runs: dict[str, ServiceResult]
    quiet: tuple[float, float]

    def summary(self) -> dict:
        return {name: r.summary() for name, r in self.runs.items()}


def run_all(maxsize: int, ttl: float, clear_every: float) -> ManagementRuns:
    """unbounded, lru(maxsize), ttl(ttl), ttl(ttl, maxsize) and clear(clear_every) on the news service."""
    news = news_service()
    ts, keys, common = news.ts, news.keys, news.common
    return ManagementRuns({
        "unbounded": unbounded_run(),
        "lru": simulate_service(ts, keys, "lru", maxsize=maxsize, **common),
        "ttl": simulate_service(ts, keys, "ttl", ttl=ttl, **common),
        "ttl+maxsize": simulate_service(ts, keys, "ttl", ttl=ttl, maxsize=maxsize, **common),
        "clear": simulate_service(ts, keys, "clear", clear_every=clear_every, **common),
    }, news.quiet)
