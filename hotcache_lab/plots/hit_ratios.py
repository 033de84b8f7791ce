"""Notebook 05's figures: when a cache pays (speedup against hit ratio), and what a memory budget buys.

Each draw takes axes and a result (from `hotcache_lab.lessons.hit_ratios`) and draws what the
result carries; none computes anything. Speedup curves of different caches or amounts of work meet
(at large t0 every cache tends to 1/(1-h)), so each has its own line style and marker besides its colour.
"""

from __future__ import annotations

from .style import PALETTE

#: the two measured caches: both are LRU, told apart by style (lru_cache in LRU's colour)
CACHE_STYLE = {"lru_cache": dict(color=PALETTE["lru"], ls="-", marker="o"),
               "memoize": dict(color="#333333", ls="--", marker="s", markerfacecolor="white")}
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1.5)))
MARKERS = ("o", "s", "^", "D", "v")


def _break_even_dot(ax, h_star: float, **style) -> None:
    if 0 <= h_star <= 1:
        ax.plot([h_star], [1], ls="none", ms=7, zorder=3, markeredgecolor="black", **style)


def draw_break_even(ax, result) -> None:
    """Speedup over hit ratio for each amount of work t0 (a lessons.hit_ratios.BreakEvenLines), from
    light to dark as t0 grows; a dot where a line crosses 1 (its break-even h*)."""
    import matplotlib

    shades = matplotlib.colormaps["viridis"]
    n = len(result.curves)
    for i, (t0, curve) in enumerate(result.curves.items()):
        colour = shades(0.85 - 0.8 * i / max(n - 1, 1))
        h_star = result.break_even[t0]
        note = "never pays" if h_star >= 1 else f"h* = {h_star:.3f}"
        ax.plot(result.grid, curve, color=colour, ls=LINE_STYLES[i % 5], marker=MARKERS[i % 5],
                markevery=(20 + 15 * i, 80), ms=5, lw=1.8, label=f"t0 = {t0:g} µs ({note})")
        _break_even_dot(ax, h_star, color=colour, marker=MARKERS[i % 5])
    ax.axhline(1, color="black", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("hit ratio h")
    ax.set_ylabel("speedup t0 / E[latency] (log)")
    ax.set_title(f"a hit costs {result.t_hit_us:g} µs, a store {result.t_store_us:g} µs: "
                 "below 1 the cache makes calls slower", fontsize=9)
    ax.minorticks_off()  # a log axis's minor ticks cost more to lay out than the rest of the plot
    ax.legend(loc="upper left", fontsize=8)


def draw_speedup(ax, result) -> None:
    """Speedup t0 / E[latency] against the hit ratio per cache; a dot at each break-even h*.

    `result` has t0_us, h, grid, curves, break_even and speedup (`lessons.hit_ratios.speedup_curves`).
    """
    for i, (name, curve) in enumerate(result.curves.items()):
        style = CACHE_STYLE.get(name, dict(ls=LINE_STYLES[i % 5], marker=MARKERS[i % 5]))
        ax.plot(result.grid, curve, lw=1.8, ms=5, markevery=(25 + 25 * i, 50), label=name, **style)
        _break_even_dot(ax, result.break_even[name], **{k: v for k, v in style.items() if k != "ls"})
    ax.axhline(1, color="black", lw=0.8)
    ax.axvline(result.h, color="grey", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("hit ratio h")
    ax.set_ylabel("speedup t0 / E[latency] (log)")
    at_h = ", ".join(f"{name} {s:.2f}×" for name, s in result.speedup.items())
    ax.set_title(f"t0 = {result.t0_us:.3g} µs, h = {result.h:.2f}: speedup {at_h}", fontsize=9)
    ax.minorticks_off()  # a log axis's minor ticks cost more to lay out than the rest of the plot
    ax.legend(loc="upper left")


def draw_budget(axes, result) -> None:
    """Left: requests per user by rank, the cached ones shaded, the users never requested set apart
    (a count, not a made-up value on a log axis); right: LRU's miss-ratio curve with the budget and
    the knee. `result` is a `lessons.hit_ratios.Budget`."""
    left, right = axes
    left.loglog(result.ranks, result.requests, lw=1.5, color=PALETTE["lru"], drawstyle="steps-post")
    left.axvspan(1, max(result.maxsize, 1.5), color=PALETTE["lru"], alpha=0.15, lw=0)
    unrequested = result.n_users - result.requested
    if unrequested:
        left.axvspan(result.requested, result.n_users, facecolor="none", edgecolor="grey", hatch="//", lw=0)
        left.text((result.requested * result.n_users) ** 0.5, 0.5, f"{unrequested:,} users\nnever requested",
                  transform=left.get_xaxis_transform(), ha="center", va="center", fontsize=7.5,
                  bbox=dict(fc="white", ec="none", pad=1))
    left.set_xlim(1, result.n_users)
    left.set_ylim(bottom=0.8)
    left.set_xlabel("user rank")
    left.set_ylabel("requests (log)")
    left.set_title(f"α={result.alpha}: shaded = the {result.maxsize:,} hottest", fontsize=9)
    right.plot(result.sizes, result.curve, lw=1.8, color=PALETTE["lru"])
    right.axvline(min(result.budget_entries, result.n_users), color="black", ls="--", lw=0.8,
                  label="budget")
    right.axvline(result.knee, color="black", ls="-.", lw=1.2, label="knee")
    right.set_xscale("log")
    right.set_ylim(0, 1)
    right.set_xlabel("maxsize (log)")
    right.set_ylabel("LRU miss ratio")
    right.set_title(f"{result.budget_mb:.3g} MB → maxsize {result.maxsize:,} ({result.limited_by})\n"
                    f"hit ratio {result.hit_ratio:.2f}, ≈{result.gain:.1f}× faster", fontsize=9)
    right.legend(loc="lower left")
    for ax in axes:
        ax.minorticks_off()  # a log axis's minor ticks cost more to lay out than the rest of the plot


#: the bundled real traces, told apart by colour and line style (not policy colours: all curves are LRU)
TRACE_STYLE = {"re_compile": dict(color="#1b9e77", ls="-"), "typing_cache": dict(color="#d95f02", ls="--"),
               "linecache_pydoc": dict(color="#7570b3", ls="-.")}


def draw_real_traces(ax, shapes) -> None:
    """The exact LRU miss-ratio curve of each real trace (lessons.hit_ratios.TraceShape) at every size,
    with its floor (first requests only) dotted in the same colour."""
    for i, shape in enumerate(shapes):
        style = TRACE_STYLE.get(shape.name, dict(ls=LINE_STYLES[i % 5]))
        sizes = range(1, len(shape.curve) + 1)
        ax.plot(sizes, shape.curve, lw=1.8, label=f"{shape.name} ({shape.distinct:,} keys)", **style)
        ax.axhline(1 - shape.ceiling, color=style.get("color"), ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("LRU cache size (entries, log)")
    ax.set_ylabel("miss ratio")
    ax.set_title("three real key streams (dotted: first requests, the floor)", fontsize=9)
    ax.minorticks_off()
    ax.legend(loc="upper right")
