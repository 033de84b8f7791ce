"""Each policy against a small reference model; the shared interface; bad input."""

import cachetools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_models import MODELS, FakeClock

from hotcache_lab import caches
from hotcache_lab.caches import MISSING

ALL_BOUNDED = [caches.LRUCache, caches.FIFOCache, caches.LFUCache, caches.RRCache,
               caches.SIEVECache, caches.S3FIFOCache]


def replay(cache, keys):
    """get, then put on a miss: the memoization access pattern. Returns hits per step."""
    hits = []
    for k in keys:
        hit = cache.get(k, MISSING) is not MISSING
        if not hit:
            cache.put(k, k * 10)
        hits.append(hit)
    return hits


@pytest.mark.parametrize("policy", sorted(MODELS))
@settings(max_examples=150, deadline=None, derandomize=True)
@given(maxsize=st.integers(1, 12), keys=st.lists(st.integers(0, 20), max_size=300))
def test_policy_matches_reference_model(policy, maxsize, keys):
    cache, model = caches.POLICIES[policy](maxsize), MODELS[policy](maxsize)
    evicted = []
    cache.on_evict(lambda k, v: evicted.append(k))
    for k in keys:
        hit = cache.get(k, MISSING) is not MISSING
        if not hit:
            cache.put(k, k * 10)
        assert hit == model.access(k), f"step for key {k}"
        assert set(cache) == model.contents()
        assert len(cache) <= maxsize
    s = cache.stats
    assert s.hits + s.misses == len(keys)
    assert s.evictions == len(evicted) == s.misses - len(cache)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(maxsize=st.integers(1, 12), keys=st.lists(st.integers(0, 20), max_size=300), seed=st.integers(0, 9))
def test_random_replacement_is_seeded_and_bounded(maxsize, keys, seed):
    a, b = caches.RRCache(maxsize, seed=seed), caches.RRCache(maxsize, seed=seed)
    assert replay(a, keys) == replay(b, keys)
    assert set(a) == set(b)
    assert len(a) <= maxsize
    for k in set(keys):
        if k in a:
            assert a.get(k) == k * 10


@pytest.mark.parametrize("cls", ALL_BOUNDED)
def test_values_and_overwrite(cls):
    c = cls(4)
    c.put("a", 1)
    c.put("a", 2)
    assert c.get("a") == 2 and len(c) == 1
    assert c.get("zz", "dflt") == "dflt"
    assert c.stats.hits == 1 and c.stats.misses == 1 and c.stats.evictions == 0


@pytest.mark.parametrize("cls", ALL_BOUNDED + [caches.UnboundedCache])
def test_mapping_protocol(cls):
    c = cls() if cls is caches.UnboundedCache else cls(8)
    c["x"] = 1
    assert c["x"] == 1 and "x" in c and list(c) == ["x"]
    with pytest.raises(KeyError):
        c["missing"]
    del c["x"]
    assert "x" not in c and len(c) == 0
    with pytest.raises(KeyError):
        del c["x"]
    c.put(None, None)  # None is a valid key and a valid value, told apart from a miss
    assert c.get(None, "miss") is None
    c.clear()
    assert len(c) == 0 and c.stats.evictions == 0


def test_membership_counts_nothing_and_keeps_recency():
    c = caches.LRUCache(2)
    c.put(1, 1)
    c.put(2, 2)
    assert 1 in c  # must not refresh 1
    c.put(3, 3)
    assert 1 not in c and set(c) == {2, 3}
    assert c.stats.hits == c.stats.misses == 0


@pytest.mark.parametrize("cls", ALL_BOUNDED)
def test_drops_into_cachetools_cached(cls):
    cache = cls(16)
    calls = []

    @cachetools.cached(cache)
    def square(x):
        calls.append(x)
        return x * x

    assert [square(i % 5) for i in range(20)] == [(i % 5) ** 2 for i in range(20)]
    assert calls == [0, 1, 2, 3, 4]
    assert cache.stats.hits == 15 and cache.stats.misses == 5


