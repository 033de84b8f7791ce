"""Notebook 06 (thread races): what its live plots and figures compute, and the helpers its cells use.

    lesson.stampede_sweep(threads=8, compute_ms=40)    # for plots.races.draw_stampede
    lesson.backend_load(rate=100, recompute=0.2, ttl=10, beta=1.0)   # for plots.expiry.draw_backend_load
    lesson.expiry_burst("expire", 10.05, single_flight=False)        # 16 real threads at one expiry
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import _check
from ..concurrency import races
from ..concurrency.stampede import stampede, thread_counts_up_to
from ..concurrency.strategies import RunReport, table
from ..expiry import hotkey_sim
from ..expiry.refresh import RefreshStats, ttl_memoize
from ..sim.workers import hit_ratio_by_workers

__all__ = ["entries", "StampedeSweep", "stampede_sweep", "SweepPanels", "sweep_panels", "WorkerCurves",
           "worker_curves", "BackendLoad", "backend_load", "CALLERS", "expiry_burst"]


def entries(n: int) -> str:
    """'1 entry', '2 entries': how many cache entries, in words."""
    return f"{n} entr{'y' if n == 1 else 'ies'}"


@dataclass
class StampedeSweep:
    """One forced race at `threads` threads, and duplicates and wall time for 1, 2, 4, ... threads."""

    threads: int
    compute_ms: float
    computations: int  # in the race at `threads` threads
    duplicates: int
    wall_ms: float
    counts: list[int]  # the thread counts of the sweep
    duplicates_by_threads: list[int]
    wall_ms_by_threads: list[float]
    timeline: list = field(repr=False)  # the race's Computation records

    def counted(self) -> dict:
        """The figures that are the same every run (timings are not)."""
        return {"threads": self.threads, "computations": self.computations, "duplicates": self.duplicates,
                "counts": self.counts, "duplicates_by_threads": self.duplicates_by_threads}


def stampede_sweep(threads: int = 8, compute_ms: float = 40.0) -> StampedeSweep:
    """The live plot of part 3: a forced stampede at `threads` threads, then at 1, 2, 4, ... threads."""
    threads = _check.integer("threads", threads)
    race = stampede(threads, compute_ms)
    counts = thread_counts_up_to(threads)
    runs = [race if n == threads else stampede(n, compute_ms) for n in counts]
    return StampedeSweep(threads=threads, compute_ms=compute_ms, computations=race.n_computations,
                         duplicates=race.duplicates, wall_ms=race.wall * 1e3, counts=counts,
                         duplicates_by_threads=[r.duplicates for r in runs],
                         wall_ms_by_threads=[r.wall * 1e3 for r in runs], timeline=race.computations)


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
    per_worker = hit_ratio_by_workers(stream, ks, maxsize=maxsize, budget="per-worker")
    split = hit_ratio_by_workers(stream, ks, maxsize=maxsize, budget="total")
    return WorkerCurves(
        list(ks), maxsize, per_worker, split,
        hit_ratios={f"{maxsize} entries per worker": [r["hit_ratio"] for r in per_worker],
                    f"{maxsize} entries split over K": [r["hit_ratio"] for r in split]},
        memory={"entries held (all workers)": [r["entries_held"] for r in per_worker],
                "distinct keys among them": [r["distinct_entries"] for r in per_worker]})


@dataclass
class BackendLoad:
    """A hot key's recomputations at once over time, per strategy, for `plots.expiry.draw_backend_load`."""

    curves: dict[str, tuple[list[float], list[int]]]
    per_expiry: dict[str, float]
    peak: dict[str, int]
    top: int  # the highest peak: one y scale for every panel
    title: str
    summaries: dict[str, dict]


def backend_load(rate: float = 100.0, recompute: float = 0.2, ttl: float = 10.0, beta: float = 1.0,
                 periods: int = 3, seed: int = 0) -> BackendLoad:
    """The same traffic through every configuration of `hotkey_sim.CONFIGS` (the sliders' values)."""
    runs = hotkey_sim.compare(rate=rate, recompute=recompute, ttl=ttl, beta=beta, periods=periods, seed=seed)
    return BackendLoad(
        curves={label: run.load_curve() for label, run in runs.items()},
        per_expiry={label: run.per_expiry for label, run in runs.items()},
        peak={label: run.peak_load for label, run in runs.items()},
        top=max(run.peak_load for run in runs.values()),
        title=f"a hot key at {rate:g} req/s, recompute {recompute:g} s, TTL {ttl:g} s, beta {beta:g}",
        summaries={label: run.summary() for label, run in runs.items()})


CALLERS = 16  # threads that ask for the expired price at one instant


def expiry_burst(strategy: str, at: float, *, callers: int = CALLERS,
                 **options) -> tuple[RefreshStats, races.RaceResult]:
    """`callers` threads ask a `ttl_memoize`d price (TTL 10 s) at fake-clock time `at`, all at once.

    The warm value is computed at 0 and "takes" 0.05 s of the fake clock (delta = 0.05, stored at
    0.05, expiring at 10.05). Each later computation holds until every caller has asked, then
    sleeps 20 ms (the database). Returns the wrapper's stats and the race.
    """
    callers = _check.integer("callers", callers)
    now = [0.0]
    warming = [True]

    @ttl_memoize(10.0, strategy, clock=lambda: now[0], **options)
    def load_price(sku):
        if warming[0]:
            now[0] += 0.05  # the first computation "takes" 0.05 s of the fake clock: delta = 0.05
            return "price v0"
        deadline = time.monotonic() + 10
        while load_price.stats().calls < 1 + callers and time.monotonic() < deadline:
            time.sleep(0.001)  # hold until every caller has asked
        time.sleep(0.02)  # the database
        return "price v1"

    load_price("sku-42")
    warming[0] = False
    now[0] = at
    burst = races.run_together(lambda: load_price("sku-42"), callers)
    burst.raise_first("a caller failed")
    return load_price.stats(), burst
