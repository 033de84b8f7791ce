"""Plots of notebooks 00 and 01: a memoized function's hit ratio as it runs, and sizing an lru_cache.

Both are redrawn on every slider move, so they keep what matplotlib must lay out small: a few
hundred points a line, fixed ticks on the log axis (its automatic minor ticks cost more than the
data to lay out), no legend box where a title or a label says the same.
"""

from __future__ import annotations

from .style import PALETTE

_LOG_TICKS = (1, 10, 100, 1000)


def draw_running_hit_ratio(ax, result) -> None:
    """The hit ratio after each call (a lessons.welcome.RunningHitRatio), the final one dotted."""
    info = result.info
    ax.plot(result.calls_so_far, result.running, lw=1.8, color=PALETTE["lru"],
            label=f"LRU, maxsize={result.maxsize}: hit ratio so far")
    ax.axhline(result.hit_ratio, ls=":", color="grey", label=f"final: {result.hit_ratio:.2f}")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, result.calls_so_far[-1])
    ax.set_xlabel("calls so far")
    ax.set_ylabel("hit ratio so far")
    ax.set_title(f"maxsize={result.maxsize}: {info.hits:,} hits, {info.misses:,} misses")
    ax.legend(loc="lower right")


def draw_sizing(axes, result) -> None:
    """Left: hit ratio over maxsize, the chosen size circled. Right: the stream's total time with
    and without the cache (a lessons.memoization_basics.Sizing)."""
    from matplotlib.ticker import FixedLocator, NullLocator

    ax1, ax2 = axes
    ax1.plot(result.sizes, result.curve, "o-", color=PALETTE["lru"], label="lru_cache(maxsize)")
    ax1.axhline(result.unbounded_hit_ratio, ls="--", color=PALETTE["unbounded"], zorder=1,  # under the curve
                label=f"functools.cache ({result.unbounded_entries:,} entries)")
    ax1.plot([result.maxsize], [result.hit_ratio], "o", ms=13, mfc="none", mec="black", mew=2)
    ax1.set_xscale("log")
    ax1.xaxis.set_major_locator(FixedLocator(_LOG_TICKS))
    ax1.xaxis.set_minor_locator(NullLocator())
    ax1.set_xticklabels([f"{t:,}" for t in _LOG_TICKS])
    ax1.set_ylim(0, 1)
    ax1.set_xlabel("maxsize (log scale)")
    ax1.set_ylabel("hit ratio")
    ax1.set_title(f"maxsize={result.maxsize:,}: {result.hits:,} hits, {result.misses:,} misses")
    ax1.legend(loc="lower right")
    ax2.barh(["no cache", "lru_cache"], [result.without_s, result.with_cache_s],
             color=["grey", PALETTE["lru"]])
    ax2.set_xlabel(f"total time for {result.hits + result.misses:,} calls (s)")
    ax2.set_title(f"{result.compute_ms:.1f} ms per miss: {result.saved_s:,.1f} s saved")
