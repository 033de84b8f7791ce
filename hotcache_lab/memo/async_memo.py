"""Memoizing `async def` functions: why `functools.lru_cache` fails on them, and two patterns that work.

`functools.lru_cache` around a coroutine function caches the *coroutine object* the first call
returns. A coroutine can be awaited once: the second caller awaits the same, finished object and
gets RuntimeError("cannot reuse already awaited coroutine"). The standard library has no
async-aware lru_cache (up to 3.14 at least), so:

    @async_memoize(maxsize=128)          # cache a Task per key: single-flight, bounded LRU
    async def fetch(key): ...

    @async_lock_memoize(maxsize=128)     # cache results; a per-key asyncio.Lock makes callers wait
    async def fetch(key): ...

    @naive_async_cache                   # cache results after the await: works, but stampedes
    async def fetch(key): ...

In one event loop, code between two `await`s runs without interruption, so the check-then-act
"look up the key, else start the computation" needs no lock as long as there is no `await` in
between: that is what makes the Task cache single-flight. Failures are not cached (the next
caller retries), as with functools.

A task that awaits a computation which waits for that very task would wait forever: a computation
that calls its own function with the same key, or two tasks each computing a key the other's
computation needs. Both decorators refuse such an await with RuntimeError naming the function and
the key, by the wait-for walk `flights` does for threads, over the awaits made through them (an
await hidden in a task the computation spawns, say through `gather`, is not seen).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable

from .. import _check
from ..caches import MISSING, Cache, LRUCache, UnboundedCache
from .decorator import CacheInfo, make_key
from .flights import describe_call


def _coroutine_function(func: Callable) -> None:
    if not inspect.iscoroutinefunction(func):
        raise TypeError(f"needs an `async def` function, got {func!r}")


class _OwnedLock(asyncio.Lock):
    """An asyncio.Lock that knows which task holds it, so a wait on it can be checked."""

    owner: asyncio.Task | None = None

    async def acquire(self) -> bool:
        await super().acquire()
        self.owner = asyncio.current_task()
        return True

    def release(self) -> None:
        self.owner = None
        super().release()


_awaiting: dict = {}  # task -> the flight it awaits through these decorators (a Task or an _OwnedLock)


def _holder(flight):
    """The task that must finish before `flight` ends (None if none must)."""
    if isinstance(flight, _OwnedLock):
        return flight.owner
    return None if flight.done() else flight


def _closes_a_cycle(flight, me: asyncio.Task) -> bool:
    """True if the task that ends `flight` awaits, through a chain of flights, the task `me`."""
    holder = _holder(flight)
    for _ in range(len(_awaiting) + 1):
        if holder is None:
            return False
        if holder is me:
            return True
        next_flight = _awaiting.get(holder)
        if next_flight is None:
            return False
        holder = _holder(next_flight)
    return False


async def _await_flight(flight, wait: Callable, func: Callable, key):
    """`await wait()`, which ends when `flight` does, unless that end waits for this very task."""
    me = asyncio.current_task()
    if me is None:
        return await wait()
    if _holder(flight) is me:
        raise RuntimeError(f"{describe_call(func, key)} awaited itself with the same key while "
                           "computing it; that await could never end")
    if _closes_a_cycle(flight, me):
        raise RuntimeError(f"{describe_call(func, key)} awaits a task that awaits, directly or "
                           "through others, this one; that await could never end")
    _awaiting[me] = flight
    try:
        return await wait()
    finally:
        del _awaiting[me]


class _Table:
    """A decorated function's cache and counters (hits and misses as functools counts them, and how
    many times the function really ran)."""

    __slots__ = ("store", "hits", "misses", "computations")

    def __init__(self, store: Cache) -> None:
        self.store = store
        self.hits = self.misses = self.computations = 0

    def lookup(self, key):
        """The cached value (a hit), or MISSING."""
        value = self.store.get(key, MISSING)
        if value is not MISSING:
            self.hits += 1
        return value

    async def fill(self, key, func: Callable, args: tuple, kwds: dict):
        """A miss: await the function and store its result."""
        self.misses += 1
        self.computations += 1
        value = await func(*args, **kwds)
        self.store.put(key, value)
        return value


def _surface(wrapper, func, table: _Table):
    store = table.store

    def cache_info() -> CacheInfo:
        return CacheInfo(table.hits, table.misses, store.maxsize, len(store))

    def cache_clear() -> None:
        store.clear()
        table.hits = table.misses = table.computations = 0

    wrapper.cache_info = cache_info
    wrapper.cache_clear = cache_clear
    wrapper.computations = lambda: table.computations  # how many times func really ran
    return functools.update_wrapper(wrapper, func)


def async_memoize(maxsize: int = 128) -> Callable[[Callable], Callable]:
    """Cache one `asyncio.Task` per key (bounded, least recently used out first).

    The first caller of a key starts the Task; callers that arrive while it runs await the same
    Task (single-flight); later callers get its result at once. A caller that is cancelled does
    not cancel the shared Task (it is awaited through `asyncio.shield`). A Task that fails or is
    cancelled is dropped, so the next call retries. A Task belongs to its event loop: do not
    share one cache between loops while computations are pending.
    """

    _check.maxsize(maxsize)

    def decorate(func: Callable) -> Callable:
        _coroutine_function(func)
        table = _Table(LRUCache(maxsize))
        tasks = table.store

        async def run(*args, **kwds):
            table.computations += 1
            return await func(*args, **kwds)

        def forget_failure(key, task: asyncio.Task) -> None:
            if (task.cancelled() or task.exception() is not None) and tasks.get(key) is task:
                del tasks[key]

        async def wrapper(*args, **kwds):
            key = make_key(args, kwds)
            task = table.lookup(key)  # a hit also makes the key the most recently used
            if task is MISSING:  # no await between this check and the put below
                table.misses += 1
                task = asyncio.ensure_future(run(*args, **kwds))
                task.add_done_callback(functools.partial(forget_failure, key))
                tasks.put(key, task)
            if task.done():
                return await asyncio.shield(task)
            return await _await_flight(task, lambda: asyncio.shield(task), func, key)

        return _surface(wrapper, func, table)

    return decorate


def async_lock_memoize(maxsize: int = 128) -> Callable[[Callable], Callable]:
    """Cache results; callers of a key that is being computed wait on that key's asyncio.Lock.

    The first caller takes the key's lock, computes and stores; the others queue on the lock
    and find the result when they get it. Callers of other keys do not wait.
    """

    _check.maxsize(maxsize)

    def decorate(func: Callable) -> Callable:
        _coroutine_function(func)
        table = _Table(LRUCache(maxsize))
        locks: dict = {}

        async def wrapper(*args, **kwds):
            key = make_key(args, kwds)
            value = table.lookup(key)
            if value is not MISSING:
                return value
            lock = locks.setdefault(key, _OwnedLock())
            try:
                await _await_flight(lock, lock.acquire, func, key)
                try:
                    value = table.lookup(key)
                    if value is not MISSING:  # computed while we waited
                        return value
                    return await table.fill(key, func, args, kwds)
                finally:
                    lock.release()
            finally:  # the last one out removes the key's lock
                if locks.get(key) is lock and not lock.locked() and not _has_waiters(lock):
                    del locks[key]

        wrapper._locks = locks  # for tests: no lock is left behind once callers are done
        return _surface(wrapper, func, table)

    return decorate


_UNKNOWN = object()


def _has_waiters(lock: asyncio.Lock) -> bool:
    waiters = getattr(lock, "_waiters", _UNKNOWN)  # a CPython detail (None until first contention)
    if waiters is _UNKNOWN:
        return True  # cannot tell: keep the lock, which is always safe
    return bool(waiters)


def naive_async_cache(func: Callable) -> Callable:
    """Cache results after the await. Correct values, but every caller that arrives while the
    first is still awaiting misses too and computes again: an asyncio stampede."""
    _coroutine_function(func)
    table = _Table(UnboundedCache())

    async def wrapper(*args, **kwds):
        key = make_key(args, kwds)
        value = table.lookup(key)
        if value is not MISSING:
            return value
        return await table.fill(key, func, args, kwds)  # other callers run during its await, and miss

    return _surface(wrapper, func, table)


async def lru_cache_on_coroutine_demo(delay: float = 0.001) -> list[str]:
    """Await a functools.lru_cache-wrapped coroutine function twice; report what happened."""

    @functools.lru_cache(maxsize=128)
    async def double(x):
        await asyncio.sleep(delay)
        return 2 * x

    report = []
    for attempt in ("first", "second"):
        try:
            report.append(f"{attempt} await of double(21): {await double(21)}")
        except RuntimeError as error:
            report.append(f"{attempt} await of double(21): RuntimeError: {error}")
    info = double.cache_info()
    report.append(f"cache_info: hits={info.hits}, misses={info.misses} (it cached the coroutine object)")
    return report


async def concurrent_callers(decorator: Callable, n_callers: int = 10, keys: tuple = (1,),
                             delay: float = 0.01) -> dict:
    """`n_callers` tasks per key call a decorated coroutine function at once; count computations."""
    @decorator
    async def fetch(key):
        await asyncio.sleep(delay)
        return key * 10

    results = await asyncio.gather(*(fetch(k) for k in keys for _ in range(n_callers)))
    expected = [k * 10 for k in keys for _ in range(n_callers)]
    if results != expected:
        raise AssertionError(f"wrong results: {results} != {expected}")
    info = fetch.cache_info()
    return {"calls": len(results), "computations": fetch.computations(), "hits": info.hits,
            "misses": info.misses}
