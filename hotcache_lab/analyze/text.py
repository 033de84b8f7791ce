"""The report in words: the text the CLI prints, the recommendation, and a self-contained HTML page.

Formatting only: every figure is a field of `report.Report`. Ratios print with three decimals,
durations in µs, sizes in entries and bytes, so a test can rebuild each line from the numbers.
"""

from __future__ import annotations

import base64
import html

from .report import MIN_SCALED, Report


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.3g} µs"


def _mb(size: float) -> str:
    return f"{size / 1e6:.3g} MB"


def recommendation(r: Report) -> str:
    """The advice in plain words, with the numbers it rests on."""
    size = r.choice.maxsize
    lru_hit = r.hit_ratio("lru", size)
    best = r.best_policy(size)
    why = ("the largest size the memory budget holds" if r.choice.limited_by == "budget"
           else "the knee: beyond it more entries add little")
    if r.break_even is not None and lru_hit <= r.break_even:
        return (f"Do not cache: an LRU cache of {size} entries ({why}) would hit {lru_hit:.3f} of the calls, "
                f"below the break-even hit ratio {r.break_even:.3g} for a {_us(r.miss_seconds)} "
                f"computation and a {_us(r.hit_seconds)} lookup.")
    text = f"Use maxsize={size} ({why}): LRU hits {lru_hit:.3f} of the calls"
    if best != "lru" and r.hit_ratio(best, size) > lru_hit:
        text += f", {best} {r.hit_ratio(best, size):.3f}"
    text += f" (no cache can beat {r.ceiling:.3f} on this trace)"
    if r.entry_bytes:
        text += f"; about {_mb(size * r.entry_bytes)} of results"
    if r.break_even is None:
        return text + ". Durations were not recorded, so whether caching pays is unknown."
    mean_after = r.hit_seconds + (1 - lru_hit) * r.miss_seconds
    return (text + f"; a mean call falls from {_us(r.miss_seconds)} to {_us(mean_after)} "
            f"(break-even hit ratio {r.break_even:.3g}).")


def _ratio(value: float) -> str:
    return "      -" if value != value else f"{value:7.3f}"  # NaN: a size the SHARDS sample cannot resolve


def _curve_table(r: Report) -> list[str]:
    policies = list(r.curves)
    width = max(4, len(str(r.sizes[-1])))
    header = f"  {'size':>{width}} " + " ".join(f"{p:>7}" for p in policies)
    lines = ["miss ratio by cache size (entries):", header]
    for i, size in enumerate(r.sizes.tolist()):
        lines.append(f"  {size:>{width}} " + " ".join(_ratio(r.curves[p][i]) for p in policies))
    return lines


def text_report(r: Report) -> str:
    """The plain-text report, one fact a line (the CLI's stdout)."""
    lines = [
        f"trace: {r.name}",
        f"requests: {r.requests}",
        f"distinct keys: {r.distinct}",
        f"keys requested once: {r.once}",
        f"hit ratio ceiling (every first request misses): {r.ceiling:.3f}",
        "share of requests to the top 1, 10, 100 keys: "
        + ", ".join(f"{r.share(top):.3f}" for top in (1, 10, 100)),
        "re-requests within stack distance 1, 10, 100, 1000, 10000: "
        + ", ".join(f"{r.reuse_within[d]:.3f}" for d in sorted(r.reuse_within)),
    ]
    if r.sample_rate is None:
        lines.append("policies: lru exact; fifo, lfu, rr, sieve, s3fifo, opt replayed on every request")
    else:
        lines.append(f"policies: lru exact; the others replayed on a SHARDS sample of {r.sampled_requests} "
                     f"requests (rate {r.sample_rate:.4g}, sizes scaled by it; '-' below "
                     f"{(MIN_SCALED - 0.5) / r.sample_rate:.0f} entries, which the sample cannot resolve)")
    lines += _curve_table(r)
    lines.append(f"knee: {r.choice.knee} entries")
    if r.entry_bytes is None:
        lines.append("bytes per entry: unknown (no recorded result sizes)")
    else:
        lines.append(f"bytes per entry: {r.entry_bytes:.0f} (mean deep size of {r.recorded_keys} recorded "
                     "results; keys and the cache's own overhead not included)")
    if r.budget_bytes is not None:
        if r.entry_bytes is None:
            lines.append(f"memory budget: {r.budget_bytes} bytes, not applied: bytes per entry unknown")
        else:
            lines.append(f"memory budget: {r.budget_bytes} bytes holds {r.choice.budget_entries} entries")
    lines.append(f"chosen maxsize: {r.choice.maxsize} (limited by {r.choice.limited_by}), "
                 f"lru hit ratio {r.hit_ratio('lru', r.choice.maxsize):.3f}")
    if r.miss_seconds is None:
        lines.append("computation per miss: unknown (no recorded durations)")
    else:
        lines.append(f"computation per miss: mean {_us(r.miss_seconds)}, median {_us(r.miss_seconds_median)} "
                     f"({r.recorded_keys} recorded first calls)")
        lines.append(f"break-even hit ratio: {r.break_even:.3g} (lookup {_us(r.hit_seconds)} assumed)")
    lines.append(f"recommendation: {recommendation(r)}")
    return "\n".join(lines) + "\n"


def html_report(r: Report, figures: dict[str, bytes]) -> str:
    """A self-contained HTML page: the text report and the figures as inline PNGs (no external file)."""
    images = "\n".join(
        f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}"><figcaption>{html.escape(title)}</figcaption></figure>'
        for title, png in figures.items())
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>hotcache-lab report: {html.escape(r.name)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f6f6f6;"
        "padding:1em;overflow-x:auto}img{max-width:100%}</style></head><body>\n"
        f"<h1>Cache sizing report: {html.escape(r.name)}</h1>\n"
        f"<p><strong>{html.escape(recommendation(r))}</strong></p>\n"
        f"{images}\n<pre>{html.escape(text_report(r))}</pre>\n</body></html>\n"
    )
