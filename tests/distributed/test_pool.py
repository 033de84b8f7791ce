"""A real pool of memcached servers under pymemcache's HashClient: keys spread over the nodes, a killed
node gives errors or misses as the client's dead-node settings say, and the cache interface holds."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from server_support import check_contract, needs_memcached

from hotcache_lab.distributed import (
    CacheUnavailable,
    MemcachedCache,
    MemcachedPool,
    start_memcached_pool,
)
from hotcache_lab.distributed.keys import memcached_key
from hotcache_lab.distributed.pool import NamedRendezvous, check_client_settings
from hotcache_lab.distributed.servers import pid_alive

pytestmark = needs_memcached


@pytest.fixture
def cache(pool):
    for i in range(len(pool)):  # a previous test may have killed one
        if not pool.nodes[i].running:
            pool.restart(i)
    with MemcachedCache(pool=pool, timeout=1.0, retry_attempts=0, dead_timeout=60) as c:
        c.clear()
        yield c


def test_the_pool_names_its_nodes_and_serves_on_private_sockets(pool):
    assert isinstance(pool, MemcachedPool) and len(pool) == 3 and all(pool.running)
    assert pool.addresses == [n.socket_path for n in pool.nodes] and len(set(pool.addresses)) == 3
    assert pool.names == ["memcached-0", "memcached-1", "memcached-2"]
    for node in pool.nodes:
        assert node.port is None  # no TCP listener: only this user reaches the sockets


def test_keys_spread_over_every_node_and_node_for_is_where_they_are(cache, pool):
    keys = range(300)
    for k in keys:
        cache.put(k, k * 2)
    placed = Counter(cache.node_for(k) for k in keys)
    assert set(placed) == {0, 1, 2} and max(placed.values()) < 2 * min(placed.values())
    items = [int(s[b"curr_items"]) for s in cache.node_stats()]
    assert items == [placed[i] for i in range(3)]  # each node holds exactly the keys node_for named
    assert len(cache) == 300 and all(cache.get(k) == k * 2 for k in keys)
    s = cache.stats
    assert (s.hits, s.misses, s.currsize) == (300, 0, 300) and s.maxsize == 3 * 8 * 1024 * 1024


def test_placement_is_pymemcaches_rendezvous_on_the_stable_names(pool):
    hasher = NamedRendezvous({path: name for path, name in zip(pool.addresses, pool.names, strict=True)})
    for path in pool.addresses:
        hasher.add_node(path)
    with MemcachedCache(pool=pool) as c:
        for k in ("a", "b", 17, ("t", 1)):
            assert pool.addresses.index(hasher.get_node(memcached_key(c.namespace, k))) == c.node_for(k)


def test_removing_a_node_moves_only_its_keys(pool):
    with MemcachedCache(pool=pool) as c:
        before = {k: c.node_for(k) for k in range(500)}
        c.client.hasher.remove_node(pool.addresses[2])
        after = {k: c.node_for(k) for k in range(500)}
    moved = [k for k in before if before[k] != after[k]]
    assert moved and all(before[k] == 2 for k in moved) and 2 not in after.values()


def test_a_killed_node_is_an_error_then_its_keys_go_elsewhere_with_no_retries(cache, pool):
    keys = list(range(60))
    for k in keys:
        cache.put(k, k)
    victims = [k for k in keys if cache.node_for(k) == 1]
    pool.kill(1)
    began = time.monotonic()
    with pytest.raises(CacheUnavailable):  # the first call finds the node gone
        cache.get(victims[0])
    assert time.monotonic() - began < 1.0
    # retry_attempts=0: HashClient removed it at once; its keys now hash to the other nodes (misses)
    assert all(cache.node_for(k) != 1 for k in victims)
    assert all(cache.get(k, "miss") == "miss" for k in victims[1:])
    survivors = [k for k in keys if k not in victims]
    assert all(cache.get(k) == k for k in survivors)


def test_ignore_exc_turns_the_failure_into_misses(pool):
    pool.restart(1) if not pool.nodes[1].running else None
    with MemcachedCache(pool=pool, ignore_exc=True, retry_attempts=2, retry_timeout=5) as c:
        c.clear()
        keys = [k for k in range(200) if c.node_for(k) == 1][:5]
        for k in keys:
            c.put(k, k)
        pool.kill(1)
        assert [c.get(k, "miss") for k in keys] == ["miss"] * 5
        assert c.node_for(keys[0]) == 1  # still in the hash: retried after retry_timeout
        pool.restart(1)


def test_without_ignore_exc_only_the_failing_call_raises_then_silent_misses(pool):
    """pymemcache's rule: within retry_timeout after a failure, calls to that node return the default."""
    pool.restart(1) if not pool.nodes[1].running else None
    with MemcachedCache(pool=pool, retry_attempts=2, retry_timeout=30) as c:
        keys = [k for k in range(200) if c.node_for(k) == 1][:4]
        for k in keys:
            c.put(k, k)
        pool.kill(1)
        with pytest.raises(CacheUnavailable):
            c.get(keys[0])
        assert [c.get(k, "miss") for k in keys[1:]] == ["miss"] * 3
        pool.restart(1)


