"""Request times and origin changes: seeded, sorted, and the quiet window really is quiet."""

import numpy as np
import pytest

from hotcache_lab import workloads


def test_arrivals_are_sorted_seeded_and_inside_the_duration():
    ts = workloads.arrivals(1_000, 10.0, seed=4)
    assert len(ts) == 1_000 and np.all(np.diff(ts) >= 0) and ts[0] >= 0 and ts[-1] < 10.0
    assert np.array_equal(ts, workloads.arrivals(1_000, 10.0, seed=4))
    assert not np.array_equal(ts, workloads.arrivals(1_000, 10.0, seed=5))
    assert len(workloads.arrivals(0, 10.0)) == 0


def test_quiet_window_has_no_requests_and_keeps_the_count():
    ts = workloads.arrivals(2_000, 100.0, seed=1, quiet=(40.0, 60.0))
    assert len(ts) == 2_000
    assert not np.any((ts >= 40.0) & (ts < 60.0))
    assert np.any(ts >= 60.0) and np.any(ts < 40.0)


def test_random_changes_are_poisson_per_key():
    ch = workloads.random_changes(50, 100.0, change_every=10.0, seed=3)
    assert isinstance(ch, workloads.Changes)
    assert 350 < len(ch) < 650  # 50 keys x 10 changes each expected
    assert np.all(np.diff(ch.times) >= 0) and ch.keys.min() >= 0 and ch.keys.max() < 50
    again = workloads.random_changes(50, 100.0, change_every=10.0, seed=3)
    assert np.array_equal(ch.times, again.times) and np.array_equal(ch.keys, again.keys)
    assert len(workloads.Changes.never()) == 0


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="change_every"):
        workloads.random_changes(10, 10.0, 0.0)
    with pytest.raises(ValueError, match="n_keys"):
        workloads.random_changes(0, 10.0, 1.0)
    with pytest.raises(TypeError, match="n_requests"):
        workloads.arrivals(2.5, 10.0)
    with pytest.raises(ValueError, match="duration"):
        workloads.arrivals(10, -1.0)
    with pytest.raises(ValueError, match="quiet"):
        workloads.arrivals(10, 10.0, quiet=(5.0, 20.0))
    with pytest.raises(ValueError, match="pair up"):
        workloads.Changes([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="sorted"):
        workloads.Changes([2.0, 1.0], [1, 1])
