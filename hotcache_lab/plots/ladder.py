"""The latency ladder (notebook 07): one bar per rung on a log scale, and the codecs side by side."""

from __future__ import annotations

from .style import PALETTE

RUNG_COLOURS = {"lru_cache hit": "#1f77b4", "memoize hit": "#2ca02c", "redis GET": "#d62728",
                "memcached GET": "#9467bd", "computation": "#7f7f7f"}


def draw_ladder(axes, result) -> None:
    """Left: seconds per call of each rung (`result.ladder`, a Ladder); right: `result.codecs` (codec_times).

    `axes` is a pair of Axes; `result` a `lessons.beyond_functools.LadderView` (its `labels`: each
    rung's figure as text).
    """
    left, right = axes
    measured = result.ladder
    names = [r.name for r in measured.rungs]
    medians = [r.median for r in measured.rungs]
    left.barh(range(len(names)), medians, color=[RUNG_COLOURS.get(n, PALETTE["opt"]) for n in names])
    for i, (seconds, label) in enumerate(zip(medians, result.labels, strict=True)):
        left.text(seconds, i, " " + label, va="center", fontsize=8)
    left.set_yticks(range(len(names)), names)
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlim(min(medians) / 3, max(medians) * 30)
    left.set_xlabel("seconds per call (log scale)")
    left.set_title(f"one hit, value of {measured.value_size:,} B as {measured.codec}")
    if measured.skipped:
        left.text(0.99, 0.02, "skipped: " + ", ".join(measured.skipped), transform=left.transAxes,
                  ha="right", fontsize=8, color="0.4")
    draw_codecs(right, result.codecs)


def draw_codecs(ax, codecs: dict) -> None:
    """Encode and decode µs per value for each codec, its size under the name (codec_times' dict)."""
    xs = range(len(codecs))
    enc = [codecs[c]["dumps"] * 1e6 for c in codecs]
    dec = [codecs[c]["loads"] * 1e6 for c in codecs]
    ax.bar([x - 0.2 for x in xs], enc, width=0.4, label="encode (dumps)", color="#ff7f0e")
    ax.bar([x + 0.2 for x in xs], dec, width=0.4, label="decode (loads)", color="#17becf")
    ax.set_xticks(list(xs), [f"{c}\n{codecs[c]['bytes']:,} B" for c in codecs])
    ax.set_ylabel("µs per value")
    ax.set_title("serialization")
    ax.legend()
