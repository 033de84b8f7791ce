import threading
import time

import pytest

from hotcache_lab.invalidation.threads import run_threads


def test_results_come_back_in_order_from_threads_that_ran_at_once():
    both = threading.Barrier(2, timeout=5)  # each call waits for the other: they must run together

    def call(value):
        both.wait()
        return value

    assert run_threads(lambda: call("a"), lambda: call("b")) == ["a", "b"]
    assert run_threads() == []


def test_the_first_error_is_raised_in_the_caller_and_a_stuck_thread_is_reported():
    def fails():
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        run_threads(lambda: 1, fails)
    release = threading.Event()
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="did not finish within 0.2 s"):
        run_threads(lambda: release.wait(10), timeout=0.2)
    release.set()
    assert time.monotonic() - start < 5


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="call"):
        run_threads(42)
    with pytest.raises(ValueError, match="timeout"):
        run_threads(lambda: 1, timeout=-1)
