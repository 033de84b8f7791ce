"""A node killed under traffic on real servers: the memcached pool's timeline and the Redis Cluster's
failover window, with acknowledged writes lost to asynchronous replication and kept by WAIT."""

from __future__ import annotations

from server_support import needs_memcached

from hotcache_lab.distributed import start_redis_cluster
from hotcache_lab.distributed.failures import memcached_failure_timeline, redis_failover


@needs_memcached
def test_killing_a_node_sends_its_keys_to_the_origin(pool):
    run = memcached_failure_timeline(pool, duration=1.0, kill_at=0.5, bucket=0.1, rate=400,
                                     retry_attempts=0)
    assert all(pool.running)  # restarted afterwards
    before = slice(0, 4)  # buckets wholly before the kill
    assert sum(run.origin_calls[before]) == 0 and sum(run.hits[before]) == sum(run.requests[before])
    after = slice(5, None)
    assert sum(run.origin_calls[after]) > 0 and sum(run.errors) >= 1
    assert 0 < run.share_on_killed_node < 1
    for b in range(len(run.times)):
        assert run.hits[b] + run.misses[b] + run.errors[b] == run.requests[b]
        assert run.origin_calls[b] == run.misses[b] + run.errors[b]


@needs_memcached
def test_ignore_exc_gives_misses_not_errors(pool):
    run = memcached_failure_timeline(pool, kill_node=0, duration=0.6, kill_at=0.2, rate=300,
                                     ignore_exc=True)
    assert sum(run.errors) == 0 and sum(run.misses) > 0


def test_redis_failover_window_and_writes_lost_without_wait():
    with start_redis_cluster(3, 1, seed=5, node_timeout_ms=500) as cl:  # a faster failover
        lost = redis_failover(cl, replica_lag=0.2, write_every=0.005)
        waited = redis_failover(cl, replica_lag=0.2, write_every=0.005, use_wait=True)
        assert all(cl.running) and len(cl.masters) == 3
    for run in (lost, waited):
        assert run.recovered_after is not None and run.recovered_after < 6
        assert run.window is not None and 0 < run.window <= run.recovered_after
        assert run.errors > 0 and run.writes_acknowledged > 0
    assert lost.lost_acknowledged > 0  # the replica was cut off: what it missed is gone
    assert waited.lost_acknowledged == 0  # WAIT refused to call those writes acknowledged
    assert waited.writes_acknowledged < lost.writes_acknowledged
