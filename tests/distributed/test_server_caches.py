"""RedisCache and MemcachedCache against real servers (never mocks).

The servers are started once per module by the lab's own launchers; the last test stops them and
checks that every process the launchers started is gone.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import time
from fractions import Fraction

import pytest
from server_support import HAVE_MEMCACHED, needs_memcached

from hotcache_lab.caches.base import CacheStats
from hotcache_lab.distributed import (
    MemcachedCache,
    RedisCache,
    ServerUnavailable,
    running_servers,
    start_memcached,
    start_redis,
    started_pids,
)
from hotcache_lab.distributed.keys import key_text, memcached_key
from hotcache_lab.distributed.memcached_cache import THIRTY_DAYS, expire_seconds
from hotcache_lab.distributed.servers import free_port, pid_alive

BACKENDS = ["redis", pytest.param("memcached", marks=needs_memcached)]
_ns = itertools.count()


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch):
    """`RedisCache()` here means the embedded server, even where CI exports REDIS_URL."""
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture(scope="module")
def redis_server():
    with start_redis() as server:
        yield server


@pytest.fixture(scope="module")
def memcached_server():
    if not HAVE_MEMCACHED:
        pytest.skip("the memcached binary is not installed")
    with start_memcached(memory_mb=16) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def kind(request):
    return request.param


def make(kind, request, **kwargs):
    """A fresh cache of `kind` on the module's shared server, in a namespace of its own."""
    kwargs.setdefault("namespace", f"test{next(_ns)}")
    if kind == "redis":
        cache = RedisCache(url=request.getfixturevalue("redis_server").url, **kwargs)
    else:
        cache = MemcachedCache(request.getfixturevalue("memcached_server").address, **kwargs)
        cache.clear()  # memcached clears the whole server: start each test from empty
    request.addfinalizer(cache.close)
    return cache


@pytest.fixture
def cache(kind, request):
    return make(kind, request)


# --- values and keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["text", "ünïcødé ✓", "", 0, -(2**70), 3.25, float("inf"), True, [1, "a", [2.5]],
     {"a": 1, "b": [None, {"c": "d"}]}, [], {}],
)
def test_values_round_trip(cache, value):
    cache.put("k", value)
    got = cache.get("k")
    assert got == value and type(got) is type(value)


def test_stored_none_is_a_hit_and_a_miss_returns_default(cache):
    missing = object()
    cache.put("none", None)
    assert cache.get("none", missing) is None
    assert cache.get("absent", missing) is missing
    assert "none" in cache and "absent" not in cache
    s = cache.stats
    assert (s.hits, s.misses) == (1, 1)


def test_keys_are_typed_by_repr(cache):
    cache.put(1, "int")
    cache.put(1.0, "float")
    cache.put("1", "str")
    cache.put((1, "a"), "tuple")
    assert [cache.get(k) for k in (1, 1.0, "1", (1, "a"))] == ["int", "float", "str", "tuple"]
    assert len(cache) == 4


def test_keys_without_a_stable_text_form_are_rejected(cache):
    with pytest.raises(TypeError, match="memory address"):
        cache.put(object(), 1)
    with pytest.raises(TypeError, match="unhashable list"):
        cache.get([1, 2])


def test_key_text_is_stable_across_hash_seeds():
    assert key_text(frozenset({"b", "a", "c"})) == "frozenset({'a', 'b', 'c'})"
    assert key_text(("x",)) == "('x',)"
    assert key_text((1, frozenset({2, 1}))) == "(1, frozenset({1, 2}))"


@needs_memcached
def test_memcached_long_and_spaced_keys_are_hashed_and_work(request):
    cache = make("memcached", request)
    long_key = "x" * 300
    spaced = "has a space\n"
    for k in (long_key, spaced):
        name = memcached_key(cache.namespace, k)
        assert name.startswith(f"{cache.namespace}:#sha1:") and len(name) < 250
    assert memcached_key(cache.namespace, "short") == f"{cache.namespace}:'short'"
    cache.put(long_key, 1)
    cache.put(spaced, 2)
    assert (cache.get(long_key), cache.get(spaced), len(cache)) == (1, 2, 2)


