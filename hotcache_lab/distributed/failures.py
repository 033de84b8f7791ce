"""A node killed under traffic, on real servers: what the clients see and what the database pays.

- `memcached_failure_timeline`: paced reads through a MemcachedCache on a pool (HashClient), one node
  SIGKILLed partway; per time bucket the requests, hits, misses, errors and origin (database) calls.
  The dead-node settings (retry_attempts, retry_timeout, dead_timeout, ignore_exc) decide whether
  its keys are errors, silent misses, or move to the other nodes (see `pool`).
- `redis_failover`: a counter INCRed on a Redis Cluster while its master is SIGKILLed; the window of
  errors until the replica took over, and how many acknowledged increments the promoted replica
  never had (asynchronous replication), with and without WAIT.

Every wait is bounded, no thread is started, and the servers are left as found (a killed node restarted).
"""

from __future__ import annotations

import math
import signal
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from .. import _check
from ..measure import MEASURED
from .cluster import RedisClusterHandle, hash_tagged
from .errors import CacheUnavailable
from .memcached_cache import MemcachedCache
from .pool import MemcachedPool, check_client_settings


@dataclass(frozen=True)
class FailureTimeline:
    """Per bucket of `bucket` seconds from the start: what the traffic met. Counts are measured."""

    bucket: float
    kill_at: float
    restart_at: float | None
    settings: dict
    times: list[float]  # each bucket's start, seconds
    requests: list[int] = field(metadata=MEASURED)
    hits: list[int] = field(metadata=MEASURED)
    misses: list[int] = field(metadata=MEASURED)
    errors: list[int] = field(metadata=MEASURED)
    origin_calls: list[int] = field(metadata=MEASURED)
    share_on_killed_node: float = 0.0  # of the keys, placed on the killed node before the kill


def _paced(rate: float, began: float, i: int) -> float:
    """Sleep until request i's slot (i / rate after `began`); the time since `began` then."""
    delay = began + i / rate - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    return time.perf_counter() - began


def memcached_failure_timeline(pool: MemcachedPool, *, kill_node: int = 1, duration: float = 2.0,
                               kill_at: float = 0.7, restart_at: float | None = None, bucket: float = 0.1,
                               keys: int = 200, rate: float = 1000.0, seed: int = 0,
                               **client_settings: Any) -> FailureTimeline:
    """Read `keys` keys (uniform, seeded) through the pool at `rate` per second for `duration` s,
    reading through to a counted origin on a miss or an error; SIGKILL node `kill_node` at `kill_at`
    (and restart it at `restart_at`, if given). The cache starts warm: every key stored first.
    """
    if not isinstance(pool, MemcachedPool):
        raise TypeError(f"pool must be a MemcachedPool (start_memcached_pool), got {pool!r}")
    pool.node(kill_node)
    settings = check_client_settings(client_settings)
    duration = _check.seconds("duration", duration)
    kill_at = _check.number("kill_at", kill_at, low=0, high=duration)
    restart_at = _check.number("restart_at", restart_at, low=kill_at, high=duration, allow_none=True)
    bucket = _check.seconds("bucket", bucket)
    rate = _check.positive("rate", rate, unit="requests per second")
    from ..workloads import streams  # numpy: imported when a timeline is run, not with the package

    stream = streams.uniform(keys, max(1, int(duration * rate)), seed)
    n_buckets = math.ceil(duration / bucket)
    counts = {name: [0] * n_buckets for name in ("requests", "hits", "misses", "errors", "origin_calls")}
    _ready_pool(pool)
    with MemcachedCache(pool=pool, timeout=0.5, connect_timeout=0.5, **settings) as cache:
        cache.clear()
        for k in range(keys):
            cache.put(k, k)
        share = sum(cache.node_for(k) == kill_node for k in range(keys)) / keys
        killed = restarted = False
        began = time.perf_counter()
        for i, key in enumerate(stream.tolist()):
            now = _paced(rate, began, i)
            if now >= duration:
                break
            if not killed and now >= kill_at:
                pool.kill(kill_node)
                killed = True
            if killed and not restarted and restart_at is not None and now >= restart_at:
                pool.restart(kill_node)
                restarted = True
            _one_read(cache, key, counts, min(n_buckets - 1, int(now / bucket)))
    _ready_pool(pool)
    return FailureTimeline(bucket, kill_at, restart_at, settings, [b * bucket for b in range(n_buckets)],
                           share_on_killed_node=share, **counts)


def _one_read(cache: MemcachedCache, key: int, counts: dict, b: int) -> None:
    """One read through the cache to the origin, tallied in bucket b."""
    counts["requests"][b] += 1
    try:
        value = cache.get(key)
    except CacheUnavailable:
        counts["errors"][b] += 1
        value = None
    else:
        counts["hits" if value is not None else "misses"][b] += 1
    if value is None:
        counts["origin_calls"][b] += 1
        try:
            cache.put(key, key)  # the origin's answer, stored back
        except CacheUnavailable:
            pass


def _ready_pool(pool: MemcachedPool) -> None:
    for i, node in enumerate(pool.nodes):
        if not node.running:
            pool.restart(i)


