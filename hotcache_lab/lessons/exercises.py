"""Self-check cells for exercises: say what is right or what to look at, never crash the notebook.

The full notebooks carry solution cells (tagged `solution`); the student copies (`make student`)
do not. A self-check therefore accepts "not answered yet" and explains, so a student copy still
runs top to bottom. `check` prints and returns None, so a self-check cell shows one line and no
stray `True`; `is_right` is the same verdict as a value, for code that needs it.
"""

from __future__ import annotations

import math
from typing import Any

NOT_DONE = None  # what an exercise's answer variable holds until the student fills it in


def is_right(got: Any, expected: Any, rel_tol: float = 0.0) -> bool:
    """Numbers compare with `rel_tol` (0 means exactly); anything else with ==."""
    if got is NOT_DONE:
        return False
    if isinstance(got, bool) != isinstance(expected, bool):
        return False  # True is not the answer 1
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(got, expected, rel_tol=rel_tol, abs_tol=0.0 if rel_tol else 1e-12)
    return got == expected


def check(label: str, got: Any, expected: Any, *, hint: str = "", rel_tol: float = 0.0) -> None:
    """Print a one-line verdict for one answer."""
    tip = f" Hint: {hint}" if hint else ""
    if got is NOT_DONE:
        print(f"[ ] {label}: not answered yet.{tip}")
    elif is_right(got, expected, rel_tol):
        print(f"[x] {label}: right.")
    else:
        print(f"[ ] {label}: not yet (got {got!r}).{tip}")
