"""expiry.intervals: refresh episodes, computations running at once, peaks per bucket, on small examples."""

import pytest

from hotcache_lab.expiry import intervals as iv


def test_episodes_running_at_once_and_bucket_peaks_on_a_small_example():
    intervals = [(0.0, 1.0), (0.5, 1.5), (1.5, 2.0), (3.0, 4.0)]
    assert [len(g) for g in iv.episodes(intervals)] == [2, 1, 1]  # [1.5, 2) starts as [0.5, 1.5) ends
    times, levels = iv.running_at_once(intervals)
    assert times == [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0]
    assert levels == [1, 2, 1, 1, 0, 1, 0]
    assert iv.bucket_peaks(intervals, 5.0, 1.0) == [2, 1, 0, 1, 0]
    assert iv.episodes([]) == [] and iv.bucket_peaks([], 2.0, 1.0) == [0, 0]


def test_intervals_are_half_open_and_a_bucket_must_be_positive():
    touching = [(0.0, 1.0), (1.0, 2.0)]
    assert len(iv.episodes(touching)) == 2  # one starts as the other ends: no overlap
    assert iv.running_at_once(touching) == ([0.0, 1.0, 2.0], [1, 1, 0])
    assert iv.bucket_peaks(touching, 2.0, 1.0) == [1, 1]
    with pytest.raises(ValueError, match="bucket"):
        iv.bucket_peaks(touching, 2.0, 0)
