"""The house style: one figure size, one colour per policy and strategy, small light PNGs."""

from __future__ import annotations

FIGSIZE = (7.5, 3.4)  # wide and short: fits beside the prose on a laptop and on a slide
PALETTE = {
    "lru": "#1f77b4", "fifo": "#ff7f0e", "lfu": "#2ca02c", "rr": "#9467bd", "sieve": "#d62728",
    "s3fifo": "#8c564b", "opt": "#7f7f7f", "ttl": "#e377c2", "unbounded": "#17becf",
    "expire": "#d62728", "expire+single-flight": "#1f77b4", "stale-while-revalidate": "#2ca02c",
    "xfetch": "#9467bd", "duplicates": "#d62728", "wall time": "#1f77b4",
    "clear": "#bcbd22",
}


def use_house_style() -> None:
    """Small, readable figures (about 40 KB each as PNG) so committed notebooks stay light."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": FIGSIZE, "figure.dpi": 80, "savefig.dpi": 80,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9, "legend.frameon": False,
    })