def test_a_restarted_node_serves_again_empty(cache, pool):
    k = next(k for k in range(100) if cache.node_for(k) == 0)
    cache.put(k, "v")
    pool.stop(0)  # SIGTERM: a clean shutdown, the handle stays
    assert not pool.nodes[0].running and not pid_alive(pool.nodes[0].pid)  # exited and reaped
    pool.restart(0)
    with MemcachedCache(pool=pool) as fresh:
        assert fresh.get(k, "gone") == "gone"
        fresh.put(k, "back")
        assert fresh.get(k) == "back"


def test_bad_arguments_name_the_parameter(pool):
    with pytest.raises(TypeError, match="pool must be a MemcachedPool"):
        MemcachedCache(pool=pool.addresses)
    with pytest.raises(TypeError, match="not several"):
        MemcachedCache(pool.addresses[0], pool=pool)
    with pytest.raises(TypeError, match="need servers= or pool="):
        MemcachedCache(pool.addresses[0], ignore_exc=True)
    with pytest.raises(TypeError, match="unknown HashClient setting"):
        check_client_settings({"retries": 3})
    with pytest.raises(ValueError, match="retry_attempts must be a non-negative int"):
        MemcachedCache(pool=pool, retry_attempts=-1)
    with pytest.raises(ValueError, match="i must be a node index from 0 to 2"):
        pool.kill(3)
    with pytest.raises(TypeError, match="servers must be a non-empty list"):
        MemcachedCache(servers=[])
    with pytest.raises(ValueError, match="n must be a positive int"):
        start_memcached_pool(0)


def test_servers_list_works_like_a_pool(pool):
    with MemcachedCache(servers=pool.addresses) as c:
        c.put("x", [1, 2])
        assert c.get("x") == [1, 2] and c.sharded and 0 <= c.node_for("x") < 3


def test_the_same_contract_on_one_server_and_on_the_pool(pool):
    from hotcache_lab.distributed import start_memcached

    with start_memcached(memory_mb=8) as one, MemcachedCache(one.address) as single:
        check_contract(single)
    with MemcachedCache(pool=pool) as sharded:
        check_contract(sharded)


def test_every_node_dead_is_a_clear_error(pool):
    with MemcachedCache(pool=pool, retry_attempts=0, timeout=0.5) as c:
        for i in range(len(pool)):
            pool.kill(i)
        for k in range(3):  # one call per node finds it gone and removes it
            with pytest.raises(CacheUnavailable):
                c.get(f"k{k}")
        with pytest.raises(CacheUnavailable, match="down"):  # then HashClient has no server left
            c.get("any")
        with pytest.raises(CacheUnavailable):
            c.node_for("any")
    for i in range(len(pool)):
        pool.restart(i)
