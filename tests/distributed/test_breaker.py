"""The circuit breaker's states on a fake clock, and the concurrency limit (distributed.breaker)."""

import threading

import pytest

from hotcache_lab.distributed.breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    BreakerOpen,
    CircuitBreaker,
    ConcurrencyLimit,
    LimitReached,
)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def failing():
    raise ConnectionError("cache down")


def test_closed_opens_after_threshold_failures_in_a_row():
    clock = FakeClock()
    b = CircuitBreaker(failure_threshold=3, reset_timeout=2.0, clock=clock)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            b.call(failing)
    b.call(lambda: "ok")  # a success resets the count
    for _ in range(2):
        with pytest.raises(ConnectionError):
            b.call(failing)
    assert b.state == CLOSED
    with pytest.raises(ConnectionError):
        b.call(failing)
    assert b.state == OPEN
    with pytest.raises(BreakerOpen):
        b.call(lambda: "never called")
    assert b.rejected == 1


def test_open_turns_half_open_after_the_reset_timeout_and_a_probe_decides():
    clock = FakeClock()
    b = CircuitBreaker(failure_threshold=1, reset_timeout=2.0, clock=clock)
    b.record_failure()
    clock.now = 1.999
    assert b.state == OPEN and not b.allow()
    clock.now = 2.0
    assert b.state == HALF_OPEN
    assert b.allow() and not b.allow()  # one probe at a time
    b.record_failure()  # the probe failed: open again, for another reset_timeout
    assert b.state == OPEN
    clock.now = 3.9
    assert b.state == OPEN
    clock.now = 4.0
    assert b.allow()
    b.record_success()
    assert b.state == CLOSED and b.allow()
    assert [(t, a, z) for t, a, z in b.transitions] == [
        (0.0, CLOSED, OPEN), (2.0, OPEN, HALF_OPEN), (2.0, HALF_OPEN, OPEN), (4.0, OPEN, HALF_OPEN),
        (4.0, HALF_OPEN, CLOSED)]


def test_only_the_listed_exceptions_count_as_failures():
    b = CircuitBreaker(failure_threshold=1, clock=FakeClock())
    with pytest.raises(KeyError):
        b.call(lambda: {}["x"], failures=(ConnectionError,))
    assert b.state == CLOSED


def test_bad_settings_name_the_parameter():
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)
    with pytest.raises(ValueError, match="reset_timeout"):
        CircuitBreaker(reset_timeout=-1)
    with pytest.raises(TypeError, match="clock"):
        CircuitBreaker(clock=3)
    with pytest.raises(ValueError, match="limit"):
        ConcurrencyLimit(0)


def test_the_limit_refuses_calls_over_it_and_counts_the_peak():
    limit = ConcurrencyLimit(2)
    inside, release = threading.Barrier(3, timeout=5), threading.Event()

    def slow():
        inside.wait()
        release.wait(5)
        return "done"

    results = []
    threads = [threading.Thread(target=lambda: results.append(limit.call(slow))) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()  # both calls are running
    with pytest.raises(LimitReached):
        limit.call(lambda: "refused")
    release.set()
    for t in threads:
        t.join(5)
    assert results == ["done", "done"]
    assert (limit.peak, limit.refused, limit.running) == (2, 1, 0)
    assert limit.call(lambda: "free again") == "free again"
