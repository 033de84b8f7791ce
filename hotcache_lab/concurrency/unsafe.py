"""A hand-written LRU cache with no lock, broken by threads on cue, and the same code with a lock.

    found = first_problem(lambda: UnsafeLRUCache(16))    # (trial, HammerReport) or None
    summarize_trials(hammer_trials(lambda: UnsafeLRUCache(16), trials=10))
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import _check
from . import races


class UnsafeLRUCache:
    """What a hand-written LRU cache often looks like: a dict, recency moves, evictions, counters.

    No lock, and check-then-act sequences that another thread can cut in the middle:
    - a hit pops the key and puts it back, to move it to the recent end: in between, the
      entry is missing, so another thread sees room, inserts without evicting, and the size
      goes over maxsize;
    - an insert checks `len(data) >= maxsize`, then evicts the oldest key: two evictors that
      pick the same oldest key make the second `del` raise KeyError; another thread inserting
      between `iter(data)` and `next(...)` raises RuntimeError "dictionary changed size during
      iteration";
    - counters read, add and write back (`stats["hits"] = stats.get("hits", 0) + 1`): two
      threads that read the same value lose one update.
    The GIL makes single bytecodes atomic, not these sequences: CPython may switch threads
    after a call returns, at function entry and on loop back-edges.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = _check.maxsize(maxsize)
        self.data: dict = {}
        self.stats: dict = {"hits": 0, "misses": 0}

    def get_or_compute(self, key: Hashable, compute: Callable[[Hashable], Any]) -> Any:
        data = self.data
        if key in data:
            value = data.pop(key)  # move to the most recent end: take it out...
            data[key] = value  # ...and put it back
            self.stats["hits"] = self.stats.get("hits", 0) + 1
            return value
        self.stats["misses"] = self.stats.get("misses", 0) + 1
        value = compute(key)
        if len(data) >= self.maxsize:  # room for one more?
            oldest = next(iter(data))
            del data[oldest]
        data[key] = value
        return value

    def __len__(self) -> int:
        return len(self.data)


class LockedLRUCache(UnsafeLRUCache):
    """The same code with one lock around each call: correct (the computation here is tiny)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[Hashable], Any]) -> Any:
        with self._lock:
            return super().get_or_compute(key, compute)


@dataclass
class HammerReport:
    """What went wrong when threads shared one cache."""

    calls: int
    counted: int  # hits + misses as the cache counted them
    errors: Counter  # "KeyError", "RuntimeError: <message>", ... -> how many
    max_size_seen: int
    final_size: int
    maxsize: int

    @property
    def lost_counts(self) -> int:
        return self.calls - self.counted

    @property
    def over_maxsize(self) -> bool:
        return self.max_size_seen > self.maxsize or self.final_size > self.maxsize

    @property
    def problems(self) -> list[str]:
        found = []
        if self.errors:
            found.append("exceptions")
        if self.lost_counts:
            found.append("lost counts")
        if self.over_maxsize:
            found.append("size over maxsize")
        return found


def _error_name(error: BaseException) -> str:
    """The kind of an error and the source line that raised it, e.g. "KeyError at `del data[oldest]`"."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" at `{frames[-1].line}`" if frames and frames[-1].line else ""
    if isinstance(error, RuntimeError):
        return f"RuntimeError: {error}{where}"
    return f"{type(error).__name__}{where}"


def hammer(cache: UnsafeLRUCache, n_threads: int = 4, n_calls: int = 2000, n_keys: int = 32,
           seed: int = 0, switch_interval: float = 1e-6, timeout: float = 30.0) -> HammerReport:
    """Let `n_threads` threads call `cache.get_or_compute` on seeded random keys, all at once.

    Every thread keeps calling (cycling through its keys) until EVERY thread has made at least
    `n_calls` calls, so the threads really overlap even when the operating system starts some
    of them late on a busy machine. Runs inside `races.switch_often(switch_interval)` so the
    interpreter switches threads often. Exceptions are counted by kind (the thread carries on),
    the size is watched after every call, and the cache's own counters are compared with the
    number of calls really made.
    """
    _check.integer("n_threads", n_threads)
    _check.integer("n_calls", n_calls)
    _check.integer("n_keys", n_keys)
    rng = random.Random(seed)
    streams = [[rng.randrange(n_keys) for _ in range(n_calls)] for _ in range(n_threads)]
    errors: Counter = Counter()
    sizes = [0] * n_threads
    made = [0] * n_threads  # calls made by each thread, published every 50 calls
    record = threading.Lock()
    deadline = time.monotonic() + timeout

    def compute(key):
        return key * key

    def worker(i: int) -> None:
        biggest = calls = 0
        get_or_compute = cache.get_or_compute
        stream = streams[i]
        while True:
            try:
                get_or_compute(stream[calls % n_calls], compute)
            except Exception as error:  # counted and shown: the point of the experiment
                with record:
                    errors[_error_name(error)] += 1
            calls += 1
            size = len(cache)
            if size > biggest:
                biggest = size
            if calls % 50 == 0 or calls == n_calls:
                made[i] = calls
                if calls >= n_calls and min(made) >= n_calls or time.monotonic() > deadline:
                    break
        made[i] = calls
        sizes[i] = biggest

    with races.switch_often(switch_interval):
        races.run_together(worker, n_threads, args_for=lambda i: (i,), timeout=timeout)
    counted = cache.stats.get("hits", 0) + cache.stats.get("misses", 0)
    return HammerReport(calls=sum(made), counted=counted, errors=errors,
                        max_size_seen=max(sizes), final_size=len(cache), maxsize=cache.maxsize)


def hammer_trials(cache_factory: Callable[[], UnsafeLRUCache], trials: int = 20, **kwargs) -> list:
    """`hammer` a fresh cache `trials` times with seeds 0..trials-1; one HammerReport each."""
    _check.integer("trials", trials)
    return [hammer(cache_factory(), seed=seed, **kwargs) for seed in range(trials)]


def first_problem(cache_factory: Callable[[], UnsafeLRUCache], max_trials: int = 30,
                  **kwargs) -> tuple[int, HammerReport] | None:
    """`hammer` fresh caches (seeds 0, 1, ...) until a trial shows a problem: (trial, report), or None.

    Each trial lasts a few tens of milliseconds and shows a problem more often than not on an
    unsafe cache, so max_trials=30 makes "no problem seen" astronomically unlikely for it, while a
    correct cache runs all the trials and returns None.
    """
    _check.integer("max_trials", max_trials)
    for seed in range(max_trials):
        report = hammer(cache_factory(), seed=seed, **kwargs)
        if report.problems:
            return seed, report
    return None


def summarize_trials(reports: Sequence[HammerReport]) -> dict:
    """How many trials showed each kind of problem, and the error kinds seen overall."""
    errors: Counter = Counter()
    for r in reports:
        errors.update(r.errors)
    return {
        "trials": len(reports),
        "with any problem": sum(bool(r.problems) for r in reports),
        "with exceptions": sum(bool(r.errors) for r in reports),
        "with lost counts": sum(r.lost_counts > 0 for r in reports),
        "with size over maxsize": sum(r.over_maxsize for r in reports),
        "error kinds": dict(errors),
    }
