"""The expected-latency model, the break-even hit ratio, real measurements, sizing and monitoring."""

import functools
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotcache_lab import caches, memoize
from hotcache_lab.measure.latency import (
    CallCosts,
    break_even_hit_ratio,
    choose_maxsize,
    expected_latency,
    measure,
    speedup,
    watch_hit_ratio,
)

times = st.floats(1e-9, 1.0)


def render(n):
    """A real computation of tens of microseconds, worth caching: a small JSON document."""
    doc = {"id": int(n), "items": [{"k": (n * 7 + i) % 1000, "v": str(i) * 3} for i in range(40)]}
    return json.dumps(doc, sort_keys=True)
ratios = st.floats(0.0, 1.0)


def test_formula_by_hand():
    # 90% hits at 1 us, misses cost 100 us more: 0.9*1 + 0.1*101 = 11 us
    assert expected_latency(0.9, 1.0, 100.0) == pytest.approx(11.0)
    assert expected_latency(1.0, 1.0, 100.0) == pytest.approx(1.0)
    assert expected_latency(0.0, 1.0, 100.0) == pytest.approx(101.0)


@given(h=ratios, t_hit=times, t_miss=times)
def test_formula_is_lookup_plus_missed_work(h, t_hit, t_miss):
    assert expected_latency(h, t_hit, t_miss) == pytest.approx(t_hit + (1 - h) * t_miss, rel=1e-12)


def test_formula_on_arrays():
    h = np.linspace(0, 1, 11)
    e = expected_latency(h, 2.0, 10.0)
    assert e.shape == (11,)
    assert np.allclose(e, 2.0 + (1 - h) * 10.0)
    assert (np.diff(e) < 0).all()  # more hits, less latency


@pytest.mark.parametrize("h", [-0.01, 1.01, math.nan, math.inf, -math.inf])
def test_h_outside_unit_interval_is_an_error(h):
    with pytest.raises(ValueError, match=r"h must be a number in \[0, 1\]"):
        expected_latency(h, 1.0, 2.0)
    with pytest.raises(ValueError, match=r"h must be hit ratios in \[0, 1\]"):
        expected_latency(np.array([0.5, h]), 1.0, 2.0)
    with pytest.raises(ValueError, match="h must be"):
        speedup(h, 1.0, 2.0)


def test_bad_types_and_times():
    with pytest.raises(TypeError):
        expected_latency(True, 1.0, 2.0)
    with pytest.raises(TypeError):
        expected_latency("0.5", 1.0, 2.0)
    with pytest.raises(TypeError, match="t_hit"):
        expected_latency(0.5, "1", 2.0)
    with pytest.raises(ValueError, match="t_miss"):
        expected_latency(0.5, 1.0, -2.0)
    with pytest.raises(ValueError, match="t_miss"):
        break_even_hit_ratio(1.0, 0.0)
    with pytest.raises(ValueError, match="t_uncached"):
        break_even_hit_ratio(1.0, 2.0, math.nan)


def test_break_even_by_hand():
    assert break_even_hit_ratio(1.0, 100.0) == pytest.approx(0.01)
    # storing costs 20 on top of a 100 computation: 1 + (1-h)*120 = 100 -> h = 1 - 99/120
    assert break_even_hit_ratio(1.0, 120.0, 100.0) == pytest.approx(1 - 99 / 120)
    assert break_even_hit_ratio(5.0, 4.0) > 1  # the lookup costs more than the work: never pays


@given(t_hit=times, t_miss=times, t_uncached=times)
def test_at_break_even_cached_and_uncached_cost_the_same(t_hit, t_miss, t_uncached):
    h = break_even_hit_ratio(t_hit, t_miss, t_uncached)
    if 0 <= h <= 1:
        assert expected_latency(h, t_hit, t_miss) == pytest.approx(t_uncached, rel=1e-9, abs=1e-15)
        assert speedup(h, t_hit, t_miss, t_uncached) == pytest.approx(1.0, rel=1e-9)
        above = min(1.0, h + 0.01)
        if above > h:
            assert expected_latency(above, t_hit, t_miss) < t_uncached


