"""Notebook 07 (beyond functools): what its live plots and figures compute, on real servers, and the
verdicts of its exercises.

    lesson.ladder(1_000, redis=shared, memcached=mc)      # the ladder and the codecs, for plots.ladder
    lru = lesson.RedisLRUComparison(client, stream, capacity=600)
    lru.compare(5)                                          # Redis's sampled LRU vs exact and random
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _check, sim
from ..distributed.ladder import Ladder, codec_times, make_value, measure_ladder
from ..distributed.redis_lru import redis_lru_replay
from ..measure import MEASURED
from ..measure.timing import format_seconds
from ..sim.workers import split_stream

__all__ = ["LadderView", "ladder", "VALUE_SIZES", "ladder_ratios", "WorkerHitRatios", "worker_hit_ratios",
           "RedisLRUComparison", "SAMPLES", "LRUComparison", "SamplesSweep", "RefreshTimelines",
           "refresh_timelines", "private_computations", "judge_exercise_1", "judge_exercise_2"]

#: the value sizes (bytes) the ladder's slider offers: few enough to measure each once, ahead
VALUE_SIZES = (1_000, 10_000, 100_000)


@dataclass(frozen=True)
class LadderView:
    """A measured ladder, each rung's figure as text, and the codecs' sizes and times for the same value.

    Every field holds a real measurement (no second run repeats it to the nanosecond): MEASURED.
    """

    ladder: Ladder = field(metadata=MEASURED)
    labels: list[str] = field(metadata=MEASURED)
    codecs: dict[str, dict[str, float]] = field(metadata=MEASURED)

    @property
    def median_us(self) -> dict[str, float]:
        return {rung.name: rung.median * 1e6 for rung in self.ladder.rungs}


def ladder(value_size: float = 1_000, codec: str = "json", *, redis: Any = None, memcached: Any = None,
           repeat: int = 3, measured: Ladder | None = None) -> LadderView:
    """The ladder for a value of `value_size` bytes (the slider's float is rounded), and codec_times.

    `redis` / `memcached`: caches to measure on (else, or once they are closed, private servers are started
    and stopped);
    `measured`: a Ladder already measured at this size, shown instead of measuring again.
    """
    value_size = int(_check.positive("value_size", value_size))
    redis, memcached = (None if getattr(c, "closed", False) else c for c in (redis, memcached))
    if measured is None:
        measured = measure_ladder(value_size, codec=codec, redis=redis, memcached=memcached, repeat=repeat,
                                  min_time=0.002)
    elif not isinstance(measured, Ladder):
        raise TypeError(f"measured must be a Ladder from measure_ladder, got {measured!r}")
    return LadderView(measured, [format_seconds(r.median) for r in measured.rungs],
                      codec_times(make_value(value_size), repeat=repeat))


def ladder_ratios(measured: Ladder) -> dict[str, float]:
    """How many times the ladder's first rung (the cheapest hit) each rung costs, in ladder order."""
    base = measured.rungs[0].median
    return {rung.name: rung.median / base for rung in measured.rungs}


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


#: the maxmemory-samples settings the notebook replays (once each) and its slider offers
SAMPLES = (1, 3, 5, 10)


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
        """The slider's compute: the replay at `samples` (made now, or the one already made: the same
        seeded stream and setting), and the exact policies at the size Redis held."""
        out = self.replays.get((samples, "trace")) or self.replay(samples)
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


# --- the exercises' verdicts: True (right), None (not answered yet), or what is wrong ----------

def private_computations(stream: Sequence, workers: int) -> int:
    """Computations when `stream` is dealt round robin to `workers` private unbounded caches."""
    return sum(len(np.unique(part)) for part in split_stream(stream, workers))


def judge_exercise_1(answer: Any, stream: Sequence) -> bool | str | None:
    """Exercise 1: computations (misses) of 4 private unbounded caches over a round-robin split."""
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return f"give the number of computations as an int, got {answer!r}"
    right = private_computations(stream, 4)
    if answer == right:
        return True
    if answer == len(np.unique(stream)):
        return "that is one shared cache: each of the 4 private caches misses every key it sees once"
    if answer == private_computations(stream, 3):
        return "that is 3 workers, as in section 3.2: deal the stream to 4"
    if answer == len(stream) - right:
        return "that counts hits: count the misses"
    return "for each worker's share, count its distinct keys, then add the 4 counts up"


CART_TTL_MS = 2_000


def judge_exercise_2(answer: Any, ttl_ms: int = CART_TTL_MS) -> bool | str | None:
    """Exercise 2: what PTTL returned right after storing cart:42 with a 2-second TTL in milliseconds.

    PTTL only falls with time, so a right answer is at most `ttl_ms` and (allowing a second between the
    SET and the PTTL) above half of it; the unit mistakes are a thousand times off.
    """
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return f"give what lab_client.pttl('cart:42') returns (an int of milliseconds), got {answer!r}"
    if answer == -2:
        return "PTTL -2: no such key (not stored yet, or it already expired): SET it, then read PTTL at once"
    if answer == -1:
        return "PTTL -1: the key has no TTL: pass px= to SET"
    if ttl_ms / 2 < answer <= ttl_ms:
        return True
    if answer > ttl_ms:
        return (f"{answer:,} ms is longer than {ttl_ms:,} ms: px= counts milliseconds and ex= seconds; "
                f"2 s is px={ttl_ms:_} (or ex=2)")
    if answer <= ttl_ms // 1_000:
        return ("2 ms or 2 s? px=2 stores a 2-millisecond TTL, and lab_client.ttl() answers in seconds: "
                f"store with px={ttl_ms:_}, read with pttl")
    return "read PTTL right after the SET, in the same cell: the TTL counts down"

