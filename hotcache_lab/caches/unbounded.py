"""No limit at all: what functools.cache (lru_cache(maxsize=None)) does. Memory grows with every new key."""

from .base import MISSING, Cache


class UnboundedCache(Cache):
    """A dict that never evicts; `maxsize` is None. `entries()`: `Entry(key, value)` in insertion order.

    It never evicts on its own, so `next_victim()` is None; `popitem()` takes the oldest insertion,
    as cachetools' plain Cache does (its popitem is MutableMapping's: the first key). With
    `getsizeof=`, `currsize` sums the sizes and nothing is ever refused or evicted.
    """

    policy = "unbounded"

    def __init__(self, *, getsizeof=None) -> None:
        super().__init__(None, getsizeof=getsizeof)
        self._data: dict = {}

    def _check_maxsize(self, maxsize):
        return None

    def _lookup(self, key):
        return self._data.get(key, MISSING)

    def _store(self, key, value):
        self._data[key] = value

    _insert = _store

    def _pop_victim(self):
        key = next(iter(self._data))
        return key, self._data.pop(key)
