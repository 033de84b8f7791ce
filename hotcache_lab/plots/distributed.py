"""Notebook 07's figures: workers sharing one Redis, Redis's sampled LRU, a hot key's refreshes."""

from __future__ import annotations

import numpy as np

from .style import PALETTE

REDIS_RED, EXACT_BLUE, RANDOM_PURPLE = "#d62728", PALETTE["lru"], PALETTE["rr"]  # random eviction is "rr"


def draw_worker_hit_ratios(ax, result) -> None:
    """Each worker's hit ratio with a private cache and with the shared Redis (.private, .shared).

    The private caches are unbounded: the palette's "unbounded" colour; Redis keeps its red."""
    x = np.arange(len(result.private))
    ax.bar(x - 0.2, result.private, width=0.4, color=PALETTE["unbounded"],
           label="private cache in each process")
    ax.bar(x + 0.2, result.shared, width=0.4, color=REDIS_RED, label="one Redis shared by all")
    ax.set_xticks(x, [f"worker {i}" for i in x])
    ax.set_ylabel("hit ratio")
    ax.set_ylim(0, 1.15)
    ax.set_title(f"the same stream, split over {len(x)} processes")
    ax.legend(loc="upper center", ncol=2)


def draw_redis_lru(ax, result) -> None:
    """Redis's approximated LRU at `result.samples` against exact LRU and random eviction of the same size.

    The hit-ratio axis starts at 0 (bars from a cut axis would exaggerate gaps of a few points); each bar
    is labelled with its figure so those few points can still be read.
    """
    bars = {f"Redis allkeys-lru\n(samples={result.samples})": result.redis, "exact LRU": result.exact,
            "random": result.random}
    drawn = ax.bar(list(bars), list(bars.values()), color=[REDIS_RED, EXACT_BLUE, RANDOM_PURPLE])
    ax.bar_label(drawn, fmt="%.3f", fontsize=9)
    ax.set_ylim(0, 1)
    ax.set_ylabel("hit ratio")
    ax.set_title(f"{result.keys_held} keys held under maxmemory={result.maxmemory:,} B")


def draw_samples_sweep(ax, result) -> None:
    """Redis's hit ratio against maxmemory-samples (.hit_ratios), exact LRU, random, wall clock.

    The axis starts at 0, as a ratio's should: the gaps are a few points, and the notebook prints them.
    """
    samples = list(result.hit_ratios)
    ax.plot(samples, list(result.hit_ratios.values()), "o-", color=REDIS_RED,
            label="Redis allkeys-lru (trace clock)")
    ax.axhline(result.exact, color=EXACT_BLUE, ls="--", label=f"exact LRU, {result.keys_held} keys")
    ax.axhline(result.random, color=RANDOM_PURPLE, ls=":", label="random eviction")
    ax.plot([result.wall_samples], [result.wall], "s", color="black", ms=8,
            label=f"Redis, real 1-s clock (samples={result.wall_samples})")
    ax.set_xticks(samples)
    ax.set_ylim(0, 1)
    ax.set_xlabel("maxmemory-samples")
    ax.set_ylabel("hit ratio")
    ax.set_title("Redis's sampled LRU against exact LRU and random eviction")
    ax.legend(fontsize=8, loc="lower right")


def draw_refresh_timelines(axes, result) -> None:
    """One panel per strategy: each computation a bar on the row it was stacked on (`result.panels`).

    Colour: the process; hatched: an early (XFetch) refresh; dotted line: the first expiry (`result.ttl`).
    """
    for ax, panel in zip(axes, result.panels, strict=True):
        if panel.bars:  # one call per panel: a bar is a (row, start, end, early, process) tuple
            rows, starts, ends, early, process = zip(*panel.bars, strict=True)
            drawn = ax.barh(rows, np.subtract(ends, starts), left=starts, height=0.8,
                            color=[f"C{p}" for p in process], edgecolor="black", lw=0.4)
            for bar, is_early in zip(drawn, early, strict=True):
                if is_early:
                    bar.set_hatch("//")
        ax.axvline(result.ttl, color="grey", ls=":", lw=0.8)
        ax.set_title(f"{panel.strategy}: {panel.per_expiry:.2g} per episode", fontsize=10)
        ax.set_xlabel("time (s)")
    axes[0].set_ylabel("computations at once")
    axes[0].figure.suptitle("who recomputed when (colour: process; hatched: XFetch early refresh; "
                            "dotted: first expiry)", fontsize=9)
