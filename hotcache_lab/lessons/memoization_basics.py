"""Notebook 01 (memoization basics): how big should an lru_cache be, what does it save, and the
verdicts of the notebook's three exercises."""

from __future__ import annotations

import collections
import functools
from dataclasses import dataclass

from .. import _check

#: the maxsizes of the hit-ratio curve the sizing plot draws
SIZES = (1, 3, 10, 30, 100, 300, 1000, 3000, 5000)


def replay(maxsize: int | None, keys) -> tuple:
    """Feed the calls through a real functools.lru_cache(maxsize); return its cache_info()."""
    f = functools.lru_cache(maxsize=maxsize)(lambda k: k)
    for k in keys:
        f(k)
    return f.cache_info()


@dataclass(frozen=True)
class Sizing:
    """One maxsize on the hit-ratio curve, and the stream's total time with and without the cache."""

    maxsize: int
    compute_ms: float
    hits: int
    misses: int
    hit_ratio: float
    sizes: tuple[int, ...]
    curve: tuple[float, ...]  # hit ratio at each of `sizes`
    unbounded_hit_ratio: float  # functools.cache: every repeat a hit
    unbounded_entries: int
    without_s: float  # every call computes
    with_cache_s: float  # the misses compute, every call looks up

    @property
    def saved_s(self) -> float:
        return self.without_s - self.with_cache_s


@functools.lru_cache(maxsize=8)
def _curve(keys: tuple) -> tuple[tuple[float, ...], tuple]:
    return tuple(replay(m, keys).hits / len(keys) for m in SIZES), replay(None, keys)


def sizing(maxsize: float, compute_ms: float, *, keys, hit_time: float) -> Sizing:
    """The sliders' compute: maxsize and compute_ms come from log sliders (floats); `hit_time` is
    the measured cost of one hit, in seconds."""
    keys = tuple(keys)
    maxsize = _check.maxsize(int(round(maxsize)))
    compute_ms = _check.positive("compute_ms", compute_ms)
    hit_time = _check.non_negative("hit_time", hit_time)
    curve, unbounded = _curve(keys)
    info = replay(maxsize, keys)
    without = len(keys) * compute_ms / 1e3
    with_cache = info.misses * compute_ms / 1e3 + len(keys) * hit_time
    return Sizing(maxsize, compute_ms, info.hits, info.misses, info.hits / len(keys), SIZES, curve,
                  unbounded.hits / len(keys), unbounded.currsize, without, with_cache)


# --- the exercises' verdicts: True (right), None (not answered yet), or what is wrong ----------

EX1_CALLS = (1, 2, 1, 3, 2, 1)
EX1_MAXSIZE = 2
EX2_ARGUMENTS = (1, 1.0, True, "1")


def judge_exercise_1(answer):
    """Exercise 1: cache_info() of lru_cache(maxsize=2) after EX1_CALLS, as (hits, misses, maxsize,
    currsize); a CacheInfo itself is accepted. Judged against a real lru_cache fed the same calls."""
    if answer is None:
        return None
    try:
        got = tuple(answer)
    except TypeError:
        return f"give four numbers (hits, misses, maxsize, currsize), got {answer!r}"
    if len(got) != 4 or any(isinstance(v, bool) or not isinstance(v, int) for v in got):
        return f"give four ints (hits, misses, maxsize, currsize), got {got!r}"
    hits, misses, maxsize, currsize = got
    if hits + misses != len(EX1_CALLS):
        return f"every call is a hit or a miss: hits + misses is {len(EX1_CALLS)}, not {hits + misses}"
    if maxsize != EX1_MAXSIZE:
        return f"cache_info() reports the cache's own maxsize, {EX1_MAXSIZE} here, not {maxsize}"
    if currsize > maxsize:
        return f"currsize never exceeds maxsize={maxsize}: a full cache evicts before it stores"
    if got != tuple(replay(EX1_MAXSIZE, EX1_CALLS)):
        return f"{got} is not what lru_cache(maxsize={EX1_MAXSIZE}) reports: which key does each miss evict?"
    return True


def cache_entries(typed: bool, arguments=EX2_ARGUMENTS) -> int:
    """How many entries a one-argument lru_cache holds after one call with each of `arguments`."""
    f = functools.lru_cache(maxsize=None, typed=_check.flag("typed", typed))(lambda x: x)
    for x in arguments:
        f(x)
    return f.cache_info().currsize


def judge_exercise_2(answer):
    """Exercise 2: (entries with typed=False, entries with typed=True) after calls with 1, 1.0, True
    and "1". Judged against real caches fed those calls."""
    if answer is None:
        return None
    try:
        untyped, typed = answer
    except (TypeError, ValueError):
        return f"give a pair (entries_untyped, entries_typed), got {answer!r}"
    right = (cache_entries(False), cache_entries(True))
    if typed != right[1]:
        return f"typed=True: {typed!r} entries? int, float, bool and str are four types"
    if untyped != right[0]:
        return (f"typed=False: {untyped!r} entries? 1 == 1.0 == True and the hashes agree, but a lone int "
                "or str is its own key")
    return True


#: how many times rank_products computed each category: the exercise 3 verdict reads it
RANKINGS: collections.Counter = collections.Counter()


def rank_products(category: str) -> list[str]:
    """Exercise 3's expensive part: the three top ids of a category, as a fresh list on every call.
    It counts its runs in RANKINGS, so a verdict can see whether a function in front of it caches."""
    category = _check.text("category", category)
    RANKINGS[category] += 1
    return [f"{category}-{i}" for i in range(3)]


def _careless_caller(result) -> None:
    """What a caller that thinks the result is its own does to it."""
    for change in (lambda r: r.append("SPONSORED"), lambda r: r.__setitem__(0, "SPONSORED")):
        try:
            change(result)
        except (AttributeError, TypeError):  # immutable: exactly what protects the next caller
            pass


def _fresh(category: str) -> str:
    """A category rank_products has never computed, so a cache in front of it cannot hold it yet."""
    n = 1
    while f"{category}-{n}" in RANKINGS:
        n += 1
    return f"{category}-{n}"


def judge_exercise_3(top_products, category: str = "toys"):
    """Exercise 3: a cached top_products(category) that takes its ids from rank_products, and that no
    caller can corrupt. Judged by behaviour, whatever the design (an immutable result, a copy per
    call): on a category never seen before, the right ids; the same ids after a caller mutated what
    it got; and rank_products run once however often top_products is called."""
    if top_products is None:
        return None
    if not callable(top_products):
        return f"ex3_answer must be a function, got {top_products!r}"
    category = _fresh(_check.text("category", category))
    expected = [f"{category}-{i}" for i in range(3)]
    try:
        first = top_products(category)
        ran = RANKINGS[category]
        got = list(first)
        _careless_caller(first)
        later = [list(top_products(category)) for _ in range(3)]
    except Exception as error:  # a verdict, never a crash of the student's notebook
        return f"top_products({category!r}) raised {type(error).__name__}: {error}"
    if ran == 0:
        return "top_products must get its ids from lesson.rank_products(category)"
    if got != expected:
        return f"top_products({category!r}) returned {got!r}, not {expected!r}"
    if any(r != expected for r in later):
        return f"a caller's change reached the next caller: it got {later[0]!r}"
    if RANKINGS[category] > 1:
        return f"rank_products ran {RANKINGS[category]} times for 4 calls with one category: not cached"
    return True
