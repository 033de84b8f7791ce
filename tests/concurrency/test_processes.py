"""concurrency.processes: real worker processes, one LRU cache each, agree with the simulation."""

import functools
import time

import pytest

from hotcache_lab import workloads
from hotcache_lab.concurrency import processes as p
from hotcache_lab.sim import workers


def zipf(n_keys, alpha, n_requests, seed):
    return workloads.zipf(n_keys=n_keys, alpha=alpha, n_requests=n_requests, seed=seed)


def test_worker_replay_matches_functools():
    keys = zipf(300, 0.9, 4000, seed=1).tolist()
    real = p.worker_replay(keys, 50, payload_bytes=8)

    @functools.lru_cache(maxsize=50)
    def f(k):
        return k

    for k in keys:
        f(k)
    info = f.cache_info()
    assert (real["hits"], real["misses"], real["entries"]) == (info.hits, info.misses, info.currsize)
    assert real["cached_bytes"] == 50 * 8 and real["requests"] == len(keys)


def test_worker_processes_match_the_simulation():
    keys = zipf(500, 1.0, 3000, seed=2)
    start = time.perf_counter()
    measured = p.run_worker_processes(keys, (1, 2), maxsize=50, payload_bytes=16)
    assert time.perf_counter() - start < 60
    for k, reports in measured.items():
        sims = workers.per_worker(keys, k, 50)
        assert [(r["hits"], r["misses"]) for r in reports] == [(s["hits"], s["misses"]) for s in sims]
        assert all(r["cached_bytes"] == r["entries"] * 16 for r in reports)
    assert len({r["pid"] for r in measured[2]}) == 2  # two workers, two processes
    with pytest.raises(ValueError, match="empty"):
        p.run_worker_processes(keys, (), 10)
    with pytest.raises(ValueError, match="at most 4"):
        p.run_worker_processes(keys, (8,), 10)


def test_a_start_method_is_checked_before_any_process_starts():
    with pytest.raises(ValueError, match="context"):
        p.run_worker_processes([1, 2, 3], (1,), 10, context="thread")


def test_spawn_still_gives_the_same_reports_as_the_default():
    keys = zipf(200, 1.0, 600, seed=3)
    spawned = p.run_worker_processes(keys, (2,), maxsize=20, payload_bytes=4, context="spawn")
    default = p.run_worker_processes(keys, (2,), maxsize=20, payload_bytes=4)
    assert [(r["hits"], r["misses"]) for r in spawned[2]] == [(r["hits"], r["misses"]) for r in default[2]]