# --- codecs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, named",
    [({1, 2}, "set"), ((1, 2), "tuple"), (Fraction(1, 3), "Fraction"), ({1: "a"}, "dict key of type int"),
     ([b"bytes"], "bytes")],
)
def test_json_codec_refuses_what_it_would_not_return_exactly(cache, value, named):
    with pytest.raises(TypeError, match=named) as info:
        cache.put("k", value)
    assert "codec='pickle'" in str(info.value)
    assert cache.get("k", "unset") == "unset"  # nothing half-stored


@pytest.mark.parametrize("kind", BACKENDS)
def test_pickle_codec_round_trips_what_json_cannot(kind, request):
    cache = make(kind, request, codec="pickle")
    value = {"set": {1, 2}, "tuple": (1, (2,)), "fraction": Fraction(1, 3), 1: b"\x00bytes"}
    cache.put("k", value)
    assert cache.get("k") == value


def test_a_custom_codec_object_is_used(redis_server):
    class Upper:
        def dumps(self, value):
            return value.upper().encode()

        def loads(self, data):
            return data.decode()

    with RedisCache(redis_server.url, namespace="custom", codec=Upper()) as cache:
        cache.put("k", "shout")
        assert cache.get("k") == "SHOUT"
        assert cache.client.get("custom:'k'") == b"SHOUT"


def test_bad_arguments_are_named(redis_server):
    with pytest.raises(ValueError, match="unknown codec 'yaml'"):
        RedisCache(redis_server.url, codec="yaml")
    with pytest.raises(TypeError, match="codec must be"):
        RedisCache(redis_server.url, codec=42)
    with pytest.raises(ValueError, match="ttl must be a positive finite number of seconds"):
        RedisCache(redis_server.url, ttl=0)
    with pytest.raises(TypeError, match="ttl must be a number of seconds"):
        RedisCache(redis_server.url, ttl="1")
    with pytest.raises(TypeError, match="namespace"):
        RedisCache(redis_server.url, namespace="")


# --- ttl ---------------------------------------------------------------------------------------


def test_redis_ttl_expires_in_milliseconds(request):
    cache = make("redis", request, ttl=0.2)
    cache.put("short", 1)
    cache.put("kept", 2, ttl=None)
    cache.put("longer", 3, ttl=60)
    assert 0 < cache.client.pttl(f"{cache.namespace}:'short'") <= 200
    assert cache.client.pttl(f"{cache.namespace}:'kept'") == -1  # no expiry
    assert cache.get("short") == 1
    time.sleep(0.3)
    assert cache.get("short", "gone") == "gone"
    assert (cache.get("kept"), cache.get("longer")) == (2, 3)


@needs_memcached
def test_memcached_ttl_expires_within_its_one_second_clock(request):
    cache = make("memcached", request)
    cache.put("short", 1, ttl=2)  # memcached may drop a 1 s entry at the next clock tick, any moment
    cache.put("kept", 2)
    assert cache.get("short") == 1
    start = time.monotonic()
    while cache.get("short", "gone") != "gone":
        assert time.monotonic() - start < 3.0, "a ttl=2 entry outlived 3 s"
        time.sleep(0.05)
    assert time.monotonic() - start >= 0.9  # lived at least one whole clock tick
    assert cache.get("kept") == 2 and len(cache) == 1  # expired entries are not counted


def test_memcached_expire_rounds_up_and_goes_absolute_after_30_days():
    assert [expire_seconds(t) for t in (None, 0.2, 1, 1.5)] == [0, 1, 1, 2]
    assert expire_seconds(THIRTY_DAYS) == THIRTY_DAYS
    absolute = expire_seconds(THIRTY_DAYS + 1)
    assert abs(absolute - (time.time() + THIRTY_DAYS + 1)) < 5


# --- stats, len, clear, mapping ------------------------------------------------------------------


