"""Least frequently used: evict the entry with the fewest accesses; ties go to the least recent.

O(1) per operation with frequency buckets (Shah, Mitra and Matani, "An O(1) algorithm for
implementing the LFU cache eviction scheme", 2010). An insertion counts as the first access.
Counts never decay, which is exactly why LFU clings to yesterday's hot keys (notebook 04).
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

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._data: dict = {}
        self._freq: dict = {}
        self._buckets: dict[int, OrderedDict] = {}  # frequency -> keys, least recent first
        self._min_freq = 0

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

    def _store(self, key, value):
        if key in self._data:
            self._data[key] = value
            self._touch(key)
            return
        if len(self._data) >= self._maxsize:
            bucket = self._buckets[self._min_freq]
            old_key, _ = bucket.popitem(last=False)
            if not bucket:
                del self._buckets[self._min_freq]
            del self._freq[old_key]
            self._evicted(old_key, self._data.pop(old_key))
        self._data[key] = value
        self._freq[key] = 1
        self._buckets.setdefault(1, OrderedDict())[key] = None
        self._min_freq = 1

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
        bucket = self._buckets.get(self._min_freq)
        return next(iter(bucket)) if bucket else None

    def _clear(self):
        self._data.clear()
        self._freq.clear()
        self._buckets.clear()
        self._min_freq = 0
