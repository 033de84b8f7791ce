"""Tests for hotcache_lab.memory: deep sizes, tracemalloc blocks, per-entry cost, series, RSS."""

import functools
import sys
import time
import tracemalloc

import pytest

from hotcache_lab import caches, memoize
from hotcache_lab.measure.memory import (
    EntryCost,
    deep_size,
    measure,
    per_entry_cost,
    rss_series,
    traced,
    traced_series,
)

# --- deep_size ---------------------------------------------------------------------------------


def test_deep_size_of_a_leaf_is_getsizeof():
    s = "x" * 1000
    assert deep_size(s) == sys.getsizeof(s)


def test_deep_size_of_nested_structures_is_at_least_the_sum_of_parts():
    a = ["a" * 100, 12345678901, 3.5]
    b = {"k" * 50: (1.25, "v" * 200)}
    outer = [a, b]
    parts = deep_size(a) + deep_size(b)
    assert deep_size(outer) >= sys.getsizeof(outer) + parts
    assert deep_size(outer) > parts


def test_deep_size_counts_shared_objects_once():
    big = "x" * 10_000
    twice = [big, big]
    assert deep_size(twice) == sys.getsizeof(twice) + sys.getsizeof(big)
    apart = [big, "y" * 10_000]
    assert deep_size(apart) > deep_size(twice) + 9_000


def test_deep_size_terminates_on_cycles():
    a: list = []
    a.append(a)
    assert deep_size(a) == sys.getsizeof(a)
    d: dict = {}
    d["self"] = d
    assert deep_size(d) == sys.getsizeof(d) + sys.getsizeof("self")


def test_deep_size_follows_instance_attributes_and_slots():
    class WithDict:
        def __init__(self):
            self.payload = "p" * 5000

    class WithSlots:
        __slots__ = ("payload", "__secret", "unset")

        def __init__(self):
            self.payload = "p" * 5000
            self.__secret = "s" * 3000

    assert deep_size(WithDict()) > 5000
    assert deep_size(WithSlots()) > 8000


def test_deep_size_does_not_count_classes_or_functions():
    assert deep_size([int, len, deep_size]) == sys.getsizeof([int, len, deep_size])


# --- traced / measure -------------------------------------------------------------------------


def test_traced_measures_a_known_allocation_within_a_wide_margin():
    with traced() as t:
        kept = bytearray(10**6)
    assert 0.9 <= t.current / 1e6 <= 1.5
    assert 0.9 <= t.peak / 1e6 <= 1.5
    del kept


def test_traced_peak_sees_a_temporary_that_current_does_not():
    with traced() as t:
        tmp = bytearray(10**6)
        del tmp
    assert t.current < 100_000
    assert 0.9 <= t.peak / 1e6 <= 1.5


def test_traced_stops_tracemalloc_it_started_and_leaves_a_running_one():
    assert not tracemalloc.is_tracing()
    with traced():
        assert tracemalloc.is_tracing()
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        with traced():
            pass
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_nested_blocks_keep_the_outer_peak():
    with traced() as outer:
        tmp = bytearray(2 * 10**6)
        del tmp
        with traced() as inner:
            small = bytearray(10**5)
            del small
    assert inner.peak < 10**6
    assert outer.peak >= 1.9 * 10**6


def test_measure_returns_the_result_and_counts_it():
    result, t = measure(bytearray, 10**6)
    assert len(result) == 10**6
    assert 0.9 <= t.current / 1e6 <= 1.5


def test_measure_rejects_a_non_callable():
    with pytest.raises(TypeError, match="callable"):
        measure(42)


# --- per_entry_cost ---------------------------------------------------------------------------


def _kilobyte_result(i):
    return bytes(1000)


def test_unbounded_cache_keeps_far_more_than_a_bounded_one_after_many_distinct_calls():
    unbounded = functools.lru_cache(maxsize=None)(_kilobyte_result)
    bounded = functools.lru_cache(maxsize=64)(_kilobyte_result)
    n = 5000
    u = per_entry_cost(unbounded, lambda i: (10**6 + i,), n)
    b = per_entry_cost(bounded, lambda i: (10**6 + i,), n)
    assert (u.entries, b.entries) == (n, 64)
    assert u.retained > 10 * b.retained
    # each entry holds a 1000-byte result plus a key and bookkeeping: more than 1000, not much more
    assert 1000 < u.per_entry < 1600
    # bounded: the bytes kept per call fall as calls go on, they do not stay flat
    b_more = per_entry_cost(bounded, lambda i: (10**6 + i,), 4 * n)
    assert b_more.per_call < b.per_call / 2
    assert b_more.retained < 2 * b.retained


