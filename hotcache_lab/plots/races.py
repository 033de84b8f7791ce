"""Notebook 06's figures: a forced stampede, locking strategies side by side, one cache per worker.

Each draw takes axes and a result (from `hotcache_lab.lessons.thread_races` or `concurrency`) and
draws what the result carries; none computes anything. One meaning per colour across the notebook:
a call (asking, maybe waiting) is grey, the function running is orange, duplicate computations are
red and wall time is blue (`style.PALETTE`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .style import PALETTE

CALL_COLOUR, RUNNING_COLOUR = "#c7c7c7", "#ff7f0e"

#: colour, line style and marker of each locking strategy: the two stampeding strategies (and the
#: two single-flight ones) give equal counts, so they differ in style and marker size, never hidden
STRATEGY_STYLES = {
    "lru_cache alone": ("#1f77b4", "-", "o", 8),
    "one lock around the call": ("#7f7f7f", "-", "s", 5),
    "memoize global lock": ("#8c564b", "--", "x", 7),
    "memoize per-key": ("#2ca02c", "-", "D", 8),
    "cachetools condition": ("#9467bd", ":", "+", 9),
}


def _log2_threads(ax, counts: Sequence[int], xlabel: str = "threads") -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts, [str(n) for n in counts])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)


def draw_race_timeline(ax, calls: Sequence, computations: Sequence, *, title: str) -> None:
    """One row a thread: each call as a wide grey bar (from asking to getting the value), each run
    of the function as a narrow orange bar inside it. Records have thread, start and end (seconds)."""
    names = sorted({r.thread for r in (*calls, *computations)}, key=lambda t: (len(t), t))
    row = {t: i for i, t in enumerate(names)}
    for records, height, colour in ((calls, 0.8, CALL_COLOUR), (computations, 0.4, RUNNING_COLOUR)):
        if records:
            ax.barh([row[r.thread] for r in records], [(r.end - r.start) * 1e3 for r in records],
                    left=[r.start * 1e3 for r in records], height=height, color=colour,
                    edgecolor="black", linewidth=0.4)
    every = -(-len(names) // 8)  # at most 8 row labels: a light redraw, and still readable
    ax.set_yticks(range(0, len(names), every), names[::every])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlim(left=0)
    ax.set_xlabel("time since the release (ms)")
    ax.set_title(title)


def _timeline_legend(figure) -> None:
    from matplotlib.patches import Patch

    figure.legend(handles=[Patch(color=CALL_COLOUR, label="a call: asking, waiting, answered"),
                           Patch(color=RUNNING_COLOUR, label="the function running")],
                  loc="outside lower center", ncols=2)


def draw_stampede(axes, result) -> None:
    """Left: the timeline of one race; right: duplicates and wall time as the threads grow.

    `result` has threads, compute_ms, computations, calls and timeline (Computation records),
    counts, duplicates_by_threads and wall_ms_by_threads (`lessons.thread_races.stampede_sweep`).
    """
    left, right = axes
    draw_race_timeline(left, result.calls, result.timeline,
                       title=f"{result.threads} threads, one key: {result.computations} computations")
    counts = result.counts
    red, blue = PALETTE["duplicates"], PALETTE["wall time"]
    dup, = right.plot(counts, result.duplicates_by_threads, "o-", color=red, label="duplicate computations")
    right.set_ylabel("duplicates", color=red)
    right.set_ylim(0, max(counts))
    _log2_threads(right, counts, "threads released together")
    twin = right.twinx()
    wall, = twin.plot(counts, result.wall_ms_by_threads, "s--", color=blue, label="wall time (ms)")
    twin.set_ylabel("wall time (ms)", color=blue)
    twin.set_ylim(0, max(result.wall_ms_by_threads) * 1.3 + 1)
    twin.grid(False)
    right.legend(handles=[dup, wall], loc="upper left", fontsize=8)
    right.set_title(f"compute time {result.compute_ms:.0f} ms (a sleep) + a prime")
    _timeline_legend(left.figure)


def draw_strategy_races(axes, races: Sequence) -> None:
    """One timeline a strategy race, calls grey and the function's runs orange, with a legend.

    `races` holds objects with strategy, calls and computations (`concurrency.strategies.strategy_race`).
    """
    for ax, race in zip(axes, races, strict=True):
        draw_race_timeline(ax, race.calls, race.computations,
                           title=f"{race.strategy}: {len(race.computations)} computation(s)")
    _timeline_legend(axes[0].figure)


def draw_sweep(axes, result) -> None:
    """Throughput, p99 latency and computations against threads, one curve a strategy.

    `result` has counts and panels: (title, {strategy: [one value a thread count]}) pairs
    (`lessons.thread_races.sweep_panels`). Strategies with equal counts overlap: each has its own
    line style and marker (STRATEGY_STYLES), so the one underneath still shows. Every y axis starts at 0.
    """
    for ax, (title, rows) in zip(axes, result.panels, strict=True):
        for i, (strategy, values) in enumerate(rows.items()):
            colour, line, marker, size = STRATEGY_STYLES.get(strategy, (f"C{i}", "-", "o", 6))
            ax.plot(result.counts, values, color=colour, linestyle=line, marker=marker, ms=size, lw=1.5,
                    mfc="none" if marker in "oDs" else colour, label=strategy)
        _log2_threads(ax, result.counts)
        ax.set_ylim(bottom=0)
        ax.set_title(title)
    axes[0].legend(fontsize=8)


def draw_workers(axes, result) -> None:
    """Left: hit ratio against worker processes for two budgets; right: entries held and distinct keys.

    `result` has ks and the curves: hit_ratios, memory ({name: [one value a K]}), and maxsize. The
    curves meet at K = 1, so each has its own line style and marker; both y axes start at 0.
    """
    styles = (("#1f77b4", "-", "o"), ("#ff7f0e", "--", "s"))
    panels = ((axes[0], result.hit_ratios, "hit ratio", "hit ratio"),
              (axes[1], result.memory, "entries", f"memory, {result.maxsize} per worker"))
    for ax, curves, ylabel, title in panels:
        for (colour, line, marker), (name, values) in zip(styles, curves.items(), strict=True):
            ax.plot(result.ks, values, color=colour, linestyle=line, marker=marker, lw=1.6, label=name,
                    ms=7 if line == "-" else 4, mfc="none" if line == "-" else colour)
        _log2_threads(ax, result.ks, "worker processes K")
        ax.set_ylim(0, (1.0 if ylabel == "hit ratio" else max(max(v) for v in curves.values()) * 1.1))
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(fontsize=8)
