"""A forced stampede on a real functools.lru_cache, and what `typed` really does (notebook 06).

Every race here is FORCED so its counts are the same every run: the callers are released together
(`races.run_together`) and the cached function first waits at an `ArrivalGate` until every caller
has asked, then sleeps (its I/O part) and computes a prime (its CPU part). Counts (computations,
duplicates) are therefore deterministic; timings are measured and real.

    stampede(8, compute_ms=40)     # 8 threads, one key, a real functools.lru_cache: 7 duplicates
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import _check
from . import observe, races


def nth_prime(n: int) -> int:
    """The n-th prime (nth_prime(1) == 2), by trial division: honest CPU work that grows with n."""
    n = _check.integer("n", n)
    primes: list[int] = []
    candidate = 2
    while len(primes) < n:
        for p in primes:
            if p * p > candidate:
                primes.append(candidate)
                break
            if candidate % p == 0:
                break
        else:
            primes.append(candidate)
        candidate += 1
    return primes[-1]


def slow_function(delay: float, prime_n: int = 300) -> Callable[[Hashable], tuple]:
    """A stand-in for a database query of any hashable key: sleep `delay` seconds, then compute the
    `prime_n`-th prime; returns (key, prime).

    The sleep releases the GIL, so callers that arrive together really overlap; the prime is the
    CPU part, which they take turns at.
    """
    delay = _check.seconds("delay", delay, allow_zero=True)
    prime_n = _check.integer("prime_n", prime_n)

    def slow_query(key):
        time.sleep(delay)
        return key, nth_prime(prime_n)

    return slow_query


class ArrivalGate:
    """Opens once `n` callers have arrived: holds a computation until every caller has asked.

    The barrier releases the threads together, but on a busy machine the operating system may
    wake the last of them a few milliseconds late. A computation that first waits at the gate
    (at most `timeout` seconds) cannot finish before every caller has arrived, so the count of
    callers who find the key missing does not depend on the scheduler.
    """

    def __init__(self, n: int, timeout: float = 2.0) -> None:
        self.n = _check.integer("n", n)
        self.timeout = _check.seconds("timeout", timeout, allow_zero=True)
        self._arrived = 0
        self._lock = threading.Lock()
        self._open = threading.Event()

    def arrive(self) -> None:
        with self._lock:
            self._arrived += 1
            if self._arrived >= self.n:
                self._open.set()

    def wait(self) -> bool:
        """Wait until everyone arrived (True) or the timeout passed (False)."""
        return self._open.wait(self.timeout)

    def gated(self, func: Callable) -> Callable:
        """`func` that first waits at this gate: it cannot finish before every caller has asked."""
        def gated_func(*args, **kwds):
            self.wait()
            return func(*args, **kwds)

        return functools.update_wrapper(gated_func, func)


@dataclass
class Stampede:
    """N callers of one key on a real `functools.lru_cache`, released together."""

    n_threads: int
    typed: bool
    computations: list  # observe.Computation records: who ran the function, when
    calls: list  # observe.Computation records of every call
    duplicates: int
    wall: float  # release to the last caller's return, seconds
    cache_info: Any  # functools' CacheInfo after the race
    results: list

    @property
    def n_computations(self) -> int:
        return len(self.computations)


def stampede(n_threads: int, compute_ms: float = 40.0, *, typed: bool = False, key: Any = 7,
             prime_n: int = 300, timeout: float = 30.0) -> Stampede:
    """Release `n_threads` callers of `key` together on a fresh `functools.lru_cache`.

    The wrapped function waits at an ArrivalGate until all callers have asked, sleeps
    `compute_ms` and then computes a prime. Returns what `observe.watch` saw: every
    computation (a miss that really ran the function), the duplicates (computations beyond
    the first per key) and the calls.
    """
    _check.integer("n_threads", n_threads)
    _check.flag("typed", typed)
    compute_s = _check.non_negative("compute_ms", compute_ms, unit="milliseconds") / 1e3
    gate = ArrivalGate(n_threads)
    watched = observe.watch(gate.gated(slow_function(compute_s, prime_n)), maxsize=128, typed=typed)

    def caller(k):
        gate.arrive()
        return watched(k)

    watched.reset()  # t0 = now: the timeline starts at (about) the release
    race = races.run_together(caller, n_threads, args_for=lambda i: (key,), timeout=timeout)
    race.raise_first("a caller failed")
    return Stampede(n_threads=n_threads, typed=typed, computations=list(watched.computations),
                    calls=list(watched.calls), duplicates=watched.duplicates(), wall=race.wall,
                    cache_info=watched.cache_info(), results=race.results)


def thread_counts_up_to(threads: int) -> list[int]:
    """1, 2, 4, ... below `threads`, then `threads` itself: the x axis of a stampede sweep."""
    counts = [1]
    while counts[-1] * 2 < threads:
        counts.append(counts[-1] * 2)
    if counts[-1] != threads:
        counts.append(threads)
    return counts


def typed_keys_demo(pairs: Sequence[tuple] = ((1, 1.0), (3.0, "Decimal('3.0')"))) -> dict:
    """What `typed` really does: how many cache entries two equal arguments of different types take.

    Each pair (a, b) is called as f(a) then f(b) on a fresh lru_cache, with typed=False and True.
    A string "Decimal('3.0')" stands for decimal.Decimal("3.0") (so the pair prints readably).
    Returns {(repr(a), repr(b)): {False: entries, True: entries}}.
    """
    from decimal import Decimal

    def arg(x):
        return Decimal(x[len("Decimal('"):-2]) if isinstance(x, str) and x.startswith("Decimal(") else x

    out = {}
    for a, b in pairs:
        row = {}
        for typed in (False, True):
            f = functools.lru_cache(maxsize=128, typed=typed)(lambda x: x)
            f(arg(a))
            f(arg(b))
            row[typed] = f.cache_info().currsize
        out[(repr(arg(a)), repr(arg(b)))] = row
    return out
