"""Least recently used: evict the entry whose last access is oldest (what functools.lru_cache does)."""

from collections import OrderedDict

from .base import MISSING, Cache


class LRUCache(Cache):
    """LRU over an OrderedDict: the front is the least recently used entry.

    `entries()` yields `Entry(key, value)` least recent first; the first is `next_victim()` and what
    `popitem()` takes. An overwrite counts as a use (it moves to the back), as in cachetools.
    """

    policy = "lru"

    def __init__(self, maxsize: int, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        self._data: OrderedDict = OrderedDict()

    def get(self, key, default=None):
        # Inlined (not via _lookup): this is the hot path of memoize and the benchmarks.
        data = self._data
        try:
            value = data[key]
        except KeyError:
            self._misses += 1
            return default
        data.move_to_end(key)
        self._hits += 1
        return value

    def _lookup(self, key):
        data = self._data
        try:
            value = data[key]
        except KeyError:
            return MISSING
        data.move_to_end(key)
        return value

    def put(self, key, value):
        # Inlined for the same reason as get; hooks are only looked at when an eviction happens.
        # (A cache with getsizeof= has the sized put bound in its place: see Cache._bind_sized.)
        # Room is made before the insert, as cachetools does, so the cache never holds more than
        # maxsize entries, not even for an instant a reader in another thread could see.
        data = self._data
        if key in data:
            data.move_to_end(key)
        elif data.__len__() >= self._maxsize:
            old_key, old_value = data.popitem(last=False)
            self._evictions += 1
            for hook in self._evict_hooks:
                hook(old_key, old_value)
        data[key] = value

    _store = put

    def _insert(self, key, value):
        data = self._data
        if key in data:
            data.move_to_end(key)
        data[key] = value

    def _pop_victim(self):
        return self._data.popitem(last=False)

    def next_victim(self):
        return next(iter(self._data), None)