def test_stats_count_hits_and_misses_per_instance(cache):
    assert cache.get("a") is None
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1 and cache.get("b") == 2 and cache.get("c") is None
    s = cache.stats
    assert isinstance(s, CacheStats)
    assert (s.hits, s.misses, s.currsize, s.evictions) == (2, 2, 2, 0)
    assert s.hit_ratio == 0.5
    cache.reset_stats()
    assert (cache.stats.hits, cache.stats.misses) == (0, 0)


def test_mapping_protocol(cache):
    cache["k"] = [1]
    assert cache["k"] == [1] and "k" in cache
    del cache["k"]
    assert "k" not in cache
    with pytest.raises(KeyError):
        cache["k"]
    with pytest.raises(KeyError):
        del cache["k"]
    cache.put("d", 1)
    assert cache.delete("d") is True and cache.delete("d") is False
    assert cache.pop("missing", "x") == "x"
    with pytest.raises(TypeError, match="cannot iterate"):
        list(cache)
    with pytest.raises(NotImplementedError, match="stats.evictions"):
        cache.on_evict(print)


def test_redis_len_and_clear_stay_in_their_namespace(request):
    # "t[1]" is a glob pattern matching "t1": the namespace must be escaped in SCAN MATCH
    mine = make("redis", request, namespace="t[1]")
    other = make("redis", request, namespace="t1")
    for i in range(1500):  # more than one SCAN batch
        mine.put(i, i)
    other.put("keep", "me")
    assert (len(mine), len(other)) == (1500, 1)
    mine.clear()
    assert (len(mine), len(other)) == (0, 1)
    assert other.get("keep") == "me"


@needs_memcached
def test_memcached_clear_empties_the_whole_server(request):
    a = make("memcached", request)
    b = make("memcached", request)
    a.put("x", 1)
    b.put("y", 2)
    assert (len(a), len(b)) == (1, 1)  # len counts only its namespace
    a.clear()
    assert (len(a), len(b), b.get("y")) == (0, 0, None)


def test_redis_evictions_and_maxsize_come_from_the_server():
    with RedisCache(namespace="evict") as cache:  # its own server: CONFIG SET is server-wide
        assert cache.stats.maxsize is None
        limit = cache.used_memory() + 300_000
        cache.configure_eviction(limit, policy="allkeys-lru", samples=5)
        assert cache.client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        for i in range(1000):
            cache.put(i, "x" * 1000)
        s = cache.stats
        assert s.maxsize == limit
        assert s.evictions > 0 and s.currsize < 1000
        assert s.evictions + s.currsize == 1000
        with pytest.raises(ValueError, match="maxmemory-policy"):
            cache.configure_eviction(limit, policy="lru")
        with pytest.raises(ValueError, match="samples"):
            cache.configure_eviction(limit, samples=0)


@needs_memcached
def test_memcached_evictions_and_maxsize_come_from_the_server():
    with MemcachedCache(memory_mb=2) as cache:
        assert cache.stats.maxsize == 2 * 1024 * 1024
        for i in range(400):
            cache.put(i, "x" * 20_000)  # 8 MB into 2 MB
        s = cache.stats
        assert s.evictions > 0 and 0 < s.currsize < 400
        with pytest.raises(ValueError, match="bytes after encoding"):
            cache.put("big", "x" * 2_000_000)


@needs_memcached
def test_memcached_len_waits_out_a_busy_lru_crawler_instead_of_its_timeout():
    import socket

    with MemcachedCache(memory_mb=64) as cache:
        names = [memcached_key(cache.namespace, i) for i in range(50_000)]
        for start in range(0, len(names), 1_000):
            cache.client.set_many({name: "x" for name in names[start:start + 1_000]}, noreply=False)
        replies = []
        for _ in range(5):  # until a metadump lands while the crawl runs (the first does, here)
            with socket.socket(socket.AF_UNIX) as other:  # another client keeps the crawler busy a while
                other.settimeout(3)
                other.connect(cache.address)
                other.sendall(b"lru_crawler crawl all\r\n")
                assert other.recv(100) == b"OK\r\n"
                began = time.perf_counter()
                reply = cache._raw(b"lru_crawler metadump hash\r\n")
                replies.append((reply[:4], time.perf_counter() - began))
            if replies[-1][0] == b"BUSY":
                break
            time.sleep(0.2)
        busy, answered = replies[-1]
        assert busy == b"BUSY" and answered < 1.0, replies  # the one-line reply, not the 3 s timeout
        assert len(cache) == 50_000  # counted once the crawl is done


