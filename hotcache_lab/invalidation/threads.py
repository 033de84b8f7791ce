"""A few calls at once, one thread each, every wait bounded: what the races and the side-by-side
replays share. A thread that has not finished within the timeout is reported, never waited on, and
the first error a thread raised is raised again in the caller's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .. import _check

JOIN_TIMEOUT = 30.0  # s: a thread that has not finished by then is a bug


def run_threads(*calls: Callable[[], Any], timeout: float = JOIN_TIMEOUT) -> list[Any]:
    """Start `calls` in one thread each, join them all within `timeout`; their results, in order."""
    _check.seconds("timeout", timeout)
    for call in calls:
        _check.function("call", call)
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def guarded(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except BaseException as error:  # re-raised below, in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"a thread did not finish within {timeout} s")
    if errors:
        raise errors[0]
    return results
