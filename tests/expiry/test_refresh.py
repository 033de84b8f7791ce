"""ttl_memoize and RefreshCore: exact counts on a fake clock, XFetch against its formula, threads."""

import math
import random
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_models import FakeClock

from hotcache_lab.concurrency.races import run_together
from hotcache_lab.expiry.refresh import (
    BACKGROUND,
    COMPUTE,
    HIT,
    REFRESH,
    STALE,
    WAIT,
    RefreshCore,
    ttl_memoize,
    xfetch_probability,
    xfetch_should_refresh,
)


class FixedRng:
    """An rng whose .random() returns the given values in turn (then the last one forever)."""

    def __init__(self, *values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("kwargs, error, word", [
    ({"ttl": 0}, ValueError, "ttl"),
    ({"ttl": -1}, ValueError, "ttl"),
    ({"ttl": math.nan}, ValueError, "ttl"),
    ({"ttl": "10"}, TypeError, "ttl"),
    ({"ttl": True}, TypeError, "ttl"),
    ({"ttl": 10, "strategy": "lru"}, ValueError, "strategy"),
    ({"ttl": 10, "strategy": "stale-while-revalidate"}, ValueError, "grace"),
    ({"ttl": 10, "strategy": "stale-while-revalidate", "grace": 0}, ValueError, "grace"),
    ({"ttl": 10, "strategy": "stale-while-revalidate", "grace": "1"}, TypeError, "grace"),
    ({"ttl": 10, "strategy": "expire", "grace": 1.0}, ValueError, "grace"),
    ({"ttl": 10, "strategy": "xfetch", "beta": 0}, ValueError, "beta"),
    ({"ttl": 10, "strategy": "xfetch", "beta": -1.0}, ValueError, "beta"),
    ({"ttl": 10, "strategy": "xfetch", "beta": math.inf}, ValueError, "beta"),
    ({"ttl": 10, "strategy": "xfetch", "beta": True}, TypeError, "beta"),
    ({"ttl": 10, "rng": object()}, TypeError, "rng"),
    ({"ttl": 10, "clock": 3.0}, TypeError, "clock"),
    ({"ttl": 10, "single_flight": 1}, TypeError, "single_flight"),
    ({"ttl": 10, "background": True}, ValueError, "background"),
    ({"ttl": 10, "typed": "yes"}, TypeError, "typed"),
])
def test_bad_parameters_are_named(kwargs, error, word):
    with pytest.raises(error, match=word):
        ttl_memoize(**kwargs)


def test_decorating_a_non_callable_is_a_type_error():
    with pytest.raises(TypeError, match="callable"):
        ttl_memoize(1.0)(42)


def test_unhashable_arguments_raise_type_error_like_functools():
    f = ttl_memoize(1.0, clock=FakeClock())(lambda x: x)
    with pytest.raises(TypeError):
        f([1, 2])


# ---------------------------------------------------------------- plain expiry, one thread


def make_counted(clock, duration=0.0, **options):
    """A memoized function that records its calls and advances the fake clock by `duration`."""
    calls = []

    @ttl_memoize(10.0, clock=clock, **options)
    def f(x):
        calls.append((x, clock.now))
        clock.now += duration
        return (x, len(calls))

    return f, calls


def test_expire_hits_until_ttl_then_recomputes_exactly_at_expiry():
    clock = FakeClock()
    f, calls = make_counted(clock)
    assert f(1) == (1, 1)
    clock.now = 9.999
    assert f(1) == (1, 1)
    clock.now = 10.0  # expiry = stored + ttl; a value is fresh strictly before it
    assert f(1) == (1, 2)
    s = f.stats()
    assert (s.calls, s.hits, s.misses, s.computations, s.refreshes, s.stale_served) == (3, 1, 2, 2, 0, 0)


def test_expiry_counts_from_the_end_of_the_computation():
    clock = FakeClock()
    f, calls = make_counted(clock, duration=2.0)
    f(1)  # computed from 0 to 2: expires at 12
    clock.now = 11.5
    f(1)
    assert len(calls) == 1
    clock.now = 12.0
    f(1)
    assert len(calls) == 2


def test_keys_are_separate_and_typed_separates_int_from_float():
    clock = FakeClock()
    f, calls = make_counted(clock, typed=True)
    f(1)
    f(1.0)
    f(2)
    f(1)
    assert [x for x, _ in calls] == [1, 1.0, 2]


def test_cache_clear_and_parameters():
    clock = FakeClock()
    f, calls = make_counted(clock, strategy="xfetch", beta=2.0)
    f(1)
    f.cache_clear()
    assert f.stats().calls == 0
    f(1)
    assert len(calls) == 2
    assert f.refresh_parameters() == {"ttl": 10.0, "strategy": "xfetch", "grace": None, "beta": 2.0,
                                      "single_flight": True, "background": False, "typed": False}


def test_an_exception_is_not_cached_and_a_stale_value_survives_it():
    clock = FakeClock()
    fail = [False]

    @ttl_memoize(10.0, "stale-while-revalidate", grace=5.0, clock=clock)
    def f(x):
        if fail[0]:
            raise RuntimeError("backend down")
        return x * 10

    assert f(1) == 10
    clock.now = 11.0
    fail[0] = True
    with pytest.raises(RuntimeError, match="backend down"):
        f(1)  # the refresher gets the error
    fail[0] = False
    assert f(1) == 10  # the next caller in the grace window refreshes again, successfully
    assert f.stats().errors == 1
    assert f.last_error() is not None


# ---------------------------------------------------------------- stale-while-revalidate, one thread


def test_swr_inline_refresher_computes_and_beyond_grace_it_is_a_plain_miss():
    clock = FakeClock()
    f, calls = make_counted(clock, strategy="stale-while-revalidate", grace=3.0)
    f(1)
    clock.now = 12.0  # 2 s past expiry, inside the grace period: this caller refreshes inline
    assert f(1) == (1, 2)
    s = f.stats()
    assert (s.refreshes, s.misses, s.stale_served) == (1, 1, 0)
    clock.now = 12.0 + 10.0 + 3.0  # exactly at the end of the grace period: no stale value any more
    assert f(1) == (1, 3)
    s = f.stats()
    assert (s.refreshes, s.misses, s.stale_served) == (1, 2, 0)


def test_swr_background_serves_stale_to_everyone_inside_grace_then_waits():
    clock = FakeClock()
    release = threading.Event()
    started = threading.Event()
    versions = iter(range(100))

    @ttl_memoize(10.0, "stale-while-revalidate", grace=2.0, background=True, clock=clock)
    def f(x):
        v = next(versions)
        if v > 0:  # the refresh blocks until the test lets it finish
            started.set()
            assert release.wait(10)
        return v

    assert f(1) == 0
    clock.now = 10.5
    assert f(1) == 0  # the trigger gets the stale value; the refresh runs in a thread
    assert started.wait(10)
    clock.now = 11.9
    assert f(1) == 0
    s = f.stats()
    assert (s.stale_served, s.computations, s.waits) == (2, 2, 0)
    assert s.max_staleness == pytest.approx(1.9)
    clock.now = 12.0  # grace is over while the refresh still runs: wait for it, never serve stale
    out = []
    waiter = threading.Thread(target=lambda: out.append(f(1)))
    waiter.start()
    time.sleep(0.05)
    assert not out  # still waiting
    release.set()
    waiter.join(10)
    f.join_background(10)
    assert out == [1]
    s = f.stats()
    assert (s.waits, s.stale_served, s.computations) == (1, 2, 2)
    assert s.max_staleness < 2.0


# ---------------------------------------------------------------- XFetch


def test_xfetch_uniform_draw_is_in_zero_one_and_never_takes_log_of_zero():
    # rng.random() == 0.0 gives U = 1, ln U = 0: refresh only once expired
    assert not xfetch_should_refresh(9.999, 10.0, 1.0, 1.0, FixedRng(0.0))
    assert xfetch_should_refresh(10.0, 10.0, 1.0, 1.0, FixedRng(0.0))
    # rng.random() close to 1 gives a tiny U, a huge -ln U: refresh long before expiry
    assert xfetch_should_refresh(0.0, 10.0, 1.0, 1.0, FixedRng(1 - 1e-12))


def test_xfetch_test_is_exactly_the_papers_inequality():
    now, expiry, delta, beta = 7.0, 10.0, 2.0, 1.5
    for r in (0.0, 0.3, 0.6, 0.63, 0.64, 0.9):
        expected = now - delta * beta * math.log(1 - r) >= expiry
        assert xfetch_should_refresh(now, expiry, delta, beta, FixedRng(r)) is expected
    # the threshold: -3 ln(1 - r) >= 3  <=>  r >= 1 - e^-1 = 0.632...
    assert not xfetch_should_refresh(now, expiry, delta, beta, FixedRng(0.632))
    assert xfetch_should_refresh(now, expiry, delta, beta, FixedRng(0.633))


@pytest.mark.parametrize("time_left, delta, beta", [
    (0.1, 1.0, 1.0), (0.5, 1.0, 1.0), (1.0, 1.0, 1.0), (2.0, 1.0, 1.0), (1.0, 0.5, 2.0), (3.0, 0.2, 5.0),
])
def test_xfetch_early_probability_matches_its_formula(time_left, delta, beta):
    """P(refresh at t) = P(-delta beta ln U >= expiry - t) = exp(-(expiry - t) / (delta beta)).

    Checked through RefreshCore.decide on a fresh entry, 20,000 seeded draws, within 5 binomial
    standard deviations (a false alarm about once in 1.7 million runs) plus 0.001.
    """
    n = 20_000
    core = RefreshCore(10.0, "xfetch", beta=beta, rng=random.Random(12345), single_flight=False)
    core.prime("k", "v", stored=0.0, delta=delta)
    now = 10.0 - time_left
    refreshes = sum(core.decide("k", now).action is REFRESH for _ in range(n))
    p = math.exp(-time_left / (delta * beta))
    assert xfetch_probability(time_left, delta, beta) == pytest.approx(p)
    tolerance = 5 * math.sqrt(p * (1 - p) / n) + 0.001
    assert abs(refreshes / n - p) <= tolerance


def test_xfetch_probability_edges():
    assert xfetch_probability(0.0, 1.0, 1.0) == 1.0
    assert xfetch_probability(-1.0, 1.0, 1.0) == 1.0
    assert xfetch_probability(1.0, 0.0, 1.0) == 0.0  # an instant computation is never refreshed early


def test_xfetch_recomputes_early_and_the_refresher_gets_the_new_value():
    clock = FakeClock()
    rng = FixedRng(0.0, 0.999999)  # first draw: no refresh; second: -ln(1e-6) = 13.8 > time left
    f, calls = make_counted(clock, duration=1.0, strategy="xfetch", rng=rng)
    f(1)  # computed in 1 s: delta = 1, expiry = 11
    clock.now = 5.0
    assert f(1) == (1, 1)
    assert f(1) == (1, 2)  # refreshed 6 s before expiry
    s = f.stats()
    assert (s.hits, s.refreshes, s.computations, s.misses) == (1, 1, 2, 1)


def test_xfetch_with_single_flight_does_not_start_a_second_early_refresh():
    core = RefreshCore(10.0, "xfetch", rng=FixedRng(0.999999, 0.0), single_flight=True)
    core.prime("k", "v", stored=0.0, delta=1.0)
    first = core.decide("k", 8.0)
    assert first.action is REFRESH
    assert core.decide("k", 8.5).action is HIT  # a refresh is running: hit, no draw
    assert core.decide("k", 10.0).action is WAIT  # expired while it runs: wait for it
    core.finish("k", first.flight, "v2", 9.0)
    assert core.decide("k", 10.0) == (HIT, "v2", None, 0.0)
    lockless = RefreshCore(10.0, "xfetch", rng=FixedRng(0.999999), single_flight=False)
    lockless.prime("k", "v", stored=0.0, delta=1.0)
    assert [lockless.decide("k", t).action for t in (8.0, 8.5)] == [REFRESH, REFRESH]


# ---------------------------------------------------------------- the decision core under random schedules


@settings(max_examples=200, deadline=None)
@given(
    strategy=st.sampled_from(["expire", "stale-while-revalidate", "xfetch"]),
    single_flight=st.booleans(),
    background=st.booleans(),
    grace=st.floats(0.01, 5.0),
    ops=st.lists(st.tuples(st.floats(0.0, 4.0), st.sampled_from(["call", "call", "finish", "fail"])),
                 min_size=1, max_size=60),
    seed=st.integers(0, 10_000),
)
def test_stale_values_are_never_served_beyond_grace_and_counters_add_up(strategy, single_flight, background,
                                                                        grace, ops, seed):
    swr = strategy == "stale-while-revalidate"
    core = RefreshCore(3.0, strategy, grace=grace if swr else None, rng=random.Random(seed),
                       single_flight=single_flight, background=background and swr)
    running = []  # flights in start order
    backgrounds = 0
    now = 0.0
    for dt, op in ops:
        now += dt
        if op == "call":
            entry = core.entries.get("k")
            v = core.decide("k", now)
            if v.action is HIT:
                assert entry is not None and now < entry.expiry
            elif v.action in (STALE, BACKGROUND):
                assert swr and entry is not None
                assert 0 <= v.staleness == now - entry.expiry < grace  # never beyond the grace period
            elif v.action is WAIT:
                assert single_flight and (entry is None or now >= entry.expiry)
            if v.action in (REFRESH, COMPUTE, BACKGROUND):
                running.append(v.flight)
            backgrounds += v.action is BACKGROUND
            if v.action is COMPUTE:
                assert entry is None or now >= entry.expiry + (grace if swr else 0)
        elif running:
            flight = running.pop(0)
            if op == "finish":
                core.finish("k", flight, now, now)
                assert core.entries["k"].expiry >= flight.started + 3.0
            else:
                core.fail("k", flight, RuntimeError("x"))
    s = core.stats
    assert s.calls == s.hits + s.stale_served + s.misses + s.refreshes
    assert s.max_staleness < grace or s.stale_served == 0
    assert s.computations == s.refreshes + (s.misses - s.waits) + backgrounds
    assert sum(len(v) for v in core.flights.values()) == len(running)


# ---------------------------------------------------------------- threads


def test_single_flight_computes_once_for_simultaneous_callers_at_start_and_after_expiry():
    clock = FakeClock()
    calls = []

    @ttl_memoize(10.0, clock=clock, single_flight=True)
    def f2(x):
        calls.append(x)
        time.sleep(0.1)  # long enough for every thread to arrive while the first computes
        return (x, len(calls))

    result = run_together(lambda: f2(7), 8)
    assert not result.errors
    assert len(calls) == 1
    assert len(set(result.results)) == 1
    s = f2.stats()
    assert (s.computations, s.misses, s.waits) == (1, 8, 7)
    clock.now = 10.0  # expired: the same again
    result = run_together(lambda: f2(7), 8)
    assert len(calls) == 2
    assert f2.stats().computations == 2


def test_without_single_flight_simultaneous_callers_each_recompute():
    clock = FakeClock()
    calls = []

    @ttl_memoize(10.0, clock=clock, single_flight=False)
    def f(x):
        calls.append(x)
        time.sleep(0.2)
        return x

    result = run_together(lambda: f(1), 6)
    assert not result.errors
    assert len(calls) > 1  # the stampede (in practice all 6)
    assert f.stats().computations == len(calls)


def test_swr_threads_after_expiry_one_refreshes_the_rest_get_stale_at_once():
    clock = FakeClock()
    calls = []

    @ttl_memoize(10.0, "stale-while-revalidate", grace=5.0, clock=clock)
    def f(x):
        calls.append(x)
        time.sleep(0.2)
        return len(calls)

    assert f(1) == 1
    clock.now = 11.0
    result = run_together(lambda: f(1), 6)
    assert not result.errors
    assert len(calls) == 2
    assert sorted(result.results) == [1, 1, 1, 1, 1, 2]
    s = f.stats()
    assert (s.refreshes, s.stale_served, s.waits) == (1, 5, 0)
    assert s.max_staleness == pytest.approx(1.0)


def test_waiters_get_the_computations_exception():
    clock = FakeClock()

    @ttl_memoize(10.0, clock=clock)
    def f(x):
        time.sleep(0.1)
        raise ValueError("no such price")

    result = run_together(lambda: f(1), 4)
    assert len(result.errors) == 4
    assert all(isinstance(e, ValueError) for _, e in result.errors)
    assert f.stats().computations == 1


def test_every_refresh_strategy_is_accepted_and_named_in_the_error():
    from hotcache_lab.expiry.refresh import REFRESH_STRATEGIES, check_strategy

    for strategy in REFRESH_STRATEGIES:
        grace = 1.0 if strategy == "stale-while-revalidate" else None
        check_strategy(strategy, grace, 1.0)
        assert ttl_memoize(5.0, strategy, grace=grace)(abs)(-2) == 2
    with pytest.raises(ValueError, match="strategy must be one of 'expire', 'stale-while-revalidate'"):
        check_strategy("lru", None, 1.0)
