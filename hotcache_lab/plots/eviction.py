"""Plots of notebook 04: a small cache step by step, and miss-ratio curves of every policy."""

from __future__ import annotations

from .shared import draw_boxes, draw_curves


def draw_step(ax, view) -> None:
    """Every policy's boxes at one step (a lessons.eviction_policies.StepView), the trace above."""
    shown = " ".join(f"[{k}]" if i == view.t else str(k) for i, k in enumerate(view.trace))
    draw_boxes(ax, view.rows, title=f"step {view.t}: request {view.request}    trace: {shown}")


def draw_mrc(ax, result) -> None:
    """Miss ratio over cache size for every policy, the chosen size dotted, the best four named
    in the title (a lessons.eviction_policies.MissCurves)."""
    draw_curves(ax, result.sizes, result.curves, xlabel="cache size (entries, log scale)",
                ylabel="miss ratio", logx=True)
    ax.axvline(result.size, color="black", lw=0.8, ls=":")
    best = " < ".join(f"{p} {result.miss[p]:.2f}" for p in result.order[:4])
    ax.set_title(f"α={result.alpha}, size {result.size}: {best} ...", fontsize=9)
    ax.set_ylim(0, 1)
