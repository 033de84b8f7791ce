"""Notebook 02's figures: memory held by an unbounded and a bounded cache as calls arrive.

Each draw takes axes and a result (from `hotcache_lab.lessons.memory_growth`) and draws what the
result carries; none computes anything.
"""

from __future__ import annotations

from .style import PALETTE

MiB = 2**20


def draw_growth(ax, result) -> None:
    """tracemalloc's bytes held over the calls, functools.cache against lru_cache(maxsize).

    `result` has result_bytes, maxsize, unbounded and bounded (`measure.memory.Series`), their
    cache_info()s as unbounded_info and bounded_info, and full_at (`lessons.memory_growth.growth`).
    """
    grow, flat = result.unbounded, result.bounded
    ax.plot(grow.done, [b / MiB for b in grow.current], color=PALETTE["unbounded"], lw=2,
            label=f"functools.cache: {result.unbounded_info.currsize:,} entries")
    ax.plot(flat.done, [b / MiB for b in flat.current], color=PALETTE["lru"], lw=2,
            label=f"lru_cache(maxsize={result.maxsize:,}): {result.bounded_info.currsize:,} entries")
    if result.full_at is not None:
        ax.axvline(result.full_at, ls=":", color=PALETTE["lru"])
        ax.text(result.full_at, 0.5, " lru_cache full", color=PALETTE["lru"],
                transform=ax.get_xaxis_transform())
    ax.set_xlabel("calls so far")
    ax.set_ylabel("memory held (MiB, tracemalloc)")
    ax.set_title(f"results of {result.result_bytes:,} bytes")
    ax.legend(loc="upper left")
