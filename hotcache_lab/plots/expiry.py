"""Notebook 06's expiry figure: a hot key's recomputations running at once, one panel per strategy."""

from __future__ import annotations

from .style import PALETTE


def draw_backend_load(axes, result) -> None:
    """The backend's load over time: one step curve a strategy, on one Axes or one panel each.

    `result` has curves ({label: (times, levels)}), per_expiry and peak ({label: number}), top (the
    shared y scale, from 0) and title (`lessons.invalidation_and_consistency.hot_key_load`). Panels
    share the y scale, so only the first one labels it (fewer tick labels: a lighter redraw).
    """
    from matplotlib.ticker import MaxNLocator

    labels = list(result.curves)
    panels = list(axes.flat) if hasattr(axes, "flat") else [axes] * len(labels)
    if len(panels) != len(labels):
        raise ValueError(f"axes must be one Axes or {len(labels)} of them, got {len(panels)}")
    several = len(set(map(id, panels))) > 1
    for i, (panel, label) in enumerate(zip(panels, labels, strict=True)):
        times, levels = result.curves[label]
        per_expiry, peak = result.per_expiry[label], result.peak[label]
        panel.step(times, levels, where="post", color=PALETTE.get(label), lw=1.6,
                   label=f"{label}: {per_expiry:.1f}/expiry, peak {peak}")
        panel.set_ylim(0, result.top * 1.1 + 0.5)
        panel.xaxis.set_major_locator(MaxNLocator(4))
        panel.yaxis.set_major_locator(MaxNLocator(5, integer=True))
        panel.set_xlabel("time (s)")
        if several:
            panel.set_title(f"{label}\n{per_expiry:.3g} per expiry, peak {peak}", fontsize=9)
            if i:
                panel.tick_params(labelleft=False)
    panels[0].set_ylabel("recomputations at once")
    if not several:
        panels[0].set_title(result.title)
        panels[0].legend(loc="upper left", fontsize=8)
