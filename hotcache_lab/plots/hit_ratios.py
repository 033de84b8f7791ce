"""Notebook 05's figures: when a cache pays (speedup against hit ratio), and what a memory budget buys.

Each draw takes axes and a result (from `hotcache_lab.lessons.hit_ratios`) and draws what the
result carries; none computes anything.
"""

from __future__ import annotations

from .style import PALETTE


def draw_speedup(ax, result) -> None:
    """Speedup t0 / E[latency] against the hit ratio per cache; dots at each break-even h*.

    `result` has t0_us, h, grid, curves, break_even and speedup (`lessons.hit_ratios.speedup_curves`).
    """
    for name, curve in result.curves.items():
        ax.plot(result.grid, curve, lw=1.8, label=name)
        if 0 <= result.break_even[name] <= 1:
            ax.plot([result.break_even[name]], [1], "k.", ms=8)
    ax.axhline(1, color="black", lw=0.8)
    ax.axvline(result.h, color="grey", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("hit ratio h")
    ax.set_ylabel("speedup t0 / E[latency]")
    at_h = ", ".join(f"{name} {s:.2f}×" for name, s in result.speedup.items())
    ax.set_title(f"t0 = {result.t0_us:.3g} µs, h = {result.h:.2f}: speedup {at_h}", fontsize=9)
    ax.legend(loc="upper left")


def draw_budget(axes, result) -> None:
    """Left: requests per user by rank, the cached ones shaded; right: LRU's miss-ratio curve with
    the budget and the knee. `result` is a `lessons.hit_ratios.Budget`."""
    left, right = axes
    ranks = range(1, len(result.ranked) + 1)
    left.loglog(ranks, [max(n, 0.5) for n in result.ranked.tolist()], lw=1.5)
    left.axvspan(1, result.maxsize, color=PALETTE["lru"], alpha=0.15)
    left.set_xlabel("user rank")
    left.set_ylabel("requests")
    left.set_title(f"α={result.alpha}: shaded = the {result.maxsize:,} hottest", fontsize=9)
    right.plot(result.sizes, result.curve, lw=1.8, color=PALETTE["lru"])
    right.axvline(min(result.budget_entries, len(result.ranked)), color="black", ls="--", lw=0.8,
                  label="budget")
    right.axvline(result.knee, color="red", lw=0.8, label="knee")
    right.set_xscale("log")
    right.set_ylim(0, 1)
    right.set_xlabel("maxsize (log)")
    right.set_ylabel("LRU miss ratio")
    right.set_title(f"{result.budget_mb:.3g} MB → maxsize {result.maxsize:,} ({result.limited_by}), "
                    f"hit ratio {result.hit_ratio:.2f}, ≈{result.gain:.1f}× faster", fontsize=9)
    right.legend(loc="upper right")
