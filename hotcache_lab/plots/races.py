"""Notebook 06's figures: a forced stampede, locking strategies side by side, one cache per worker.

Each draw takes axes and a result (from `hotcache_lab.lessons.thread_races` or `concurrency`) and
draws what the result carries; none computes anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from .shared import draw_curves, draw_timeline
from .style import PALETTE


def _log2_threads(ax, counts: Sequence[int], xlabel: str = "threads") -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts, [str(n) for n in counts])
    ax.set_xlabel(xlabel)


def draw_stampede(axes, result) -> None:
    """Left: the timeline of one race; right: duplicates and wall time as the threads grow.

    `result` has threads, compute_ms, n_computations, timeline (Computation records), counts,
    duplicates_by_threads and wall_ms_by_threads (`lessons.thread_races.stampede_sweep`).
    """
    left, right = axes
    draw_timeline(left, result.timeline,
                  title=f"{result.threads} threads, one key: {result.computations} computations")
    counts = result.counts
    red, blue = PALETTE["duplicates"], PALETTE["wall time"]
    right.plot(counts, result.duplicates_by_threads, "o-", color=red, label="duplicate computations")
    right.set_ylabel("duplicates", color=red)
    _log2_threads(right, counts, "threads released together")
    twin = right.twinx()
    twin.plot(counts, result.wall_ms_by_threads, "s--", color=blue, label="wall time")
    twin.set_ylabel("wall time (ms)", color=blue)
    twin.set_ylim(0, max(result.wall_ms_by_threads) * 1.3 + 1)
    twin.grid(False)
    right.set_title(f"compute time {result.compute_ms:.0f} ms")


def draw_strategy_races(axes, races: Sequence) -> None:
    """One timeline a strategy race (calls waiting in C0, the function running in C1), with a legend.

    `races` holds objects with strategy, calls and computations (`concurrency.strategies.strategy_race`).
    """
    from matplotlib.patches import Patch

    for ax, race in zip(axes, races, strict=True):
        draw_timeline(ax, race.calls + race.computations,
                      title=f"{race.strategy}: {len(race.computations)} computation(s)")
    axes[0].figure.legend(handles=[Patch(color="C0", label="a call, waiting for the value"),
                                   Patch(color="C1", label="the function running")],
                          loc="outside lower center", ncols=2)


def draw_sweep(axes, result) -> None:
    """Throughput, p99 latency and computations against threads, one curve a strategy.

    `result` has counts and panels: (title, {strategy: [one value a thread count]}) pairs
    (`lessons.thread_races.sweep_panels`).
    """
    for ax, (title, rows) in zip(axes, result.panels, strict=True):
        for i, (strategy, values) in enumerate(rows.items()):
            ax.plot(result.counts, values, "o-", color=f"C{i}", label=strategy, lw=1.6, ms=4)
        _log2_threads(ax, result.counts)
        ax.set_title(title)
    axes[0].legend(fontsize=8)


def draw_workers(axes, result) -> None:
    """Left: hit ratio against worker processes for two budgets; right: entries held and distinct keys.

    `result` has ks and the curves: hit_ratios, memory ({name: [one value a K]}), and maxsize.
    """
    left, right = axes
    draw_curves(left, result.ks, result.hit_ratios, xlabel="worker processes K", ylabel="hit ratio",
                logx=True, title="hit ratio")
    draw_curves(right, result.ks, result.memory, xlabel="worker processes K", ylabel="entries", logx=True,
                title=f"memory, {result.maxsize} per worker")
    for ax in (left, right):
        ax.set_xticks(result.ks, [str(k) for k in result.ks])
