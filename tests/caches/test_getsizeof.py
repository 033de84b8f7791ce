"""getsizeof=: maxsize in the caller's unit, currsize the summed size, as many evictions as it takes,
a too-large value refused with the cache unchanged; the default (1 per entry) changes nothing."""

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_models import FakeClock

from hotcache_lab import caches
from hotcache_lab.caches import ValueTooLargeError

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
MAKERS = {
    "lru": caches.LRUCache, "fifo": caches.FIFOCache, "lfu": caches.LFUCache,
    "rr": lambda n, **kw: caches.RRCache(n, seed=5, **kw), "sieve": caches.SIEVECache,
    "s3fifo": caches.S3FIFOCache,
    "ttl": lambda n, clock, **kw: caches.TTLCache(n, 10, timer=clock, **kw),
    "unbounded": lambda n, **kw: caches.UnboundedCache(**kw),
}
OPS = st.lists(st.tuples(st.sampled_from(["put", "put", "put", "get", "del", "tick"]), st.integers(0, 9),
                         st.integers(1, 6)), min_size=5, max_size=50)


def make(name, maxsize, **kw):
    clock = FakeClock()
    maker = MAKERS[name]
    cache = maker(maxsize, clock, **kw) if name == "ttl" else maker(maxsize, **kw)
    return cache, clock


