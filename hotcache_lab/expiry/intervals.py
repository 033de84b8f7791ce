"""Computations as half-open time intervals [start, end): refresh episodes and the load they make.

The one place the lab groups and counts overlapping computations: `hotkey_sim` (simulated) and
`distributed.redis_refresh` (real processes) both report their recomputations through it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import _check


def episodes(intervals: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Group computations [start, end) into refresh episodes: chains of overlapping intervals."""
    groups: list[list[tuple[float, float]]] = []
    end = -math.inf
    for start, stop in sorted(intervals):
        if start >= end:  # half-open: one that starts as the last one ends is a new episode
            groups.append([])
            end = stop
        else:
            end = max(end, stop)
        groups[-1].append((start, stop))
    return groups


def running_at_once(intervals: Sequence[tuple[float, float]]) -> tuple[list[float], list[int]]:
    """The exact step curve of computations running at once: level[k] holds from times[k] to times[k+1].

    Intervals are half-open [start, end): one ending at t and another starting at t never overlap.
    """
    changes = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])  # ends first at ties
    times, levels, level = [], [], 0
    for t, step in changes:
        level += step
        if times and times[-1] == t:
            levels[-1] = level
        else:
            times.append(t)
            levels.append(level)
    return times, levels


def bucket_peaks(intervals: Sequence[tuple[float, float]], duration: float, bucket: float) -> list[int]:
    """The most computations running at once within each bucket [k * bucket, (k + 1) * bucket)."""
    bucket = _check.positive("bucket", bucket)
    n = max(1, math.ceil(duration / bucket))
    peaks = [0] * n
    times, levels = running_at_once(intervals)
    for k, level in enumerate(levels):
        if level <= 0:
            continue
        start = times[k]
        stop = times[k + 1] if k + 1 < len(times) else start
        first = int(start // bucket)
        last = max(first, math.ceil(stop / bucket) - 1)
        for b in range(max(0, first), min(n - 1, last) + 1):
            peaks[b] = max(peaks[b], level)
    return peaks
