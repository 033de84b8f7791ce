"""Notebook 07's figures: workers sharing one Redis, Redis's sampled LRU, a hot key's refreshes."""

from __future__ import annotations

import numpy as np

REDIS_RED, EXACT_BLUE, RANDOM_GREY = "#d62728", "#1f77b4", "#7f7f7f"


def draw_worker_hit_ratios(ax, result) -> None:
    """Each worker's hit ratio with a private cache and with the shared Redis (.private, .shared)."""
    x = np.arange(len(result.private))
    ax.bar(x - 0.2, result.private, width=0.4, label="private cache in each process")
    ax.bar(x + 0.2, result.shared, width=0.4, label="one Redis shared by all")
    ax.set_xticks(x, [f"worker {i}" for i in x])
    ax.set_ylabel("hit ratio")
    ax.set_ylim(0, 1.15)
    ax.set_title(f"the same stream, split over {len(x)} processes")
    ax.legend(loc="upper center", ncol=2)


def draw_redis_lru(ax, result) -> None:
    """Redis's approximated LRU at `result.samples` against exact LRU and random eviction of the same size."""
    bars = {f"Redis allkeys-lru\n(samples={result.samples})": result.redis, "exact LRU": result.exact,
            "random": result.random}
    ax.bar(list(bars), list(bars.values()), color=[REDIS_RED, EXACT_BLUE, RANDOM_GREY])
    ax.set_ylim(min(bars.values()) - 0.08, max(bars.values()) + 0.04)
    ax.set_ylabel("hit ratio")
    ax.set_title(f"{result.keys_held} keys held under maxmemory={result.maxmemory:,} B")


def draw_samples_sweep(ax, result) -> None:
    """Redis's hit ratio against maxmemory-samples (.hit_ratios), exact LRU, random, wall clock."""
    ax.plot(list(result.hit_ratios), list(result.hit_ratios.values()), "o-", color=REDIS_RED,
            label="Redis allkeys-lru (trace clock)")
    ax.axhline(result.exact, color=EXACT_BLUE, label=f"exact LRU, {result.keys_held} keys")
    ax.axhline(result.random, color=RANDOM_GREY, ls=":", label="random eviction")
    ax.plot([result.wall_samples], [result.wall], "s", color="black",
            label=f"Redis, real 1-s clock (samples={result.wall_samples})")
    ax.set_xlabel("maxmemory-samples")
    ax.set_ylabel("hit ratio")
    ax.set_title("Redis's sampled LRU approaches exact LRU as samples grow")
    ax.legend(fontsize=8)


def draw_refresh_timelines(axes, result) -> None:
    """One panel per strategy: each computation a bar on the row it was stacked on (`result.panels`).

    Colour: the process; hatched: an early (XFetch) refresh; dotted line: the first expiry (`result.ttl`).
    """
    for ax, panel in zip(axes, result.panels, strict=True):
        for row, start, end, early, process in panel.bars:
            ax.barh(row, end - start, left=start, height=0.8, color=f"C{process}", edgecolor="black", lw=0.4,
                    hatch="//" if early else None)
        ax.axvline(result.ttl, color="grey", ls=":", lw=0.8)
        ax.set_title(f"{panel.strategy}: {panel.per_expiry:.2g} per expiry", fontsize=10)
        ax.set_xlabel("time (s)")
    axes[0].set_ylabel("computations at once")
    axes[0].figure.suptitle("who recomputed when (colour: process; hatched: XFetch early refresh; "
                            "dotted: first expiry)", fontsize=9)
