"""Differential tests: the same random operations into a hotcache_lab cache and its cachetools twin.

Every step compares what the operation returned (or that both raised), and after it the live contents
and the entries each cache evicted so far, in order. cachetools evicts through popitem(), so a
subclass that logs popitem() sees every victim; ours report theirs to on_evict (TTLCache's expiries
too: those are left out, cachetools expires silently). Documented differences are handled, not hidden:
FIFO overwrites (ours keep their place) are replayed as del + set into both, and pinned below.
"""

import random

import cachetools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_models import FakeClock

from hotcache_lab import caches

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)
KEYS = st.integers(0, 7)
SET = st.tuples(st.just("set"), KEYS, st.integers(0, 99))
GET = st.tuples(st.just("get"), KEYS)
# sets and gets weighted up (one_of picks a branch uniformly), so most sequences fill and evict
OPS = st.lists(st.one_of(
    SET, SET, SET, SET, GET, GET, st.tuples(st.just("del"), KEYS), st.tuples(st.just("in"), KEYS),
    st.just(("popitem",)), st.just(("len",)), st.just(("iter",)), st.just(("clear",)),
    st.tuples(st.just("tick"), st.integers(0, 4)),
), min_size=10, max_size=60)
TTL = 5


def logged(cls):
    """A cachetools class whose every victim (popitem, which its evictions go through) is logged."""
    class Logged(cls):
        def popitem(self):
            key, value = super().popitem()
            self.victims.append(key)
            return key, value
    return Logged


class Pair:
    """One of ours and one of theirs, built alike; `run` applies an operation to both."""

    def __init__(self, kind, maxsize, getsizeof=None, fifo_overwrite_as_replace=False):
        self.clock = FakeClock()
        sized = {} if getsizeof is None else {"getsizeof": getsizeof}
        rng = random.Random(7)  # RRCache(seed=7) draws randrange(len(keys)) from Random(7): so does this
        ours_of = {"lru": lambda: caches.LRUCache(maxsize, **sized),
                   "lfu": lambda: caches.LFUCache(maxsize, **sized),
                   "fifo": lambda: caches.FIFOCache(maxsize, **sized),
                   "rr": lambda: caches.RRCache(maxsize, seed=7, **sized),
                   "ttl": lambda: caches.TTLCache(maxsize, TTL, timer=self.clock, **sized)}
        theirs_of = {"lru": lambda: logged(cachetools.LRUCache)(maxsize, **sized),
                     "lfu": lambda: logged(cachetools.LFUCache)(maxsize, **sized),
                     "fifo": lambda: logged(cachetools.FIFOCache)(maxsize, **sized),
                     "rr": lambda: logged(cachetools.RRCache)(
                         maxsize, choice=lambda seq: seq[rng.randrange(len(seq))], **sized),
                     "ttl": lambda: logged(cachetools.TTLCache)(maxsize, TTL, timer=self.clock, **sized)}
        self.ours, self.theirs = ours_of[kind](), theirs_of[kind]()  # RR: both keep keys in swap-remove slots
        self.theirs.victims = []
        self.victims, self.stored = [], {}
        self.ours.on_evict(self._evicted)
        self.replace_overwrites = fifo_overwrite_as_replace

    def _evicted(self, key, value):
        if isinstance(self.ours, caches.TTLCache) and self.stored[key] + TTL <= self.clock.now:
            return  # an expiry, not a victim
        self.victims.append(key)

    def contents(self, cache):
        """Live (key, value) pairs, read without touching recency or counting."""
        if cache is self.ours:
            return {e.key: e.value for e in cache.entries()}
        return {key: cachetools.Cache.__getitem__(cache, key) for key in list(cache)}

    def run(self, op):
        return both(lambda c: self.apply(c, op), self.ours, self.theirs)

    def apply(self, cache, op):
        name, *args = op
        if name == "get":
            return cache.get(args[0], "absent")
        if name == "set":
            key, value = args
            if self.replace_overwrites and key in cache:
                del cache[key]
            cache[key] = value
            if cache is self.ours:
                self.stored[key] = self.clock.now  # after: a sweep during the put sees the old time
            return None
        if name == "del":
            del cache[args[0]]
            return None
        if name == "in":
            return args[0] in cache
        if name == "popitem":
            return cache.popitem()
        if name == "len":
            return len(cache)
        if name == "iter":
            return sorted(cache)
        if name == "clear":
            return cache.clear()
        if cache is self.ours:  # "tick": one clock, moved once
            self.clock.now += args[0]
        return None


