"""Notebook 06 (thread races): what its live plots and figures compute, the helpers its cells use, and
the verdicts of its exercises' self-checks.

    lesson.stampede_sweep(threads=8, compute_ms=40)    # for plots.races.draw_stampede
    lesson.judge_exercise_1((33, 0))                                 # True: what the self-check prints
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import _check
from ..concurrency.stampede import Stampede, stampede, thread_counts_up_to
from ..concurrency.strategies import RunReport, expected_duplicates, table
from ..measure import MEASURED
from ..sim import hit_ratio
from ..sim.workers import hit_ratio_by_workers, per_worker
from .exercises import check, is_right

__all__ = ["entries", "forced_race", "StampedeSweep", "stampede_sweep", "SweepPanels", "sweep_panels",
           "whole_call_cap", "sweep_sentence", "WorkerCurves", "worker_curves", "judge_exercise_1",
           "self_check_1", "judge_exercise_2", "self_check_2",
           "observe_exercise_3", "judge_exercise_3", "self_check_3", "EXERCISE_3_RIGHT"]


def entries(n: int) -> str:
    """'1 entry', '2 entries': how many cache entries, in words."""
    return f"{n} entr{'y' if n == 1 else 'ies'}"


@functools.cache
def forced_race(threads: int, compute_ms: float) -> Stampede:
    """One forced stampede on a real lru_cache, run once per (threads, compute_ms) in this process:
    the counts are the same every run, the timings are those of the first run, shown again when a
    slider comes back to these values (a live plot must answer at once)."""
    return stampede(_check.integer("threads", threads), compute_ms)


@dataclass
class StampedeSweep:
    """One forced race at `threads` threads, and duplicates and wall time for 1, 2, 4, ... threads."""

    threads: int
    compute_ms: float
    computations: int  # in the race at `threads` threads
    duplicates: int
    counts: list[int]  # the thread counts of the sweep
    duplicates_by_threads: list[int]
    wall_ms: float = field(metadata=MEASURED)
    wall_ms_by_threads: list[float] = field(metadata=MEASURED)
    timeline: list = field(repr=False, metadata=MEASURED)  # the race's Computation records (runs)
    calls: list = field(repr=False, metadata=MEASURED)  # and its calls, from asking to the answer

    def counted(self) -> dict:
        """The figures that are the same every run (timings are not)."""
        return {"threads": self.threads, "computations": self.computations, "duplicates": self.duplicates,
                "counts": self.counts, "duplicates_by_threads": self.duplicates_by_threads}


def stampede_sweep(threads: int = 8, compute_ms: float = 40.0) -> StampedeSweep:
    """The live plot of part 3: a forced stampede at `threads` threads, then at 1, 2, 4, ... threads."""
    threads = _check.integer("threads", threads)
    counts = thread_counts_up_to(threads)
    runs = [forced_race(n, compute_ms) for n in counts]
    race = runs[-1]
    return StampedeSweep(threads=threads, compute_ms=compute_ms, computations=race.n_computations,
                         duplicates=race.duplicates, counts=counts,
                         duplicates_by_threads=[r.duplicates for r in runs], wall_ms=race.wall * 1e3,
                         wall_ms_by_threads=[r.wall * 1e3 for r in runs], timeline=race.computations,
                         calls=race.calls)


@dataclass
class SweepPanels:
    """What `plots.races.draw_sweep` draws: per panel, one list of values a strategy, by thread count."""

    counts: list[int]
    panels: list[tuple[str, dict[str, list]]]


def sweep_panels(reports: Sequence[RunReport], counts: Sequence[int]) -> SweepPanels:
    """Throughput, p99 latency and computations of a `strategies.sweep`, arranged for drawing."""
    values: list[tuple[str, Callable[[RunReport], float]]] = [
        ("throughput (calls/s)", lambda r: r.throughput), ("p99 latency (ms)", lambda r: r.p99 * 1e3),
        ("computations (backend load)", lambda r: r.computations)]
    panels = [(title, {s: [row[n] for n in counts] for s, row in table(reports, value).items()})
              for title, value in values]
    return SweepPanels(list(counts), panels)


def whole_call_cap(report: RunReport, delay: float) -> float:
    """The most calls per second a lock around the whole call can serve: its computations run one at
    a time and each sleeps `delay` seconds, so the run lasts at least computations x delay."""
    return report.calls / (report.computations * _check.seconds("delay", delay))


def sweep_sentence(reports: Sequence[RunReport]) -> str:
    """What this run of the sweep measured, in one paragraph of Markdown (timings vary run to run)."""
    runs = {(r.strategy, r.n_threads): r for r in reports}
    low, high = min(r.n_threads for r in reports), max(r.n_threads for r in reports)

    def thr(strategy: str, n: int) -> float:
        return runs[strategy, n].throughput

    locked, alone = "one lock around the call", "lru_cache alone"
    return (
        f"*Measured in this run:* with **one lock around the call**, throughput went from "
        f"{thr(locked, low):.0f} to {thr(locked, high):.0f} calls/s between {low} and {high} threads "
        f"({thr(locked, high) / thr(locked, low) - 1:+.0%}), and p99 latency from "
        f"{runs[locked, low].p99 * 1e3:.0f} to {runs[locked, high].p99 * 1e3:.0f} ms; "
        f"**`lru_cache` alone** went from {thr(alone, low):.0f} to {thr(alone, high):.0f} calls/s "
        f"({thr(alone, high) / thr(alone, low):.1f}x). At {high} threads: **memoize per-key** "
        f"{thr('memoize per-key', high):.0f} calls/s, **cachetools condition** "
        f"{thr('cachetools condition', high):.0f}, **memoize global lock** "
        f"{thr('memoize global lock', high):.0f}.")


@dataclass
class WorkerCurves:
    """Hit ratio and memory against K worker processes, for `plots.races.draw_workers`."""

    ks: list[int]
    maxsize: int
    per_worker: list[dict]  # hit_ratio_by_workers rows, budget "per-worker"
    split: list[dict]  # the same, budget "total"
    hit_ratios: dict[str, list[float]]
    memory: dict[str, list[int]]


def worker_curves(stream: Sequence, ks: Sequence[int], maxsize: int = 200) -> WorkerCurves:
    """K workers with `maxsize` entries each, and with `maxsize` entries split between them."""
    per_worker_rows = hit_ratio_by_workers(stream, ks, maxsize=maxsize, budget="per-worker")
    split = hit_ratio_by_workers(stream, ks, maxsize=maxsize, budget="total")
    return WorkerCurves(
        list(ks), maxsize, per_worker_rows, split,
        hit_ratios={f"{maxsize} entries per worker": [r["hit_ratio"] for r in per_worker_rows],
                    f"{maxsize} entries split over K": [r["hit_ratio"] for r in split]},
        memory={"entries held (all workers)": [r["entries_held"] for r in per_worker_rows],
                "distinct keys among them": [r["distinct_entries"] for r in per_worker_rows]})


# --- the exercises' verdicts: the self-check cells print them, tests/lessons/test_selfchecks_06.py tests them


def _pair(answer: Any) -> Any:
    """A two-item list or tuple as a tuple (anything else unchanged), so [33, 0] reads as (33, 0)."""
    return tuple(answer) if isinstance(answer, (list, tuple)) and len(answer) == 2 else answer


def _exercise_1_expected() -> tuple[int, int]:
    return (expected_duplicates("memoize global lock", 12, 3), expected_duplicates("memoize per-key", 12, 3))


def judge_exercise_1(answer: Any) -> bool:
    """Exercise 1: duplicates of (lock="global", lock="per-key") with 12 threads and 3 rounds."""
    return is_right(_pair(answer), _exercise_1_expected())


def self_check_1(answer: Any) -> None:
    check("Exercise 1", _pair(answer), _exercise_1_expected(),
          hint="each round has one hot key asked by all threads at once; how many of them compute it?")


def _rounded(answer: Any) -> Any:
    """Two numbers rounded to 2 decimals, as the exercise asks (anything else unchanged)."""
    pair = _pair(answer)
    if isinstance(pair, tuple) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pair):
        return tuple(round(float(x), 2) for x in pair)
    return pair


def _exercise_2_expected(stream: Sequence) -> tuple[float, float]:
    one = hit_ratio(stream, "lru", 400)
    eight = sum(w["hits"] for w in per_worker(stream, 8, 50)) / len(stream)
    return (round(one, 2), round(eight, 2))


def judge_exercise_2(answer: Any, stream: Sequence) -> bool:
    """Exercise 2: hit ratios (1 process x 400 entries, 8 workers x 50) of `stream`, to 2 decimals."""
    return is_right(_rounded(answer), _exercise_2_expected(stream))


def self_check_2(answer: Any, stream: Sequence) -> None:
    check("Exercise 2", _rounded(answer), _exercise_2_expected(stream),
          hint="workers.hit_ratio_by_workers(stream, (1, 8), maxsize=400, budget='total')")


EXERCISE_3_CALLERS = 10  # concurrent callers for each of two users
EXERCISE_3_RIGHT = (f"2 runs for {2 * EXERCISE_3_CALLERS} concurrent callers of 2 users, and a later "
                    "await answered from the cache")
_exercise_3_users = itertools.count(1_000_001)  # user ids no earlier check has cached


async def observe_exercise_3(answer: Any, runs: Callable[[], int], timeout: float = 5.0) -> str:
    """Call a cached `fetch_user` as the exercise says and tell what happened.

    Two users never asked before, `EXERCISE_3_CALLERS` concurrent callers each (`asyncio.gather`),
    then one more await of the first user once they are done. `runs()` counts the runs of the
    underlying coroutine function. `EXERCISE_3_RIGHT` when it ran once per user and every caller,
    the later one included, got its user's dict; else what went wrong (a cached coroutine object
    passes the gather, where one object asked for ten times is awaited once, and fails the later await).
    """
    if not callable(answer):
        return f"not a function: {answer!r}"
    users = (next(_exercise_3_users), next(_exercise_3_users))
    wanted = [u for u in users for _ in range(EXERCISE_3_CALLERS)]
    before = runs()
    try:
        got = await asyncio.wait_for(asyncio.gather(*(answer(u) for u in wanted)), timeout)
        ids = [r.get("id") if isinstance(r, dict) else r for r in got]
        if ids != wanted:
            return f"wrong values: the callers got {ids}"
        concurrent = runs() - before
        if concurrent != len(users):
            return f"{concurrent} runs for {len(wanted)} concurrent callers of 2 users"
        later = await asyncio.wait_for(answer(users[0]), timeout)
    except TimeoutError:  # asyncio's is the builtin from 3.11
        return f"the calls did not finish within {timeout:g} s"
    except Exception as error:  # e.g. awaiting a cached coroutine twice: reported, not raised
        return f"{type(error).__name__}: {error}"
    if not (isinstance(later, dict) and later.get("id") == users[0]):
        return f"a later await got {later!r}"
    if runs() - before != len(users):
        return "a later await ran fetch_user again: the result was not kept"
    return EXERCISE_3_RIGHT


async def judge_exercise_3(answer: Any, runs: Callable[[], int]) -> bool:
    """Exercise 3: a cached fetch_user that runs once per user, for concurrent and later callers."""
    return is_right(await observe_exercise_3(answer, runs), EXERCISE_3_RIGHT)


async def self_check_3(answer: Any, runs: Callable[[], int]) -> None:
    observed = None if answer is None else await observe_exercise_3(answer, runs)
    check("Exercise 3", observed, EXERCISE_3_RIGHT,
          hint="lru_cache caches the coroutine object, which can be awaited once; cache a Task per key")
