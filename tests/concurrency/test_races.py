"""concurrency.races: threads released together, errors collected, the switch interval restored."""

import time

import pytest

from hotcache_lab.concurrency import races


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


def test_raise_first_raises_the_first_error_only_when_there_is_one():
    ok = races.run_together(lambda: 1, 2)
    ok.raise_first("nothing")  # no error: returns quietly
    failed = races.run_together(lambda: 1 / 0, 2)
    with pytest.raises(RuntimeError, match="boom: ZeroDivisionError") as info:
        failed.raise_first("boom")
    assert isinstance(info.value.__cause__, ZeroDivisionError)
