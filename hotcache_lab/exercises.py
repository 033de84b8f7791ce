"""Self-check cells for exercises: say what is right or what to look at, never crash the notebook.

The full notebooks carry solution cells (tagged `solution`); the student copies (`make student`)
do not. A self-check therefore accepts "not answered yet" and explains, so a student copy still
runs top to bottom.
"""

from __future__ import annotations

import math
from typing import Any

NOT_DONE = None  # what an exercise's answer variable holds until the student fills it in


def check(label: str, got: Any, expected: Any, *, hint: str = "", rel_tol: float = 0.0) -> bool:
    """Print a one-line verdict for one answer and return whether it is right.

    Numbers compare with `rel_tol` (0 means exactly); anything else with ==.
    """
    if got is NOT_DONE:
        print(f"[ ] {label}: not answered yet." + (f" Hint: {hint}" if hint else ""))
        return False
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)) and not isinstance(got, bool):
        ok = math.isclose(got, expected, rel_tol=rel_tol, abs_tol=0.0 if rel_tol else 1e-12)
    else:
        ok = got == expected
    if ok:
        print(f"[x] {label}: right.")
    else:
        print(f"[ ] {label}: not yet (got {got!r})." + (f" Hint: {hint}" if hint else ""))
    return ok
