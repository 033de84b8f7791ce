"""First in, first out: evict the oldest insertion, whatever its use. Overwriting keeps its place."""

from collections import OrderedDict

from .base import MISSING, Cache


class FIFOCache(Cache):
    """FIFO over an OrderedDict.

    Not a plain dict: deleting from the front of a dict leaves dead slots that `next(iter(d))`
    must skip until the dict is rebuilt, so eviction slows down as maxsize grows.
    `entries()` yields `Entry(key, value)` oldest insertion first; the first is `next_victim()`.
    """

    policy = "fifo"

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._data: OrderedDict = OrderedDict()

    def _lookup(self, key):
        return self._data.get(key, MISSING)

    def _store(self, key, value):
        data = self._data
        if key not in data and len(data) >= self._maxsize:
            old_key, old_value = data.popitem(last=False)
            self._evicted(old_key, old_value)
        data[key] = value

    def next_victim(self):
        return next(iter(self._data), None)
