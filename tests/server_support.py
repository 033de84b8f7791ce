"""What the server tests share: whether memcached is installed (its tests skip with the reason when it
is not), and the get/put/stats checks every server cache passes, one server, a memcached pool or a Redis
Cluster (tests/distributed/test_pool.py and test_cluster.py call it on each)."""

import shutil

import pytest

HAVE_MEMCACHED = shutil.which("memcached") is not None
needs_memcached = pytest.mark.skipif(
    not HAVE_MEMCACHED,
    reason="the memcached binary is not installed (apt-get install memcached / conda install -c "
    "conda-forge memcached / brew install memcached)",
)


def check_contract(cache) -> None:
    cache.clear()
    cache.reset_stats()
    cache.put("a", {"x": [1, 2]})
    cache.put("none", None)
    cache.put(("t", 1), "tuple key")
    assert cache.get("a") == {"x": [1, 2]} and cache.get("none", "default") is None
    assert cache.get("missing", "default") == "default" and ("t", 1) in cache and "nope" not in cache
    assert len(cache) == 3 and cache.delete("a") and not cache.delete("a") and len(cache) == 2
    cache.put("short", 1, ttl=1)
    assert cache.get("short") == 1
    s = cache.stats
    assert (s.hits, s.misses, s.errors) == (3, 1, 0) and s.currsize == 3
    cache.clear()
    assert len(cache) == 0
