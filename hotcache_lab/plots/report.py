"""The sizing report's figures (`python -m hotcache_lab analyze --out`): curves, rank-frequency, reuse.

Each draw takes axes and an `analyze.Report` and draws what it carries; `report_pngs` renders the
three to PNG bytes for the self-contained HTML page (matplotlib's Agg backend, no display needed).
"""

from __future__ import annotations

import io

import numpy as np

from .style import PALETTE

MARKERS = {"lru": "o", "fifo": "s", "lfu": "^", "rr": "v", "sieve": "D", "s3fifo": "P", "opt": "x"}
LINES = {"lru": "-", "fifo": "--", "lfu": "-.", "rr": ":", "sieve": (0, (5, 1.5)),
         "s3fifo": (0, (3, 1, 1, 1)), "opt": (0, (1, 1))}


def draw_miss_ratio_curves(ax, report) -> None:
    """Every policy's miss ratio against cache size (log x); the chosen maxsize and the knee marked."""
    for policy, curve in report.curves.items():
        sampled = " (SHARDS sample)" if report.sample_rate else ""
        label = "lru (exact)" if policy == "lru" else policy + sampled
        ax.plot(report.sizes, curve, color=PALETTE[policy], ls=LINES[policy], marker=MARKERS[policy], ms=4,
                lw=1.6, label=label)
    ax.axvline(report.choice.maxsize, color="black", lw=0.8, ls=":", label=f"maxsize {report.choice.maxsize}")
    ax.axhline(1 - report.ceiling, color="grey", lw=0.8, label="first requests (floor)")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("cache size (entries, log)")
    ax.set_ylabel("miss ratio")
    ax.set_title("miss ratio by policy and size")
    ax.legend(fontsize=7, ncol=2)


def draw_rank_frequency(ax, report) -> None:
    """Requests per key against its popularity rank, log-log: a straight line is a Zipf law."""
    counts = report.top_counts  # drawn through 2,000 log-spaced ranks: the same line, a light figure
    ranks = np.unique(np.geomspace(1, len(counts), 2000).astype(np.int64))
    ax.loglog(ranks, counts[ranks - 1], color=PALETTE["lru"], marker=".", ms=3, lw=1, label="keys by rank")
    ax.set_xlabel("key rank (log)")
    ax.set_ylabel("requests (log)")
    ax.set_title("rank-frequency")
    ax.legend()


def draw_reuse_histogram(ax, report) -> None:
    """Re-requests by stack distance (log bins): an LRU cache of size s hits those left of s."""
    reuse = report.distances[report.distances >= 0]
    if len(reuse) == 0:
        ax.text(0.5, 0.5, "no key is requested twice", ha="center", transform=ax.transAxes)
        return
    bins = np.unique(np.geomspace(1, reuse.max() + 2, 30).astype(np.int64))
    ax.hist(reuse + 1, bins=bins, color=PALETTE["lru"], label="re-requests")
    ax.set_xscale("log")
    ax.set_xlabel("stack distance + 1 (log)")
    ax.set_ylabel("re-requests")
    ax.set_title("reuse distances")
    ax.legend()


def report_pngs(report) -> dict[str, bytes]:
    """The report's three figures as PNG bytes, by caption."""
    from matplotlib.figure import Figure

    from .style import FIGSIZE

    out = {}
    draws = (("Miss-ratio curves", draw_miss_ratio_curves), ("Rank-frequency", draw_rank_frequency),
             ("Reuse distances", draw_reuse_histogram))
    for title, draw in draws:
        fig = Figure(figsize=FIGSIZE, dpi=80, layout="constrained")
        draw(fig.add_subplot(), report)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        out[title] = buf.getvalue()
    return out
