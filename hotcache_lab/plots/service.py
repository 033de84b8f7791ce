"""Notebook 03's figures: what each cache management strategy holds and hits over simulated time.

Each draw takes axes and a result (from `hotcache_lab.lessons.cache_management`) and draws what
the result carries; none computes anything.
"""

from __future__ import annotations

from .style import PALETTE

#: one look per strategy of `lessons.cache_management.run_all` (ttl+maxsize: the ttl colour, dashed)
STRATEGY_STYLE = {
    "unbounded": {"color": PALETTE["unbounded"]}, "lru": {"color": PALETTE["lru"]},
    "ttl": {"color": PALETTE["ttl"]}, "ttl+maxsize": {"color": PALETTE["ttl"], "ls": "--"},
    "clear": {"color": PALETTE["clear"]},
}


def draw_management(axes, result) -> None:
    """Left: entries held over time (the memory bill); right: hit ratio over the last 30 s.

    `result` has runs (name -> `sim.service.ServiceResult`, 5-second buckets) and quiet (start, end)
    (`lessons.cache_management.run_all`); the quiet window is shaded.
    """
    mem, hit = axes
    for name, r in result.runs.items():
        t = r.bucket_starts + r.bucket_seconds
        mem.plot(t, r.series["entries"], lw=1.6, **STRATEGY_STYLE[name], label=r.label)
        hit.plot(t, r.hit_ratio_series(window=6), lw=1.6, **STRATEGY_STYLE[name],
                 label=f"{r.label}: {r.stale_reads:,} stale")
    for ax in axes:
        ax.axvspan(*result.quiet, color="grey", alpha=0.15, lw=0)
        ax.set_xlabel("simulated time (s)")
    mem.set_ylabel("entries held")
    mem.set_title("memory")
    hit.set_ylabel("hit ratio (last 30 s)")
    hit.set_ylim(0, 1)
    hit.set_title("hit ratio")
    hit.legend(loc="lower left", fontsize=7.5)
