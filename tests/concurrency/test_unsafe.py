"""concurrency.unsafe: a hand-written cache without a lock breaks under threads; with one it does not."""

import time

import pytest

from hotcache_lab.concurrency import unsafe as c


def test_unsafe_cache_is_a_correct_lru_in_one_thread():
    cache = c.UnsafeLRUCache(2)
    calls = []

    def compute(key):
        calls.append(key)
        return key * 10

    assert [cache.get_or_compute(k, compute) for k in (1, 2, 1, 3, 2, 1)] == [10, 20, 10, 30, 20, 10]
    assert calls == [1, 2, 3, 2, 1]  # 3 evicted 2 (1 was more recent), then 2 evicted 1
    assert cache.stats == {"hits": 1, "misses": 5}
    assert len(cache) == 2
    with pytest.raises(ValueError, match="maxsize"):
        c.UnsafeLRUCache(0)


def test_hammer_with_one_thread_finds_no_problem():
    report = c.hammer(c.UnsafeLRUCache(16), n_threads=1, n_calls=3000)
    assert report.problems == []
    assert report.lost_counts == 0 and report.max_size_seen == 16


def notebook_cell_unsafe():
    """What the checked cell of notebook 06 prints, as a boolean."""
    return c.first_problem(lambda: c.UnsafeLRUCache(16), max_trials=30) is not None


@pytest.mark.stress
def test_unsafe_cache_problems_show_every_time_the_cell_runs():
    start = time.perf_counter()
    seen = [notebook_cell_unsafe() for _ in range(20)]
    assert seen == [True] * 20
    assert time.perf_counter() - start < 120


def test_unsafe_cache_shows_each_kind_of_problem_over_trials():
    summary = c.summarize_trials(c.hammer_trials(lambda: c.UnsafeLRUCache(16), trials=30))
    assert summary["with any problem"] > 0
    assert summary["with lost counts"] > 0  # the most frequent kind
    allowed = {"KeyError at `del data[oldest]`",
               "RuntimeError: dictionary changed size during iteration at `oldest = next(iter(data))`"}
    assert set(summary["error kinds"]) <= allowed


def test_locked_cache_never_has_a_problem():
    reports = c.hammer_trials(lambda: c.LockedLRUCache(16), trials=5)
    assert [r.problems for r in reports] == [[]] * 5
    assert all(r.max_size_seen <= 16 and r.lost_counts == 0 for r in reports)
    assert c.first_problem(lambda: c.LockedLRUCache(16), max_trials=3) is None


def test_hammer_threads_overlap_and_count_every_call():
    report = c.hammer(c.LockedLRUCache(8), n_threads=3, n_calls=500)
    assert report.calls >= 3 * 500 and report.counted == report.calls
    with pytest.raises(ValueError, match="n_threads"):
        c.hammer(c.UnsafeLRUCache(8), n_threads=0)


def test_hammer_report_problem_kinds():
    from collections import Counter

    ok = c.HammerReport(calls=10, counted=10, errors=Counter(), max_size_seen=4, final_size=4, maxsize=4)
    assert ok.problems == []
    bad = c.HammerReport(calls=10, counted=8, errors=Counter({"KeyError": 1}), max_size_seen=5,
                         final_size=4, maxsize=4)
    assert bad.problems == ["exceptions", "lost counts", "size over maxsize"]
    assert bad.lost_counts == 2

