"""Measuring memory: what a cached result weighs, what a cache keeps per entry, how memory grows.

The instruments, from the most exact to what the operating system sees:

    deep_size(obj)                       bytes of obj and everything it holds, each object once
    pymalloc_size(n), pymalloc_blocks()  the block a request of n bytes really takes; blocks in use
    with traced() as t: ...              tracemalloc around a block: t.current, t.peak (bytes)
    measure(fn, *args, **kwargs)         the same around one call: (result, Traced)
    per_entry_cost(cached_fn, make_args, n)
                                         bytes a cache keeps per entry (key + result + bookkeeping)
    traced_series(fn, calls, points)     tracemalloc's current bytes as the calls arrive
    with_results(series, entries, size)  the same series had every entry held a result of `size` bytes
    rss_series(fn, interval)             the process's resident set size while fn runs (memory-profiler)

tracemalloc counts the bytes each allocation *requested* (Modules/_tracemalloc.c, `tracemalloc_alloc`,
records the size passed to malloc; https://docs.python.org/3/library/tracemalloc.html). It does not see
the allocator's rounding (pymalloc hands out blocks in 16-byte size classes: Objects/obmalloc.c,
ALIGNMENT), its pools and arenas, nor memory freed but not given back to the operating system.
RSS counts the pages the process holds, all of that included. Both vary a little run to run: show
them, and assert on them only with wide margins.
"""

from __future__ import annotations

import gc
import math
import os
import struct
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType
from typing import Any

from .. import _check

__all__ = [
    "deep_size", "pymalloc_size", "pymalloc_blocks", "Traced", "traced", "measure", "EntryCost",
    "per_entry_cost", "Series", "traced_series", "with_results", "RssSeries", "rss_series",
]

# Program objects, not data: a result that refers to a class or a function does not own it.
_NOT_DATA = (type, ModuleType, FunctionType, BuiltinFunctionType, MethodType)


def deep_size(obj: Any) -> int:
    """Bytes of `obj` and of every object reachable through the containers it knows, each counted once.

    `sys.getsizeof` counts one object's own bytes (for a list: the header and the pointer array, not
    the items). deep_size adds the items: dict keys and values, list/tuple/set/frozenset/deque items,
    and instance attributes (`__dict__` and `__slots__`). Shared objects and cycles count once
    (by identity). Classes, modules and functions are program, not data, and are not counted.
    Shared singletons (small ints, None, interned strings) are counted once if reachable, so this
    is an upper bound on what freeing `obj` would give back.
    """
    seen: set[int] = set()
    total = 0
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, _NOT_DATA):
            continue
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset, deque)):
            stack.extend(o)
        else:
            attrs = getattr(o, "__dict__", None)
            if isinstance(attrs, dict):
                stack.append(attrs)
            for cls in type(o).__mro__:
                slots = cls.__dict__.get("__slots__", ())
                for name in (slots,) if isinstance(slots, str) else slots:
                    if name in ("__dict__", "__weakref__"):
                        continue
                    if name.startswith("__") and not name.endswith("__"):  # private: name-mangled
                        name = f"_{cls.__name__.lstrip('_')}{name}"
                    try:
                        stack.append(getattr(o, name))
                    except AttributeError:  # a slot never assigned
                        pass
    return total


#: pymalloc's size classes are ALIGNMENT bytes apart: 16 on a 64-bit build, 8 on a 32-bit one
#: (Objects/obmalloc.c); requests above SMALL_REQUEST_THRESHOLD go to the system malloc.
PYMALLOC_ALIGNMENT = 16 if struct.calcsize("P") > 4 else 8
PYMALLOC_THRESHOLD = 512


