"""Notebook 03's figures: what each cache management strategy holds, hits and serves stale over time.

Each draw takes axes and a result (from `hotcache_lab.lessons.cache_management`) and draws what
the result carries; none computes anything. Five strategies share a panel and some of their lines
coincide (LRU and ttl+maxsize both sit at their maxsize; TTL and the clear share an age bound), so
each has its own colour, line style and sparse markers, and every panel says which line is which.
"""

from __future__ import annotations

from .style import PALETTE

#: one look per strategy of `lessons.cache_management.run_all` (ttl+maxsize: the ttl colour, dotted)
STRATEGY_STYLE = {
    "unbounded": {"color": PALETTE["unbounded"], "ls": "-", "marker": "o"},
    "lru": {"color": PALETTE["lru"], "ls": "--", "marker": "s"},
    "ttl": {"color": PALETTE["ttl"], "ls": "-.", "marker": "^"},
    "ttl+maxsize": {"color": PALETTE["ttl"], "ls": ":", "marker": "v"},
    "clear": {"color": PALETTE["clear"], "ls": (0, (5, 1, 1, 1)), "marker": "D"},
}
MARKERS_PER_LINE = 12  # sparse markers: enough to tell coinciding lines apart, few enough to read


def _look(name: str, points: int, **extra) -> dict:
    """The strategy's style, its sparse markers started at a different point for each strategy, so that
    on lines that coincide the markers alternate instead of covering each other."""
    step = max(1, points // MARKERS_PER_LINE)
    start = list(STRATEGY_STYLE).index(name) * step // len(STRATEGY_STYLE)
    return {**STRATEGY_STYLE[name], "ms": 4, "markevery": (start, step), **extra}


def draw_management(axes, result) -> None:
    """Left: entries held over time (the memory bill); right: hit ratio over the last 30 s.

    `result` has runs (name -> `sim.service.ServiceResult`, 5-second buckets) and quiet (start, end)
    (`lessons.cache_management.run_all`); the quiet window is shaded. One legend, beside the panels,
    serves both (the same looks in each), names each run and counts its stale reads; it covers no line
    and costs one legend's drawing instead of two on every slider move.
    """
    mem, hit = axes
    for name, r in result.runs.items():
        t = r.bucket_starts + r.bucket_seconds
        mem.plot(t, r.series["entries"], **_look(name, len(t), lw=1.5),
                 label=f"{r.label}: {r.stale_reads:,} stale")
        hit.plot(t, r.hit_ratio_series(window=6), **_look(name, len(t), lw=1.5))
    for ax in axes:
        ax.axvspan(*result.quiet, color="grey", alpha=0.15, lw=0)
        ax.set_xlabel("simulated time (s)")
    mem.set_ylabel("entries held")
    mem.set_ylim(bottom=0)
    mem.set_title("memory (shaded: the quiet minute)")
    hit.set_ylabel("hit ratio (last 30 s)")
    hit.set_ylim(0, 1)
    hit.set_title("hit ratio")
    mem.figure.legend(loc="outside right upper", fontsize=7, title="strategy: stale reads", title_fontsize=7)


def draw_one_key(axes, result) -> None:
    """One article under several strategies: each request at the version it was answered with.

    `result` has ts (request times), edits (change times), duration, runs (name -> a `ServiceResult`
    with its per-request log) and outcomes (the log's codes by name) (`lessons.cache_management.one_article`).
    """
    codes = result.outcomes
    looks = {codes["miss"]: dict(marker="o", mfc="white", mec="black", color="black", label="miss (fetch)"),
             codes["fresh"]: dict(marker="o", color="#2ca02c", label="fresh hit"),
             codes["stale"]: dict(marker="X", color="#d62728", ms=7, label="stale hit")}
    versions = list(range(len(result.edits) + 1))
    for ax, r in zip(axes, result.runs.values(), strict=True):
        ax.step([0.0, *result.edits, result.duration], [*versions, versions[-1]], where="post", color="grey",
                lw=1.2, label="origin's version")
        for outcome, look in looks.items():
            mine = r.log["outcome"] == outcome
            ax.plot(result.ts[mine], r.log["served_version"][mine], ls="none", **{"ms": 5, **look})
        ax.set_title(f"{r.label}: {r.misses} misses, {r.hits} hits, {r.stale_reads} of them stale, "
                     f"oldest value served {r.max_age:.1f} s", loc="left", fontsize=9)
        ax.set_ylabel("version")
        ax.set_ylim(-0.5, versions[-1] + 0.5)
    axes[0].legend(loc="upper left", ncol=4, fontsize=8)
    axes[-1].set_xlabel("simulated time (s)")


def draw_staleness(axes, result, bound: float) -> None:
    """Left: stale reads so far; right: the oldest value served in each bucket, log scale, with the
    age `bound` (s) dotted. `result` as for `draw_management`; a bucket without hits has no age.
    The one legend (left) serves both panels."""
    import numpy as np

    left, right = axes
    for name, r in result.runs.items():
        t = r.bucket_starts + r.bucket_seconds
        left.plot(t, np.cumsum(r.series["stale_reads"]), **_look(name, len(t), lw=1.5), label=r.label)
        oldest = np.where(r.series["hits"] > 0, r.series["max_age"], np.nan)
        right.plot(t, oldest, **_look(name, len(t), lw=1.2), label=r.label)
    right.axhline(bound, color="black", ls=":", lw=1)
    right.annotate(f"{bound:g} s", (0, bound), xytext=(2, 2), textcoords="offset points", fontsize=8)
    for ax in axes:
        ax.axvspan(*result.quiet, color="grey", alpha=0.15, lw=0)
        ax.set_xlabel("simulated time (s)")
    left.set_ylabel("stale reads so far")
    left.set_ylim(bottom=0)
    left.legend(fontsize=7)  # one legend: both panels draw the same strategies in the same looks
    right.set_ylabel("oldest value served (s, log)")
    right.set_yscale("log")
    right.set_title("oldest value served per 5 s (legend: left)", fontsize=9)


def family(point) -> str:
    """The strategy a frontier point belongs to, ttl with a maxsize apart from ttl alone."""
    return "ttl+maxsize" if point.strategy == "ttl" and "maxsize" in point.params else point.strategy


def draw_frontier(axes, points) -> None:
    """Memory against hits (left, log x) and staleness against hits (right), one line per strategy,
    its points labelled with their knob. `points`: `sim.service.FrontierPoint`s."""
    mem, stale = axes
    for name in STRATEGY_STYLE:
        mine = [p for p in points if family(p) == name]
        look = dict(STRATEGY_STYLE[name], ms=5, lw=1.3, label=name)
        mem.plot([p.peak_entries for p in mine], [p.hit_ratio for p in mine], **look)
        stale.plot([100 * p.stale_ratio for p in mine], [p.hit_ratio for p in mine], **look)
        for p in mine:
            knob = p.params.get("ttl", p.params.get("clear_every", p.params.get("maxsize")))
            if knob is not None:
                stale.annotate(f"{knob:g}", (100 * p.stale_ratio, p.hit_ratio), fontsize=6.5, xytext=(3, -8),
                               textcoords="offset points", color=STRATEGY_STYLE[name]["color"])
    mem.set_xscale("log")
    mem.set_xlabel("peak entries held (log)")
    mem.set_ylabel("hit ratio")
    mem.set_title("memory vs hits")
    mem.legend(fontsize=8)
    stale.set_xlabel("stale reads (% of requests)")
    stale.set_xlim(left=0)
    stale.set_title("staleness vs hits (labels: maxsize, ttl or K in s)")
    for ax in axes:
        ax.set_ylim(0, 1)
