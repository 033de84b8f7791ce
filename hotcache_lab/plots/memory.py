"""Notebook 02's figures: what an entry costs, and the memory held as calls arrive.

Each draw takes axes and a result (from `hotcache_lab.lessons.memory_growth` or a notebook cell) and
draws what the result carries; none computes anything.
"""

from __future__ import annotations

from .style import PALETTE

MiB = 2**20
UNBOUNDED = {"color": PALETTE["unbounded"], "ls": "-", "marker": "o"}  # functools.cache
BOUNDED = {"color": PALETTE["lru"], "ls": "--", "marker": "s"}  # lru_cache(maxsize)


def draw_growth(ax, result) -> None:
    """tracemalloc's bytes held over the calls, functools.cache against lru_cache(maxsize).

    `result` has result_bytes, maxsize, unbounded and bounded (`measure.memory.Series`), their
    cache_info()s as unbounded_info and bounded_info, and full_at (`lessons.memory_growth.growth`).
    """
    grow, flat = result.unbounded, result.bounded
    every = max(1, len(grow.done) // 10)
    ax.plot(grow.done, [b / MiB for b in grow.current], **UNBOUNDED, lw=2, ms=4, markevery=every,
            label=f"functools.cache: {result.unbounded_info.currsize:,} entries")
    ax.plot(flat.done, [b / MiB for b in flat.current], **BOUNDED, lw=2, ms=4, markevery=every,
            label=f"lru_cache(maxsize={result.maxsize:,}): {result.bounded_info.currsize:,} entries")
    if result.full_at is not None:
        ax.axvline(result.full_at, ls=":", color=PALETTE["lru"])
        ax.text(result.full_at, 0.5, " lru_cache full", color=PALETTE["lru"],
                transform=ax.get_xaxis_transform())
    ax.set_ylim(bottom=0)
    ax.set_xlabel("calls so far")
    ax.set_ylabel("memory held (MiB, tracemalloc)")
    ax.set_title(f"results of {result.result_bytes:,} bytes")
    ax.legend(loc="upper left")


def draw_entry_costs(axes, result) -> None:
    """Left: bytes per entry with a result of None, one bar per cache and key shape; right: bytes per
    entry beyond the result's payload, against the payload (flat lines: a fixed overhead).

    `result`: {"overhead": {label: bytes per entry}, "sizes": [payload bytes],
    "by_size": {"cache": [bytes per entry], "lru_cache": [...]}}.
    """
    left, right = axes
    names = list(result["overhead"])
    bars = left.bar(range(len(names)), list(result["overhead"].values()),
                    color=[PALETTE["unbounded"] if n.startswith("cache") else PALETTE["lru"] for n in names])
    left.bar_label(bars, fmt="%.0f B")
    left.set_xticks(range(len(names)), [n.replace(", ", "\n").replace("uid, c", "uid,\nc") for n in names],
                    fontsize=8)
    left.set_ylabel("bytes per entry (result None)")
    left.set_title("key + bookkeeping, measured")
    sizes = result["sizes"]
    lines = (("cache", UNBOUNDED, "functools.cache"), ("lru_cache", BOUNDED, "lru_cache(maxsize)"))
    for name, look, label in lines:
        beyond = [b - s for b, s in zip(result["by_size"][name], sizes, strict=True)]
        right.plot(sizes, beyond, **look, label=label)
    right.set_xscale("log", base=2)
    right.set_ylim(bottom=0)
    right.set_xlabel("result payload (bytes, log)")
    right.set_ylabel("bytes per entry - payload")
    right.set_title("beyond the payload: a fixed overhead")
    right.legend(loc="lower right")


def draw_rss(ax, result) -> None:
    """RSS growth over time while serving, one line per cache. `result`: {label: `memory.RssSeries`}."""
    for (label, series), look in zip(result.items(), (UNBOUNDED, BOUNDED), strict=False):
        ax.plot(series.seconds, [m - series.mib[0] for m in series.mib], **look, ms=3, label=label)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("seconds since the first call")
    ax.set_ylabel("RSS growth (MiB)")
    ax.set_title("new profiles: RSS sampled by memory_profiler.memory_usage")
    ax.legend()


def draw_budget(ax, result) -> None:
    """Payload held over the requests by an entry-bounded and a byte-bounded LRU cache, against the
    budget (dotted), the traffic shift marked. Both are LRU (one colour): line style and marker tell
    them apart. `result`: `lessons.memory_growth.memory_budget`."""
    every = max(1, len(result.done) // 12)
    ax.plot(result.done, [b / MiB for b in result.by_count], **BOUNDED, ms=4, markevery=every,
            label=f"LRUCache(maxsize={result.entry_bound:,}): entries, sized from the mean result")
    ax.plot(result.done, [b / MiB for b in result.by_bytes], **{**UNBOUNDED, "color": PALETTE["lru"]}, ms=4,
            markevery=every, label=f"LRUCache(maxsize={result.budget:,}, getsizeof=len): bytes")
    ax.axhline(result.budget / MiB, color="black", ls=":", lw=1, label="the budget")
    ax.axvline(result.shift_at, color="grey", lw=1)
    ax.text(result.shift_at, 0.55, " from here half the traffic\n asks for big results", color="grey",
            fontsize=8, va="top", transform=ax.get_xaxis_transform())
    ax.set_ylim(bottom=0)
    ax.set_xlabel("requests so far")
    ax.set_ylabel("payload held (MiB)")
    ax.set_title("the same budget, counted in entries or in bytes")
    ax.legend(loc="upper left", fontsize=8)
