"""Five ways to put a cache in front of a slow function shared by threads, measured side by side.

    strategy_race("memoize per-key", 6)           # every call and computation of one forced race
    sweep(LOCK_STRATEGIES, (1, 2, 4, 8, 16))      # throughput, p50/p99 latency, duplicates each

The workload is forced (see `stampede`): counts are the same every run, timings are measured.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import _check
from ..caches import LRUCache
from ..measure.stats import percentile
from ..memo.decorator import memoize
from . import races
from .observe import Computation
from .stampede import ArrivalGate, slow_function

#: the locking strategies compared in notebook 06, in the order its table shows them
LOCK_STRATEGIES = (
    "lru_cache alone",
    "one lock around the call",
    "memoize global lock",
    "memoize per-key",
    "cachetools condition",
)
#: the strategies that let callers of one missing key compute it together (a stampede)
STAMPEDING = ("lru_cache alone", "memoize global lock")


def make_strategy(name: str, func: Callable, maxsize: int = 1024) -> Callable:
    """Wrap `func` (one hashable argument) with a caching strategy from LOCK_STRATEGIES."""
    _check.maxsize(maxsize)
    _check.one_of("strategy", name, LOCK_STRATEGIES)
    if name == "lru_cache alone":
        return functools.lru_cache(maxsize=maxsize)(func)
    if name == "one lock around the call":
        cached = functools.lru_cache(maxsize=maxsize)(func)
        lock = threading.Lock()

        def whole_call_locked(key):
            with lock:  # lookup, computation and store: one caller at a time, for every key
                return cached(key)

        return whole_call_locked
    if name == "memoize global lock":
        return memoize(LRUCache(maxsize), lock="global")(func)
    if name == "memoize per-key":
        return memoize(LRUCache(maxsize), lock="per-key")(func)
    import cachetools

    # condition alone: cachetools then uses it as the lock too (see the notebook)
    return cachetools.cached(cachetools.LRUCache(maxsize), condition=threading.Condition())(func)


class Recorder:
    """Wrap a function and record every run of it (a Computation per call), thread-safely."""

    def __init__(self, func: Callable) -> None:
        self.func = func
        self.computations: list[Computation] = []
        self._lock = threading.Lock()
        self.t0 = time.perf_counter()

    def record(self, log: list, key: Any, start: float) -> None:
        """Append one Computation (times since t0) to `log`, under the recorder's lock."""
        entry = Computation(key, threading.current_thread().name, start - self.t0,
                            time.perf_counter() - self.t0)
        with self._lock:
            log.append(entry)

    def __call__(self, key):
        start = time.perf_counter()
        try:
            return self.func(key)
        finally:
            self.record(self.computations, key, start)

    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(c.key for c in self.computations).values())


@dataclass
class RunReport:
    """One strategy at one thread count: counts (deterministic) and timings (measured)."""

    strategy: str
    n_threads: int
    rounds: int
    calls: int
    computations: int
    duplicates: int
    wall: float
    latencies: list = field(repr=False)
    timeline: list = field(repr=False)

    @property
    def throughput(self) -> float:
        """Calls per second."""
        return self.calls / self.wall if self.wall > 0 else float("inf")

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


@dataclass
class StrategyRace:
    """N callers of one key through one strategy, released together: every call and computation."""

    strategy: str
    n_threads: int
    calls: list  # Computation records with key "call": from entering the cache to getting the value
    computations: list  # Computation records of the function's runs
    duplicates: int
    wall: float


def strategy_race(strategy: str, n_threads: int, compute_ms: float = 60.0, key: Hashable = 7,
                  prime_n: int = 300, timeout: float = 30.0) -> StrategyRace:
    """Release `n_threads` callers of `key` together through `strategy`; record calls and computations.

    For timelines: a call bar spans waiting (or computing) until the value is back; a
    computation bar is a run of the function itself.
    """
    _check.integer("n_threads", n_threads)
    compute_s = _check.non_negative("compute_ms", compute_ms, unit="milliseconds") / 1e3
    gate = ArrivalGate(n_threads)
    recorder = Recorder(gate.gated(slow_function(compute_s, prime_n)))
    cached = make_strategy(strategy, recorder)
    calls: list[Computation] = []

    def call(k):
        start = time.perf_counter()
        gate.arrive()
        try:
            return cached(k)
        finally:
            recorder.record(calls, "call", start)

    recorder.t0 = time.perf_counter()
    race = races.run_together(call, n_threads, args_for=lambda i: (key,), timeout=timeout)
    race.raise_first(f"{strategy}: a caller failed")
    return StrategyRace(strategy, n_threads, calls, list(recorder.computations), recorder.duplicates(),
                        race.wall)


def contention_run(strategy: str, n_threads: int, rounds: int = 2, delay: float = 0.02,
                   prime_n: int = 200, timeout: float = 60.0) -> RunReport:
    """Run the hot-key workload through one strategy with `n_threads` threads.

    Each round, every thread waits at a barrier, then asks for the round's hot key (the same
    key for everyone: a forced stampede, whose computation waits at an ArrivalGate until every
    thread has asked) and then for a key of its own. The function sleeps `delay` (I/O) and
    computes a small prime (CPU). Per round, a strategy that lets callers of one key compute
    together does n_threads - 1 duplicate computations; one that makes them wait does none.
    """
    _check.integer("n_threads", n_threads)
    _check.integer("rounds", rounds)
    slow_query = slow_function(delay, prime_n)
    gates = [ArrivalGate(n_threads) for _ in range(rounds)]

    def query(key):
        if key[0] == "hot":  # the forced stampede: wait until every thread has asked
            gates[key[1]].wait()
        return slow_query(key)

    recorder = Recorder(query)
    cached = make_strategy(strategy, recorder)
    barrier = threading.Barrier(n_threads, timeout=timeout)
    latencies: list[list[float]] = [[] for _ in range(n_threads)]

    def worker(i: int) -> None:
        clock = time.perf_counter
        mine = latencies[i]
        for r in range(rounds):
            barrier.wait()
            start = clock()
            gates[r].arrive()
            cached(("hot", r))
            mine.append(clock() - start)
            start = clock()
            cached(("own", i, r))
            mine.append(clock() - start)

    recorder.t0 = time.perf_counter()
    race = races.run_together(worker, n_threads, args_for=lambda i: (i,), timeout=timeout)
    race.raise_first(f"{strategy}: a thread failed")
    return RunReport(strategy=strategy, n_threads=n_threads, rounds=rounds, calls=2 * rounds * n_threads,
                     computations=len(recorder.computations), duplicates=recorder.duplicates(),
                     wall=race.wall, latencies=[x for per in latencies for x in per],
                     timeline=list(recorder.computations))


def sweep(strategies: Sequence[str] = LOCK_STRATEGIES, thread_counts: Sequence[int] = (1, 2, 4, 8, 16),
          **kwargs) -> list[RunReport]:
    """`contention_run` for every strategy and thread count, in order."""
    return [contention_run(s, n, **kwargs) for s in strategies for n in thread_counts]


def expected_duplicates(strategy: str, n_threads: int, rounds: int = 2) -> int:
    """What the forced workload must give: stampeding strategies duplicate every hot key."""
    _check.one_of("strategy", strategy, LOCK_STRATEGIES)
    return rounds * (n_threads - 1) if strategy in STAMPEDING else 0


def table(reports: Sequence[RunReport], value: Callable[[RunReport], Any]) -> dict:
    """{strategy: {n_threads: value(report)}} for printing or plotting."""
    out: dict = {}
    for r in reports:
        out.setdefault(r.strategy, {})[r.n_threads] = value(r)
    return out
