"""Seconds per call of a real function, in batches long enough for the clock, and how to print them.

    samples, number = time_per_call(lambda: cache.get(7))   # one figure per batch, the batch size
    format_seconds(statistics.median(samples))               # "312 ns", "41.2 µs", "1.05 ms"

Medians over batches resist the odd preemption on a busy machine; still, compare figures measured
in the same run, and trust ratios, not absolute figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .. import _check

__all__ = ["time_per_call", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """A duration with the unit that reads best: ns, µs, ms or s."""
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def time_per_call(fn: Callable[[], Any], *, repeat: int = 5, min_time: float = 0.005,
                  number: int | None = None) -> tuple[list[float], int]:
    """Seconds per call of `fn()`, one figure per batch, and the batch size used.

    With `number=None` the batch size grows from 1 until a batch lasts at least `min_time`
    (as `timeit.Timer.autorange` does, with a shorter target), so fast and slow calls both get
    batches long enough for the clock.
    """
    _check.function("fn", fn)
    repeat = _check.integer("repeat", repeat)
    min_time = _check.seconds("min_time", min_time)
    number = _check.integer("number", number, allow_none=True)
    clock = time.perf_counter

    def batch(n: int) -> float:
        start = clock()
        for _ in range(n):
            fn()
        return clock() - start

    if number is None:
        number = 1
        while True:
            elapsed = batch(number)
            if elapsed >= min_time:
                break
            number *= 2 if elapsed * 4 >= min_time else 4
    return [batch(number) / number for _ in range(repeat)], number
