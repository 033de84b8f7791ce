"""sim.workers: K private LRU caches, simulated; the real LRU classes and processes agree with it."""

import pytest

from hotcache_lab import caches, simulate, workloads
from hotcache_lab.sim import workers as w


def zipf(n_keys, alpha, n_requests, seed):
    return workloads.zipf(n_keys=n_keys, alpha=alpha, n_requests=n_requests, seed=seed)


def test_split_stream_keeps_every_request():
    assert w.split_stream(zipf(10, 1.0, 7, 0), 2)[0] == zipf(10, 1.0, 7, 0).tolist()[0::2]
    keys = list(range(10))
    assert w.split_stream(keys, 3) == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    parts = w.split_stream(keys, 3, how="random", seed=1)
    assert sorted(k for p in parts for k in p) == keys
    assert parts == w.split_stream(keys, 3, how="random", seed=1)
    assert parts != w.split_stream(keys, 3, how="random", seed=2)
    with pytest.raises(ValueError, match="how"):
        w.split_stream(keys, 2, how="hash")
    with pytest.raises(ValueError, match="k must"):
        w.split_stream(keys, 0)


def test_per_worker_matches_the_lru_class_worker_by_worker():
    keys = zipf(300, 0.9, 4000, seed=1)
    for k, how in ((1, "round-robin"), (3, "round-robin"), (3, "random")):
        rows = w.per_worker(keys, k, 50, how=how, seed=4)
        for row, part in zip(rows, w.split_stream(keys, k, how=how, seed=4), strict=True):
            cache = caches.LRUCache(50)
            hits = sum(cache.request(key) for key in part)
            assert (row["requests"], row["hits"], row["misses"]) == (len(part), hits, len(part) - hits)
            assert row["held"] == list(cache)  # the same keys, oldest first


def test_held_by_lru_is_the_most_recent_distinct_keys():
    assert w.held_by_lru([1, 2, 3, 1, 4, 2], 3) == [1, 4, 2]
    assert w.held_by_lru([5, 5, 5], 4) == [5]
    with pytest.raises(ValueError, match="maxsize"):
        w.held_by_lru([1], 0)


def test_hit_ratio_by_workers():
    keys = zipf(2000, 1.0, 20000, seed=0)
    per_worker = w.hit_ratio_by_workers(keys, (1, 2, 4), maxsize=200)
    total = w.hit_ratio_by_workers(keys, (1, 2, 4), maxsize=200, budget="total")
    assert per_worker[0]["hit_ratio"] == pytest.approx(simulate.hit_ratio(keys, "lru", 200), abs=1e-12)
    assert [r["entries_held"] for r in per_worker] == [200, 400, 800]  # memory multiplies
    assert [r["cache_entries_each"] for r in total] == [200, 100, 50]
    assert all(r["distinct_entries"] < r["entries_held"] for r in per_worker[1:])  # copies
    ratios = [r["hit_ratio"] for r in total]
    assert ratios == sorted(ratios, reverse=True) and ratios[2] < ratios[0] - 0.1
    assert per_worker[2]["hit_ratio"] < per_worker[0]["hit_ratio"]  # more cold misses
    with pytest.raises(ValueError, match="budget"):
        w.hit_ratio_by_workers(keys, (1,), 10, budget="shared")
    with pytest.raises(ValueError, match="less than one entry"):
        w.hit_ratio_by_workers(keys, (4,), 3, budget="total")
    with pytest.raises(ValueError, match="empty"):
        w.hit_ratio_by_workers([], (1,), 3)