def size_of(value):
    return value[1]  # values are (key, size)


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("unit", [1, 10])
@SETTINGS
@given(data=st.data())
def test_equal_sizes_behave_like_the_plain_cache(name, unit, data):
    """Every value of size `unit` and maxsize n * unit: the sized path must evict exactly as the
    count-bounded cache of maxsize n (S3-FIFO's queue shares included, hence n a multiple of 10 there)."""
    n = data.draw(st.sampled_from([10, 20]) if name == "s3fifo" else st.integers(1, 6), label="n")
    ops = data.draw(st.lists(st.tuples(st.sampled_from(["put", "put", "put", "get", "del", "tick"]),
                                       st.integers(0, n + n // 2 + 2)), min_size=5, max_size=80),
                    label="ops")  # keys a little more than fit: hits, promotions and evictions all happen
    plain, clock_a = make(name, n)
    sized, clock_b = make(name, n * unit, getsizeof=lambda value: unit)
    logs = [], []
    for cache, log in zip((plain, sized), logs, strict=True):
        cache.on_evict(lambda k, v, log=log: log.append(k))
    for op, key in ops:
        for cache, clock in ((plain, clock_a), (sized, clock_b)):
            if op == "put":
                cache.put(key, key)
            elif op == "get":
                cache.get(key)
            elif op == "del" and key in cache:
                del cache[key]
            elif op == "tick":
                clock.now += key % 7
        assert list(plain.entries()) == list(sized.entries()) and logs[0] == logs[1]
        assert (plain.stats.hits, plain.stats.evictions) == (sized.stats.hits, sized.stats.evictions)
        assert sized.currsize == unit * plain.currsize


def test_s3fifo_measures_its_queues_in_the_sizes_unit():
    """Main non-empty, the small queue holds one entry of size 10 = its whole 10% of 100: evict from
    small, as the plain cache of 10 entries does; counting entries (1 < 10) would evict from main."""
    def run(cache):
        for key in "ABCDEFGHIJ":
            cache.put(key, key)
        for key in "ABCDEFGHI":
            cache.get(key)  # accessed while in small: promoted to main at the next eviction
        cache.put("K", "K")  # evicts J (not accessed); A..I move to main
        cache.put("L", "L")  # small holds only K: its share is full, K goes
        return sorted(cache)

    assert run(caches.S3FIFOCache(100, getsizeof=lambda value: 10)) == run(caches.S3FIFOCache(10))
    assert "K" not in run(caches.S3FIFOCache(100, getsizeof=lambda value: 10))


def test_one_per_entry_is_the_plain_opt():
    trace = [k % 7 for k in range(0, 200, 3)] + [k % 5 for k in range(100)]
    plain, sized = caches.BeladyOPT(3, trace), caches.BeladyOPT(3, trace, getsizeof=lambda v: 1)
    assert [plain.request(k) for k in trace] == [sized.request(k) for k in trace]
    assert plain.stats == sized.stats


@pytest.mark.parametrize("name", MAKERS)
@SETTINGS
@given(maxsize=st.integers(6, 15), ops=OPS)
def test_a_put_evicts_what_popitem_would_until_the_value_fits(name, maxsize, ops):
    cache, clock = make(name, maxsize, getsizeof=size_of)
    evicted = []
    cache.on_evict(lambda k, v: evicted.append(k))
    for op, key, size in ops:
        if op == "put":
            twin = copy.copy(cache)  # predict the victims: popitem until the value fits
            predicted = []
            twin.on_evict(lambda k, v, predicted=predicted: predicted.append(k))
            if hasattr(twin, "expire"):
                twin.expire()  # a put sweeps the expired first
            while name != "unbounded" and twin.currsize - held_size(twin, key) + size > maxsize:
                twin.popitem()
            evicted.clear()
            cache.put(key, (key, size))
            assert evicted == predicted and key in cache
        elif op == "get":
            cache.get(key)
        elif op == "del" and key in cache:
            del cache[key]
        elif op == "tick":
            clock.now += key
        live = list(cache.entries())
        assert cache.currsize == cache.stats.currsize == sum(size_of(e.value) for e in live)
        assert name == "unbounded" or cache.currsize <= maxsize


def held_size(cache, key):
    """The size `key` holds now (0 if absent), read without a lookup (a lookup would touch it)."""
    return next((size_of(e.value) for e in cache.entries() if e.key == key), 0)


@pytest.mark.parametrize("name", MAKERS)
def test_a_value_larger_than_maxsize_is_refused_and_changes_nothing(name):
    cache, clock = make(name, 10, getsizeof=size_of)
    for key in range(4):
        cache.put(key, (key, 2))
    before = list(cache.entries()), cache.stats
    if name == "unbounded":  # no maxsize: nothing is too large
        cache.put("big", ("big", 10**6))
        assert cache.currsize == 8 + 10**6
        return
    for key in ("new", 0):  # a new key, and an overwrite of a held one
        with pytest.raises(ValueTooLargeError, match=r"size 11 exceeds maxsize=10") as error:
            cache.put(key, (key, 11))
        assert isinstance(error.value, ValueError)
        assert (list(cache.entries()), cache.stats) == before


@pytest.mark.parametrize("name", ["lru", "fifo", "lfu", "sieve"])
def test_one_big_value_evicts_as_many_as_it_takes(name):
    cache, _ = make(name, 10, getsizeof=size_of)
    for key in range(5):
        cache.put(key, (key, 2))
    order = [cache.next_victim()]
    twin = copy.copy(cache)
    while len(twin) > 1:
        twin.popitem()
        order.append(twin.next_victim())
    gone = []
    cache.on_evict(lambda k, v: gone.append(k))
    cache.put("big", ("big", 7))
    keep = (10 - 7) // 2  # entries of size 2 that still fit beside it
    assert gone == order[: 5 - keep] and cache.currsize == 7 + 2 * keep and len(cache) == keep + 1


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (0.0, ValueError),
                                        (math.nan, ValueError), (math.inf, ValueError), ("3", TypeError),
                                        (None, TypeError), (True, TypeError), ([1], TypeError)])
def test_a_bad_size_is_a_clear_error_and_changes_nothing(bad, error):
    cache = caches.LRUCache(10, getsizeof=lambda value: bad if value == "bad" else 1)
    cache.put("a", "ok")
    with pytest.raises(error, match="getsizeof"):
        cache.put("b", "bad")
    assert list(cache) == ["a"] and cache.currsize == 1


def test_getsizeof_must_be_callable_and_floats_add_up():
    with pytest.raises(TypeError, match="getsizeof"):
        caches.LRUCache(10, getsizeof=5)
    cache = caches.FIFOCache(2, getsizeof=lambda value: 0.5)
    for key in range(6):
        cache.put(key, key)
    assert len(cache) == 4 and cache.currsize == 2.0
    cache.clear()
    assert cache.currsize == 0


def test_a_sized_copy_has_its_own_sizes_and_put():
    s = caches.LRUCache(10, getsizeof=size_of)
    s.put(1, (1, 4))
    c = copy.copy(s)
    c.put(2, (2, 6))
    c.put(3, (3, 5))  # evicts 1 in the copy
    assert (list(s), s.currsize) == ([1], 4)  # the original: untouched
    assert (list(c), c.currsize) == ([3], 5)  # 4 + 6 + 5 > 10: 1 goes, then 6 + 5 > 10: 2 goes too
    assert s.put.__self__ is s and c.put.__self__ is c


def test_ttl_sizes_count_live_entries_and_expired_held_counts_the_rest():
    clock = FakeClock()
    cache = caches.TTLCache(10, 5, timer=clock, getsizeof=size_of)
    cache.put("a", ("a", 3))
    clock.now = 2
    cache.put("b", ("b", 4))
    clock.now = 6  # "a" expired, still held
    s = cache.stats
    assert (s.currsize, s.expired_held, len(cache)) == (4, 1, 1)
    cache.put("c", ("c", 6))  # sweeps "a" first: then 4 + 6 fits, nothing else goes
    assert set(cache) == {"b", "c"} and cache.currsize == 10 and cache.expirations == 1
