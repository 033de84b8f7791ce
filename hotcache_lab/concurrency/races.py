"""Make thread races happen on cue: N threads released together at a barrier, timed and counted.

A race that shows "sometimes" is useless in class. Releasing every thread at one
`threading.Barrier`, with a computation long enough (a sleep or real work) that the callers
overlap, makes duplicate computations happen every run, so a notebook can check their count.
`switch_often()` shrinks the interpreter's switch interval so unsafe check-then-act code is
interrupted in the middle, reliably (the GIL makes single bytecodes atomic, not sequences).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .. import _check


@dataclass
class RaceResult:
    """What N threads did: results and errors by thread index, and each call's start and end."""

    results: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (thread index, exception)
    starts: list = field(default_factory=list)  # seconds after the release
    ends: list = field(default_factory=list)
    wall: float = 0.0  # release to the last thread's end

    @property
    def latencies(self) -> list:
        return [e - s for s, e in zip(self.starts, self.ends, strict=True)]

    def raise_first(self, what: str) -> None:
        """Raise the first thread's error (as RuntimeError from it), if any thread failed."""
        if self.errors:
            error = self.errors[0][1]
            raise RuntimeError(f"{what}: {error!r}") from error


def run_together(target: Callable, n_threads: int, args_for: Callable[[int], tuple] | None = None,
                 timeout: float = 30.0) -> RaceResult:
    """Call `target(*args_for(i))` in `n_threads` threads released at once; join them all.

    `args_for(i)` gives thread i's arguments (default: no arguments). Exceptions are collected,
    not raised, so a notebook can show them; a thread still running after `timeout` is an error.
    """
    n_threads = _check.integer("n_threads", n_threads)
    _check.function("target", target)
    args_for = args_for or (lambda i: ())
    barrier = threading.Barrier(n_threads + 1)
    out = RaceResult(results=[None] * n_threads, starts=[0.0] * n_threads, ends=[0.0] * n_threads)
    t0 = [0.0]

    def worker(i: int) -> None:
        args = args_for(i)
        barrier.wait()
        out.starts[i] = time.perf_counter() - t0[0]
        try:
            out.results[i] = target(*args)
        except Exception as error:  # shown to the student, not swallowed: see out.errors
            out.errors.append((i, error))
        out.ends[i] = time.perf_counter() - t0[0]

    threads = [threading.Thread(target=worker, args=(i,), name=f"T{i}", daemon=True)
               for i in range(n_threads)]
    for t in threads:
        t.start()
    t0[0] = time.perf_counter()
    barrier.wait()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
        if t.is_alive():
            raise TimeoutError(f"thread {t.name} still running after {timeout} s")
    out.wall = max(out.ends)
    return out


@contextlib.contextmanager
def switch_often(interval: float = 1e-6) -> Iterator[None]:
    """Let the interpreter switch threads every `interval` seconds inside the block."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        yield
    finally:
        sys.setswitchinterval(old)
