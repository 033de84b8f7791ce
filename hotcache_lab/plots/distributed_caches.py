"""Notebook 09's figures: keys per node by sharding scheme, a hot key's per-node load, a memcached pool
and a Redis Cluster losing a node, and the origin's load under a dead cache per strategy.

Each draw_* takes axes and a result of `hotcache_lab.lessons.distributed_caches` (or of
`hotcache_lab.distributed`) and draws it; none computes anything but a position or a label.
"""

from __future__ import annotations

import numpy as np

SCHEME_COLOURS = {"modulo": "#ff7f0e", "ring": "#1f77b4", "rendezvous": "#2ca02c"}
STRATEGY_STYLES = {"no breaker": ("#d62728", "-"), "breaker": ("#ff7f0e", "--"),
                   "breaker + limit": ("#1f77b4", "-."), "breaker + limit + warm-up": ("#2ca02c", ":")}


def _ticks_inside(*axes) -> None:
    """Keep only the ticks inside each axes' limits: a locator also places a tick just past the limits,
    not drawn, whose label would still count as sticking out of the figure."""
    from matplotlib.ticker import ScalarFormatter

    for ax in axes:
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            if axis.get_scale() != "linear" or not isinstance(axis.get_major_formatter(), ScalarFormatter):
                continue  # categorical (bars with fixed labels) or log axes: leave them as they are
            low, high = min(low, high), max(low, high)
            axis.set_ticks([t for t in axis.get_majorticklocs() if low <= t <= high])


def draw_balance(axes, view) -> None:
    """Left: keys per node, one group of bars a node, one bar a scheme. Right: max/mean per scheme."""
    left, right = axes
    x = np.arange(len(view.nodes))
    schemes = list(view.counts)
    width = 0.8 / len(schemes)
    for i, scheme in enumerate(schemes):
        label = f"ring, {view.vnodes} vnodes" if scheme == "ring" else scheme
        left.bar(x + (i - 1) * width, view.counts[scheme], width=width, color=SCHEME_COLOURS[scheme],
                 hatch="//" if scheme == "ring" else None, edgecolor="black", linewidth=0.4, label=label)
    mean = sum(view.counts[schemes[0]]) / len(view.nodes)
    left.axhline(mean, color="black", lw=0.8, ls=":", label="mean")
    left.set_xticks(x, [n.replace("node-", "") for n in view.nodes])
    left.set_xlabel("node")
    left.set_ylabel("keys")
    left.set_title(f"{sum(view.counts[schemes[0]]):,} keys over {len(view.nodes)} nodes")
    left.set_ylim(0, max(max(c) for c in view.counts.values()) * 1.3)
    left.legend(fontsize=8, ncol=4, loc="upper center")
    ratios = [view.max_over_mean(s) for s in schemes]
    bars = right.bar(schemes, ratios, color=[SCHEME_COLOURS[s] for s in schemes], edgecolor="black",
                     linewidth=0.4)
    right.bar_label(bars, fmt="%.2f", fontsize=8)
    right.axhline(1.0, color="black", lw=0.8, ls=":")
    right.set_ylim(0, max(2.0, max(ratios) * 1.15))
    right.set_ylabel("busiest node / mean")
    right.set_title("balance (1.0 is perfect)")
    _ticks_inside(*axes)


def draw_hot_keys(axes, view) -> None:
    """Requests per node, no mitigation against the slider's L1 and copies; the L1's hits as their own bar."""
    left, right = axes
    plain, mitigated = view.plain, view.mitigated
    x = np.arange(len(plain.nodes))
    top = max(max(plain.load), max(mitigated.load), 1) * 1.15
    for ax, load, title, colour in (
            (left, plain, "no mitigation", "#d62728"),
            (right, mitigated, f"L1 of {mitigated.l1_size} a worker, {mitigated.copies} copies of the "
                               f"{mitigated.hot_keys} hottest", "#1f77b4")):
        ax.bar(x, load.load, color=colour, edgecolor="black", linewidth=0.4,
               label="requests reaching the node")
        ax.axhline(sum(load.load) / len(x), color="black", lw=0.8, ls=":", label="mean node")
        ax.set_xticks(x, [n.replace("node-", "") for n in load.nodes])
        ax.set_ylim(0, top)
        ax.set_xlabel("node")
        ax.set_title(f"{title}\nbusiest/mean {load.max_over_mean:.2f}, L1 hits {load.l1_hits:,}", fontsize=9)
        ax.legend(fontsize=8, loc="upper right")
    left.set_ylabel(f"requests (of {plain.requests:,})")
    _ticks_inside(*axes)


