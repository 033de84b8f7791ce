"""S3-FIFO: a small probationary FIFO, a main FIFO with lazy promotion, and a ghost FIFO of keys.

Yang, Zhang, Qiu, Yue and Rashmi, "FIFO queues are all you need for cache eviction", SOSP 2023
(https://doi.org/10.1145/3600006.3613147). New keys enter the small queue S (10% of the space);
most are one-hit wonders and leave it quickly, their keys remembered in the ghost queue G.
A key seen again while in G goes straight to the main queue M (90%). Each entry has a frequency
counter capped at 3. Evicting from S: an entry accessed while in S (freq >= 1, the paper's
artifact's default move-to-main threshold) moves to M, otherwise it is evicted and its key enters G.
Evicting from M: an entry with freq > 0 is reinserted with freq - 1 (a 2-bit CLOCK), otherwise
evicted. G holds as many keys as M has room for.

The queues are measured in the cache's unit: entries, or summed sizes with `getsizeof=` (S gets 10%
of maxsize in that unit, M the rest, and G remembers the sizes its keys had), as the paper's
byte-sized caches do. One eviction may evict twice, as in the paper's pseudo-code: moving an entry
from S to M can overflow M, which then evicts too, before S gives up its own victim.
"""

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, NamedTuple

from .. import _check
from .base import MISSING, Cache


class S3FIFOEntry(NamedTuple):
    key: Hashable
    value: Any
    queue: str  # "small" (probation) or "main"
    freq: int  # accesses since it entered its queue, capped at 3


class S3FIFOCache(Cache):
    """`entries()` yields `S3FIFOEntry(key, value, queue, freq)`: the small queue oldest first, then
    the main queue oldest first. No `next_victim()`: an eviction may first move entries between the
    queues, so the victim is only known once that cascade has run. `popitem()` runs that cascade
    exactly as an insertion would and returns the last entry it evicted; an entry evicted on the way
    (from M, overflowed by a promotion) is counted and passed to the hooks too."""

    policy = "s3fifo"

    def __init__(self, maxsize: int, small_ratio: float = 0.1, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        self.small_ratio = _check.fraction("small_ratio", small_ratio, low_open=True, high_open=True)
        self._small_cap = max(1, int(maxsize * small_ratio))
        self._main_cap = max(1, maxsize - self._small_cap)
        self._small: OrderedDict = OrderedDict()  # key -> None, oldest first
        self._main: OrderedDict = OrderedDict()
        self._ghost: OrderedDict = OrderedDict()  # key -> the size its entry had
        self._data: dict = {}  # key -> value
        self._freq: dict = {}
        self._small_used = self._main_used = self._ghost_used = 0  # in the cache's unit

    def _lookup(self, key):
        value = self._data.get(key, MISSING)
        if value is not MISSING:
            freq = self._freq[key]
            if freq < 3:
                self._freq[key] = freq + 1
        return value

    def _evict_main(self):
        """Evict one entry of M (2-bit CLOCK); returns it."""
        main, freq = self._main, self._freq
        while True:
            key, _ = main.popitem(last=False)
            if freq[key] > 0:
                freq[key] -= 1
                main[key] = None
            else:
                del freq[key]
                self._main_used -= 1 if self._sizes is None else self._sizes[key]
                return key, self._data.pop(key)

    def _evict_small(self):
        """Walk S from its oldest: promote the accessed, evict the first that was not. Returns the last
        entry evicted (any earlier one, from M overflowed by a promotion, has gone through `_evicted`),
        None if the walk only promoted."""
        small, freq, sizes = self._small, self._freq, self._sizes
        last = None
        while small:
            key, _ = small.popitem(last=False)
            weight = 1 if sizes is None else sizes[key]
            self._small_used -= weight
            if freq[key] >= 1:
                freq[key] = 0
                self._main[key] = None
                self._main_used += weight
                while self._main_used > self._main_cap and self._main:
                    if last is not None:
                        self._evicted(last[0], last[1])
                    last = self._evict_main()
            else:
                del freq[key]
                ghost = self._ghost
                ghost[key] = weight
                self._ghost_used += weight
                while self._ghost_used > self._main_cap:
                    self._ghost_used -= ghost.popitem(last=False)[1]
                if last is not None:
                    self._evicted(last[0], last[1])
                return key, self._data.pop(key)
        return last

    def _pop_victim(self):
        while True:  # a walk of S that only promoted (maxsize 1) evicted nothing: go again
            if self._small_used >= self._small_cap or not self._main:
                victim = self._evict_small()
                if victim is not None:
                    return victim
            else:
                return self._evict_main()

    def _store(self, key, value):
        # _insert written out, with the eviction: the put of every miss (one call fewer)
        data = self._data
        if key in data:
            data[key] = value
            return
        if data.__len__() >= self._maxsize:
            old_key, old_value = self._pop_victim()
            self._evicted(old_key, old_value)
        if key in self._ghost:
            self._ghost_used -= self._ghost.pop(key)
            self._main[key] = None
            self._main_used += 1
        else:
            self._small[key] = None
            self._small_used += 1
        data[key] = value
        self._freq[key] = 0

    def _insert(self, key, value):
        if key in self._data:
            self._data[key] = value
            return
        weight = 1 if self._sizes is None else self._sizes[key]
        if key in self._ghost:
            self._ghost_used -= self._ghost.pop(key)
            self._main[key] = None
            self._main_used += weight
        else:
            self._small[key] = None
            self._small_used += weight
        self._data[key] = value
        self._freq[key] = 0

    def _resized(self, key, old, new):
        if key in self._small:
            self._small_used += new - old
        else:
            self._main_used += new - old

    def _remove(self, key):
        weight = 0 if key not in self._data else 1 if self._sizes is None else self._sizes[key]
        value = self._data.pop(key)
        del self._freq[key]
        if key in self._small:
            del self._small[key]
            self._small_used -= weight
        else:
            del self._main[key]
            self._main_used -= weight
        return value

    def entries(self):
        for queue, keys in (("small", self._small), ("main", self._main)):
            for key in keys:
                yield S3FIFOEntry(key, self._data[key], queue, self._freq[key])

    def _copy_state(self, new):
        for name in ("_small", "_main", "_ghost", "_data", "_freq"):
            setattr(new, name, getattr(self, name).copy())

    def _clear(self):
        for part in (self._data, self._freq, self._small, self._main, self._ghost):
            part.clear()
        self._small_used = self._main_used = self._ghost_used = 0
