"""What a simulated service run reports: per-bucket series, run totals and an optional request log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _check

MISS, FRESH, STALE = 0, 1, 2  # request outcomes in ServiceResult.log["outcome"]

#: Names of the per-bucket series in `ServiceResult.series`.
SERIES = ("entries", "peak_entries", "expired_held", "requests", "hits", "misses", "stale_reads", "max_age")


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class ServiceResult:
    """What one strategy did over the run: per-bucket `series` and run totals.

    series (numpy arrays, one value per time bucket starting at `bucket_starts`):
      entries       entries in memory at the end of the bucket, expired-but-held included (a
                    TTLCache's len() leaves those out: they are `expired_held`)
      peak_entries  most entries held at any moment in the bucket
      expired_held  entries held at the end of the bucket whose TTL is already up (ttl only; else 0)
      requests, hits, misses, stale_reads   counts of the bucket's requests
      max_age       oldest value served by a hit in the bucket (seconds since it was fetched; 0 if no hit)

    log (only with record=True), one entry per request:
      outcome        MISS (0), FRESH hit (1) or STALE hit (2)
      served_version the version the service answered with (fetched on a miss, cached on a hit)
      origin_version the origin's current version at that moment
      age            seconds since the served value was fetched (0 on a miss)
    """

    strategy: str
    params: dict
    bucket_starts: np.ndarray
    bucket_seconds: float
    series: dict[str, np.ndarray]
    hits: int
    misses: int
    stale_reads: int
    peak_entries: int
    final_entries: int  # entries in memory at the end, expired-but-held included
    evictions: int  # capacity evictions (LRU), not expirations
    expirations: int  # entries dropped because their TTL was up (ttl only)
    clears: int  # cache_clear() calls (clear only)
    max_age: float  # oldest value served, seconds since it was fetched from the origin
    max_stale_for: float  # longest a served value had already been out of date, seconds
    cache_stats: Any = field(repr=False, default=None)  # the real cache's own .stats at the end
    log: dict[str, np.ndarray] | None = field(repr=False, default=None)  # per request, with record=True

    @property
    def requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        return _share(self.hits, self.requests)

    @property
    def stale_ratio(self) -> float:
        """Stale reads over all requests: the share of answers that were out of date."""
        return _share(self.stale_reads, self.requests)

    @property
    def mean_entries(self) -> float:
        """Time-average of entries held (bucket ends), a fair 'memory bill' for the whole run."""
        e = self.series["entries"]
        return float(e.mean()) if len(e) else 0.0

    @property
    def label(self) -> str:
        inner = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in self.params.items())
        return f"{self.strategy}({inner})" if inner else self.strategy

    def hit_ratio_series(self, window: int = 1) -> np.ndarray:
        """Hits over requests per bucket, or over the last `window` buckets (NaN where there were none)."""
        window = _check.integer("window", window)
        req = self.series["requests"]
        hits = self.series["hits"]
        if window > 1:
            kernel = np.ones(window, dtype=np.int64)
            req = np.convolve(req, kernel)[: len(req)]
            hits = np.convolve(hits, kernel)[: len(hits)]
        return np.where(req > 0, hits / np.maximum(req, 1), np.nan)

    def summary(self) -> dict:
        """Small, deterministic figures for printing: ratios rounded to 3 places."""
        return {
            "strategy": self.label, "hit_ratio": round(self.hit_ratio, 3), "peak_entries": self.peak_entries,
            "stale_reads": self.stale_reads, "max_age": round(self.max_age, 1),
        }


@dataclass(frozen=True)
class FrontierPoint:
    """One strategy's place on the memory / hit-ratio / staleness frontier."""

    label: str
    strategy: str
    params: dict
    hit_ratio: float
    peak_entries: int
    mean_entries: float
    stale_reads: int
    stale_ratio: float
    max_age: float

    @classmethod
    def of(cls, r: ServiceResult) -> FrontierPoint:
        return cls(r.label, r.strategy, r.params, r.hit_ratio, r.peak_entries, r.mean_entries,
                   r.stale_reads, r.stale_ratio, r.max_age)

