"""Least frequently used: evict the entry with the fewest accesses; ties go to the least recent.

O(1) per operation with frequency buckets (Shah, Mitra and Matani, "An O(1) algorithm for
implementing the LFU cache eviction scheme", 2010). An insertion counts as the first access, and so
does an overwrite (it is a use of the key). Counts never decay, which is exactly why LFU clings to
yesterday's hot keys (notebook 04).

The tie-break, "least recent" precisely: among the keys with the fewest accesses, the one whose
last access (the one that gave it that count) is oldest. Each bucket keeps its keys in the order they
reached its count. cachetools' LFUCache (8.0.2) does the same: its count links keep keys in the order
they entered the link, and popitem takes the first key of the lowest link; tests/caches/
test_vs_cachetools.py replays the same operations into both and compares every victim.
"""

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, NamedTuple

from .base import MISSING, Cache


class LFUEntry(NamedTuple):
    key: Hashable
    value: Any
    count: int  # accesses while cached, the insertion included


class LFUCache(Cache):
    """`entries()` yields `LFUEntry(key, value, count)` in eviction order: fewest accesses first,
    ties least recent first; the first is `next_victim()`."""

    policy = "lfu"

    def __init__(self, maxsize: int, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        self._data: dict = {}
        self._freq: dict = {}
        self._buckets: dict[int, OrderedDict] = {}  # frequency -> keys, least recent first
        self._min_freq = 0  # the lowest count; may name an emptied bucket after a popitem (then rescanned)

    def _touch(self, key):
        freq = self._freq[key]
        bucket = self._buckets[freq]
        del bucket[key]
        if not bucket:
            del self._buckets[freq]
            if self._min_freq == freq:
                self._min_freq = freq + 1
        self._freq[key] = freq + 1
        self._buckets.setdefault(freq + 1, OrderedDict())[key] = None

    def _lookup(self, key):
        value = self._data.get(key, MISSING)
        if value is not MISSING:
            self._touch(key)
        return value

    def _insert(self, key, value):
        if key in self._data:
            self._data[key] = value
            self._touch(key)
            return
        self._data[key] = value
        self._freq[key] = 1
        self._buckets.setdefault(1, OrderedDict())[key] = None
        self._min_freq = 1

    def _store(self, key, value):
        # _insert written out, with the eviction: the put of every miss (one call fewer)
        if key in self._data:
            self._data[key] = value
            self._touch(key)
            return
        if self._data.__len__() >= self._maxsize:
            old_key, old_value = self._pop_victim()
            self._evicted(old_key, old_value)
        self._data[key] = value
        self._freq[key] = 1
        self._buckets.setdefault(1, OrderedDict())[key] = None
        self._min_freq = 1

    def _lowest_bucket(self) -> int:
        if self._min_freq not in self._buckets:  # emptied by a popitem: the next count up
            self._min_freq = min(self._buckets)
        return self._min_freq

    def _pop_victim(self):
        freq = self._min_freq
        bucket = self._buckets.get(freq)
        if bucket is None:
            freq = self._lowest_bucket()
            bucket = self._buckets[freq]
        key, _ = bucket.popitem(last=False)
        if not bucket:
            del self._buckets[freq]  # _min_freq is left stale: an insertion resets it to 1 anyway
        del self._freq[key]
        return key, self._data.pop(key)

    def _remove(self, key):
        value = self._data.pop(key)
        freq = self._freq.pop(key)
        bucket = self._buckets[freq]
        del bucket[key]
        if not bucket:
            del self._buckets[freq]
            if self._min_freq == freq:
                self._min_freq = min(self._buckets, default=0)
        return value

    def frequency(self, key) -> int:
        """How often `key` was accessed while cached (0 if absent); no counting, no touching."""
        return self._freq.get(key, 0)

    def entries(self):
        for freq in sorted(self._buckets):
            for key in self._buckets[freq]:
                yield LFUEntry(key, self._data[key], freq)

    def next_victim(self):
        return next(iter(self._buckets[self._lowest_bucket()])) if self._buckets else None

    def _copy_state(self, new):
        new._data = self._data.copy()
        new._freq = self._freq.copy()
        new._buckets = {freq: keys.copy() for freq, keys in self._buckets.items()}

    def _clear(self):
        self._data.clear()
        self._freq.clear()
        self._buckets.clear()
        self._min_freq = 0