def both(fn, ours, theirs):
    """fn on each: (result, None) or (None, the exception's kind); ValueTooLargeError is a ValueError."""
    out = []
    for cache in (ours, theirs):
        try:
            out.append((fn(cache), None))
        except (KeyError, ValueError) as error:
            out.append((None, KeyError if isinstance(error, KeyError) else ValueError))
    return out


def replay(pair, ops):
    for step, op in enumerate(ops):
        mine, theirs = pair.run(op)
        assert mine == theirs, f"step {step} {op}"
        assert pair.contents(pair.ours) == pair.contents(pair.theirs), f"after step {step} {op}"
        assert pair.victims == pair.theirs.victims, f"victims after step {step} {op}"
        assert len(pair.ours) == len(pair.theirs)


@pytest.mark.parametrize("kind", ["lru", "lfu", "rr", "ttl"])
@SETTINGS
@given(maxsize=st.integers(1, 5), ops=OPS)
def test_same_operations_same_answers(kind, maxsize, ops):
    replay(Pair(kind, maxsize), ops)


@SETTINGS
@given(maxsize=st.integers(1, 5), ops=OPS)
def test_fifo_with_overwrites_replayed_as_replacements(maxsize, ops):
    replay(Pair("fifo", maxsize, fifo_overwrite_as_replace=True), ops)


@pytest.mark.parametrize("kind", ["lru", "lfu", "fifo", "ttl"])
@SETTINGS
@given(maxsize=st.integers(1, 10), ops=OPS)
def test_sized_caches_evict_what_cachetools_evicts(kind, maxsize, ops):
    """getsizeof as in cachetools: same refusals (too large), same victims until the value fits."""
    replay(Pair(kind, maxsize, getsizeof=lambda value: value % 4 + 1,
                fifo_overwrite_as_replace=kind == "fifo"), ops)


def test_fifo_overwrite_keeps_its_place_where_cachetools_moves_it_back():
    ours, theirs = caches.FIFOCache(2), cachetools.FIFOCache(2)
    for cache in (ours, theirs):
        cache[1] = "a"
        cache[2] = "b"
        cache[1] = "a2"  # overwrite the oldest
        cache[3] = "c"  # full: which one goes?
    assert set(ours) == {2, 3}  # ours: 1 was still the oldest insertion
    assert set(theirs) == {1, 3}  # cachetools: the overwrite made 1 the newest
    ours, theirs = caches.FIFOCache(2), cachetools.FIFOCache(2)
    for cache in (ours, theirs):
        cache[1], cache[2] = "a", "b"
        del cache[1]
        cache[1] = "a2"  # delete then set: the same order on both sides
        cache[3] = "c"
    assert set(ours) == set(theirs) == {1, 3}


def test_lfu_ties_go_to_the_least_recent_on_both_sides():
    """Equal counts: the key that reached its count first goes, in ours and in cachetools."""
    ours, theirs = caches.LFUCache(3), logged(cachetools.LFUCache)(3)
    theirs.victims = []
    gone = []
    ours.on_evict(lambda k, v: gone.append(k))
    for cache in (ours, theirs):
        for key in (1, 2, 3):
            cache[key] = key
        cache[4] = 4  # all at count 1: the oldest, 1, goes
        assert cache[3] == 3 and cache[2] == 2  # 3, then 2, reach count 2; 4 stays at 1
        cache[5] = 5  # evicts 4, the one count-1 key
    assert gone == theirs.victims == [1, 4]
    assert ours.popitem() == theirs.popitem() == (5, 5)  # count 1
    assert ours.popitem() == theirs.popitem() == (3, 3)  # count 2 each: 3 got there first
