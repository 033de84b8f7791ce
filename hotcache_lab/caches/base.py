"""The shared base of every instrumented cache: counting, eviction hooks, the mapping protocol.

A policy subclass implements `_lookup` and `_store`, and calls `self._evicted(key, value)` when
it throws an entry out; it shows its state through `entries()` and `next_victim()`, the public view
that step-by-step pictures read (never the private fields). Entries live in `self._data`
(key -> value) unless the policy overrides the few methods that read it (`_contains`, `_remove`,
`_keys`, `_clear`, `__len__`).
Everything a notebook or a test reads (stats, hooks, validation, `MutableMapping`) lives here once.

The caches are not thread-safe on their own, like cachetools' caches: guard them with a lock,
or use them through `hotcache_lab.memoize`, which does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _check

MISSING: Any = object()  # sentinel: "no entry", distinct from a cached None


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of a cache's counters. A lookup is a hit or a miss; a put is neither."""

    hits: int
    misses: int
    evictions: int
    currsize: int
    maxsize: int | None

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        """Hits over lookups; 0.0 before the first lookup."""
        return self.hits / self.lookups if self.lookups else 0.0


class Entry(NamedTuple):
    """One live entry of a policy that keeps no per-entry marks (LRU, FIFO, RR, unbounded)."""

    key: Hashable
    value: Any


def check_maxsize(maxsize: object, *, allow_none: bool = False) -> int | None:
    """Validate `maxsize`: a positive int, or None where unbounded is meant."""
    return _check.maxsize(maxsize, allow_none=allow_none)


class Cache(MutableMapping):
    """An instrumented cache with a bounded number of entries and a replacement policy."""

    policy = "base"

    def __init__(self, maxsize: int | None) -> None:
        self._maxsize = self._check_maxsize(maxsize)
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._evict_hooks: list[Callable[[Hashable, Any], None]] = []

    # --- what a policy implements -------------------------------------------------------------
    def _check_maxsize(self, maxsize: object) -> int | None:
        return check_maxsize(maxsize)

    def _lookup(self, key: Hashable) -> Any:
        """Return the value or MISSING, updating the policy's bookkeeping on a hit."""
        raise NotImplementedError

    def _contains(self, key: Hashable) -> bool:
        return key in self._data

    def _store(self, key: Hashable, value: Any) -> None:
        """Insert or overwrite, evicting through `_evicted` to stay within maxsize."""
        raise NotImplementedError

    def _remove(self, key: Hashable) -> Any:
        """Delete an entry (not an eviction); raise KeyError if absent."""
        return self._data.pop(key)

    def _keys(self) -> list:
        return list(self._data)

    def _clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def entries(self) -> Iterator[NamedTuple]:
        """Each live entry, in the policy's own order, with the marks that decide its eviction.

        Here (a policy without marks) `Entry(key, value)` in the order of `iter(cache)`; each policy
        says what its order and its marks mean. Reading it counts nothing and changes nothing.
        """
        data = self._data
        return (Entry(key, data[key]) for key in self._keys())

    def next_victim(self) -> Hashable | None:
        """The key the next eviction would take, where the policy's state decides it; None when the
        cache is empty or the choice is not made yet (random replacement draws it at eviction)."""
        return None

    # --- the public interface ---------------------------------------------------------------
    @property
    def maxsize(self) -> int | None:
        return self._maxsize

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self._hits, self._misses, self._evictions, len(self), self._maxsize)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Look `key` up: counts a hit or a miss and updates the policy on a hit."""
        value = self._lookup(key)
        if value is MISSING:
            self._misses += 1
            return default
        self._hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        """Insert or overwrite `key`; may evict. Neither a hit nor a miss."""
        self._store(key, value)

    def request(self, key: Hashable, value: Any = MISSING) -> bool:
        """Serve one request as every replay in the lab does: get, and put on a miss (the key itself
        as the value unless one is given). True on a hit."""
        if self.get(key, MISSING) is not MISSING:
            return True
        self.put(key, key if value is MISSING else value)
        return False

    def on_evict(self, callback: Callable[[Hashable, Any], None]) -> Callable[[Hashable, Any], None]:
        """Call `callback(key, value)` for every eviction (not for `del` or `clear`).

        Returns the callback, so it also works as a decorator.
        """
        _check.function("on_evict callback", callback)
        self._evict_hooks.append(callback)
        return callback

    def reset_stats(self) -> None:
        self._hits = self._misses = self._evictions = 0

    def clear(self) -> None:
        """Drop every entry (not counted as evictions); the counters keep running."""
        self._clear()

    def _evicted(self, key: Hashable, value: Any) -> None:
        self._evictions += 1
        for hook in self._evict_hooks:
            hook(key, value)

    # --- MutableMapping, so the caches drop into cachetools.cached and mapping code ------------
    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, MISSING)
        if value is MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self._store(key, value)

    def __delitem__(self, key: Hashable) -> None:
        self._remove(key)

    def __contains__(self, key: object) -> bool:
        """Membership without counting or touching recency, like cachetools."""
        return self._contains(key)

    def __iter__(self) -> Iterator:
        return iter(self._keys())

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"{type(self).__name__}(maxsize={s.maxsize}, currsize={s.currsize}, hits={s.hits}, "
            f"misses={s.misses}, evictions={s.evictions})"
        )