def pymalloc_size(requested: int) -> int:
    """Bytes of the pymalloc block a request of `requested` bytes gets: rounded up to its size class.

    tracemalloc records `requested`; the block is what the pool really gives. A request over 512 bytes
    goes to the system allocator, whose own rounding and headers this does not model: returned as is.
    """
    requested = _check.integer("requested", requested)
    if requested > PYMALLOC_THRESHOLD:
        return requested
    return -(-requested // PYMALLOC_ALIGNMENT) * PYMALLOC_ALIGNMENT


def pymalloc_blocks() -> dict[int, int]:
    """Blocks in use per pymalloc size class (block bytes -> count), read from `sys._debugmallocstats()`.

    CPython prints those statistics to the C-level stderr; they are captured through a temporary file
    put in place of file descriptor 2. Counting blocks before and after shows where objects landed,
    which tracemalloc (requested bytes) cannot. Empty on an interpreter without pymalloc statistics.
    """
    stats = getattr(sys, "_debugmallocstats", None)
    if stats is None:
        return {}
    with tempfile.TemporaryFile(mode="w+") as out:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            stats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    blocks = {}
    for line in text.splitlines():  # "class  size  num pools  blocks in use  avail blocks"
        fields = line.split()
        if len(fields) == 5 and all(f.isdigit() for f in fields):
            blocks[int(fields[1])] = int(fields[3])
    return blocks


@dataclass
class Traced:
    """What tracemalloc saw during a `traced()` block, in bytes, relative to the block's start.

    current: still allocated at the end of the block (what the block left behind);
    peak: the highest point during the block. Both are filled in when the block ends.
    """

    current: int = 0
    peak: int = 0
    _start: int = 0
    _peak_abs: int = 0  # the highest absolute level seen before an inner block reset the peak

    def __repr__(self) -> str:
        return f"Traced(current={self.current:,} B, peak={self.peak:,} B)"


_open_blocks: list[Traced] = []  # traced() blocks now running, outermost first


@contextmanager
def traced(collect: bool = True) -> Iterator[Traced]:
    """Measure a block with tracemalloc: `with traced() as t: ...` then read t.current and t.peak.

    Starts tracemalloc if it is off (and stops it after). With `collect`, garbage from before the
    block is not freed inside it, and cycles made and dropped inside it do not count as kept: the
    objects alive at the start are frozen (gc.freeze) for the block, and gc.collect() runs at its
    end, which then only has to scan the objects made in the block (fast even in a big notebook
    kernel). Blocks nest correctly. The block resets tracemalloc's peak
    (tracemalloc.reset_peak), so code outside that reads tracemalloc's peak itself sees it reset.

    tracemalloc only knows memory allocated while it traces: freeing objects made before tracing
    started is invisible (current stays near 0). To see a cache_clear() give memory back, fill and
    clear inside one outer block: `with traced(): with traced() as fill: ...; with traced() as drop: ...`.
    """
    started_here = not tracemalloc.is_tracing()
    froze_here = False
    if collect:
        if gc.get_freeze_count() == 0:
            gc.freeze()  # O(1): moves every tracked object out of the collector's reach
            froze_here = True
        else:
            gc.collect()  # frozen already (an outer block, or the caller): scans only newer objects
    if started_here:
        tracemalloc.start()
    now, peak_abs = tracemalloc.get_traced_memory()
    for outer in _open_blocks:  # the reset below would hide their peak so far: keep it
        outer._peak_abs = max(outer._peak_abs, peak_abs)
    tracemalloc.reset_peak()
    block = Traced(_start=now, _peak_abs=now)
    _open_blocks.append(block)
    try:
        yield block
    finally:
        if collect:
            gc.collect()
        current, peak_abs = tracemalloc.get_traced_memory()
        _open_blocks.remove(block)
        block.current = current - block._start
        block.peak = max(peak_abs, block._peak_abs) - block._start
        if started_here:
            tracemalloc.stop()
        if froze_here:
            gc.unfreeze()


def measure(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, Traced]:
    """Call fn(*args, **kwargs) inside `traced()`: returns (result, Traced). current includes the result."""
    if not callable(fn):
        raise TypeError(f"measure needs a callable, got {fn!r}")
    with traced() as t:
        result = fn(*args, **kwargs)
    return result, t


def _check_cached(cached_fn: Any) -> None:
    if not (callable(cached_fn) and callable(getattr(cached_fn, "cache_info", None))
            and callable(getattr(cached_fn, "cache_clear", None))):
        raise TypeError(
            "cached_fn must be a cached function with cache_info() and cache_clear() "
            f"(functools.lru_cache, functools.cache or hotcache_lab.memoize), got {cached_fn!r}"
        )


@dataclass(frozen=True)
class EntryCost:
    """Bytes a cache kept after `calls` calls that added `entries` entries."""

    calls: int
    entries: int
    retained: int

    @property
    def per_entry(self) -> float:
        """Bytes kept per entry in the cache (nan when no entry was kept, e.g. maxsize=0)."""
        return self.retained / self.entries if self.entries else math.nan

    @property
    def per_call(self) -> float:
        """Bytes kept per call: flat for an unbounded cache fed new keys, falling for a bounded one."""
        return self.retained / self.calls


def per_entry_cost(cached_fn: Callable, make_args: Callable[[int], tuple], n: int, *,
                   clear: bool = True) -> EntryCost:
    """Measure what a cache keeps: call cached_fn(*make_args(i)) for i in range(n) under tracemalloc.

    The arguments are built inside the measurement and dropped by the caller, so whatever stays
    allocated afterwards is what the cache holds: the key (a tuple of the arguments, or the lone
    int/str argument itself), the arguments, the result, and the cache's own bookkeeping (its dict
    slot, and for a bounded lru_cache a link object). `clear` empties the cache first (cache_clear()).
    """
    _check_cached(cached_fn)
    _check.function("make_args", make_args, what="a callable i -> tuple of arguments")
    n = _check.integer("n", n)
    if clear:
        cached_fn.cache_clear()
    before = cached_fn.cache_info().currsize
    with traced() as t:
        for i in range(n):
            args = make_args(i)
            if not isinstance(args, tuple):
                raise TypeError(
                    f"make_args must return a tuple of positional arguments, got {args!r} for i={i}"
                )
            cached_fn(*args)
        del args
    return EntryCost(calls=n, entries=cached_fn.cache_info().currsize - before, retained=t.current)


@dataclass(frozen=True)
class Series:
    """tracemalloc's current bytes (relative to the start) after calls[:done[i]] had run."""

    done: list[int]
    current: list[int]
    peak: int

    @property
    def final(self) -> int:
        return self.current[-1]


def traced_series(fn: Callable, calls: Sequence[tuple], points: int = 50) -> Series:
    """Run fn(*args) for each args in `calls` under tracemalloc, sampling memory at `points` checkpoints.

    The first point is before any call (0 calls done, 0 bytes); the last is after every call. The loop
    allocates nothing of its own while tracing (no counter past the small ints, no per-call check):
    tracemalloc makes every allocation it sees cost microseconds, and it would count them too.
    """
    if not callable(fn):
        raise TypeError(f"traced_series needs a callable, got {fn!r}")
    if not isinstance(calls, Sequence) or isinstance(calls, (str, bytes)):
        raise TypeError(f"calls must be a sequence of argument tuples, got {type(calls).__name__}")
    points = _check.integer("points", points)
    for i, args in enumerate(calls):
        if not isinstance(args, tuple):
            raise TypeError(f"calls[{i}] must be a tuple of positional arguments, got {args!r}")
    n = len(calls)
    marks = sorted({round(n * k / points) for k in range(1, points + 1)})
    done, current = [0, *marks], [0]
    with traced(collect=True) as t:
        start = t._start
        previous = 0
        for mark in marks:
            for args in calls[previous:mark]:
                fn(*args)
            previous = mark
            current.append(tracemalloc.get_traced_memory()[0] - start)
    return Series(done=done, current=current, peak=t.peak)


def with_results(series: Series, entries: Sequence[int], result_size: int) -> Series:
    """`series` (a replay whose function returned None) had each entry also held a result of
    `result_size` bytes: what tracemalloc shows for the same replay with real results.

    tracemalloc adds up requested sizes, so a result that owns no other object (bytes, str) adds exactly
    `sys.getsizeof(result)` while its entry is held. `entries[i]` is the entries held after
    `series.done[i]` calls. One replay of the keys then serves every result size. The peak is an upper
    bound: the bare replay's peak plus the most entries ever held, each with its result.
    """
    result_size = _check.integer("result_size", result_size, minimum=0)
    entries = list(entries)
    if len(entries) != len(series.done):
        raise ValueError(f"entries must have one count per point of the series ({len(series.done)}), "
                         f"got {len(entries)}")
    current = [held + count * result_size for held, count in zip(series.current, entries, strict=True)]
    return Series(done=series.done, current=current, peak=series.peak + max(entries, default=0) * result_size)


@dataclass(frozen=True)
class RssSeries:
    """The process's resident set size (MiB) sampled while a function ran, and what it returned."""

    seconds: list[float]
    mib: list[float]
    result: Any

    @property
    def growth(self) -> float:
        """MiB from the first sample (before the call) to the highest one."""
        return max(self.mib) - self.mib[0]


def rss_series(fn: Callable, interval: float = 0.01, args: tuple = (), kwargs: dict | None = None
               ) -> RssSeries:
    """RSS of this process over time while fn(*args, **kwargs) runs, via memory_profiler.memory_usage.

    memory-profiler (https://pypi.org/project/memory-profiler/) samples from a child process every
    `interval` seconds. We pass max_iterations=1: without it memory_usage calls a short function
    again (with a finer interval) when it got fewer than 5 samples, and a cached function called
    twice turns every miss of the second run into a hit.
    """
    from memory_profiler import memory_usage

    if not callable(fn):
        raise TypeError(f"rss_series needs a callable, got {fn!r}")
    interval = _check.seconds("interval", interval)
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple, got {type(args).__name__}")
    samples, result = memory_usage((fn, args, kwargs or {}), interval=interval, timestamps=True,
                                   retval=True, max_iterations=1)
    t0 = samples[0][1] if samples else time.time()
    return RssSeries(seconds=[t - t0 for _, t in samples], mib=[m for m, _ in samples], result=result)