def test_bounded_lru_cache_costs_more_per_entry_than_cache_because_of_its_link():
    # functools.cache stores key -> result in a dict; a bounded lru_cache stores key -> link
    # (a C struct with prev/next/hash/key/result): tens of bytes more per entry.
    ident = lambda x: x  # noqa: E731  the result is the key: only bookkeeping is measured
    unbounded = per_entry_cost(functools.cache(ident), lambda i: (10**6 + i,), 20_000)
    bounded = per_entry_cost(functools.lru_cache(maxsize=10**6)(ident), lambda i: (10**6 + i,), 20_000)
    assert bounded.per_entry > unbounded.per_entry + 30


def test_per_entry_cost_works_with_memoize():
    f = memoize(caches.LRUCache(100))(_kilobyte_result)
    cost = per_entry_cost(f, lambda i: (i,), 1000)
    assert cost.entries == 100
    assert cost.calls == 1000


def test_entry_cost_without_entries_is_nan_not_a_number_made_up():
    f = functools.lru_cache(maxsize=0)(_kilobyte_result)
    cost = per_entry_cost(f, lambda i: (i,), 10)
    assert cost.entries == 0
    assert cost.per_entry != cost.per_entry  # nan
    assert isinstance(EntryCost(1, 1, 5).per_entry, float)


@pytest.mark.parametrize("bad_fn", [len, 42, lambda x: x])
def test_per_entry_cost_rejects_uncached_functions(bad_fn):
    with pytest.raises(TypeError, match="cache_info"):
        per_entry_cost(bad_fn, lambda i: (i,), 10)


@pytest.mark.parametrize("n, error", [(0, ValueError), (-3, ValueError), ("10", TypeError),
                                      (2.5, TypeError), (True, TypeError)])
def test_per_entry_cost_rejects_bad_n(n, error):
    with pytest.raises(error, match="n must be a positive int"):
        per_entry_cost(functools.cache(_kilobyte_result), lambda i: (i,), n)


def test_per_entry_cost_rejects_make_args_that_does_not_return_a_tuple():
    with pytest.raises(TypeError, match="tuple"):
        per_entry_cost(functools.cache(_kilobyte_result), lambda i: i, 10)
    with pytest.raises(TypeError, match="make_args"):
        per_entry_cost(functools.cache(_kilobyte_result), None, 10)


# --- traced_series ----------------------------------------------------------------------------


def test_traced_series_grows_then_flattens_for_a_bounded_cache():
    calls = [(10**6 + i,) for i in range(4000)]
    unbounded = traced_series(functools.cache(_kilobyte_result), calls, points=20)
    bounded = traced_series(functools.lru_cache(maxsize=200)(_kilobyte_result), calls, points=20)
    assert unbounded.done[0] == 0 and unbounded.done[-1] == 4000 and len(unbounded.done) == 21
    assert unbounded.final > 10 * bounded.final
    # bounded: the last half of the calls adds (almost) nothing
    half = bounded.current[10]
    assert bounded.final < 1.5 * half
    # unbounded: the last half about doubles what the first half kept
    assert unbounded.final > 1.6 * unbounded.current[10]


def test_traced_series_rejects_bad_input():
    f = functools.cache(_kilobyte_result)
    with pytest.raises(TypeError, match="sequence"):
        traced_series(f, (x for x in [(1,)]))
    with pytest.raises(TypeError, match=r"calls\[1\]"):
        traced_series(f, [(1,), 2])
    with pytest.raises(ValueError, match="points"):
        traced_series(f, [(1,)], points=0)
    with pytest.raises(TypeError, match="callable"):
        traced_series(None, [(1,)])


# --- rss_series -------------------------------------------------------------------------------


def _allocate_and_hold(mib):
    block = b"\x01" * (mib * 2**20)  # written, so the pages are really resident
    time.sleep(0.3)
    return len(block)


def test_rss_series_sees_a_large_allocation_and_returns_the_result():
    series = rss_series(_allocate_and_hold, interval=0.01, args=(64,))
    assert series.result == 64 * 2**20
    assert len(series.mib) == len(series.seconds) >= 3
    assert series.seconds[0] == 0.0
    assert series.growth > 32  # MiB: a 64 MiB block, half of it as the margin


def test_rss_series_runs_the_function_exactly_once():
    calls = []
    rss_series(lambda: calls.append(1), interval=0.05)
    assert calls == [1]


@pytest.mark.parametrize(("interval", "error"), [(0, ValueError), (-1, ValueError), ("0.1", TypeError),
                                               (True, TypeError)])
def test_rss_series_rejects_bad_interval(interval, error):
    with pytest.raises(error, match="interval must be a (positive finite )?number of seconds"):
        rss_series(lambda: None, interval=interval)


