"""concurrency.observe: a real functools.lru_cache watched from outside sees every computation."""

import functools
import threading
import time

import pytest

from hotcache_lab.concurrency import observe, races


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
