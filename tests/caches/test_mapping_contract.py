"""The mapping contract of caches/base.py, for every class: copies are independent, popitem takes the
policy's victim, len/iteration/in/get/del/popitem agree (TTL's expired entries included), and
iteration never yields a key that is gone."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_models import FakeClock

from hotcache_lab import caches

# nine classes, each property: fewer examples a class than the differential tests' 200
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
N = 4
MAKERS = {
    "lru": lambda clock: caches.LRUCache(N), "fifo": lambda clock: caches.FIFOCache(N),
    "lfu": lambda clock: caches.LFUCache(N), "rr": lambda clock: caches.RRCache(N, seed=3),
    "sieve": lambda clock: caches.SIEVECache(N), "s3fifo": lambda clock: caches.S3FIFOCache(N),
    "ttl": lambda clock: caches.TTLCache(N, 10, timer=clock),
    "ttl-unbounded": lambda clock: caches.TTLCache(None, 10, timer=clock),
    "unbounded": lambda clock: caches.UnboundedCache(),
}
EVICTING = [name for name in MAKERS if "unbounded" not in name]
KEYS = st.integers(0, 9)
OPS = st.lists(st.one_of(st.tuples(st.just("put"), KEYS), st.tuples(st.just("put"), KEYS),
                         st.tuples(st.just("get"), KEYS), st.tuples(st.just("del"), KEYS),
                         st.tuples(st.just("tick"), st.integers(0, 6))), min_size=4, max_size=40)


def make(name):
    clock = FakeClock()
    return MAKERS[name](clock), clock


def run(cache, clock, ops):
    for op, arg in ops:
        if op == "put":
            cache.put(arg, [arg])  # a mutable value: deepcopy must copy it
        elif op == "get":
            cache.get(arg)
        elif op == "del":
            if arg in cache:
                del cache[arg]
        else:
            clock.now += arg


def view(cache):
    return list(cache.entries()), cache.stats


@pytest.mark.parametrize("name", MAKERS)
def test_a_copy_has_its_own_storage_counters_and_no_hooks(name):
    s, clock = make(name)
    gone = []
    s.on_evict(lambda k, v: gone.append(k))
    s.update({1: [1], 2: [2], 3: [3], 4: [4]})
    s.get(1)
    for dup in (copy.copy(s), copy.deepcopy(s)):
        before = view(s)
        assert list(dup.entries()) == before[0] and dup.stats == before[1]  # the same state...
        for k in range(10, 16):
            dup[k] = [k]  # ...then its own: evicts (bounded caches) in the copy only
        hit = dup.get(1, caches.MISSING) is not caches.MISSING
        del dup[next(iter(dup))]
        dup.popitem()
        assert view(s) == before and gone == []  # the original, and its hook, saw nothing
        assert dup.stats.hits == before[1].hits + hit and dup.stats.evictions > before[1].evictions
    deep, shallow = copy.deepcopy(s), copy.copy(s)
    assert shallow[2] is s[2] and deep[2] == s[2] and deep[2] is not s[2]  # deepcopy copies values
    deep[2].append("changed")
    assert s[2] == [2]


@pytest.mark.parametrize("name", MAKERS)
@SETTINGS
@given(ops=OPS)
def test_a_copy_goes_on_as_the_original_would(name, ops):
    """Same puts into a copy and then into the original: the same victims (random ones included)
    and the same entries; the original is untouched until its own turn."""
    for copier in (copy.copy, copy.deepcopy):
        a, clock = make(name)
        run(a, clock, ops)
        b = copier(a)
        logs = [], []
        for cache, log in zip((a, b), logs, strict=True):
            cache.on_evict(lambda k, v, log=log: log.append(k))
        before = list(a.entries())
        for k in range(20, 26):
            b.put(k, [k])
        assert list(a.entries()) == before and logs[0] == []
        for k in range(20, 26):
            a.put(k, [k])
        assert list(a.entries()) == list(b.entries()) and logs[0] == logs[1]
        assert a.stats == b.stats


@pytest.mark.parametrize("name", EVICTING)
@SETTINGS
@given(ops=OPS)
def test_popitem_takes_what_the_next_eviction_takes(name, ops):
    cache, clock = make(name)
    run(cache, clock, [op for op in ops if op[0] != "tick"])  # no expiry here: see the TTL test
    for k in range(30, 30 + N):
        if len(cache) < N:
            cache.put(k, [k])
    twin = copy.copy(cache)
    taken, evicted = [], []
    twin.on_evict(lambda k, v: taken.append((k, v)))
    cache.on_evict(lambda k, v: evicted.append((k, v)))
    before = twin.stats
    expected = twin.next_victim()
    pair = twin.popitem()
    assert pair == taken[-1] and pair[0] not in twin and len(twin) == N - len(taken)
    assert expected in (None, pair[0])  # next_victim names it, where the policy knows it in advance
    after = twin.stats
    assert (after.hits, after.misses, after.evictions) == (before.hits, before.misses, before.evictions
                                                          + len(taken))
    cache.put(99, [99])  # a new key in the full original: the eviction popitem predicted
    assert evicted == taken


@pytest.mark.parametrize("name", MAKERS)
def test_popitem_on_an_empty_cache_is_a_keyerror_like_dicts(name):
    cache, _ = make(name)
    for _ in range(2):
        with pytest.raises(KeyError, match=rf"popitem\(\): {type(cache).__name__} is empty"):
            cache.popitem()
        cache.put(1, 1)
        cache.clear()
    assert cache.stats.evictions == 0


def test_the_issues_examples():
    s = caches.LRUCache(2)
    s.update({1: 1, 2: 2})
    c = copy.copy(s)
    c[3] = 3
    assert list(s) == [1, 2] and list(c) == [2, 3]
    lfu = caches.LFUCache(3)
    lfu.update({1: 1, 2: 2, 3: 3})
    lfu[1], lfu[1], lfu[3]  # noqa: B018  (reads: counts 1 -> 3, 3 -> 2, 2 stays at 1)
    hits = lfu.stats.hits
    assert lfu.popitem() == (2, 2) and lfu.stats.hits == hits and lfu.stats.evictions == 1
    clock = FakeClock()
    ttl = caches.TTLCache(3, 10, timer=clock)
    ttl[1] = 1
    clock.now = 5
    ttl[2] = 2
    clock.now = 12  # 1 has expired, 2 has not
    assert (len(ttl), list(ttl), 1 in ttl) == (1, [2], False)
    with pytest.raises(KeyError):
        del ttl[1]  # expired: gone from the mapping, although it was still held
    assert ttl.popitem() == (2, 2)  # the oldest had expired: popitem takes the live one
    ttl[3] = 3
    clock.now = 30
    assert ttl.get(3) is None and len(ttl) == 0 and ttl.expirations == 2


def test_opt_copies_and_popitem():
    trace = [1, 2, 3, 1, 2, 4, 1, 3]
    reference = caches.BeladyOPT(2, trace)
    hits = [reference.request(k) for k in trace]
    opt = caches.BeladyOPT(2, trace)
    assert [opt.request(k) for k in trace[:3]] == hits[:3]
    evicted_then = opt.stats.evictions
    twin = copy.copy(opt)
    victim = twin.next_victim()
    assert twin.popitem() == (victim, victim) and victim in opt and victim not in twin
    assert [opt.request(k) for k in trace[3:]] == hits[3:]  # the original never noticed
    assert opt.stats == reference.stats and twin.stats.evictions == evicted_then + 1


@pytest.mark.parametrize("name", MAKERS)
@SETTINGS
@given(ops=OPS, during=st.lists(st.tuples(st.sampled_from(["del", "put", "get", "popitem", "clear"]),
                                          KEYS), max_size=12))
def test_iteration_never_yields_a_key_that_is_gone(name, ops, during):
    """Mutate the cache between the steps of a loop over it: every key yielded is there when yielded,
    was there when the loop began, and comes once; nothing raises."""
    cache, clock = make(name)
    run(cache, clock, ops)
    start, seen, todo = set(cache), [], list(during)
    for key in cache:
        assert key in cache and key in start and key not in seen
        seen.append(key)
        if todo:
            op, arg = todo.pop(0)
            if op == "del" and arg in cache:
                del cache[arg]
            elif op == "put":
                cache.put(arg + 100, [arg])
            elif op == "get":
                cache.get(arg)
            elif op == "popitem" and len(cache):
                cache.popitem()
            elif op == "clear":
                cache.clear()
    if not during:
        assert sorted(seen) == sorted(start)


@pytest.mark.parametrize("name", MAKERS)
@SETTINGS
@given(ops=OPS)
def test_len_iteration_in_get_del_and_popitem_agree(name, ops):
    cache, clock = make(name)
    run(cache, clock, ops)
    keys = list(cache)
    present = [k for k in range(10) if k in cache]
    assert len(cache) == len(keys) == len(present) == len(list(cache.entries())) == cache.stats.currsize
    assert sorted(keys) == present and all(cache.get(k) == [k] for k in keys)
    for k in set(range(10)) - set(present):  # absent, or expired but held: del first, get would drop it
        with pytest.raises(KeyError):
            del cache[k]
        assert cache.get(k, "miss") == "miss"
    twin = copy.copy(cache)
    assert twin.expire() == cache.stats.expired_held if hasattr(cache, "expire") else \
        cache.stats.expired_held == 0  # what is held but expired: a sweep drops exactly that many
    popped = [cache.popitem()[0] for _ in range(len(keys))]
    assert sorted(popped) == sorted(keys) and len(cache) == 0
