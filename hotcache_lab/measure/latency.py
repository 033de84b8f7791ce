"""Does a cache pay? Its expected latency from the hit ratio and measured hit and miss costs.

Every call to a cached function pays the lookup; a miss also pays the computation and the store:

    E[latency] = h * t_hit + (1 - h) * (t_hit + t_miss)  =  t_hit + (1 - h) * t_miss

with `t_hit` the time of a call that finds its key and `t_miss` the extra time of a call that
does not (compute + store). Without the cache every call costs `t_uncached` (the computation
alone, about `t_miss` when storing is cheap). The cache pays when E < t_uncached, that is when

    h > h* = 1 - (t_uncached - t_hit) / t_miss          (= t_hit / t_miss if t_uncached = t_miss)

`measure` times a real cached function (functools.lru_cache by default, or any decorator such
as hotcache_lab.memoize) on keys it has never seen, on the same keys again, and uncached.
`choose_maxsize` turns a miss-ratio curve and a memory budget into a maxsize, and
`watch_hit_ratio` samples `cache_info()` while a stream runs, the way production monitoring does.
"""

from __future__ import annotations

import functools
import gc
import math
import numbers
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _check


def _hit_ratios(h: object) -> Any:
    """A hit ratio (through `_check.fraction`) or an array of them, each in [0, 1]; NaN is rejected.

    The one array-of-fractions check in the lab: `_check` checks one number at a time."""
    if isinstance(h, (bool, str, bytes)) or (isinstance(h, np.ndarray) and h.dtype.kind not in "iuf"):
        raise TypeError(f"h must be a hit ratio in [0, 1], got {h!r}")
    if isinstance(h, numbers.Real):
        return _check.fraction("h", h)
    try:
        arr = np.asarray(h, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"h must be a hit ratio or an array of hit ratios, got {h!r}") from None
    bad = ~((arr >= 0.0) & (arr <= 1.0))
    if bad.any():
        raise ValueError(f"h must be hit ratios in [0, 1], got {arr[bad][0]!r} among them")
    return arr


def expected_latency(h: Any, t_hit: float, t_miss: float) -> Any:
    """h * t_hit + (1 - h) * (t_hit + t_miss): the mean time of a cached call at hit ratio h.

    `h` may be a float or an array; times in any one unit (the result is in the same unit).
    """
    h = _hit_ratios(h)
    t_hit = _check.seconds("t_hit", t_hit, allow_zero=True)
    t_miss = _check.seconds("t_miss", t_miss, allow_zero=True)
    return h * t_hit + (1 - h) * (t_hit + t_miss)


def break_even_hit_ratio(t_hit: float, t_miss: float, t_uncached: float | None = None) -> float:
    """The hit ratio above which caching is faster than calling the function every time.

    Solves t_hit + (1 - h) * t_miss = t_uncached for h. `t_uncached` defaults to `t_miss` (storing
    costs nothing extra), giving t_hit / t_miss. A result >= 1 means the cache can never pay (its
    lookup alone costs as much as the work it saves); a result <= 0 means it pays at any hit ratio.
    """
    t_hit = _check.seconds("t_hit", t_hit, allow_zero=True)
    t_miss = _check.seconds("t_miss", t_miss)
    t_uncached = t_miss if t_uncached is None else _check.seconds("t_uncached", t_uncached, allow_zero=True)
    return 1.0 - (t_uncached - t_hit) / t_miss


def speedup(h: Any, t_hit: float, t_miss: float, t_uncached: float | None = None) -> Any:
    """t_uncached / expected_latency: how many times faster the cached function is at hit ratio h."""
    if t_uncached is None:
        t_uncached = t_miss
    t_uncached = _check.seconds("t_uncached", t_uncached, allow_zero=True)
    return t_uncached / expected_latency(h, t_hit, t_miss)


