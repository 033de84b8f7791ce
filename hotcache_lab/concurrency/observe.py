"""Watch a real functools cache from outside: every call, every underlying computation, and when.

functools.lru_cache is C code we cannot instrument from inside, so `watch` builds a new, real
`functools.lru_cache` with the same parameters around a recorder of the original function:

    @functools.lru_cache(maxsize=128)
    def slow_prime(n): ...

    w = observe.watch(slow_prime)          # a real lru_cache, same maxsize and typed
    w(97); w(97)
    w.duplicates()                         # computations beyond the first for each key
    w.computations                         # [Computation(key, thread, start, end), ...]

The recorder sits between the cache and the function, so it sees exactly what the cache lets
through: a computation it records is a miss that really ran the function.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Computation:
    """One run of the wrapped function (or one call of the cached one): key, thread, times."""

    key: Any
    thread: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def _key_of(args: tuple, kwds: dict) -> Any:
    """A readable key for reports: the lone argument, or the arguments as a tuple."""
    if not kwds and len(args) == 1:
        return args[0]
    return args + tuple(sorted(kwds.items()))


class Watched:
    """A real functools cache around a recorder; calls it records too. Thread-safe."""

    def __init__(self, func: Callable, maxsize: int | None = 128, typed: bool = False,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.__wrapped__ = func
        self.clock = clock
        self.computations: list[Computation] = []
        self.calls: list[Computation] = []
        self._record_lock = threading.Lock()  # guards our lists only, never the cache
        self.t0 = clock()

        def recorder(*args, **kwds):
            start = clock()
            try:
                return func(*args, **kwds)
            finally:
                self._record(self.computations, args, kwds, start)

        functools.update_wrapper(recorder, func)
        self.cached = functools.lru_cache(maxsize=maxsize, typed=typed)(recorder)
        functools.update_wrapper(self, func)

    def _record(self, log: list, args: tuple, kwds: dict, start: float) -> None:
        entry = Computation(_key_of(args, kwds), threading.current_thread().name,
                            start - self.t0, self.clock() - self.t0)
        with self._record_lock:
            log.append(entry)

    def __call__(self, *args, **kwds):
        start = self.clock()
        try:
            return self.cached(*args, **kwds)
        finally:
            self._record(self.calls, args, kwds, start)

    # the functools surface, passed through to the real cache
    def cache_info(self):
        return self.cached.cache_info()

    def cache_parameters(self):
        return self.cached.cache_parameters()

    def cache_clear(self) -> None:
        self.cached.cache_clear()

    def reset(self) -> None:
        """Clear the real cache and forget every record, for a fresh experiment."""
        self.cached.cache_clear()
        with self._record_lock:
            self.computations.clear()
            self.calls.clear()
        self.t0 = self.clock()

    def computations_per_key(self) -> Counter:
        return Counter(c.key for c in self.computations)

    def duplicates(self) -> int:
        """Computations beyond the first for each key: work a perfect cache would not have done."""
        return sum(n - 1 for n in self.computations_per_key().values())


_UNSET: Any = object()


def watch(func: Callable, maxsize: Any = _UNSET, typed: Any = _UNSET, **kwargs) -> Watched:
    """Watch `func`: a plain function, or one already wrapped by functools.lru_cache/cache.

    An lru_cache-wrapped function keeps its maxsize and typed (unless given here); a plain
    function gets lru_cache(maxsize=128) like the functools default.
    """
    if not callable(func):
        raise TypeError(f"watch needs a callable, got {func!r}")
    params = getattr(func, "cache_parameters", None)
    if params is not None and hasattr(func, "__wrapped__"):
        found = params()
        maxsize = found["maxsize"] if maxsize is _UNSET else maxsize
        typed = found["typed"] if typed is _UNSET else typed
        func = func.__wrapped__
    maxsize = 128 if maxsize is _UNSET else maxsize
    typed = False if typed is _UNSET else typed
    return Watched(func, maxsize=maxsize, typed=typed, **kwargs)
