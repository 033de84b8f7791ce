"""Notebook 10's figures: a design's score against the requirements, the database's load second by
second, and hit ratio against memory."""

from __future__ import annotations

from .style import PALETTE

MET, MISSED, ERROR = "#2ca02c", "#d62728", "#d62728"
LOAD, CAPACITY, DOWN, WARMUP = "#1f77b4", "black", "#d62728", "0.85"
BACKEND_STYLE = {  # colour, marker, line style: distinct even where the curves meet
    "in-process": (PALETTE["lru"], "o", "-"),
    "redis": ("#d62728", "s", "--"),  # Redis's red, as in notebook 07
}


def draw_score(axes, result) -> None:
    """Left: one bar per requirement, the figure over its limit (green: met, red: not); right: the
    database's computations per second, its capacity, the warm-up and the outage. Or the choice's error.

    `axes` is a pair of Axes; `result` a `lessons.choosing_a_cache.DesignScore`: `bars` (name ->
    figure / limit), `labels`, `title`, `load`, `capacity`, `outage`, `scored_from`, or `error` (a
    choice the service cannot run, shown instead of a traceback).
    """
    left, right = axes
    if result.error:
        left.text(0.5, 0.5, f"not a valid choice:\n{result.error}", ha="center", va="center", wrap=True,
                  transform=left.transAxes, color=ERROR)
        left.set_axis_off()
        right.set_axis_off()
        return
    values = list(result.bars.values())
    left.barh(range(len(values)), values, color=[MET if v <= 1 else MISSED for v in values])
    left.axvline(1.0, color="black", lw=1, ls="--")
    left.set_yticks(range(len(values)), result.labels, fontsize=8)
    left.invert_yaxis()
    left.set_xlim(0, max(2.0, min(3.2, max(values) * 1.1)))
    left.set_xlabel("figure / limit (stay left of the dashed line)")
    left.set_title(result.title, fontsize=9, loc="left")
    draw_load(right, result)


def draw_load(ax, result) -> None:
    """Computations started in each second (`result.load`) against the database's `capacity`, with the
    warm-up (not scored) and the shared cache's `outage` shaded."""
    ax.stairs(result.load, range(len(result.load) + 1), color=LOAD, lw=1.5, label="computations per second")
    ax.axhline(result.capacity, color=CAPACITY, ls="--", lw=1,
               label=f"database capacity ({result.capacity:g}/s)")
    ax.axvspan(0, result.scored_from, color=WARMUP, alpha=0.5, lw=0, label="warm-up (not scored)")
    if result.outage is not None:
        ax.axvspan(*result.outage, color=DOWN, alpha=0.2, lw=0, label="shared cache down")
    ax.set_ylim(0, max(max(result.load, default=0), result.capacity) * 1.15)
    ax.set_xlim(0, len(result.load))
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("database load (/s)")
    ax.set_title("the database, second by second", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")


def draw_memory_curves(ax, result) -> None:
    """Hit ratio against the memory it costs, one curve per backend (`result.curves`), the budget dashed."""
    for backend, (memory, ratio) in result.curves.items():
        colour, marker, style = BACKEND_STYLE.get(backend, (PALETTE["opt"], "^", ":"))
        ax.plot(memory, ratio, marker=marker, ls=style, color=colour, label=f"{backend} ({result.design})")
    ax.axvline(result.budget_mb, color="black", ls=":", lw=1, label="memory budget")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("memory for caching, all processes (MB, log scale)")
    ax.set_ylabel("hit ratio")
    ax.set_title("the same memory buys far more hits when it is shared")
    ax.legend(fontsize=8, loc="lower right")