def test_unbounded_never_evicts():
    c = caches.UnboundedCache()
    for i in range(10_000):
        c.put(i, i)
    assert len(c) == 10_000 and c.stats.evictions == 0 and c.stats.maxsize is None


def test_lfu_keeps_the_frequent_key():
    c = caches.LFUCache(2)
    c.put("hot", 1)
    for _ in range(5):
        c.get("hot")
    c.put("a", 1)
    c.put("b", 1)  # evicts "a" (freq 1), not "hot"
    assert set(c) == {"hot", "b"} and c.frequency("hot") == 6



def test_ttl_expires_on_a_fake_clock():
    clock = FakeClock()
    c = caches.TTLCache(maxsize=10, ttl=5, timer=clock)
    expired = []
    c.on_evict(lambda k, v: expired.append(k))
    c.put("a", 1)
    clock.now = 4.999
    assert c.get("a") == 1 and c.remaining("a") == pytest.approx(0.001)
    clock.now = 5.0
    assert "a" not in c
    assert c.get("a") is None and expired == ["a"] and c.expirations == 1
    assert c.stats.hits == 1 and c.stats.misses == 1


def test_ttl_purges_on_put_and_keeps_lru_when_full():
    clock = FakeClock()
    c = caches.TTLCache(maxsize=2, ttl=10, timer=clock)
    c.put("a", 1)
    clock.now = 1
    c.put("b", 2)
    c.get("a")
    c.put("c", 3)  # full: evicts the least recent live entry, "b"
    assert set(c) == {"a", "c"}
    clock.now = 10.5  # "a" (stored at 0) is expired, "c" (stored at 1) is not
    assert len(c) == 1 and list(c) == ["c"]  # expired is gone from the mapping...
    assert c.stats.expired_held == 1 and c.stats.currsize == 1 and c.expirations == 0  # ...not freed
    c.put("d", 4)
    assert set(c) == {"c", "d"} and c.expirations == 1 and c.stats.expired_held == 0


def test_ttl_overwrite_restarts_the_clock():
    clock = FakeClock()
    c = caches.TTLCache(maxsize=None, ttl=5, timer=clock)
    c.put("a", 1)
    clock.now = 4
    c.put("a", 2)
    clock.now = 8
    assert c.get("a") == 2


@pytest.mark.parametrize("cls", ALL_BOUNDED)
@pytest.mark.parametrize("bad, error", [(-1, ValueError), (0, ValueError), (1.5, TypeError),
                                        ("10", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_maxsize_names_the_parameter(cls, bad, error):
    with pytest.raises(error, match="maxsize"):
        cls(bad)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(maxsize=2, ttl=0), ValueError, "ttl"), (dict(maxsize=2, ttl=-1), ValueError, "ttl"),
    (dict(maxsize=2, ttl="5"), TypeError, "ttl"), (dict(maxsize=2, ttl=1, timer=5), TypeError, "timer"),
    (dict(maxsize=-2, ttl=1), ValueError, "maxsize"),
])
def test_bad_ttl_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        caches.TTLCache(**kwargs)


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="seed"):
        caches.RRCache(4, seed="x")
    with pytest.raises(TypeError, match="callback"):
        caches.LRUCache(4).on_evict(42)
    with pytest.raises(ValueError, match="small_ratio"):
        caches.S3FIFOCache(10, small_ratio=1.5)
    with pytest.raises(TypeError):
        caches.LRUCache(4).put([1], 1)  # unhashable key


def test_stats_snapshot():
    c = caches.LRUCache(1)
    c.put(1, 1)
    c.get(1)
    c.get(2)
    c.put(2, 2)
    s = c.stats
    assert (s.hits, s.misses, s.evictions, s.currsize, s.maxsize) == (1, 1, 1, 1, 1)
    assert s.hit_ratio == 0.5 and s.lookups == 2
    c.reset_stats()
    assert c.stats.hits == 0 and c.stats.currsize == 1
