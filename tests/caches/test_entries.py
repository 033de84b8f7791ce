"""cache.entries() and cache.next_victim(): the public per-entry view of every policy, checked
against the reference models and against what the next eviction really takes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_models import MODELS, FakeClock

from hotcache_lab import caches

keys_st = st.lists(st.integers(0, 15), max_size=120)
sizes = st.integers(1, 6)


def served(policy, maxsize, keys):
    cache, model = caches.POLICIES[policy](maxsize), MODELS[policy](maxsize)
    for k in keys:
        cache.request(k, k * 10)
        model.access(k)
    return cache, model


@pytest.mark.parametrize("policy", sorted(caches.POLICIES))
@settings(max_examples=60, deadline=None, derandomize=True)
@given(maxsize=sizes, keys=keys_st)
def test_entries_are_the_live_entries_and_count_nothing(policy, maxsize, keys):
    cache = caches.POLICIES[policy](maxsize)
    for k in keys:
        cache.request(k, k * 10)
    before = cache.stats
    entries = list(cache.entries())
    assert sorted(e.key for e in entries) == sorted(cache)
    assert all(e.value == e.key * 10 for e in entries)
    assert cache.stats == before and list(cache.entries()) == entries


@pytest.mark.parametrize("policy", ["lru", "fifo", "sieve"])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(maxsize=sizes, keys=keys_st)
def test_order_is_the_models_queue(policy, maxsize, keys):
    cache, model = served(policy, maxsize, keys)
    order = model.queue if policy == "sieve" else model.order  # least recent / oldest first
    assert [e.key for e in cache.entries()] == order


@settings(max_examples=60, deadline=None, derandomize=True)
@given(maxsize=sizes, keys=keys_st)
def test_marks_are_the_models_state(maxsize, keys):
    lfu, lfu_model = served("lfu", maxsize, keys)
    assert {e.key: e.count for e in lfu.entries()} == lfu_model.freq
    order = [(e.count, lfu_model.last[e.key]) for e in lfu.entries()]
    assert order == sorted(order)  # eviction order: fewest accesses, then least recent
    sieve, sieve_model = served("sieve", maxsize, keys)
    assert {e.key for e in sieve.entries() if e.visited} == sieve_model.visited
    assert sum(e.hand for e in sieve.entries()) == (1 if keys else 0)
    s3, s3_model = served("s3fifo", maxsize, keys)
    assert [e.key for e in s3.entries() if e.queue == "small"] == s3_model.S
    assert [e.key for e in s3.entries() if e.queue == "main"] == s3_model.M
    assert {e.key: e.freq for e in s3.entries()} == s3_model.freq


@pytest.mark.parametrize("policy", ["lru", "fifo", "lfu", "sieve"])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(maxsize=sizes, keys=keys_st, new=st.integers(100, 110))
def test_next_victim_is_what_a_new_key_evicts(policy, maxsize, keys, new):
    cache = caches.POLICIES[policy](maxsize)
    for k in keys:
        cache.request(k)
    gone = []
    cache.on_evict(lambda k, v: gone.append(k))
    victim = cache.next_victim()
    cache.request(new)
    assert victim == (gone[0] if gone else (None if not keys else victim))
    if len(keys) and len(set(keys)) >= maxsize:
        assert gone == [victim]


def test_policies_that_do_not_know_their_victim_say_none():
    for cache in (caches.RRCache(2), caches.S3FIFOCache(4), caches.UnboundedCache()):
        for k in range(5):
            cache.request(k)
        assert cache.next_victim() is None and len(list(cache.entries())) == len(cache)
    assert caches.LRUCache(3).next_victim() is None and list(caches.SIEVECache(3).entries()) == []



def test_ttl_entries_carry_their_expiry_and_the_next_victim_is_the_least_recent_live():
    clock = FakeClock()
    c = caches.TTLCache(maxsize=3, ttl=10, timer=clock)
    c.put("a", 1)
    clock.now = 2
    c.put("b", 2)
    c.get("a")
    assert list(c.entries()) == [caches.TTLEntry("b", 2, 12.0), caches.TTLEntry("a", 1, 10.0)]
    assert c.next_victim() == "b"  # the least recent
    clock.now = 10
    assert list(c.entries()) == [caches.TTLEntry("b", 2, 12.0)]  # "a" is expired: out of the view
    assert c.next_victim() == "b" and c.popitem() == ("b", 2)  # never the expired one
    assert c.expirations == 1 and c.stats.evictions == 2  # popitem swept "a" first, as a put would
    unbounded = caches.TTLCache(maxsize=None, ttl=5, timer=clock)
    assert unbounded.next_victim() is None
    unbounded.put("x", 0)
    clock.now = 11
    unbounded.put("y", 0)
    unbounded.get("x")
    assert unbounded.next_victim() == "y"  # unbounded too: the least recent live entry


def test_opt_entries_name_the_next_use():
    trace = [1, 2, 3, 1, 2, 4]
    opt = caches.BeladyOPT(2, trace)
    for k in trace[:3]:
        opt.request(k)
    assert [(e.key, e.next_use) for e in opt.entries()] == [(1, 3), (3, None)]
    assert opt.next_victim() == 3
    assert next(caches.UnboundedCache().entries(), None) is None
