"""First in, first out: evict the oldest insertion, whatever its use. Overwriting keeps its place."""

from collections import OrderedDict

from .base import MISSING, Cache


class FIFOCache(Cache):
    """FIFO over an OrderedDict.

    Not a plain dict: deleting from the front of a dict leaves dead slots that `next(iter(d))`
    must skip until the dict is rebuilt, so eviction slows down as maxsize grows.
    `entries()` yields `Entry(key, value)` oldest insertion first; the first is `next_victim()`.

    Deliberately unlike cachetools: overwriting a key keeps its place in the queue (its age is the
    age of its first insertion, as in the textbook FIFO and in our replays and kernels), while
    cachetools' FIFOCache (8.0.2, installed here) moves an overwritten key to the back as if newly
    inserted. `del c[k]; c[k] = v` gives cachetools' order. tests/caches/test_vs_cachetools.py pins it.
    """

    policy = "fifo"

    def __init__(self, maxsize: int, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        self._data: OrderedDict = OrderedDict()

    def _lookup(self, key):
        return self._data.get(key, MISSING)

    def _store(self, key, value):
        data = self._data
        if key not in data and data.__len__() >= self._maxsize:
            old_key, old_value = data.popitem(last=False)
            self._evicted(old_key, old_value)
        data[key] = value

    def _insert(self, key, value):
        self._data[key] = value

    def _pop_victim(self):
        return self._data.popitem(last=False)

    def next_victim(self):
        return next(iter(self._data), None)
