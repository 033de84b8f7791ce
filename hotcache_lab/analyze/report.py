"""A sizing report for one trace: what a cache in front of this key stream would hit, and what size to pick.

Every number comes from the lab's simulator or measure functions, so the report and a notebook
that calls them directly agree: the exact LRU miss-ratio curve from compiled stack distances
(`sim.miss_ratio_curve`), the other policies replayed by their compiled kernels on the same size
grid, the knee and the budget's maxsize from `measure.latency.choose_maxsize`, the break-even hit
ratio from `measure.latency.break_even_hit_ratio`. Above `sample_above` requests the other policies
are replayed on a SHARDS sample (Waldspurger et al., FAST 2015: every request of the keys whose
hash falls below a threshold), with cache sizes scaled by the sampling rate, the "miniature
simulation" of Waldspurger et al., USENIX ATC 2017, their misses counted over the expected number of
sampled requests (SHARDS_adj's correction); the report says so. LRU stays exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .. import _check
from ..measure.latency import SizeChoice, break_even_hit_ratio, choose_maxsize
from ..measure.stats import percentile
from ..sim import curves
from ..sim.curves import shards_sample
from ..workloads.traces import Trace

OTHER_POLICIES = ("fifo", "lfu", "rr", "sieve", "s3fifo", "opt")
SAMPLE_ABOVE = 200_000  # requests: above this the other policies are replayed on a SHARDS sample
MIN_SCALED = 4  # entries: a sampled replay of a smaller cache is too coarse to report (left out, NaN)
GRID_POINTS = 16  # cache sizes on the curve, geometric from 1 entry to every distinct key
DEFAULT_HIT_SECONDS = 1e-7  # a lookup, the order of a functools.lru_cache hit; measure yours
REUSE_WITHIN = (1, 10, 100, 1000, 10_000)

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(text: str) -> int:
    """'256MB' -> 256_000_000; kB/MB/GB are powers of 10, KiB/MiB/GiB powers of 2, case-insensitive."""
    _check.text("memory budget", text)
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"memory budget must be a size like 256MB, 64MiB or 1000000 (bytes), got {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@dataclass(frozen=True)
class Report:
    """What `analyze` found; the text and HTML reports only format these fields."""

    name: str
    requests: int
    distinct: int
    once: int  # keys requested exactly once
    top_counts: np.ndarray = field(repr=False)  # request counts by rank, most requested first
    reuse_within: dict[int, float]  # d -> fraction of re-requests at stack distance < d
    distances: np.ndarray = field(repr=False)  # stack distance of every request (-1: first request)
    sizes: np.ndarray  # cache sizes of the curves (entries)
    curves: dict[str, np.ndarray]  # policy -> miss ratio at each size ("lru" exact)
    sample_rate: float | None  # SHARDS rate of the other policies' curves, None when replayed in full
    sampled_requests: int  # requests the other policies were replayed on
    choice: SizeChoice
    budget_bytes: int | None
    entry_bytes: float | None  # mean deep size of the recorded results (None: not recorded)
    recorded_keys: int  # keys with a recorded first call
    miss_seconds: float | None  # mean duration of the recorded first calls
    miss_seconds_median: float | None
    hit_seconds: float
    break_even: float | None

    @property
    def ceiling(self) -> float:
        """The best hit ratio any cache could reach: every first request misses."""
        return 1.0 - self.distinct / self.requests

    def share(self, top: int) -> float:
        """Fraction of the requests that go to the `top` most requested keys."""
        return float(self.top_counts[:top].sum() / self.requests)

    def hit_ratio(self, policy: str, size: int) -> float:
        return float(1.0 - self.curves[policy][int(np.searchsorted(self.sizes, size))])

    def best_policy(self, size: int) -> str:
        """The policy with the highest hit ratio at `size`, OPT (which needs the future) left out."""
        known = [p for p in self.curves if p != "opt" and not np.isnan(self.hit_ratio(p, size))]
        return max(known, key=lambda p: self.hit_ratio(p, size))


def size_grid(distinct: int, points: int = GRID_POINTS, also: int | None = None) -> np.ndarray:
    """Geometric cache sizes from 1 to `distinct` (a size of every distinct key hits all re-requests),
    plus `also` (the entries a memory budget holds) when it lies inside, so the budget's size is on it."""
    grid = np.geomspace(1, max(distinct, 1), points).round().astype(np.int64)
    if also is not None and 1 <= also < distinct:
        grid = np.append(grid, also)
    return np.unique(grid)


