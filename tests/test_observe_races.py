"""observe watches a real functools cache; races makes overlaps happen on cue."""

import functools
import threading
import time

import pytest

from hotcache_lab import observe, races


@functools.lru_cache(maxsize=4, typed=True)
def slow_square(n):
    time.sleep(0.03)
    return n * n


def test_watch_keeps_the_real_cache_parameters():
    w = observe.watch(slow_square)
    assert w.cache_parameters() == {"maxsize": 4, "typed": True}
    assert w.__wrapped__ is slow_square.__wrapped__
    assert w(3) == 9 and w(3) == 9
    assert w.cache_info().hits == 1 and len(w.computations) == 1 and len(w.calls) == 2
    c = w.computations[0]
    assert c.key == 3 and c.thread == threading.current_thread().name and c.end >= c.start + 0.02


def test_watch_plain_function_and_overrides():
    w = observe.watch(lambda x: x, maxsize=None)
    assert w.cache_parameters()["maxsize"] is None
    assert observe.watch(lambda x: x).cache_parameters() == {"maxsize": 128, "typed": False}
    with pytest.raises(TypeError, match="callable"):
        observe.watch(3)


def test_duplicates_under_a_forced_race():
    w = observe.watch(slow_square)
    result = races.run_together(w, 6, lambda i: (5,))
    assert result.results == [25] * 6 and not result.errors
    # all six missed before the first finished: the real functools cache ran the function 6 times
    assert w.duplicates() == 5 and w.computations_per_key()[5] == 6
    assert len({c.thread for c in w.computations}) == 6
    w.reset()
    assert w.duplicates() == 0 and w.cache_info().currsize == 0


def test_run_together_collects_errors_and_times():
    def work(i):
        if i == 2:
            raise ValueError("thread two fails")
        time.sleep(0.01)
        return i

    r = races.run_together(work, 4, lambda i: (i,))
    assert r.results[:2] == [0, 1] and r.results[3] == 3
    assert [i for i, _ in r.errors] == [2]
    assert all(lat >= 0 for lat in r.latencies) and r.wall >= 0.01
    # released together: every thread started within a small window of the others
    assert max(r.starts) - min(r.starts) < 0.5


def test_run_together_bad_input():
    with pytest.raises(ValueError, match="n_threads"):
        races.run_together(lambda: 1, 0)
    with pytest.raises(TypeError, match="target"):
        races.run_together(None, 2)


def test_switch_often_restores_the_interval():
    import sys

    before = sys.getswitchinterval()
    with races.switch_often(1e-6):
        assert sys.getswitchinterval() < 1e-5
    assert sys.getswitchinterval() == before


def test_percentile_is_an_observed_value():
    values = list(range(1, 101))
    assert races.percentile(values, 50) == 50 and races.percentile(values, 99) == 99
    assert races.percentile(values, 100) == 100 and races.percentile([7], 1) == 7
    with pytest.raises(ValueError, match="q"):
        races.percentile(values, 101)
    with pytest.raises(ValueError, match="no values"):
        races.percentile([], 50)
