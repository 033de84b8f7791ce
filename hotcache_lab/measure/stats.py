"""Summaries of measured samples: the one percentile every latency figure in the lab uses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import _check


def percentile(values: Sequence, q: float) -> Any:
    """The q-th percentile (0-100) by nearest rank: a value that was really observed, never an average
    of two (a p99 should be a latency some request really had)."""
    q = _check.number("q", q, low=0, high=100)
    if len(values) == 0:
        raise ValueError("values must not be empty: there is no percentile of no samples")
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * q / 100))
    return ordered[rank - 1]