@dataclass(frozen=True)
class CallCosts:
    """Measured seconds per call: one that hits, one that misses, and the bare function."""

    hit_call: float
    miss_call: float
    uncached_call: float
    n_keys: int
    repeat: int

    @property
    def t_hit(self) -> float:
        return self.hit_call

    @property
    def t_miss(self) -> float:
        """What a miss costs on top of a hit (compute + store); never below 0."""
        return max(self.miss_call - self.hit_call, 0.0)

    @property
    def t_uncached(self) -> float:
        return self.uncached_call

    @property
    def t_store(self) -> float:
        """The cache's own work on a miss, beyond a hit's: miss_call - hit_call - uncached_call, >= 0.

        Measure it with a trivial function: behind an expensive one it is smaller than the noise.
        Then, for a computation of t0 seconds, t_miss = t0 + t_store and the break-even hit ratio
        is (t_hit + t_store) / (t0 + t_store).
        """
        return max(self.miss_call - self.hit_call - self.uncached_call, 0.0)

    def expected(self, h: Any) -> Any:
        return expected_latency(h, self.t_hit, self.t_miss)

    def break_even(self) -> float:
        if self.t_miss == 0:
            return math.inf  # a miss costs no more than a hit: nothing to save
        return break_even_hit_ratio(self.t_hit, self.t_miss, self.t_uncached)

    def speedup(self, h: Any) -> Any:
        return speedup(h, self.t_hit, self.t_miss, self.t_uncached)


def _loop_time(call: Callable | None, keys: list) -> float:
    start = time.perf_counter()
    if call is None:
        for _ in keys:
            pass
    else:
        for k in keys:
            call(k)
    return time.perf_counter() - start


def _calls(func: Callable) -> tuple[int, int] | None:
    info = getattr(func, "cache_info", None)
    if info is None:
        return None
    i = info()
    return i.hits, i.misses


def measure(func: Callable, keys: Iterable, *, decorator: Callable[[Callable], Callable] | None = None,
            repeat: int = 5) -> CallCosts:
    """Time `func` cached and uncached on real calls, one argument per call.

    Each repeat wraps `func` afresh with `decorator` (default `functools.lru_cache(maxsize=None)`;
    it must give a new, empty cache every time it is called), calls it once on every key (all
    misses), again on every key (all hits), and calls `func` itself on every key. The best of
    `repeat` runs of each (the least disturbed, as timeit advises) is divided by the number of
    keys, after taking off the bare loop's time. The garbage collector is off while timing, as
    in timeit. When the cached function has `cache_info()`, the hits and misses are checked.
    """
    keys = list(keys)
    if not keys:
        raise ValueError("keys must not be empty")
    if len(set(keys)) != len(keys):
        raise ValueError("keys must be distinct: a repeated key would hit during the miss pass")
    repeat = _check.integer("repeat", repeat)
    _check.function("func", func)
    decorator = functools.lru_cache(maxsize=None) if decorator is None else decorator
    n = len(keys)
    best = {"loop": math.inf, "miss": math.inf, "hit": math.inf, "bare": math.inf}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            cached = decorator(func)
            before = _calls(cached)
            if before is not None and before != (0, 0):
                raise ValueError("decorator must return a function with a new, empty cache every time")
            best["loop"] = min(best["loop"], _loop_time(None, keys))
            best["miss"] = min(best["miss"], _loop_time(cached, keys))
            best["hit"] = min(best["hit"], _loop_time(cached, keys))
            best["bare"] = min(best["bare"], _loop_time(func, keys))
            after = _calls(cached)
            if after is not None and after != (n, n):
                raise ValueError(
                    f"expected {n} misses then {n} hits, cache_info() says hits={after[0]}, "
                    f"misses={after[1]}: is the cache smaller than the number of keys?"
                )
    finally:
        if was_enabled:
            gc.enable()
    loop = best["loop"]
    return CallCosts(
        hit_call=max(best["hit"] - loop, 0.0) / n,
        miss_call=max(best["miss"] - loop, 0.0) / n,
        uncached_call=max(best["bare"] - loop, 0.0) / n,
        n_keys=n, repeat=repeat,
    )


@dataclass(frozen=True)
class SizeChoice:
    """A maxsize chosen from a miss-ratio curve under a memory budget."""

    budget_entries: int  # the most entries the budget holds
    knee: int  # smallest size from which `per` more entries add less than `min_gain` hit ratio
    maxsize: int  # min(largest size on the curve within budget, knee)
    miss_ratio: float  # the curve's miss ratio at maxsize
    limited_by: str  # "budget" or "knee"