def test_rss_series_rejects_non_callable_and_bad_args():
    with pytest.raises(TypeError, match="callable"):
        rss_series(None)
    with pytest.raises(TypeError, match="args"):
        rss_series(lambda x: x, args=[1])


def test_a_nested_block_sees_memory_freed_that_was_allocated_inside_the_outer_block():
    with traced():
        with traced() as fill:
            held = [bytearray(1000) for _ in range(1000)]
        with traced() as drop:
            del held
    assert fill.current > 0.9e6
    assert drop.current < -0.9e6


def test_garbage_from_before_the_block_is_not_freed_inside_it_and_the_freeze_is_undone():
    import gc

    cycle: list = [bytearray(10**6)]
    cycle.append(cycle)
    del cycle  # unreachable now, but only the cycle collector can free it
    with traced() as t:
        gc.collect()  # even an explicit collection inside the block leaves it alone
    assert t.current > -100_000
    assert gc.get_freeze_count() == 0
    gc.collect()


def test_cycles_made_and_dropped_inside_the_block_do_not_count_as_kept():
    with traced() as t:
        for _ in range(10):
            cycle: list = [bytearray(10**5)]
            cycle.append(cycle)
        del cycle
    assert t.current < 100_000
    assert t.peak > 0.9e6


def test_a_caller_freeze_is_left_alone():
    import gc

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with traced():
            pass
        # unfreezing would empty the permanent generation; a few frozen objects may die meanwhile (a
        # frozen object that loses its last reference leaves it, e.g. in pytest-xdist's I/O thread)
        assert gc.get_freeze_count() >= before - 100
    finally:
        gc.unfreeze()


# --- what tracemalloc does not see: pymalloc's blocks ------------------------------------------------


def test_pymalloc_size_rounds_small_requests_up_to_their_size_class():
    from hotcache_lab.measure.memory import PYMALLOC_ALIGNMENT, pymalloc_size

    assert PYMALLOC_ALIGNMENT in (8, 16)
    assert pymalloc_size(1) == PYMALLOC_ALIGNMENT
    assert pymalloc_size(PYMALLOC_ALIGNMENT) == PYMALLOC_ALIGNMENT
    assert pymalloc_size(PYMALLOC_ALIGNMENT + 1) == 2 * PYMALLOC_ALIGNMENT
    assert pymalloc_size(512) == 512 and pymalloc_size(513) == 513  # the system allocator's business
    with pytest.raises(ValueError, match="requested"):
        pymalloc_size(0)


def test_pymalloc_blocks_see_lru_cache_links_land_in_their_size_class():
    """An lru_cache link requests 56 bytes (tracemalloc's figure) and takes a block of the next class."""
    from hotcache_lab.measure.memory import pymalloc_blocks, pymalloc_size

    if not pymalloc_blocks():
        pytest.skip("this interpreter keeps no pymalloc statistics")
    cached = functools.lru_cache(maxsize=10**6)(lambda key: None)
    keys = [10**6 + i for i in range(5_000)]
    before = pymalloc_blocks()
    for key in keys:
        cached(key)
    after = pymalloc_blocks()
    block = pymalloc_size(56)
    assert after[block] - before.get(block, 0) >= 0.98 * len(keys)


def test_traced_series_counts_nothing_of_its_own():
    calls = [(i,) for i in range(20_000)]
    series = traced_series(lambda i: None, calls, points=10)
    assert series.final < 2_000 and series.peak < 20_000  # 20,000 calls that keep nothing: next to 0 bytes


def test_with_results_adds_each_held_entry_s_result_to_a_bare_replay():
    from hotcache_lab.measure.memory import Series, with_results

    bare = Series(done=[0, 10, 20], current=[0, 500, 900], peak=950)
    full = with_results(bare, [0, 10, 12], 100)
    assert full.done == bare.done and full.current == [0, 1_500, 2_100]
    assert full.peak == 950 + 12 * 100  # an upper bound: the bare peak and the most entries held
    with pytest.raises(ValueError, match="one count per point"):
        with_results(bare, [0, 1], 100)


def test_with_results_matches_a_replay_with_real_results():
    from hotcache_lab.measure.memory import with_results

    calls = [(10**6 + i % 3_000,) for i in range(6_000)]
    bare = traced_series(functools.lru_cache(maxsize=1_000)(lambda key: None), calls, points=6)
    real = traced_series(functools.lru_cache(maxsize=1_000)(lambda key: bytes(500)), calls, points=6)
    entries = [min(1_000, d) for d in bare.done]  # 3,000 distinct keys first seen in the first 3,000 calls
    full = with_results(bare, entries, sys.getsizeof(bytes(500)))
    assert max(abs(a - b) for a, b in zip(full.current, real.current, strict=True)) < 0.001 * real.final
