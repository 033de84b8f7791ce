"""Notebook 08's figures: the stale-set race as a sequence diagram, the caching patterns side by side,
the race counted per fix, negative caching, and synchronized expiry against jitter.

Each draw_* takes axes and a result of `hotcache_lab.lessons.invalidation_and_consistency` and draws
it; none computes anything. Every bar carries its value as text, so a bar of 0 is still seen.
"""

from __future__ import annotations

from .style import PALETTE

#: one colour per caching pattern, and per fix of the stale-set race (the unsafe ones warm, the safe cool)
PATTERN_COLOURS = {"cache-aside": "#1f77b4", "read-through": "#17becf", "write-through": "#2ca02c",
                   "write-behind": "#ff7f0e", "refresh-ahead": "#9467bd"}
FIX_COLOURS = {"delete": PALETTE["expire"], "delete+ttl": "#ff7f0e", "lease": "#1f77b4",
               "versioned": "#2ca02c"}


def _bars(ax, x, heights, *, width, colours, hatch=None, texts=None) -> None:
    """Bars with their value (or `texts`) written on top, so a bar of 0 shows as "0"."""
    ax.bar(x, heights, width=width, color=colours, hatch=hatch, edgecolor="black", linewidth=0.6)
    for xi, h, text in zip(x, heights, texts or [f"{h:g}" for h in heights], strict=True):
        ax.annotate(text, (xi, h), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7,
                    in_layout=False)  # inside the axes: the layout need not measure it (a lighter redraw)


def _solid_and_hatched_legend(ax, solid: str, hatched: str, hatch: str, loc: str) -> None:
    """A legend of neutral swatches: the bars' colours belong to the patterns or fixes, not the series."""
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor="#bbbbbb", edgecolor="black", label=solid),
                       Patch(facecolor="white", edgecolor="black", hatch=hatch, label=hatched)],
              loc=loc, fontsize=8)


def draw_race_sequence(ax, sequence) -> None:
    """Lanes left to right (reader, cache, database, writer), one arrow a step, top to bottom; the steps
    that make the cache wrong in red. `sequence` is a `RaceSequence`."""
    lanes = {name: i for i, name in enumerate(sequence.lanes)}
    n = len(sequence.steps)
    for name, x in lanes.items():
        ax.plot([x, x], [0.5, -n - 0.3], color="#999999", lw=1, ls=":")
        ax.text(x, 0.7, name, ha="center", va="bottom", fontsize=9, fontweight="bold")
    for i, (source, target, label, fatal) in enumerate(sequence.steps, start=1):
        y, colour = -i, PALETTE["expire"] if fatal else "black"
        x0, x1 = lanes[source], lanes[target]
        ax.annotate("", xy=(x1, y), xytext=(x0, y),
                    arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.0 if fatal else 1.2})
        ax.text((x0 + x1) / 2, y + 0.12, f"{i}. {label}", ha="center", va="bottom", fontsize=8, color=colour)
    ax.set_xlim(-0.6, len(lanes) - 0.4)
    ax.set_ylim(-n - 0.5, 1.3)
    ax.set_axis_off()
    ax.set_title(sequence.title)


def draw_patterns(axes, view) -> None:
    """Three panels, one row per pattern: database reads and writes, stale reads, writes lost on a
    crash. `view` is a `PatternsView`; the bars start at 0 and carry their values."""
    runs = view.runs
    names = [run.pattern for run in runs]
    y = list(range(len(runs)))
    colours = [PATTERN_COLOURS.get(name, "#7f7f7f") for name in names]
    queries, stale, lost = axes
    _hbars(queries, [i - 0.2 for i in y], [r.db_reads for r in runs], colours=colours, height=0.4)
    _hbars(queries, [i + 0.2 for i in y], [r.db_writes for r in runs], colours="white", height=0.4,
           hatch="///")
    queries.set_title(f"database queries ({runs[0].requests} requests, {view.write_share:.0%} writes)",
                      fontsize=9)
    _solid_and_hatched_legend(queries, "reads", "writes", "///", "lower right")
    _hbars(stale, y, [r.stale_reads for r in runs], colours=colours, height=0.6,
           texts=[f"{r.stale_reads}" + (f" (oldest {r.max_stale_ticks} ticks)" if r.stale_reads else "")
                  for r in runs])
    stale.set_title("stale reads (and the oldest)", fontsize=9)
    _hbars(lost, y, [r.lost_on_crash for r in runs], colours=colours, height=0.6)
    lost.set_title("acknowledged writes lost on a crash", fontsize=9)
    for ax in axes:
        ax.set_xlim(0, max([1, *(b.get_width() for b in ax.patches)]) * 1.6)
        ax.set_yticks(y, names if ax is queries else [])
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(_integer_ticks())


