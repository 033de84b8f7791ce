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
  which is not cached); callers of other keys do not wait. A call that would wait for itself
  (f(k) computing f(k), or threads computing keys each other needs) raises RuntimeError naming the
  function and the key instead of hanging (see `flights`).

The structure lock is re-entrant (an RLock), as in functools' pure-Python `_lru_cache_wrapper`, and
that is the right choice here rather than "never run user code under the lock". The lock must be held
while the cache looks a key up, and the lookup runs the key's `__eq__` (eviction hooks and a cache's
`getsizeof` run under it too); if that code calls the memoized function, a plain Lock deadlocks on
itself. functools' C wrapper holds no lock at all: one dict operation is atomic under the GIL and
CPython restarts a lookup whose dict changed under it. Our caches take several steps per operation,
so they need the lock, and the user code is inside it. With the RLock the nested call runs a whole
get or put of its own between two of the outer call's steps, each of which leaves the structure
consistent. `__hash__` never runs under the lock: `make_key` hashes a key once, before taking it.
Under "per-key" a nested call never waits for another thread's flight (that thread needs the lock
this one holds to finish): it computes the value itself. Code under the lock that calls a different
memoized function can still deadlock with a thread doing the reverse, as any two locks taken in
opposite orders can.

Keys follow functools: positional and keyword arguments, keyword order significant, `typed=True`
adds the argument types (so f(1) and f(1.0) are cached apart; nothing to do with threads).
Unhashable arguments raise TypeError, as functools does. A value the cache refuses as too large for
it (`ValueTooLargeError`, from a cache with `getsizeof=`) is returned and not kept: a miss each time.

