"""Plots of notebook 04: a small cache step by step, the traffic shapes, hit ratios over time and
miss-ratio curves of every policy.

Curves of different policies often coincide (on uniform keys the online policies are one line), so
each policy has its own line style and marker as well as its PALETTE colour, and the markers of the
policies sit at staggered points: where two lines lie on top of each other, both markers still show.
"""

from __future__ import annotations

from .shared import draw_boxes
from .style import PALETTE

#: policy -> (line style, marker): with the colour, each series stays visible where lines coincide
POLICY_STYLE = {
    "lru": ("-", "o"), "fifo": ("--", "s"), "lfu": ("-.", "^"), "rr": (":", "v"),
    "sieve": ((0, (5, 1.5)), "D"), "s3fifo": ((0, (3, 1, 1, 1, 1, 1)), "P"), "opt": ("-", "X"),
}


def policy_line(ax, x, y, policy: str, *, index: int, every: int, label: str | None = None, lw: float = 1.6):
    """One policy's line in its colour, style and marker; markers on every `every`-th point, shifted
    by `index` so that coinciding lines show all their markers."""
    style, marker = POLICY_STYLE.get(policy, ("-", "o"))
    return ax.plot(x, y, ls=style, marker=marker, markevery=(index % every, every), ms=5, lw=lw,
                   color=PALETTE.get(policy), label=policy if label is None else label,
                   markerfacecolor="white" if policy in ("fifo", "rr") else None)


def draw_step(ax, view) -> None:
    """Every policy's boxes at one step (a lessons.eviction_policies.StepView), the trace above."""
    shown = " ".join(f"[{k}]" if i == view.t else str(k) for i, k in enumerate(view.trace))
    draw_boxes(ax, view.rows, title=f"step {view.t}: request {view.request}    trace: {shown}")


def draw_shapes(axes, results: dict, policies, *, maxsize: int) -> None:
    """One bar chart per traffic shape (results: shape -> policy -> hit ratio), each bar labelled
    with its value, so that a bar of height zero is still read as 0."""
    for ax, (name, ratios) in zip(axes, results.items(), strict=True):
        bars = ax.bar(range(len(policies)), [ratios[p] for p in policies],
                      color=[PALETTE[p] for p in policies])
        ax.bar_label(bars, labels=[f"{ratios[p]:.2f}".lstrip("0") if ratios[p] else "0" for p in policies],
                     fontsize=7, padding=1)
        ax.set_xticks(range(len(policies)), policies, rotation=60, fontsize=8)
        ax.set_ylim(0, 1.08)
        ax.set_title(name)
    axes[0].set_ylabel(f"hit ratio, maxsize={maxsize}")


def draw_windowed(ax, result) -> None:
    """Hit ratio per window for each policy (a lessons.eviction_policies.Windowed), the hot set's
    moves dotted."""
    for i, (policy, ratios) in enumerate(result.ratios.items()):
        policy_line(ax, result.ends, ratios, policy, index=i, every=len(result.ratios))
    for shift in result.shifts:
        ax.axvline(shift, color="grey", lw=0.6, ls=":")
    ax.set_ylim(0, 1)
    ax.set_xlabel("requests")
    ax.set_ylabel(f"hit ratio per {result.window:,} requests")
    ax.set_title(f"shifting hot set, maxsize={result.maxsize}: dotted lines mark a new hot set", fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)


def draw_mrc(ax, result) -> None:
    """Miss ratio over cache size for every policy, the chosen size dotted; the legend lists the
    policies by their miss ratio at that size (a lessons.eviction_policies.MissCurves)."""
    for i, policy in enumerate(result.order):
        policy_line(ax, result.sizes, result.curves[policy], policy, index=i, every=4,
                    label=f"{policy} {result.miss[policy]:.3f}", lw=2.2 if policy == "opt" else 1.5)
    ax.axvline(result.size, color="black", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.minorticks_off()  # a log axis's minor ticks cost more to lay out than the curves themselves
    ax.set_xlabel("cache size (entries, log scale)")
    ax.set_ylabel("miss ratio")
    ax.set_ylim(0, 1)
    ax.set_title(f"Zipf α={result.alpha}; legend: each miss ratio at size {result.size}, fewest first",
                 fontsize=9)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
