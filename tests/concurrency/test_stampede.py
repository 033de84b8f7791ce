"""concurrency.stampede: a forced stampede gives the same counts every run; timings only as bounds.

Every threaded test is bounded in time: run_together raises TimeoutError if a thread hangs,
and the tests assert an upper bound on their own wall time.
"""

import time

import pytest

from hotcache_lab.concurrency import stampede as c


def test_nth_prime():
    assert [c.nth_prime(n) for n in range(1, 11)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert c.nth_prime(1000) == 7919
    with pytest.raises(ValueError, match="n must be a positive int"):
        c.nth_prime(0)
    with pytest.raises(TypeError, match="n must be a positive int"):
        c.nth_prime(2.0)


def test_slow_function_validates_and_computes():
    assert c.slow_function(0.0, prime_n=10)(("k", 1)) == (("k", 1), 29)
    start = time.perf_counter()
    assert c.slow_function(0.02, prime_n=1)(7) == (7, 2)
    assert time.perf_counter() - start >= 0.02  # it really sleeps
    with pytest.raises(ValueError, match="delay"):
        c.slow_function(-1)
    with pytest.raises(TypeError, match="delay"):
        c.slow_function("1")
    with pytest.raises(ValueError, match="prime_n"):
        c.slow_function(0.0, prime_n=0)


def test_typed_only_separates_argument_types():
    demo = c.typed_keys_demo()
    # a lone int or str is its own key in CPython's lru_cache: 1 and 1.0 are apart even untyped
    assert demo[("1", "1.0")] == {False: 2, True: 2}
    # the docs' example: 3.0 and Decimal('3.0') share one entry unless typed=True
    assert demo[("3.0", "Decimal('3.0')")] == {False: 1, True: 2}


@pytest.mark.parametrize("typed", [False, True])
def test_stampede_duplicates_are_forced_and_typed_does_not_change_them(typed):
    start = time.perf_counter()
    race = c.stampede(8, compute_ms=40, typed=typed)
    assert race.n_computations == 8
    assert race.duplicates == 7
    assert race.cache_info.misses == 8 and race.cache_info.currsize == 1
    assert len(set(race.results)) == 1  # every caller got the same (equal) value
    assert {comp.thread for comp in race.computations} == {f"T{i}" for i in range(8)}
    assert time.perf_counter() - start < 10


@pytest.mark.stress
def test_stampede_count_is_the_same_twenty_times_in_a_row():
    start = time.perf_counter()
    counts = [c.stampede(16, compute_ms=40).duplicates for _ in range(20)]
    assert counts == [15] * 20
    assert time.perf_counter() - start < 30


def test_stampede_with_one_thread_has_no_duplicate():
    race = c.stampede(1, compute_ms=1)
    assert (race.n_computations, race.duplicates) == (1, 0)


def test_stampede_rejects_bad_input():
    with pytest.raises(ValueError, match="n_threads"):
        c.stampede(0)
    with pytest.raises(TypeError, match="typed"):
        c.stampede(2, typed="yes")


def test_thread_counts_up_to():
    assert c.thread_counts_up_to(1) == [1]
    assert c.thread_counts_up_to(8) == [1, 2, 4, 8]
    assert c.thread_counts_up_to(12) == [1, 2, 4, 8, 12]


def test_arrival_gate_gated_waits_then_calls():
    gate = c.ArrivalGate(1, timeout=1.0)
    gated = gate.gated(lambda x: x + 1)
    gate.arrive()
    assert gated(1) == 2


def test_arrival_gate_opens_when_everyone_arrived_or_times_out():
    gate = c.ArrivalGate(2, timeout=0.05)
    gate.arrive()
    start = time.perf_counter()
    assert gate.wait() is False and time.perf_counter() - start >= 0.04
    gate.arrive()
    assert gate.wait() is True
    with pytest.raises(ValueError, match="n must"):
        c.ArrivalGate(0)