def _outage(ax, run) -> None:
    ax.axvspan(run.down_at, run.up_at, color="#dddddd", alpha=0.6, lw=0, label="cache down")


def draw_fallback(axes, view) -> None:
    """Left: origin calls a second over time per strategy, with the origin's capacity. Right: requests
    that failed (no free worker) or were shed (refused by the limit, answered with a fallback)."""
    left, right = axes
    some = next(iter(view.runs.values()))
    _outage(left, some)
    _outage(right, some)
    for strategy, run in view.runs.items():
        colour, style = STRATEGY_STYLES[strategy]
        label = strategy.replace("limit", f"limit {view.limit}")
        left.step(run.times, run.origin, where="post", color=colour, ls=style, lw=1.6, label=label)
        right.step(run.times, [f + s for f, s in zip(run.failed, run.shed, strict=True)], where="post",
                   color=colour, ls=style, lw=1.6, label=label)
    left.axhline(some.capacity, color="black", lw=1, label="origin capacity")
    left.set_ylabel("origin calls / s")
    left.set_title("the origin's load")
    right.set_ylabel("failed + shed / s")
    right.set_title("requests not served normally")
    for ax in axes:
        ax.set_xlabel("time (s)")
        ax.set_ylim(bottom=0)
    left.legend(fontsize=7, loc="upper right")
    _ticks_inside(*axes)


def draw_moved(ax, moved) -> None:
    """The share of keys that change node on a join and on a leave, per scheme, with 1/N marked."""
    schemes = list(moved.join)
    x = np.arange(len(schemes))
    series = ((-0.2, moved.join, f"a node joins ({moved.n} -> {moved.n + 1})", None),
              (0.2, moved.leave, f"a node leaves ({moved.n} -> {moved.n - 1})", "//"))
    for offset, shares, label, hatch in series:
        bars = ax.bar(x + offset, [shares[s] for s in schemes], width=0.4, hatch=hatch, edgecolor="black",
                      linewidth=0.4, color=[SCHEME_COLOURS[s] for s in schemes], label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    line = ax.axhline(1 / moved.n, color="black", lw=0.8, ls=":")
    ax.set_xticks(x, schemes)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share of keys that move")
    ax.set_title("keys that change node (each one a miss after the change)")
    handles = [Patch(facecolor="#bbbbbb", edgecolor="black", hatch=hatch, label=label)
               for _, _, label, hatch in series]  # neutral swatches: the colours belong to the schemes
    ax.legend(handles=[*handles, Line2D([], [], color=line.get_color(), ls=":", label=f"1/N = 1/{moved.n}")],
              fontsize=8, loc="upper right")
    _ticks_inside(ax)


def draw_pool_timeline(ax, timeline) -> None:
    """Requests a second by outcome over time (`failures.FailureTimeline`), the kill marked."""
    per_s = 1 / timeline.bucket
    ax.fill_between(timeline.times, [c * per_s for c in timeline.origin_calls], step="post", color="#999999",
                    alpha=0.35, lw=0, label="origin calls (misses + errors)")
    series = (("hits", timeline.hits, "#1f77b4", "-", None),
              ("misses", timeline.misses, "#ff7f0e", "--", None),
              ("errors", timeline.errors, "#d62728", "-", "x"))
    for label, counts, colour, style, marker in series:
        ax.step(timeline.times, [c * per_s for c in counts], where="post", color=colour, ls=style,
                marker=marker, ms=4, lw=1.6, label=label)
    ax.axvline(timeline.kill_at, color="#d62728", lw=1, alpha=0.6)
    ax.annotate(" node 1 killed", (timeline.kill_at, 0), xytext=(2, 4), textcoords="offset points",
                fontsize=8, color="#d62728", in_layout=False)
    shown = ", ".join(f"{k}={v}" for k, v in timeline.settings.items())
    ax.set_title(f"4 memcached nodes, {timeline.share_on_killed_node:.0%} of the keys on node 1\n{shown}",
                 fontsize=9)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("requests / s")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="center right")
    _ticks_inside(ax)
