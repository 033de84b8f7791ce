"""Time to live: an entry expires `ttl` seconds after it was stored; LRU decides when full.

TTL bounds how stale a value can be, not how much memory the cache holds: without a maxsize
(maxsize=None) the size is "distinct keys per ttl", which grows with traffic (notebook 03).
The timer is injectable, so tests and notebooks drive time by hand; it must not run backwards.

Expired is gone, but not freed. From the moment its time is up an entry is out of the mapping:
not in `len`, not iterated, not `in`, a miss for `get`, a KeyError for `del`, never returned by
`popitem`, and `stats.currsize` leaves it out. It still occupies memory until something sweeps it:
every put and `popitem()` first run `expire()`, a lookup drops the expired key it finds, and `del`
of an expired key drops it before raising KeyError. `stats.expired_held` counts what is held but
expired, so the memory that TTL alone does not free stays visible. Every drop of an expired entry
is counted in `expirations` and as an eviction (the on_evict hooks are called).
cachetools' TTLCache gives the same answers; its `len()` and `currsize` run expire() instead.
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
    expires_at: float  # on the cache's timer; the entry is live while the timer reads less


class TTLCache(Cache):
    """`entries()` yields the live entries as `TTLEntry(key, value, expires_at)`, least recent first.
    `next_victim()` and `popitem()`: the least recently used live entry (with maxsize=None too, as
    cachetools), which is what a full cache evicts once expire() has swept the dead."""

    policy = "ttl"

    def __init__(self, maxsize: int | None, ttl: float, timer: Callable[[], float] = time.monotonic, *,
                 getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
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
            self._drop_expired(key)
            dropped += 1
        return dropped

    def _drop_expired(self, key):
        del self._expiry[key]
        value, _ = self._data.pop(key)
        self.expirations += 1
        self._evicted(key, value)

    def _expired_keys(self, now: float) -> list:
        """The keys held past their time: a prefix of the expiry order."""
        out = []
        for key, expires_at in self._expiry.items():
            if expires_at > now:
                break
            out.append(key)
        return out

    def _lookup(self, key):
        entry = self._data.get(key)
        if entry is None:
            return MISSING
        if entry[1] <= self.timer():
            self._drop_expired(key)
            return MISSING
        self._data.move_to_end(key)
        return entry[0]

    def _contains(self, key):
        entry = self._data.get(key)
        return entry is not None and entry[1] > self.timer()

    def _insert_at(self, key, value, now):
        expires_at = now + self.ttl
        if key in self._data:
            self._data.move_to_end(key)
            self._expiry.move_to_end(key)
        self._data[key] = (value, expires_at)
        self._expiry[key] = expires_at

    def _insert(self, key, value):
        self._insert_at(key, value, self.timer())

    def _store(self, key, value):
        # _insert_at written out: the put of every miss (one call fewer)
        now = self.timer()
        self.expire(now)
        data, expiry, expires_at = self._data, self._expiry, now + self.ttl
        if key in data:
            data.move_to_end(key)
            expiry.move_to_end(key)
        data[key] = (value, expires_at)
        expiry[key] = expires_at
        if self._maxsize is not None and data.__len__() > self._maxsize:
            old_key, old_value = self._pop_victim()
            self._evicted(old_key, old_value)

    def _make_room(self, key, size):
        self.expire()
        super()._make_room(key, size)

    def _pop_victim(self):
        """The least recent entry; every caller has run expire() just before, so it is live."""
        key, (value, _) = self._data.popitem(last=False)
        del self._expiry[key]
        return key, value

    def popitem(self):
        """Sweep the expired (as a put would), then take the least recent live entry."""
        self.expire()
        return super().popitem()

    def _remove(self, key):
        entry = self._data.get(key)
        if entry is None:
            raise KeyError(key)
        if entry[1] <= self.timer():
            self._drop_expired(key)
            raise KeyError(key)
        del self._data[key], self._expiry[key]
        return entry[0]

    def remaining(self, key) -> float | None:
        """Seconds until `key` expires (None if absent or expired); for plots of staleness."""
        entry = self._data.get(key)
        if entry is None:
            return None
        left = entry[1] - self.timer()
        return left if left > 0 else None

    def _keys(self):
        now = self.timer()
        return [key for key, (_, expires_at) in self._data.items() if expires_at > now]

    def entries(self):
        now = self.timer()
        return (TTLEntry(key, value, expires_at) for key, (value, expires_at) in self._data.items()
                if expires_at > now)

    def next_victim(self):
        now = self.timer()
        return next((key for key, (_, expires_at) in self._data.items() if expires_at > now), None)

    def _map_values(self, fn):
        data = self._data
        for key, (value, expires_at) in list(data.items()):
            data[key] = (fn(value), expires_at)

    def _copy_state(self, new):
        new._data = self._data.copy()
        new._expiry = self._expiry.copy()

    def _clear(self):
        self._data.clear()
        self._expiry.clear()

    def reset_stats(self):
        super().reset_stats()
        self.expirations = 0

    def _expired_held(self) -> int:
        return len(self._expired_keys(self.timer()))

    @property
    def currsize(self):
        """Live entries only: what is expired but held is `stats.expired_held`."""
        expired = self._expired_keys(self.timer())
        if self._sizes is None:
            return len(self._data) - len(expired)
        return self._currsize - sum(self._sizes[key] for key in expired)

    def __len__(self):
        """Live entries; expired ones still held are not in the mapping (see `stats.expired_held`)."""
        now, live = self.timer(), len(self._data)
        for expires_at in self._expiry.values():  # the expired are a prefix of the expiry order
            if expires_at > now:
                break
            live -= 1
        return live
