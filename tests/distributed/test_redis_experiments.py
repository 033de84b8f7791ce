"""The capstone's assumptions checked on a real Redis: worker processes sharing it, its sampled LRU."""

from __future__ import annotations

import numpy as np
import pytest

from hotcache_lab import workloads
from hotcache_lab.caches import LRUCache
from hotcache_lab.distributed import start_redis
from hotcache_lab.distributed.processes import measure_processes
from hotcache_lab.distributed.redis_lru import redis_lru_replay
from hotcache_lab.sim.workers import split_stream

# --- against a real Redis -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_server():
    with start_redis() as server:
        yield server


def test_shared_redis_across_real_processes_recovers_the_hits(redis_server):
    trace = workloads.zipf(n_keys=2_000, alpha=0.9, n_requests=3_000, seed=5)
    results = measure_processes(trace, 3, redis_server.url, namespace="t-procs")
    assert sum(r["requests"] for r in results) == len(trace)
    parts = split_stream(trace, 3)
    private = sum(r["private_hits"] for r in results)
    assert private == sum(len(p) - len(np.unique(p)) for p in parts)  # unbounded: only cold misses
    shared = sum(r["shared_hits"] for r in results)
    best = len(trace) - len(np.unique(trace))
    assert shared <= best  # every distinct key misses at least once
    assert shared > private + (best - private) // 2  # most lost hits come back (races cost a few)


def test_redis_lru_replay_on_the_real_server(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    trace = workloads.zipf(n_keys=3_000, alpha=0.9, n_requests=6_000, seed=2)
    out = redis_lru_replay(client, trace, 400, samples=10, clock="trace")
    assert 300 <= out["keys_held"] <= 500  # the byte budget holds about the keys it was sized for
    assert out["evicted"] > 0
    exact = LRUCache(out["keys_held"])
    hits = sum(exact.request(k) for k in trace.tolist())
    assert out["hit_ratio"] > hits / len(trace) - 0.05  # sampling 10 with a pool is close to exact LRU
    assert client.config_get("maxmemory")["maxmemory"] == "0"  # restored
    with pytest.raises(ValueError, match="clock"):
        redis_lru_replay(client, trace, 400, clock="cpu")
    with pytest.raises(ValueError, match="samples"):
        redis_lru_replay(client, trace, 400, samples=0)
    client.close()