# --- servers: unreachable, missing, shared, stopped ---------------------------------------------


def test_unreachable_redis_names_the_address_and_how_to_start_one(monkeypatch):
    port = free_port()
    url = f"redis://:s3cret@127.0.0.1:{port}/0"
    start = time.monotonic()
    with pytest.raises(ServerUnavailable) as info:
        RedisCache(url)
    assert time.monotonic() - start < 2
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and "redis-server --port 6379" in message
    assert "s3cret" not in message
    assert isinstance(info.value, RuntimeError)

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
    with pytest.raises(ServerUnavailable, match="unset REDIS_URL"):
        RedisCache()


def test_unreachable_memcached_names_the_address_and_how_to_start_one():
    port = free_port()
    start = time.monotonic()
    with pytest.raises(ServerUnavailable) as info:
        MemcachedCache(f"127.0.0.1:{port}")
    assert time.monotonic() - start < 2
    assert f"127.0.0.1:{port}" in str(info.value) and "memcached -l 127.0.0.1" in str(info.value)


def test_missing_memcached_binary_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no memcached on PATH
    with pytest.raises(ServerUnavailable, match="apt-get install memcached") as info:
        MemcachedCache()
    assert "brew install memcached" in str(info.value) and "conda" in str(info.value)


def _child_put(kind, address, namespace):
    cache = RedisCache(url=address, namespace=namespace) if kind == "redis" else MemcachedCache(
        address, namespace=namespace
    )
    with cache:
        cache.put(("from", "child"), os.getpid())


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_spawned_worker_connects_by_url_or_address(kind, request):
    cache = make(kind, request)
    address = cache.url if kind == "redis" else cache.address
    assert kind != "redis" or address.startswith("unix://")
    ctx = multiprocessing.get_context("spawn")
    worker = ctx.Process(target=_child_put, args=(kind, address, cache.namespace))
    worker.start()
    worker.join(20)
    assert worker.exitcode == 0
    assert cache.get(("from", "child")) == worker.pid
    assert (cache.server or request.getfixturevalue(f"{kind}_server")).running  # the child stopped nothing


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_stops_the_parents_server():
    with RedisCache() as cache:
        pid = os.fork()
        if pid == 0:  # the child runs every stop path it inherited, then leaves
            cache.close()
            cache.server.stop()
            os._exit(0)
        os.waitpid(pid, 0)
        assert cache.server.running and cache.client.ping()
        cache.put("still", "here")
        assert cache.get("still") == "here"


@pytest.mark.parametrize("kind", BACKENDS)
def test_close_stops_the_server_the_cache_started(kind):
    cls = RedisCache if kind == "redis" else MemcachedCache
    cache = cls()
    server = cache.server
    assert pid_alive(server.pid) and os.path.isdir(server.folder)
    cache.close()
    cache.close()  # idempotent
    assert cache.closed and not server.running
    assert not pid_alive(server.pid) and not os.path.exists(server.folder)
    assert server.watchdog_pid is None or not pid_alive(server.watchdog_pid)

    with cls() as cache:  # the context manager closes too
        pid = cache.server.pid
    assert not pid_alive(pid)

    cache = cls()  # and so does garbage collection of an unreferenced cache
    pid = cache.server.pid
    del cache
    gc.collect()
    assert not pid_alive(pid)


def test_zz_every_started_process_is_dead_after_stopping(redis_server, request):
    """Runs last (file order): stop the module's servers, then check nothing the lab started lives."""
    redis_server.stop()
    if HAVE_MEMCACHED:
        request.getfixturevalue("memcached_server").stop()
    assert running_servers() == []
    pids = started_pids()
    assert pids, "the launchers recorded no process"
    alive = [pid for pid in pids if pid_alive(pid)]
    assert alive == [], f"still running: {alive}"
