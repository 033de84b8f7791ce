"""Time to live: an entry expires `ttl` seconds after it was stored; LRU decides when full.

TTL bounds how stale a value can be, not how much memory the cache holds: without a maxsize
(maxsize=None) the size is "distinct keys per ttl", which grows with traffic (notebook 03).
The timer is injectable, so tests and notebooks drive time by hand.
"""

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from .. import _check
from .base import MISSING, Cache, check_maxsize


class TTLEntry(NamedTuple):
    key: Hashable
    value: Any
    expires_at: float  # on the cache's timer; an entry at or past it is expired but still held


class TTLCache(Cache):
    """Expired entries are dropped when looked up and on every put; expiry counts as an eviction.

    `entries()` yields `TTLEntry(key, value, expires_at)` least recent first. `next_victim()`: the
    soonest expiry if it is already due, else (bounded) the least recent entry, else (unbounded)
    the soonest expiry, the first to go as time passes.
    """

    policy = "ttl"

    def __init__(self, maxsize: int | None, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        super().__init__(maxsize)
        _check.seconds("ttl", ttl)
        _check.function("timer", timer)
        self.ttl = ttl
        self.timer = timer
        self._data: OrderedDict = OrderedDict()  # key -> (value, expires_at), least recent first
        self._expiry: OrderedDict = OrderedDict()  # key -> expires_at, soonest first
        self.expirations = 0

    def _check_maxsize(self, maxsize):
        return check_maxsize(maxsize, allow_none=True)

    def expire(self, now: float | None = None) -> int:
        """Drop every entry whose time is up; return how many."""
        now = self.timer() if now is None else now
        dropped = 0
        expiry = self._expiry
        while expiry:
            key, expires_at = next(iter(expiry.items()))
            if expires_at > now:
                break
            del expiry[key]
            value, _ = self._data.pop(key)
            self.expirations += 1
            self._evicted(key, value)
            dropped += 1
        return dropped

    def _lookup(self, key):
        entry = self._data.get(key)
        if entry is None:
            return MISSING
        value, expires_at = entry
        if expires_at <= self.timer():
            del self._data[key]
            del self._expiry[key]
            self.expirations += 1
            self._evicted(key, value)
            return MISSING
        self._data.move_to_end(key)
        return value

    def _contains(self, key):
        entry = self._data.get(key)
        return entry is not None and entry[1] > self.timer()

    def _store(self, key, value):
        now = self.timer()
        self.expire(now)
        expires_at = now + self.ttl
        if key in self._data:
            self._data.move_to_end(key)
            self._expiry.move_to_end(key)
        self._data[key] = (value, expires_at)
        self._expiry[key] = expires_at
        if self._maxsize is not None and len(self._data) > self._maxsize:
            old_key, (old_value, _) = self._data.popitem(last=False)
            del self._expiry[old_key]
            self._evicted(old_key, old_value)

    def _remove(self, key):
        value, _ = self._data.pop(key)
        del self._expiry[key]
        return value

    def remaining(self, key) -> float | None:
        """Seconds until `key` expires (None if absent); for plots of staleness."""
        entry = self._data.get(key)
        return None if entry is None else entry[1] - self.timer()

    def entries(self):
        return (TTLEntry(key, value, expires_at) for key, (value, expires_at) in self._data.items())

    def next_victim(self):
        soonest = next(iter(self._expiry.items()), None)
        if soonest is None:
            return None
        if soonest[1] <= self.timer() or self._maxsize is None:
            return soonest[0]
        return next(iter(self._data))

    def _clear(self):
        self._data.clear()
        self._expiry.clear()

    def reset_stats(self):
        super().reset_stats()
        self.expirations = 0

    def __len__(self):
        """Entries held, expired or not: expired entries occupy memory until a put or lookup drops them."""
        return len(self._data)
