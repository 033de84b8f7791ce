"""The argument checks every public function uses, so a bad argument always reads the same way.

Each check returns the value it accepted (converted to a plain int or float) and raises TypeError
for the wrong kind of value or ValueError for the right kind out of range, with a message that
names the parameter: "maxsize must be a positive int, got 0". Booleans are never numbers here
(`True` is an int to Python, but `maxsize=True` is a mistake, not a size). numpy scalars pass, since
numpy registers them with the `numbers` ABCs; no check imports numpy unless it checks an array.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any


def _got(value: Any) -> str:
    return f"got {value!r} ({type(value).__name__})"


def integer(name: str, value: Any, *, minimum: int = 1, allow_none: bool = False) -> int | None:
    """An int >= `minimum` (a positive int by default), or None where `allow_none`."""
    if value is None and allow_none:
        return None
    if minimum == 1:
        want = "a positive int"
    elif minimum == 0:
        want = "a non-negative int"
    else:
        want = f"an int >= {minimum}"
    if allow_none:
        want += " or None"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {want}, {_got(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value)


def number(name: str, value: Any, *, low: float = -math.inf, high: float = math.inf,
           low_open: bool = False, high_open: bool = False, unit: str = "",
           allow_none: bool = False) -> float | None:
    """A finite real number in [low, high] (either end open on request), or None where `allow_none`."""
    if value is None and allow_none:
        return None
    what = f"a number{' of ' + unit if unit else ''}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, {_got(value)}")
    value = float(value)
    too_low = value < low or (low_open and value == low)
    too_high = value > high or (high_open and value == high)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {_range(what, low, high, low_open, high_open)}, got {value!r}")
    return value


def _range(what: str, low: float, high: float, low_open: bool, high_open: bool) -> str:
    if high == math.inf:
        if low == 0:
            return f"a positive finite {what[2:]}" if low_open else f"a non-negative finite {what[2:]}"
        if low == -math.inf:
            return f"a finite {what[2:]}"
        return f"{what} {'>' if low_open else '>='} {low:g}"
    return f"{what} in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def positive(name: str, value: Any, *, unit: str = "", allow_none: bool = False) -> float | None:
    """A finite number > 0."""
    return number(name, value, low=0, low_open=True, unit=unit, allow_none=allow_none)


def non_negative(name: str, value: Any, *, unit: str = "") -> float:
    """A finite number >= 0."""
    return number(name, value, low=0, unit=unit)


def seconds(name: str, value: Any, *, allow_zero: bool = False, allow_none: bool = False) -> float | None:
    """A duration: a finite positive number of seconds (zero allowed where `allow_zero`)."""
    return number(name, value, low=0, low_open=not allow_zero, unit="seconds", allow_none=allow_none)


def fraction(name: str, value: Any, *, low_open: bool = False, high_open: bool = False) -> float:
    """A share or probability in [0, 1]."""
    return number(name, value, low=0, high=1, low_open=low_open, high_open=high_open)


def maxsize(value: Any, *, allow_none: bool = False, name: str = "maxsize") -> int | None:
    """A cache's capacity: a positive int, or None where unbounded is meant."""
    return integer(name, value, allow_none=allow_none)


def one_of(name: str, value: Any, options: Collection) -> Any:
    """One of a fixed set of choices (a policy name, a lock mode, a strategy)."""
    try:
        ok = value in options
    except TypeError:  # an unhashable value asked of a set
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def text(name: str, value: Any) -> str:
    """A non-empty str."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty str, {_got(value)}")
    return value


def seed(value: Any):
    """A numpy Generator from a seed (a non-negative int, or None for fresh entropy)."""
    import numpy as np

    integer("seed", value, minimum=0, allow_none=True)
    return np.random.default_rng(value)


def int_array(name: str, value: Any, *, positive_values: bool = False):
    """A non-empty 1-d array of integers as int64 (a trace's keys, a list of cache sizes)."""
    import numpy as np

    arr = np.asarray(value)
    if arr.ndim != 1:
        raise TypeError(f"{name} must be a 1-d sequence of integers, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if positive_values and (arr <= 0).any():
        raise ValueError(f"{name} must be positive ints, got {arr[arr <= 0][0]}")
    return arr.astype(np.int64, copy=False)


def flag(name: str, value: Any) -> bool:
    """A real bool (True or False), not a truthy stand-in like 1 or "yes"."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, {_got(value)}")
    return value


def function(name: str, value: Any, *, what: str = "callable") -> Any:
    """Something to call (a computation, a clock, a hook); `what` says what kind, for the message."""
    if not callable(value):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    return value
