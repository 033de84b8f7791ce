"""No limit at all: what functools.cache (lru_cache(maxsize=None)) does. Memory grows with every new key."""

from .base import MISSING, Cache


class UnboundedCache(Cache):
    """A dict that never evicts; `maxsize` is None. `entries()`: `Entry(key, value)` in insertion order."""

    policy = "unbounded"

    def __init__(self) -> None:
        super().__init__(None)
        self._data: dict = {}

    def _check_maxsize(self, maxsize):
        return None

    def _lookup(self, key):
        return self._data.get(key, MISSING)

    def _store(self, key, value):
        self._data[key] = value
