"""A memoizing decorator with the functools surface, over any hotcache_lab cache, with a lock mode.

    @memoize(caches.LRUCache(1024), lock="per-key")
    def f(x): ...
    f.cache_info(); f.cache_clear(); f.cache_parameters(); f.__wrapped__

Lock modes (what each protects, and what it costs, is the subject of notebook 06):
- None: no lock. Fastest; only for single-threaded code. Our caches are plain Python objects:
  concurrent puts can corrupt their bookkeeping.
- "global": one lock around every cache operation; the function runs outside it. This is what
  functools.lru_cache and cachetools.cached(lock=...) do: the structure is safe, but callers that
  miss the same key together all compute it (a stampede).
- "per-key": the same structure lock, plus single-flight: the first caller of a missing key
  computes it, simultaneous callers of that key wait and share its result (or its exception,
  which is not cached); callers of other keys do not wait.

Keys follow functools: positional and keyword arguments, keyword order significant, `typed=True`
adds the argument types (so f(1) and f(1.0) are cached apart; nothing to do with threads).
Unhashable arguments raise TypeError, as functools does.
"""

from __future__ import annotations

import _thread
import threading
from collections import namedtuple
from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from .. import _check
from ..caches.base import MISSING, Cache
from ..caches.lru import LRUCache

# The same fields, in the same order, as functools' cache_info().
CacheInfo = namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize"])

LOCK_MODES = (None, "global", "per-key")

_KWD_MARK = object()  # separates positional from keyword arguments in a key
_FAST_TYPES = frozenset({int, str})  # like functools: a lone int or str is its own key


class _Key(list):
    """A key that hashes once (keys are hashed on lookup and again on put), as functools does.

    A list subclass because tuple subclasses cannot carry a slot; equality is the items'.
    """

    __slots__ = ("hashvalue",)

    def __init__(self, items: tuple):
        self[:] = items
        self.hashvalue = hash(items)  # raises TypeError for unhashable arguments, like functools

    def __hash__(self):
        return self.hashvalue


def make_key(args: tuple, kwds: dict, typed: bool = False) -> Any:
    """Build a cache key from a call's arguments, as functools.lru_cache does."""
    key = args
    if kwds:
        key += (_KWD_MARK,)
        for item in kwds.items():
            key += item
    if typed:
        key += tuple(type(v) for v in args)
        if kwds:
            key += tuple(type(v) for v in kwds.values())
    elif len(key) == 1 and type(key[0]) in _FAST_TYPES:
        return key[0]
    return _Key(key)


class _Flight:
    """One in-progress computation that other callers of the same key wait for.

    `done` is a bare lock the leader holds until the result is in: waiting is acquire+release.
    (A threading.Event costs a Condition and a lock per miss; this costs one cheap lock.)
    """

    __slots__ = ("done", "value", "error")

    def __init__(self):
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.value = None
        self.error: BaseException | None = None

    def wait(self):
        self.done.acquire()
        self.done.release()


def memoize(cache: Cache, lock: str | None = None, typed: bool = False) -> Callable[[Callable], Callable]:
    """Decorate a function so its results are kept in `cache` (see the module docstring)."""
    if not isinstance(cache, Cache):
        raise TypeError(
            f"cache must be a hotcache_lab cache (for example caches.LRUCache(128)), got {cache!r}"
        )
    _check.one_of("lock", lock, LOCK_MODES)
    _check.flag("typed", typed)

    def decorate(func: Callable) -> Callable:
        if not callable(func):
            raise TypeError(f"memoize needs a callable, got {func!r}")
        if lock is None:
            wrapper = _unlocked(func, cache, typed)
        elif lock == "global" and type(cache) is LRUCache:
            wrapper = _global_lock_lru(func, cache, typed)
        elif lock == "global":
            wrapper = _global_lock(func, cache, typed)
        else:
            wrapper = _single_flight(func, cache, typed)
        structure_lock = getattr(wrapper, "_lock", None)

        def cache_info() -> CacheInfo:
            s = cache.stats
            return CacheInfo(s.hits, s.misses, s.maxsize, s.currsize)

        def cache_clear() -> None:
            """Drop every entry and zero the counters, like functools."""
            if structure_lock is None:
                cache.clear()
                cache.reset_stats()
                return
            with structure_lock:
                cache.clear()
                cache.reset_stats()

        def cache_parameters() -> dict:
            return {"maxsize": cache.maxsize, "typed": typed, "lock": lock, "policy": cache.policy}

        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        wrapper.cache_parameters = cache_parameters
        wrapper.cache = cache
        return update_wrapper(wrapper, func)

    return decorate


