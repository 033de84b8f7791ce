"""Drawings several notebooks share: a thread timeline, named curves, a cache's slots, a flow chart.

Each takes an axes and a result and draws it; none computes anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from .style import PALETTE


def draw_timeline(ax, records: Sequence, *, title: str = "who computed what, when") -> None:
    """One row per thread, one bar per record (objects with key, thread, start, end)."""
    threads = sorted({r.thread for r in records}, key=lambda t: (len(t), t))
    row = {t: i for i, t in enumerate(threads)}
    keys = sorted({repr(r.key) for r in records})
    colours = {k: f"C{i % 10}" for i, k in enumerate(keys)}
    for r in records:
        ax.barh(row[r.thread], (r.end - r.start) * 1e3, left=r.start * 1e3, height=0.6,
                color=colours[repr(r.key)], edgecolor="black", linewidth=0.5)
    ax.set_yticks(range(len(threads)), threads)
    ax.set_xlabel("time since start (ms)")
    ax.set_title(title)


def draw_curves(ax, x: Sequence, curves: dict[str, Sequence], *, xlabel: str, ylabel: str,
                logx: bool = False, title: str | None = None) -> None:
    """Several named curves on one axis, coloured by policy name where there is one."""
    for name, y in curves.items():
        ax.plot(x, y, label=name, color=PALETTE.get(name), lw=1.8)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()


BOX_COLOURS = {"empty": "white", "kept": "#eeeeee", "hit": "#9ecae1", "new": "#a1d99b",
               "next": "#fdd0a2", "evicted": "#fb6a4a"}


def draw_boxes(ax, rows: Sequence[dict], *, title: str | None = None) -> None:
    """Rows of labelled boxes: a small cache's slots, one row per policy, and what just left it.

    Each row is a dict with "label", "boxes" (a list of (text, state, mark): state one of
    BOX_COLOURS' names, mark a small note printed under the text) and optionally "evicted"
    (keys drawn in red after the row). `hotcache_lab.stepper.frame` builds such rows.
    """
    from matplotlib.patches import Patch, Rectangle

    width = max((len(r["boxes"]) for r in rows), default=0)
    for i, row in enumerate(rows):
        y = -i
        ax.text(-0.15, y, row["label"], ha="right", va="center", fontsize=9)
        for x, (text, state, mark) in enumerate(row["boxes"]):
            ax.add_patch(Rectangle((x, y - 0.4), 0.92, 0.8, facecolor=BOX_COLOURS[state],
                                   edgecolor="black", lw=1.6 if state in ("hit", "new") else 0.6,
                                   linestyle="--" if state == "next" else "-"))
            ax.text(x + 0.46, y + (0.08 if mark else 0), text, ha="center", va="center", fontsize=10)
            if mark:
                ax.text(x + 0.46, y - 0.24, mark, ha="center", va="center", fontsize=6.5, color="#444444")
        for j, key in enumerate(row.get("evicted", ())):
            x = width + 0.4 + j
            ax.add_patch(Rectangle((x, y - 0.4), 0.92, 0.8, facecolor=BOX_COLOURS["evicted"],
                                   edgecolor="black", lw=0.6))
            ax.text(x + 0.46, y, f"{key}", ha="center", va="center", fontsize=10, color="white",
                    fontweight="bold")
    ax.set_xlim(-0.2, width + 1.5)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_aspect("auto")
    ax.axis("off")
    handles = [Patch(facecolor=BOX_COLOURS[s], edgecolor="black", label=lab, lw=0.6)
               for s, lab in (("hit", "hit"), ("new", "inserted"), ("next", "next victim"),
                              ("evicted", "just evicted"))]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=8)
    if title:
        ax.set_title(title)


def draw_flowchart(ax, nodes: dict, edges: Sequence, *, title: str | None = None, note: str | None = None,
                   fontsize: int = 8) -> None:
    """A decision flow chart: boxes at axes positions joined by labelled arrows.

    `nodes` maps an id to (x, y, text, kind) with x, y in [0, 1] and kind "question" (blue box)
    or "answer" (green box); `edges` is a sequence of (from id, to id, label). `note` is printed
    under the chart.
    """
    styles = {"question": dict(boxstyle="round,pad=0.4", fc="#dbe9f6", ec="#1f77b4"),
              "answer": dict(boxstyle="round,pad=0.4", fc="#e5f5e0", ec="#2ca02c")}
    boxes = {}
    for name, (x, y, text, kind) in nodes.items():
        if kind not in styles:
            raise ValueError(f"node {name!r}: kind must be 'question' or 'answer', got {kind!r}")
        boxes[name] = ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, bbox=styles[kind],
                              zorder=3)
    for src, dst, label in edges:
        if src not in nodes or dst not in nodes:
            raise KeyError(f"edge {src!r} -> {dst!r} names a node that is not in nodes")
        (x0, y0), (x1, y1) = nodes[src][:2], nodes[dst][:2]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=4,
                    arrowprops=dict(arrowstyle="-|>", color="0.3", lw=1.0, mutation_scale=12,
                                    patchA=boxes[src].get_bbox_patch(), patchB=boxes[dst].get_bbox_patch(),
                                    shrinkA=1, shrinkB=1))
        if label:
            ax.text(0.5 * (x0 + x1), 0.5 * (y0 + y1), label, fontsize=fontsize, ha="center", va="center",
                    color="0.15", style="italic", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    if note:
        ax.text(0.5, 0.0, note, ha="center", va="bottom", fontsize=fontsize, wrap=True, color="0.2")