The wrappers look up no global name when called (each binds what it uses in its closure, as functools
binds `cache_len = cache.__len__`), so memoizing a builtin and putting it in `builtins` cannot make
the wrapper call itself.
"""

from __future__ import annotations

import _thread
import threading
from collections import namedtuple
from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from .. import _check
from ..caches.base import MISSING, Cache, ValueTooLargeError
from ..caches.lru import LRUCache
from .flights import PENDING, Flight, describe_call, wait_for

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

    def __init__(self, items: tuple, hash=hash):
        self[:] = items
        self.hashvalue = hash(items)  # raises TypeError for unhashable arguments, like functools

    def __hash__(self):
        return self.hashvalue


def make_key(args: tuple, kwds: dict, typed: bool = False, *, _mark=_KWD_MARK, _fast=_FAST_TYPES,
             _Key=_Key, tuple=tuple, type=type, len=len) -> Any:
    """Build a cache key from a call's arguments, as functools.lru_cache does.

    The builtins it uses are bound as defaults (as functools' `_make_key` does), for the same reason
    as the wrappers below: it must work while `builtins.len` is itself a memoized function."""
    key = args
    if kwds:
        key += (_mark,)
        for item in kwds.items():
            key += item
    if typed:
        key += tuple(type(v) for v in args)
        if kwds:
            key += tuple(type(v) for v in kwds.values())
    elif len(key) == 1 and type(key[0]) in _fast:
        return key[0]
    return _Key(key)


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
# another's checks. Locals are bound once in the closure for the same reason, and so that a call
# looks up no global name (`_HOT` is unpacked into each closure). The wrappers share their
# key-building and locking lines ON PURPOSE (as functools writes one wrapper per case): a shared
# helper would add a Python call to every hit, the very cost notebook 06 and
# benchmarks/bench_memoize.py measure. `duplicates` lists the pairs below; they are deliberate.

_HOT = (len, type, _FAST_TYPES, make_key, MISSING, ValueTooLargeError)


def _unlocked(func, cache, typed):
    get, put = cache.get, cache.put
    len_, type_, fast_types, key_of, missing, too_large = _HOT

    def wrapper(*args, **kwds):
        if kwds or typed or len_(args) != 1 or type_(args[0]) not in fast_types:
            key = key_of(args, kwds, typed)
        else:
            key = args[0]  # the common case, decided without a call
        value = get(key, missing)
        if value is missing:
            value = func(*args, **kwds)
            try:
                put(key, value)
            except too_large:  # returned, not kept: the cache cannot hold it at all
                pass
        return value

    return wrapper


def _global_lock(func, cache, typed):
    get, put = cache.get, cache.put
    len_, type_, fast_types, key_of, missing, too_large = _HOT
    lock = threading.RLock()  # re-entrant: see the module docstring
    acquire, release = lock.acquire, lock.release  # bound methods: half the cost of `with lock`

    def wrapper(*args, **kwds):
        if kwds or typed or len_(args) != 1 or type_(args[0]) not in fast_types:
            key = key_of(args, kwds, typed)
        else:
            key = args[0]  # the common case, decided without a call
        acquire()
        try:
            value = get(key, missing)
        finally:
            release()
        if value is missing:
            value = func(*args, **kwds)
            acquire()
            try:
                put(key, value)
            except too_large:
                pass
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
    len_, type_, fast_types, key_of, missing, too_large = _HOT
    data = cache._data
    data_get, move_to_end, key_error = data.get, data.move_to_end, KeyError
    lock = threading.RLock()
    acquire, release = lock.acquire, lock.release

    def wrapper(*args, **kwds):
        if kwds or typed or len_(args) != 1 or type_(args[0]) not in fast_types:
            key = key_of(args, kwds, typed)
        else:
            key = args[0]
        acquire()
        try:
            value = data_get(key, missing)
            if value is not missing:
                try:
                    move_to_end(key)
                except key_error:  # a re-entrant key __eq__ evicted it after the lookup: still a hit
                    pass
                cache._hits += 1  # LRUCache's own counters: stats and cache_info see every call
                return value
            cache._misses += 1
        finally:
            release()
        value = func(*args, **kwds)
        acquire()
        try:
            put(key, value)
        except too_large:
            pass
        finally:
            release()
        return value

    wrapper._lock = lock
    return wrapper


def _single_flight(func, cache, typed):
    """Hits as in "global"; a miss registers a Flight (leader) or follows the one in the air.

    The leader's success path is written out here (no helper call on a miss either); its `finally`
    drops the flight and wakes the followers whatever `put` or the key's `__eq__` raise.
    """
    get, put = cache.get, cache.put
    len_, type_, fast_types, key_of, missing, too_large = _HOT
    lock = threading.RLock()
    acquire, release = lock.acquire, lock.release
    flights: dict = {}
    get_ident, new_flight, base_exception = _thread.get_ident, Flight, BaseException
    fail, follow = _flight_ends(func, lock, flights)

    def wrapper(*args, **kwds):
        if kwds or typed or len_(args) != 1 or type_(args[0]) not in fast_types:
            key = key_of(args, kwds, typed)
        else:
            key = args[0]  # the common case, decided without a call
        acquire()
        try:
            value = get(key, missing)
            if value is not missing:
                return value
            flight = flights.get(key)
            leader = flight is None
            if leader:
                flight = flights[key] = new_flight(get_ident())
        finally:
            release()
        if not leader:
            return follow(key, flight, args, kwds)
        try:
            value = func(*args, **kwds)
        except base_exception as error:
            fail(key, flight, error)
            raise
        flight.value = value
        acquire()
        try:
            put(key, value)
        except too_large:  # returned, not kept
            pass
        except base_exception as error:
            flight.error = error  # the followers get what the leader gets
            raise
        finally:
            try:
                del flights[key]
            finally:
                release()
                flight.done.release()  # Flight.settle, written out: this is every miss
        return value

    wrapper._lock = lock
    wrapper._flights = flights
    return wrapper


def _flight_ends(func, lock, flights):
    """The leader's failure and the followers' side of a flight: called on a miss, never on a hit."""
    acquire, release, held_by_me = lock.acquire, lock.release, lock._is_owned
    get_ident = _thread.get_ident

    def fail(key, flight, error):
        """The function raised: drop the flight and hand the error to its followers (not cached)."""
        flight.error = error
        acquire()
        try:
            del flights[key]
        finally:
            release()
            flight.settle()

    def follow(key, flight, args, kwds):
        me = get_ident()
        if flight.owner == me:
            if flight.error is not None:  # from a key's __eq__ in the leader's own bookkeeping
                raise flight.error
            if flight.value is not PENDING:  # likewise, after the function returned
                return flight.value
            raise RuntimeError(f"memoize(lock='per-key'): {describe_call(func, key)} called itself "
                               "with the same key while computing it; that wait could never end")
        if held_by_me():  # called from a key's __eq__ (or a hook) while this thread holds the lock:
            return func(*args, **kwds)  # waiting would keep the lock the owner needs; compute instead
        wait_for(flight, me, lambda: (
            f"memoize(lock='per-key'): {describe_call(func, key)} waits for a thread that waits, "
            "directly or through others, for this one; that wait could never end"))
        if flight.error is not None:
            raise flight.error
        return flight.value

    return fail, follow