def choose_maxsize(sizes: Sequence[int], miss_ratios: Sequence[float], *, budget_bytes: float,
                   entry_bytes: float, min_gain: float = 0.005, per: int = 1000) -> SizeChoice:
    """The largest size within the memory budget, or the knee of the curve if that comes first.

    `sizes` increasing cache sizes (entries), `miss_ratios` the curve at those sizes (linear in
    between, flat beyond the last size). The gain at size s is the hit ratio that `per` more
    entries would add, m(s) - m(s + per); the knee is the smallest size on the curve from which
    the gain stays below `min_gain` (default: half a point of hit ratio per 1000 entries): beyond
    it memory buys little. Budget and entry size in bytes.
    """
    s = np.asarray(sizes)
    m = np.asarray(miss_ratios, dtype=float)
    if s.ndim != 1 or len(s) == 0 or s.shape != m.shape:
        raise ValueError(f"sizes and miss_ratios must be 1-d and of the same non-zero length, "
                         f"got {s.shape} and {m.shape}")
    if not np.issubdtype(s.dtype, np.integer) or (s < 1).any() or (np.diff(s) <= 0).any():
        raise ValueError("sizes must be increasing positive ints")
    if not np.isfinite(m).all() or (m < 0).any() or (m > 1).any():
        raise ValueError("miss_ratios must lie between 0 and 1")
    budget_bytes = _check.non_negative("budget_bytes", budget_bytes, unit="bytes")
    entry_bytes = _check.positive("entry_bytes", entry_bytes, unit="bytes")
    min_gain = _check.fraction("min_gain", min_gain, low_open=True)
    per = _check.integer("per", per)
    budget_entries = int(budget_bytes // entry_bytes)
    if budget_entries < s[0]:
        raise ValueError(f"a budget of {budget_bytes:g} bytes holds {budget_entries} entries of "
                         f"{entry_bytes:g} bytes: less than the smallest size on the curve ({s[0]})")
    gain = m - np.interp(s + per, s, m)  # hit ratio that `per` more entries would add
    steep = np.nonzero(gain >= min_gain)[0]
    # the curve is flat beyond its last size, so the last size is never steep and steep[-1] + 1 exists
    knee = int(s[steep[-1] + 1]) if len(steep) else int(s[0])
    within = int(s[np.searchsorted(s, budget_entries, side="right") - 1])
    maxsize = min(within, knee)
    return SizeChoice(budget_entries, knee, maxsize, float(m[np.searchsorted(s, maxsize)]),
                      "budget" if within < knee else "knee")


@dataclass(frozen=True)
class Window:
    """One sampling period of a cached function in service."""

    end: int  # calls served so far
    hits: int
    misses: int

    @property
    def hit_ratio(self) -> float:
        """Hits per call of the window; NaN for a window without calls (a ratio of nothing)."""
        return self.hits / (self.hits + self.misses) if self.hits + self.misses else math.nan


def watch_hit_ratio(func: Callable, stream: Iterable, every: int) -> list[Window]:
    """Serve `stream` (one argument per call) through a cached `func`, sampling `cache_info()`.

    Every `every` calls (and at the end) the counters are read and the window's hit ratio is the
    difference from the previous sample: what a dashboard plotting cache_info() deltas shows.
    The cumulative ratio since start hides a drop that the window shows at once.
    """
    if getattr(func, "cache_info", None) is None:
        raise TypeError(
            f"func must have cache_info() (functools.lru_cache or hotcache_lab.memoize), got {func!r}"
        )
    every = _check.integer("every", every)
    last = func.cache_info()
    windows = []
    served = 0
    for served, key in enumerate(stream, 1):
        func(key)
        if served % every == 0:
            now = func.cache_info()
            windows.append(Window(served, now.hits - last.hits, now.misses - last.misses))
            last = now
    if served % every:
        now = func.cache_info()
        windows.append(Window(served, now.hits - last.hits, now.misses - last.misses))
    return windows