def _hbars(ax, y, widths, *, colours, height, hatch=None, texts=None) -> None:
    """Horizontal bars with their value (or `texts`) written at the end, so a bar of 0 shows as "0"."""
    ax.barh(y, widths, height=height, color=colours, hatch=hatch, edgecolor="black", linewidth=0.6)
    for yi, w, text in zip(y, widths, texts or [f"{w:g}" for w in widths], strict=True):
        ax.annotate(text, (w, yi), xytext=(2, 0), textcoords="offset points", va="center", fontsize=7,
                    in_layout=False)


def _integer_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(4, integer=True)


def draw_stale_counts(ax, counts) -> None:
    """Per fix of the stale-set race: the stale reads counted under real threads, and the fills the
    protocol refused (each one a stale value kept out). `counts` maps strategy -> `StaleCount`."""
    names = list(counts)
    x = list(range(len(names)))
    colours = [FIX_COLOURS.get(name, "#7f7f7f") for name in names]
    _bars(ax, [i - 0.2 for i in x], [counts[n].stale_reads for n in names], width=0.4, colours=colours)
    _bars(ax, [i + 0.2 for i in x], [counts[n].refused_fills for n in names], width=0.4, colours="white",
          hatch="\\\\\\")
    reads = counts[names[0]].reads if names else 0
    ax.set_xticks(x, names)
    ax.set_ylim(0, max([1, *(b.get_height() for b in ax.patches)]) * 1.25)
    ax.set_ylabel("count")
    ax.set_title(f"the stale-set race under real threads ({reads} reads per fix)")
    _solid_and_hatched_legend(ax, "stale reads", "fills refused", "\\\\\\", "upper right")


def draw_negative(axes, sweep) -> None:
    """Left: database queries against the negative TTL; right: "absent" answers for keys that existed
    by then. One line with the writer leaving the marker, one with it deleting the marker on create.
    `sweep` is a `NegativeSweep`; the TTLs sit evenly spaced (0 is no negative caching)."""
    queries, stale = axes
    x = list(range(len(sweep.ttls)))
    styles = {False: {"ls": "-", "marker": "o", "color": PALETTE["expire"],
                      "label": "writer leaves the marker"},
              True: {"ls": "--", "marker": "s", "color": "#2ca02c", "label": "writer deletes it"}}
    for healed, style in styles.items():
        queries.plot(x, sweep.queries[healed], lw=1.6, **style)
        stale.plot(x, sweep.stale_absent[healed], lw=1.6, **style)
    queries.axhline(sweep.absent_lookups, color="#7f7f7f", ls=":", lw=1)
    queries.annotate(f"lookups of missing keys: {sweep.absent_lookups}", (0, sweep.absent_lookups),
                     xytext=(4, 3), textcoords="offset points", fontsize=7, color="#555555")
    queries.set_title(f"database queries ({sweep.lookups} lookups)", fontsize=9)
    stale.set_title('"absent" answered for a key that existed', fontsize=9)
    tops = {queries: max(sweep.absent_lookups, *sweep.queries[False], *sweep.queries[True]),
            stale: max(1, *sweep.stale_absent[False], *sweep.stale_absent[True])}
    for ax, top in tops.items():
        ax.set_xticks(x, [str(t) for t in sweep.ttls])
        ax.set_xlabel("negative TTL (ticks; 0 = none)")
        ax.set_ylim(0, top * 1.15)
    stale.legend(loc="upper left", fontsize=8)


def draw_expiry_load(ax, view) -> None:
    """Database queries per second over time with the chosen jitter, the no-jitter run behind it
    (dashed, grey); the y scale is the no-jitter peak's, so every slider stop compares at a glance."""
    current, reference = view.current, view.reference
    ax.step(reference.seconds, reference.db_queries, where="post", color="#9a9a9a", ls="--", lw=1.0,
            label=f"no jitter: peak {reference.peak}/s")
    ax.step(current.seconds, current.db_queries, where="post", color="#1f77b4", lw=1.4,
            label=f"jitter {current.jitter:.0%}: peak {current.peak}/s, mean {current.mean:.1f}/s")
    peak_at = int(current.db_queries.argmax()) if current.db_queries.size else 0
    ax.plot([current.seconds[peak_at]], [current.peak], marker="v", color="#1f77b4", ms=7, ls="none")
    ax.set_ylim(0, max(reference.peak, current.peak, 1) * 1.15)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("database queries per second")
    ax.set_title(f"{current.warmup} keys filled at t = 0, TTL drawn from [TTL × (1 − jitter), TTL]")
    ax.legend(loc="upper right")