@dataclass(frozen=True)
class FailoverResult:
    """A master SIGKILLed under writes. Times are seconds from the kill; all of it is measured."""

    use_wait: bool
    replica_lag: float
    first_error: float | None = field(metadata=MEASURED)
    last_error: float | None = field(metadata=MEASURED)
    window: float | None = field(metadata=MEASURED)  # last_error - first_error
    recovered_after: float | None = field(metadata=MEASURED)  # the first write that worked again
    writes_acknowledged: int = field(metadata=MEASURED)
    lost_acknowledged: int = field(metadata=MEASURED)  # acknowledged, yet not on the promoted replica
    errors: int = field(metadata=MEASURED)
    times: list[float] = field(default_factory=list, metadata=MEASURED)  # each write's time
    ok: list[bool] = field(default_factory=list, metadata=MEASURED)  # and whether it worked


def redis_failover(cl: RedisClusterHandle, *, duration: float = 8.0, write_every: float = 0.005,
                   use_wait: bool = False, wait_timeout_ms: int = 50, kill_at: float = 0.5,
                   replica_lag: float = 0.0, restore: bool = True) -> FailoverResult:
    """INCR a counter every `write_every` s; at `kill_at` SIGKILL its master; stop `0.3` s after writes
    work again (at most `duration` s). An INCR counts as acknowledged when it returned, and, with
    `use_wait`, when `WAIT 1 wait_timeout_ms` then said one replica has it.

    `replica_lag` > 0 cuts the replica off for that long before the kill, as a replica behind a
    slow or partitioned link: SIGSTOP it, then CLIENT KILL TYPE replica on the master (SIGSTOP alone
    is not enough: what the master sent waits in the kernel's socket buffer and arrives anyway). On
    loopback a healthy replica is microseconds behind, so little or nothing is lost without it.
    `restore` restarts the killed node afterwards (it comes back as a replica).
    """
    if not isinstance(cl, RedisClusterHandle):
        raise TypeError(f"cl must be a RedisClusterHandle (start_redis_cluster), got {cl!r}")
    duration = _check.seconds("duration", duration)
    write_every = _check.seconds("write_every", write_every)
    kill_at = _check.number("kill_at", kill_at, low=0, high=duration)
    replica_lag = _check.number("replica_lag", replica_lag, low=0, high=kill_at)
    wait_timeout_ms = _check.integer("wait_timeout_ms", wait_timeout_ms)
    _check.flag("use_wait", use_wait)
    cl.wait_healthy(10)
    key = hash_tagged("failover", "counter")
    client = cl.client()
    client.set(key, 0)
    master = cl.master_for_key(key)
    replica = cl.replica_of(master)
    try:
        run = _write_through_failover(client, key, master, replica, duration, write_every, use_wait,
                                      wait_timeout_ms, kill_at, replica_lag)
    finally:
        client.close()
        if replica is not None and replica.running:
            _signal(replica, signal.SIGCONT)
        if restore:
            if not master.running:
                master.restart()
            cl.wait_healthy(15)
    return FailoverResult(use_wait, replica_lag, **run)


def _signal(node, sig: int) -> None:
    try:
        node._procs.proc.send_signal(sig)
    except ProcessLookupError:
        pass


def _write_through_failover(client, key, master, replica, duration, write_every, use_wait, wait_timeout_ms,
                            kill_at, replica_lag) -> dict:
    """The write loop of `redis_failover`: its measured fields."""
    times: list[float] = []
    ok: list[bool] = []
    acked: list[tuple[float, int]] = []
    promoted_value = recovered = None
    paused = killed = False
    began = time.perf_counter()
    i = 0
    while (now := _paced(1 / write_every, began, i)) < duration:
        i += 1
        if replica_lag and not paused and replica is not None and now >= kill_at - replica_lag:
            _signal(replica, signal.SIGSTOP)  # stopped, it cannot reconnect...
            master.connect().execute_command("CLIENT KILL", "TYPE", "replica")  # ...once its link is cut
            paused = True
        if not killed and now >= kill_at:
            master.kill()
            killed = True
            if paused:
                _signal(replica, signal.SIGCONT)
        try:
            value = client.incr(key)
            # WAIT runs on the connection that sent the INCR: one thread, so the node's pool hands
            # back the same (last released) connection
            durable = not use_wait or client.execute_command(
                "WAIT", 1, wait_timeout_ms, target_nodes=client.get_node_from_key(key)) >= 1
        except redis.RedisError:
            times.append(now - kill_at)
            ok.append(False)
            continue
        times.append(now - kill_at)
        ok.append(True)
        if killed and promoted_value is None and False in ok:  # the first write on the promoted replica
            promoted_value, recovered = value - 1, now - kill_at
        elif durable and promoted_value is None:
            acked.append((now - kill_at, value))
        if recovered is not None and now - kill_at > recovered + 0.3:
            break
    errors = [t for t, good in zip(times, ok, strict=True) if not good]
    first_error, last_error = (errors[0], errors[-1]) if errors else (None, None)
    before = [v for t, v in acked if first_error is None or t < first_error]
    lost = max(0, max(before, default=0) - promoted_value) if promoted_value is not None else 0
    return {"first_error": first_error, "last_error": last_error,
            "window": None if first_error is None else last_error - first_error,
            "recovered_after": recovered, "writes_acknowledged": len(before), "lost_acknowledged": lost,
            "errors": len(errors), "times": times, "ok": ok}
