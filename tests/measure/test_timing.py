"""Per-call timing of real functions: batch sizes, argument checks, and the units it prints."""

from __future__ import annotations

import time

import pytest

from hotcache_lab.measure.timing import format_seconds, time_per_call


def test_time_per_call_checks_its_function():
    with pytest.raises(TypeError, match="fn"):
        time_per_call(42)
    samples, number = time_per_call(lambda: None, repeat=3, number=10)
    assert len(samples) == 3 and number == 10


@pytest.mark.parametrize("kwargs, match", [
    ({"repeat": 0}, "repeat"), ({"min_time": -1}, "min_time"), ({"number": 0}, "number"),
    ({"repeat": 2.5}, "repeat"),
])
def test_bad_arguments_name_the_parameter(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        time_per_call(lambda: None, **kwargs)


def test_the_batch_grows_until_it_lasts_min_time():
    samples, number = time_per_call(lambda: None, repeat=2, min_time=0.002)
    assert number > 100  # a no-op call is far below a microsecond: one call is no batch
    assert all(s > 0 for s in samples)
    slow, slow_number = time_per_call(lambda: time.sleep(0.003), repeat=2, min_time=0.002)
    assert slow_number == 1 and min(slow) >= 0.003


def test_a_slower_function_measures_slower():
    fast, _ = time_per_call(lambda: None, repeat=3, min_time=0.002)
    slow, _ = time_per_call(lambda: sum(range(2_000)), repeat=3, min_time=0.002)
    assert min(slow) > 5 * min(fast)


@pytest.mark.parametrize("seconds, unit", [(5e-8, "ns"), (4.2e-5, "µs"), (2e-3, "ms"), (3.0, "s")])
def test_format_seconds_picks_the_unit(seconds, unit):
    assert format_seconds(seconds).endswith(" " + unit)
