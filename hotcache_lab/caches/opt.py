"""Belady's MIN as a cache you can step through: it knows the future because it is given the trace.

L. A. Belady, "A study of replacement algorithms for a virtual-storage computer", IBM Systems
Journal 5(2), 1966: on a miss in a full cache, evict the key whose next use is farthest in the
future. It needs the whole trace up front, which is why no real cache can run it; it is the bound
the others are measured against (`hotcache_lab.simulate.opt_hit_ratio` replays it fast).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, NamedTuple

from .base import MISSING, Cache


class OPTEntry(NamedTuple):
    key: Hashable
    value: Any
    next_use: int | None  # position of the key's next request in the trace; None: never again


def key_list(trace: Iterable) -> list:
    """A list of plain Python keys (numpy arrays become ints, so labels and equality are simple)."""
    if isinstance(trace, (str, bytes)):
        raise TypeError("trace must be a sequence of keys, not a single string")
    tolist = getattr(trace, "tolist", None)
    keys = tolist() if callable(tolist) else list(trace)
    if not isinstance(keys, list):  # a 0-d array
        raise TypeError(f"trace must be a sequence of keys, got {trace!r}")
    for i, key in enumerate(keys):
        try:
            hash(key)
        except TypeError:
            raise TypeError(f"trace[{i}] = {key!r} is not hashable") from None
    return keys


def next_uses(trace: Sequence) -> list[int]:
    """For each position i, the position of the next request for the same key (len(trace) if none)."""
    keys = key_list(trace)
    never = len(keys)
    seen: dict = {}
    out = [never] * len(keys)
    for i in range(len(keys) - 1, -1, -1):
        out[i] = seen.get(keys[i], never)
        seen[keys[i]] = i
    return out


class BeladyOPT(Cache):
    """Belady's MIN: evict the cached key whose next request is farthest away (never = farthest).

    Offline: built with the whole trace and must be driven by exactly that trace, one `get`
    per request in order (a `get` for any other key raises ValueError). Every miss is admitted,
    as in demand paging. Ties (several keys never used again) go to the earliest inserted.
    `entries()` yields `OPTEntry(key, value, next_use)` in insertion order, next_use the position
    of the key's next request (None: never again); `next_victim()` is the farthest, and what
    `popitem()` takes. With `getsizeof=` it evicts farthest-first until the value fits: a sensible
    rule but no longer the optimum, since offline caching with sizes is NP-hard, even for sizes in
    {1, 2, 3} (Folwarczny and Sgall, "General caching is hard: even with small pages", Algorithmica
    2017, https://doi.org/10.1007/s00453-016-0185-0).
    """

    policy = "opt"

    def __init__(self, maxsize: int, trace: Sequence, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        self._trace = key_list(trace)
        self._next = next_uses(self._trace)
        self._t = -1  # position of the request being served
        self._data: dict = {}  # key -> value
        self._due: dict = {}  # key -> position of its next request

    def get(self, key: Hashable, default: Any = None) -> Any:
        t = self._t + 1
        if t >= len(self._trace):
            raise ValueError(
                f"BeladyOPT was built for {len(self._trace)} requests; request {t} is past the end"
            )
        if self._trace[t] != key:
            raise ValueError(f"BeladyOPT expected request {t} to be {self._trace[t]!r}, got {key!r}")
        self._t = t
        return super().get(key, default)

    def next_use(self, key: Hashable) -> int | None:
        """Position of the cached key's next request (len(trace) = never again); None if not cached."""
        return self._due.get(key)

    def _lookup(self, key):
        value = self._data.get(key, MISSING)
        if value is not MISSING:
            self._due[key] = self._next[self._t]
        return value

    def _contains(self, key):
        return key in self._data

    def next_victim(self) -> Hashable | None:
        if not self._due:
            return None
        return max(self._due, key=self._due.__getitem__)  # max keeps the first of ties: earliest inserted

    def _pop_victim(self):
        old = self.next_victim()
        del self._due[old]
        return old, self._data.pop(old)

    def _store(self, key, value):
        if key not in self._data and len(self._data) >= self._maxsize:
            old_key, old_value = self._pop_victim()
            self._evicted(old_key, old_value)
        self._insert(key, value)

    def _insert(self, key, value):
        if key in self._data:
            self._data[key] = value
            return
        self._data[key] = value
        self._due[key] = self._next[self._t] if self._t >= 0 else len(self._trace)

    def entries(self):
        never = len(self._trace)
        for key, value in self._data.items():
            due = self._due[key]
            yield OPTEntry(key, value, None if due >= never else due)

    def _remove(self, key):
        del self._due[key]
        return self._data.pop(key)

    def _keys(self):
        return list(self._data)

    def _copy_state(self, new):
        """The trace and its next uses are read-only, so shared; the copy continues from the same
        position, and must be driven by the rest of that same trace."""
        new._data = self._data.copy()
        new._due = self._due.copy()

    def _clear(self):
        self._data.clear()
        self._due.clear()

    def __len__(self):
        return len(self._data)