def test_call_costs_properties():
    c = CallCosts(hit_call=1e-7, miss_call=10.1e-6, uncached_call=10e-6, n_keys=10, repeat=1)
    assert c.t_miss == pytest.approx(10e-6)
    assert c.t_store == pytest.approx(0.0, abs=1e-12)
    assert CallCosts(1e-7, 5e-7, 2e-7, 10, 1).t_store == pytest.approx(2e-7)
    t0 = 50e-6  # the decomposition: break-even (t_hit + t_store) / (t0 + t_store)
    store = 2e-7
    assert break_even_hit_ratio(1e-7, t0 + store, t0) == pytest.approx((1e-7 + store) / (t0 + store))
    assert c.break_even() == pytest.approx(0.01)
    assert c.speedup(0.99) == pytest.approx(10e-6 / (1e-7 + 0.01 * 10e-6))
    flat = CallCosts(hit_call=2e-7, miss_call=1e-7, uncached_call=1e-7, n_keys=10, repeat=1)
    assert flat.t_miss == 0 and flat.break_even() == math.inf


def test_measure_lru_cache_on_a_real_computation():
    costs = measure(render, range(200), repeat=3)
    assert costs.n_keys == 200
    # a C lru_cache hit is ~0.1 us, a profile card tens of us: two orders of magnitude, asserted as 5x
    assert costs.t_hit * 5 < costs.t_miss
    assert costs.t_hit * 5 < costs.t_uncached
    # the break-even from miss - bare is swamped by noise for a tens-of-us function (it can even
    # come out negative); with the cache's own overhead measured on a trivial function it is small
    overhead = measure(cheap, range(1000, 1500), repeat=5)
    h_star = break_even_hit_ratio(overhead.t_hit, costs.t_uncached + overhead.t_store, costs.t_uncached)
    assert 0 < h_star < 0.2


def test_measure_memoize_and_checks_the_cache():
    costs = measure(render, range(100),
                    decorator=lambda f: memoize(caches.LRUCache(1000))(f), repeat=2)
    assert costs.t_hit * 5 < costs.t_miss
    with pytest.raises(ValueError, match="smaller than the number of keys"):
        measure(render, range(50), decorator=functools.lru_cache(maxsize=10), repeat=1)
    shared = functools.lru_cache(maxsize=None)(render)
    with pytest.raises(ValueError, match="new, empty cache"):
        measure(render, range(5), decorator=lambda f: shared, repeat=2)


def cheap(n):
    return n * 2 + 1


def test_memoize_cannot_pay_for_a_trivial_function():
    # a pure-Python memoize hit (wrapper + key + get) costs several times a trivial call: h* > 1
    costs = measure(cheap, range(1000, 1500), decorator=lambda f: memoize(caches.LRUCache(1000))(f),
                    repeat=5)
    assert costs.t_hit > costs.t_uncached
    assert break_even_hit_ratio(costs.t_hit, costs.t_store + costs.t_uncached, costs.t_uncached) > 1


def test_measure_bad_input():
    with pytest.raises(ValueError, match="distinct"):
        measure(abs, [1, 1])
    with pytest.raises(ValueError, match="empty"):
        measure(abs, [])
    with pytest.raises(ValueError, match="repeat"):
        measure(abs, [1], repeat=0)
    with pytest.raises(TypeError, match="callable"):
        measure(3, [1])


