"""S3-FIFO: a small probationary FIFO, a main FIFO with lazy promotion, and a ghost FIFO of keys.

Yang, Zhang, Qiu, Yue and Rashmi, "FIFO queues are all you need for cache eviction", SOSP 2023
(https://doi.org/10.1145/3600006.3613147). New keys enter the small queue S (10% of the space);
most are one-hit wonders and leave it quickly, their keys remembered in the ghost queue G.
A key seen again while in G goes straight to the main queue M (90%). Each entry has a frequency
counter capped at 3. Evicting from S: an entry accessed while in S (freq >= 1, the paper's
artifact's default move-to-main threshold) moves to M, otherwise it is evicted and its key enters G.
Evicting from M: an entry with freq > 0 is reinserted with freq - 1 (a 2-bit CLOCK), otherwise
evicted. G holds as many keys as M has room for.
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
    queues, so the victim is only known once that cascade has run."""

    policy = "s3fifo"

    def __init__(self, maxsize: int, small_ratio: float = 0.1) -> None:
        super().__init__(maxsize)
        self.small_ratio = _check.fraction("small_ratio", small_ratio, low_open=True, high_open=True)
        self._small_cap = max(1, int(maxsize * small_ratio))
        self._main_cap = max(1, maxsize - self._small_cap)
        self._small: OrderedDict = OrderedDict()  # key -> None, oldest first
        self._main: OrderedDict = OrderedDict()
        self._ghost: OrderedDict = OrderedDict()
        self._data: dict = {}  # key -> value
        self._freq: dict = {}

    def _lookup(self, key):
        value = self._data.get(key, MISSING)
        if value is not MISSING:
            freq = self._freq[key]
            if freq < 3:
                self._freq[key] = freq + 1
        return value

    def _evict_main(self):
        main, freq = self._main, self._freq
        while True:
            key, _ = main.popitem(last=False)
            if freq[key] > 0:
                freq[key] -= 1
                main[key] = None
            else:
                del freq[key]
                self._evicted(key, self._data.pop(key))
                return

    def _evict_small(self):
        small, freq = self._small, self._freq
        while small:
            key, _ = small.popitem(last=False)
            if freq[key] >= 1:
                freq[key] = 0
                self._main[key] = None
                if len(self._main) > self._main_cap:
                    self._evict_main()
            else:
                del freq[key]
                self._ghost[key] = None
                if len(self._ghost) > self._main_cap:
                    self._ghost.popitem(last=False)
                self._evicted(key, self._data.pop(key))
                return

    def _evict(self):
        if len(self._small) >= self._small_cap or not self._main:
            self._evict_small()
        else:
            self._evict_main()

    def _store(self, key, value):
        if key in self._data:
            self._data[key] = value
            return
        while len(self._data) >= self._maxsize:
            self._evict()
        if key in self._ghost:
            del self._ghost[key]
            self._main[key] = None
        else:
            self._small[key] = None
        self._data[key] = value
        self._freq[key] = 0

    def _remove(self, key):
        value = self._data.pop(key)
        del self._freq[key]
        if key in self._small:
            del self._small[key]
        else:
            del self._main[key]
        return value

    def entries(self):
        for queue, keys in (("small", self._small), ("main", self._main)):
            for key in keys:
                yield S3FIFOEntry(key, self._data[key], queue, self._freq[key])

    def _clear(self):
        for part in (self._data, self._freq, self._small, self._main, self._ghost):
            part.clear()
