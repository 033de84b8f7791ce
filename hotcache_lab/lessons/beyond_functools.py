"""Notebook 07 (beyond functools): what its live plots and figures compute, on real servers.

    lesson.ladder(1_000, redis=shared, memcached=mc)      # the ladder and the codecs, for plots.ladder
    lru = lesson.RedisLRUComparison(client, stream, capacity=600)
    lru.compare(5)                                          # Redis's sampled LRU vs exact and random
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import _check, sim
from ..distributed.ladder import Ladder, codec_times, make_value, measure_ladder
from ..distributed.redis_lru import redis_lru_replay
from ..measure.timing import format_seconds

__all__ = ["LadderView", "ladder", "WorkerHitRatios", "worker_hit_ratios", "RedisLRUComparison",
           "LRUComparison", "SamplesSweep", "RefreshTimelines", "refresh_timelines"]


@dataclass(frozen=True)
class LadderView:
    """A measured ladder, each rung's figure as text, and the codecs' sizes and times for the same value."""

    ladder: Ladder
    labels: list[str]
    codecs: dict[str, dict[str, float]]

    @property
    def median_us(self) -> dict[str, float]:
        return {rung.name: rung.median * 1e6 for rung in self.ladder.rungs}


def ladder(value_size: float = 1_000, codec: str = "json", *, redis: Any = None, memcached: Any = None,
           repeat: int = 3, measured: Ladder | None = None) -> LadderView:
    """The ladder for a value of `value_size` bytes (the slider's float is rounded), and codec_times.

    `redis` / `memcached`: caches to measure on (else private servers are started and stopped);
    `measured`: a Ladder already measured at this size, shown instead of measuring again.
    """
    value_size = int(_check.positive("value_size", value_size))
    if measured is None:
        measured = measure_ladder(value_size, codec=codec, redis=redis, memcached=memcached, repeat=repeat,
                                  min_time=0.002)
    elif not isinstance(measured, Ladder):
        raise TypeError(f"measured must be a Ladder from measure_ladder, got {measured!r}")
    return LadderView(measured, [format_seconds(r.median) for r in measured.rungs],
                      codec_times(make_value(value_size), repeat=repeat))


@dataclass(frozen=True)
class WorkerHitRatios:
    private: list[float]
    shared: list[float]


def worker_hit_ratios(runs: Sequence[Mapping]) -> WorkerHitRatios:
    """Each worker's hit ratio with its private cache and with the shared Redis (from measure_processes)."""
    return WorkerHitRatios([r["private_hits"] / r["requests"] for r in runs],
                           [r["shared_hits"] / r["requests"] for r in runs])


@dataclass(frozen=True)
class LRUComparison:
    """One replay on Redis against exact LRU and random eviction given the keys Redis really held."""

    samples: int
    redis: float
    exact: float
    random: float
    keys_held: int
    maxmemory: int


@dataclass(frozen=True)
class SamplesSweep:
    """Redis's hit ratio by maxmemory-samples (trace clock), one on the wall clock, exact, random."""

    hit_ratios: dict[int, float]
    wall: float
    wall_samples: int
    exact: float
    random: float
    keys_held: int


class RedisLRUComparison:
    """Replays of one stream on a private Redis (DESTRUCTIVE: it flushes it), each kept in `replays`."""

    def __init__(self, client: Any, stream: Sequence, capacity: int) -> None:
        self.client, self.stream = client, stream
        self.capacity = _check.maxsize(capacity, name="capacity")
        self.replays: dict[tuple[int, str], dict] = {}  # (samples, clock) -> the latest replay's result

    def replay(self, samples: int, clock: str = "trace") -> dict:
        self.replays[samples, clock] = redis_lru_replay(self.client, self.stream, self.capacity,
                                                        samples=samples, clock=clock)
        return self.replays[samples, clock]

    def compare(self, samples: int = 5) -> LRUComparison:
        """The slider's compute: replay at `samples`, and the exact policies at the size Redis held."""
        out = self.replay(samples)
        size = out["keys_held"]
        return LRUComparison(samples, out["hit_ratio"], sim.hit_ratio(self.stream, "lru", size),
                             sim.hit_ratio(self.stream, "rr", size), size, out["maxmemory"])

    def sweep(self, samples: Sequence[int] = (1, 5, 10), wall_samples: int = 5) -> SamplesSweep:
        """Each sample count on the trace clock (a replay already made is reused), one on the wall clock."""
        replays = {s: self.replays.get((s, "trace")) or self.replay(s) for s in samples}
        wall = self.replay(wall_samples, clock="wall")
        held = replays[wall_samples if wall_samples in replays else samples[0]]["keys_held"]
        return SamplesSweep({s: o["hit_ratio"] for s, o in replays.items()}, wall["hit_ratio"], wall_samples,
                            sim.hit_ratio(self.stream, "lru", held), sim.hit_ratio(self.stream, "rr", held),
                            held)


@dataclass(frozen=True)
class RefreshPanel:
    strategy: str
    per_expiry: float
    bars: list[tuple[int, float, float, bool, int]]  # (row, start, end, early, process)


@dataclass(frozen=True)
class RefreshTimelines:
    panels: list[RefreshPanel]
    ttl: float


def refresh_timelines(runs: Mapping[str, Any], ttl: float) -> RefreshTimelines:
    """Every computation of each strategy's run, stacked: its row is how many were running when it began."""
    panels = []
    for strategy, run in runs.items():
        bars = [(sum(1 for a, b, _, _ in run.intervals if a < start < b), start, end, early, process)
                for start, end, early, process in run.intervals]
        panels.append(RefreshPanel(strategy, run.per_expiry, bars))
    return RefreshTimelines(panels, _check.seconds("ttl", ttl))
