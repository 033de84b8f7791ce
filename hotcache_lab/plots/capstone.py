"""Notebook 08's figures: a design's score against the requirements, and hit ratio against memory."""

from __future__ import annotations

MET, MISSED, ERROR = "#2ca02c", "#d62728", "#d62728"


def draw_score(ax, result) -> None:
    """One bar per requirement, the figure over its limit (green: met, red: not); or the choice's error.

    `result` is a `lessons.choosing_a_cache.DesignScore`: `bars` (name -> figure / limit), `labels`,
    `title`, or `error` (a choice the service cannot run, shown instead of a traceback).
    """
    if result.error:
        ax.text(0.5, 0.5, f"not a valid choice:\n{result.error}", ha="center", va="center", wrap=True,
                transform=ax.transAxes, color=ERROR)
        ax.set_axis_off()
        return
    values = list(result.bars.values())
    ax.barh(range(len(values)), values, color=[MET if v <= 1 else MISSED for v in values])
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.set_yticks(range(len(values)), result.labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(2.0, min(3.2, max(values) * 1.1)))
    ax.set_xlabel("figure / limit (stay left of the dashed line)")
    ax.set_title(result.title)


def draw_memory_curves(ax, result) -> None:
    """Hit ratio against the memory it costs, one curve per backend (`result.curves`), the budget dashed."""
    for backend, (memory, ratio) in result.curves.items():
        ax.plot(memory, ratio, "o-", label=f"{backend} ({result.design})")
    ax.axvline(result.budget_mb, color="black", ls="--", lw=1, label="memory budget")
    ax.set_xscale("log")
    ax.set_xlabel("memory for caching, all processes (MB, log scale)")
    ax.set_ylabel("hit ratio")
    ax.set_title("the same memory buys far more hits when it is shared")
    ax.legend()