def test_choose_maxsize():
    sizes = np.arange(1, 10_001)
    # a curve that falls fast up to 2000 entries, then by 0.1 point per 1000
    miss = np.where(sizes <= 2000, 1 - 0.9 * sizes / 2000, 0.1 - 1e-6 * (sizes - 2000))
    knee_limited = choose_maxsize(sizes, miss, budget_bytes=8_000_000, entry_bytes=1000,
                                  min_gain=0.005, per=1000)
    assert knee_limited.budget_entries == 8000
    # 1000 more entries add 0.45 below 1000 entries, 0.001 beyond 2000, in between a mix:
    # (2000 - s) * 0.00045 + ... < 0.005 from about s = 1989
    assert 1985 <= knee_limited.knee <= 2000 and knee_limited.maxsize == knee_limited.knee
    assert knee_limited.limited_by == "knee"
    assert knee_limited.miss_ratio == pytest.approx(0.1, abs=0.01)
    gain_at_knee = miss[knee_limited.knee - 1] - miss[knee_limited.knee - 1 + 1000]
    gain_before = miss[knee_limited.knee - 2] - miss[knee_limited.knee - 2 + 1000]
    assert gain_at_knee < 0.005 <= gain_before
    assert choose_maxsize(sizes, miss, budget_bytes=8e6, entry_bytes=1000, min_gain=0.5).knee < 100
    budget_limited = choose_maxsize(sizes, miss, budget_bytes=1_500_500, entry_bytes=1000)
    assert budget_limited.maxsize == 1500 and budget_limited.limited_by == "budget"
    flat = choose_maxsize(sizes, np.full(len(sizes), 0.3), budget_bytes=1e9, entry_bytes=100)
    assert flat.knee == 1 and flat.maxsize == 1
    sparse = choose_maxsize([100, 1000, 10_000], [0.5, 0.2, 0.19], budget_bytes=5e6, entry_bytes=1000)
    assert sparse.maxsize == 1000 and sparse.budget_entries == 5000


def test_choose_maxsize_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        choose_maxsize([3, 2], [0.5, 0.4], budget_bytes=1e6, entry_bytes=10)
    with pytest.raises(ValueError, match="same"):
        choose_maxsize([1, 2], [0.5], budget_bytes=1e6, entry_bytes=10)
    with pytest.raises(ValueError, match="between 0 and 1"):
        choose_maxsize([1, 2], [0.5, 1.5], budget_bytes=1e6, entry_bytes=10)
    with pytest.raises(ValueError, match="holds 0 entries"):
        choose_maxsize([1, 2], [0.5, 0.4], budget_bytes=5, entry_bytes=10)
    with pytest.raises(ValueError, match="entry_bytes"):
        choose_maxsize([1, 2], [0.5, 0.4], budget_bytes=5, entry_bytes=0)
    with pytest.raises(ValueError, match="min_gain"):
        choose_maxsize([1, 2], [0.5, 0.4], budget_bytes=100, entry_bytes=1, min_gain=0)
    with pytest.raises(ValueError, match="per"):
        choose_maxsize([1, 2], [0.5, 0.4], budget_bytes=100, entry_bytes=1, per=0)


def test_watch_hit_ratio_windows_and_a_shift():
    f = functools.lru_cache(maxsize=100)(lambda k: k)
    stream = [k % 50 for k in range(1000)] + [1000 + k for k in range(500)]  # hot set, then all new
    windows = watch_hit_ratio(f, stream, every=250)
    assert [w.end for w in windows] == [250, 500, 750, 1000, 1250, 1500]
    assert sum(w.hits + w.misses for w in windows) == len(stream)
    assert windows[0].hit_ratio == pytest.approx(200 / 250)
    assert windows[1].hit_ratio == 1.0 and windows[-1].hit_ratio == 0.0
    tail = watch_hit_ratio(f, range(5000, 5010), every=4)
    assert [w.end for w in tail] == [4, 8, 10]
    with pytest.raises(TypeError, match="cache_info"):
        watch_hit_ratio(abs, [1], every=1)
    with pytest.raises(ValueError, match="every"):
        watch_hit_ratio(f, [1], every=0)


def test_a_window_without_calls_has_no_hit_ratio():
    from hotcache_lab.measure.latency import Window

    assert math.isnan(Window(end=0, hits=0, misses=0).hit_ratio)  # undefined, not 0.0
    assert Window(end=4, hits=0, misses=4).hit_ratio == 0.0
    assert Window(end=4, hits=3, misses=1).hit_ratio == 0.75
    assert watch_hit_ratio(functools.lru_cache(maxsize=4)(abs), [], every=2) == []  # no calls, no window