# One wrapper a lock mode, each written out: the hit path is the hot path, so no mode pays for
# another's checks. Locals are bound once in the closure for the same reason. The wrappers share
# their key-building and locking lines ON PURPOSE (as functools writes one wrapper per case): a
# shared helper would add a Python call to every hit, the very cost notebook 06 and
# benchmarks/bench_memoize.py measure. `duplicates` lists the pairs below; they are deliberate.


def _unlocked(func, cache, typed):
    get, put = cache.get, cache.put

    def wrapper(*args, **kwds):
        if kwds or typed or len(args) != 1 or type(args[0]) not in _FAST_TYPES:
            key = make_key(args, kwds, typed)
        else:
            key = args[0]  # the common case, decided without a call
        value = get(key, MISSING)
        if value is MISSING:
            value = func(*args, **kwds)
            put(key, value)
        return value

    return wrapper


def _global_lock(func, cache, typed):
    get, put = cache.get, cache.put
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release  # bound methods: half the cost of `with lock`

    def wrapper(*args, **kwds):
        if kwds or typed or len(args) != 1 or type(args[0]) not in _FAST_TYPES:
            key = make_key(args, kwds, typed)
        else:
            key = args[0]  # the common case, decided without a call
        acquire()
        try:
            value = get(key, MISSING)
        finally:
            release()
        if value is MISSING:
            value = func(*args, **kwds)
            acquire()
            try:
                put(key, value)
            finally:
                release()
        return value

    wrapper._lock = lock
    return wrapper


def _global_lock_lru(func, cache, typed):
    """`_global_lock` with LRUCache.get inlined: the case the benchmarks and most users run.

    A hit is a C dict lookup, a C move_to_end and a counter under the lock, with no Python call
    in between: about 15-20% less per call than going through `cache.get`.
    """
    # the same lines as _global_lock, deliberately (see the note above _unlocked)
    put = cache.put
    data = cache._data
    data_get, move_to_end = data.get, data.move_to_end
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release

    def wrapper(*args, **kwds):
        if kwds or typed or len(args) != 1 or type(args[0]) not in _FAST_TYPES:
            key = make_key(args, kwds, typed)
        else:
            key = args[0]
        acquire()
        try:
            value = data_get(key, MISSING)
            if value is not MISSING:
                move_to_end(key)
                cache._hits += 1  # LRUCache's own counters: stats and cache_info see every call
                return value
            cache._misses += 1
        finally:
            release()
        value = func(*args, **kwds)
        acquire()
        try:
            put(key, value)
        finally:
            release()
        return value

    wrapper._lock = lock
    return wrapper


def _single_flight(func, cache, typed):
    get, put = cache.get, cache.put
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release
    flights: dict = {}

    def wrapper(*args, **kwds):
        if kwds or typed or len(args) != 1 or type(args[0]) not in _FAST_TYPES:
            key = make_key(args, kwds, typed)
        else:
            key = args[0]  # the common case, decided without a call
        acquire()
        try:
            value = get(key, MISSING)
            if value is not MISSING:
                return value
            flight = flights.get(key)
            leader = flight is None
            if leader:
                flight = flights[key] = _Flight()
        finally:
            release()
        if not leader:
            flight.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        try:
            value = func(*args, **kwds)
        except BaseException as error:
            flight.error = error
            acquire()
            try:
                del flights[key]
            finally:
                release()
            flight.done.release()
            raise
        flight.value = value
        acquire()
        try:
            put(key, value)
            del flights[key]
        finally:
            release()
        flight.done.release()
        return value

    wrapper._lock = lock
    wrapper._flights = flights
    return wrapper