def _other_curves(keys: np.ndarray, sizes: np.ndarray, sample_above: int,
                  bar) -> tuple[dict, float | None, int]:
    """The other policies' curves; on a SHARDS sample above `sample_above` requests, NaN at the sizes
    the sample cannot resolve (below MIN_SCALED entries once scaled by the rate)."""
    rate = None
    sample, scaled = keys, sizes
    if len(keys) > sample_above:
        sample, rate = shards_sample(keys, sample_above / len(keys))
        scaled = np.round(sizes * rate).astype(np.int64)
    resolved = scaled >= (1 if rate is None else MIN_SCALED)
    out = {}
    for policy in OTHER_POLICIES:
        bar.set_postfix_str(policy)
        curve = np.full(len(sizes), np.nan)
        if resolved.any() and len(sample):
            misses = curves.miss_ratio_curve(sample, policy, scaled[resolved], progress=False) * len(sample)
            # over the expected sample size, not the actual one: the surplus (or shortfall) of sampled
            # requests is mostly a hot key's hits, the correction SHARDS_adj makes for LRU
            expected = len(sample) if rate is None else len(keys) * rate
            curve[resolved] = np.clip(misses / expected, 0.0, 1.0)
        out[policy] = curve
        bar.update()
    return out, rate, len(sample)


def _costs(trace: Trace) -> tuple[int, float | None, float | None, float | None]:
    """Recorded keys, mean bytes per result, mean and median seconds per first call (None: unknown)."""
    if trace.costs is None or len(trace.costs.keys) == 0:
        return 0, None, None, None
    _, first = np.unique(trace.costs.keys, return_index=True)  # a key's first recorded call
    seconds, size = trace.costs.seconds[first], trace.costs.bytes[first]
    mean_bytes = float(size.mean()) if size.mean() > 0 else None
    return len(first), mean_bytes, float(seconds.mean()), float(percentile(seconds.tolist(), 50))


def analyze(trace: Trace | np.ndarray, *, name: str = "trace", budget_bytes: int | None = None,
            hit_seconds: float = DEFAULT_HIT_SECONDS, sample_above: int = SAMPLE_ABOVE,
            progress: bool = False) -> Report:
    """Compute the sizing report of a trace (a workloads.Trace, or a key array: no recorded costs)."""
    trace = trace if isinstance(trace, Trace) else Trace(_check.int_array("trace", trace))
    keys = _check.int_array("trace", trace.keys)
    budget_bytes = _check.integer("budget_bytes", budget_bytes, minimum=0, allow_none=True)
    hit_seconds = _check.seconds("hit_seconds", hit_seconds, allow_zero=True)
    sample_above = _check.integer("sample_above", sample_above)
    with tqdm(total=3 + len(OTHER_POLICIES), desc="analyze", disable=not progress, leave=False) as bar:
        bar.set_postfix_str("counts")
        _, counts = np.unique(keys, return_counts=True)
        bar.update()
        bar.set_postfix_str("stack distances")
        distances = curves.reuse_distances(keys)
        bar.update()
        recorded, entry_bytes, mean_s, median_s = _costs(trace)
        budget = budget_bytes if budget_bytes is not None and entry_bytes else None
        sizes = size_grid(len(counts), also=None if budget is None else int(budget // entry_bytes))
        bar.set_postfix_str("lru")
        all_curves = {"lru": curves.miss_ratio_curve(keys, "lru", sizes)}
        bar.update()
        others, rate, sampled = _other_curves(keys, sizes, sample_above, bar)
    all_curves.update(others)
    reuse = distances[distances >= 0]
    within = {d: float(np.mean(reuse < d)) if len(reuse) else 0.0 for d in REUSE_WITHIN}
    per = max(1, int(sizes[-1]) // 100)  # the knee's step: a hundredth of the key space
    if budget is None:  # the knee alone: a budget of every key at one byte each
        choice = choose_maxsize(sizes, all_curves["lru"], budget_bytes=sizes[-1], entry_bytes=1.0, per=per)
    else:
        choice = choose_maxsize(sizes, all_curves["lru"], budget_bytes=budget, entry_bytes=entry_bytes,
                                per=per)
    be = break_even_hit_ratio(hit_seconds, mean_s) if mean_s else None
    return Report(name, len(keys), len(counts), int((counts == 1).sum()), np.sort(counts)[::-1],
                  within, distances, sizes, all_curves, rate, sampled, choice, budget_bytes, entry_bytes,
                  recorded, mean_s, median_s, hit_seconds, be)
