"""The shared base of every instrumented cache: counting, eviction hooks, sizes, the mapping protocol.

A policy subclass implements three steps and the base builds everything else from them:
`_lookup(key)` (a hit updates the policy), `_insert(key, value)` (insert or overwrite, never evict)
and `_pop_victim()` (remove and return the entry the policy evicts next). Its `_store` is the
count-bounded put: evict one `_pop_victim()` when full, then insert (each policy writes it out, for
speed: it runs on every miss). It shows its state through `entries()` and `next_victim()`, the public view
that step-by-step pictures read. Entries live in `self._data` (key -> value) unless the policy
overrides the few methods that read it (`_contains`, `_remove`, `_keys`, `_clear`, `__len__`,
`_copy_state`, `_map_values`).

The mapping contract, the same for every class (tests/caches/test_mapping_contract.py):
- `len`, iteration, `in`, `get`, `del` and `popitem` see the same entries. `in` counts nothing and
  touches no recency; `get` and `[]` count a hit or a miss.
- Iteration walks a snapshot of the keys taken when the loop starts and skips every key that is gone
  by the time the loop reaches it (deleted, evicted, expired); keys added during the loop are not
  visited. It never raises RuntimeError as a dict does when it changes size: in an LRU cache even a
  `get` reorders the entries, so dict's rule would forbid reading the cache inside a loop over it.
- `popitem()` removes and returns the policy's victim, the entry the next eviction would take, and
  counts it as an eviction (the on_evict hooks are called); KeyError on an empty cache.
- `copy.copy` and `copy.deepcopy` give an independent cache: its own storage, its own counters (they
  start at the original's values), its own random generator state. Hooks are not carried over: a hook
  is wired to the cache it was registered on and often keeps state in step with it, so a copy calling
  it would corrupt that state; register again on the copy. deepcopy copies the values too; keys are
  shared, as a dict key must not change anyway.
- `getsizeof=` (as in cachetools): a callable value -> size. `maxsize` then counts in that unit and
  `currsize` is the summed size of the live entries; a put evicts as many victims as it takes to make
  room, and a value larger than maxsize is refused with ValueTooLargeError, the cache unchanged.
  A size must be a positive int or float (cachetools also takes 0; here 0 is an error: entries of
  size 0 escape the bound, any number of them fit). Without getsizeof every entry counts 1 and the
  put and eviction paths are the count-bounded ones, with no size bookkeeping.

The caches are not thread-safe on their own, like cachetools' caches: guard them with a lock,
or use them through `hotcache_lab.memoize`, which does.
"""

from __future__ import annotations

import copy
import numbers
import reprlib
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import _check

MISSING: Any = object()  # sentinel: "no entry", distinct from a cached None


class ValueTooLargeError(ValueError):
    """A value whose size (by the cache's `getsizeof`) exceeds the cache's whole `maxsize`."""


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of a cache's counters. A lookup is a hit or a miss; a put is neither.

    `currsize` is what the live entries take: their number, or their summed size with `getsizeof=`.
    `expired_held` (TTLCache only; 0 elsewhere) counts entries past their time that are still held in
    memory until a put or `expire()` sweeps them: gone from the mapping, not yet freed. Keyword-only,
    so subclasses (the server caches' stats) keep adding positional fields after `maxsize`.
    """

    hits: int
    misses: int
    evictions: int
    currsize: int | float
    maxsize: int | None
    expired_held: int = field(default=0, kw_only=True)

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
    """An instrumented cache bounded by entries (or by summed sizes, with `getsizeof`), with a policy."""

    policy = "base"

    def __init__(self, maxsize: int | None, *, getsizeof: Callable[[Any], float] | None = None) -> None:
        self._maxsize = self._check_maxsize(maxsize)
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._evict_hooks: list[Callable[[Hashable, Any], None]] = []
        self._getsizeof = None if getsizeof is None else _check.function("getsizeof", getsizeof)
        self._sizes: dict | None = None if getsizeof is None else {}  # key -> size, with getsizeof only
        self._currsize = 0  # summed sizes of the entries held, with getsizeof only
        if getsizeof is not None:
            self._bind_sized()

    def _bind_sized(self) -> None:
        # Bound once here rather than tested on every put and eviction: the default (no getsizeof)
        # paths stay exactly the count-bounded ones, with no size check in them.
        self.put = self._store = self._store_sized
        self._evicted = self._evicted_sized

    # --- what a policy implements -------------------------------------------------------------
    def _check_maxsize(self, maxsize: object) -> int | None:
        return check_maxsize(maxsize)

    def _lookup(self, key: Hashable) -> Any:
        """Return the value or MISSING, updating the policy's bookkeeping on a hit."""
        raise NotImplementedError

    def _contains(self, key: Hashable) -> bool:
        return key in self._data

    def _store(self, key: Hashable, value: Any) -> None:
        """Insert or overwrite, evicting one `_pop_victim()` through `_evicted` when full."""
        raise NotImplementedError

    def _insert(self, key: Hashable, value: Any) -> None:
        """Insert or overwrite without evicting (the sized put makes room first)."""
        raise NotImplementedError

    def _pop_victim(self) -> tuple[Hashable, Any]:
        """Remove and return (key, value) of the entry the policy evicts next; the cache is not empty."""
        raise TypeError(f"{type(self).__name__} does not choose victims, so it has no popitem()")

    def _resized(self, key: Hashable, old: float, new: float) -> None:
        """An entry kept its place but its value's size changed (sized caches; S3-FIFO's queues care)."""

    def _remove(self, key: Hashable) -> Any:
        """Delete an entry (not an eviction); raise KeyError if absent."""
        return self._data.pop(key)

    def _keys(self) -> list:
        return list(self._data)

    def _clear(self) -> None:
        self._data.clear()

    def _copy_state(self, new: Cache) -> None:
        """Give `new` (a shallow copy of self) its own containers: what `copy.copy` needs."""
        data = getattr(self, "_data", None)
        if data is None:
            raise TypeError(f"{type(self).__name__} holds no entries of its own to copy")
        new._data = data.copy()

    def _map_values(self, fn: Callable[[Any], Any]) -> None:
        """Replace each value by fn(value) in place, order and marks kept (deepcopy's second step)."""
        data = self._data
        for key in list(data):
            data[key] = fn(data[key])

    def __len__(self) -> int:
        return self._data.__len__()  # no global name: a memoized len may replace builtins.len

    def entries(self) -> Iterator[NamedTuple]:
        """Each live entry, in the policy's own order, with the marks that decide its eviction.

        Here (a policy without marks) `Entry(key, value)` in the order of `iter(cache)`; each policy
        says what its order and its marks mean. Reading it counts nothing and changes nothing.
        """
        data = self._data
        return (Entry(key, data[key]) for key in self._keys())

    def next_victim(self) -> Hashable | None:
        """The key the next eviction (and `popitem()`) would take, where the policy's state decides it;
        None when the cache is empty or the choice is not made yet (random replacement draws it at
        eviction, S3-FIFO first moves entries between its queues)."""
        return None

    # --- the public interface ---------------------------------------------------------------
    @property
    def maxsize(self) -> int | None:
        return self._maxsize

    @property
    def currsize(self) -> int | float:
        """What the live entries take: their number, or their summed size with `getsizeof`."""
        return self.__len__() if self._sizes is None else self._currsize

    def _expired_held(self) -> int:
        return 0

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self._hits, self._misses, self._evictions, self.currsize, self._maxsize,
                          expired_held=self._expired_held())

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Look `key` up: counts a hit or a miss and updates the policy on a hit."""
        value = self._lookup(key)
        if value is MISSING:
            self._misses += 1
            return default
        self._hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        """Insert or overwrite `key`; may evict. Neither a hit nor a miss. With `getsizeof`, a value
        larger than maxsize raises ValueTooLargeError and changes nothing."""
        self._store(key, value)

    def request(self, key: Hashable, value: Any = MISSING) -> bool:
        """Serve one request as every replay in the lab does: get, and put on a miss (the key itself
        as the value unless one is given). True on a hit."""
        if self.get(key, MISSING) is not MISSING:
            return True
        self.put(key, key if value is MISSING else value)
        return False

    def on_evict(self, callback: Callable[[Hashable, Any], None]) -> Callable[[Hashable, Any], None]:
        """Call `callback(key, value)` for every eviction, `popitem()` included (not for `del` or
        `clear`). Returns the callback, so it also works as a decorator. Copies do not inherit it."""
        _check.function("on_evict callback", callback)
        self._evict_hooks.append(callback)
        return callback

    def reset_stats(self) -> None:
        self._hits = self._misses = self._evictions = 0

    def clear(self) -> None:
        """Drop every entry (not counted as evictions); the counters keep running."""
        self._clear()
        if self._sizes is not None:
            self._sizes.clear()
            self._currsize = 0

    def popitem(self) -> tuple[Hashable, Any]:
        """Remove and return the policy's victim (see `next_victim`), counted as an eviction."""
        if not self:
            raise KeyError(f"popitem(): {type(self).__name__} is empty")
        key, value = self._pop_victim()
        self._evicted(key, value)
        return key, value

    def _evicted(self, key: Hashable, value: Any) -> None:
        self._evictions += 1
        for hook in self._evict_hooks:
            hook(key, value)

    def _evicted_sized(self, key: Hashable, value: Any) -> None:
        self._forget_size(key)
        type(self)._evicted(self, key, value)

    # --- sizes (getsizeof) --------------------------------------------------------------------
    def _size_of(self, key: Hashable, value: Any) -> int | float:
        """getsizeof(value), checked: a positive finite int or float, at most maxsize."""
        size = self._getsizeof(value)
        if type(size) is not int or size <= 0:  # the common case passes with one test
            _check.positive(f"getsizeof({reprlib.repr(value)})", size)  # a clear error, or a number > 0
            size = int(size) if isinstance(size, numbers.Integral) else float(size)
        if self._maxsize is not None and size > self._maxsize:
            raise ValueTooLargeError(
                f"{type(self).__name__} cannot hold key {reprlib.repr(key)}: its value's size {size!r} "
                f"exceeds maxsize={self._maxsize} (the whole cache)"
            )
        return size

    def _forget_size(self, key: Hashable) -> None:
        sizes = self._sizes
        self._currsize -= sizes.pop(key)
        if not sizes:
            self._currsize = 0  # no float residue once empty

    def _make_room(self, key: Hashable, size: int | float) -> None:
        """Evict victims until `size` fits beside the others (an overwritten key's old size excluded)."""
        if self._maxsize is None:
            return
        sizes = self._sizes
        while sizes and self._currsize - sizes.get(key, 0) + size > self._maxsize:
            old_key, old_value = self._pop_victim()
            self._evicted(old_key, old_value)

    def _store_sized(self, key: Hashable, value: Any) -> None:
        """The put of a cache with getsizeof: check the size, make room, insert, account."""
        self._sizes.get(key)  # an unhashable key fails here, before anything changes
        size = self._size_of(key, value)
        self._make_room(key, size)
        sizes = self._sizes
        old = sizes.get(key)  # None if absent, or evicted while making room
        sizes[key] = size
        self._insert(key, value)
        self._currsize += size if old is None else size - old
        if old is not None and old != size:
            self._resized(key, old, size)

    # --- copies ---------------------------------------------------------------------------------
    def __copy__(self) -> Cache:
        cls = type(self)
        new = cls.__new__(cls)
        new.__dict__.update(self.__dict__)
        new._evict_hooks = []
        if self._sizes is not None:
            new._sizes = dict(self._sizes)
            new._bind_sized()  # the bound put must be the copy's own
        self._copy_state(new)
        return new

    def __deepcopy__(self, memo: dict) -> Cache:
        new = self.__copy__()
        memo[id(self)] = new
        new._map_values(lambda value: copy.deepcopy(value, memo))
        return new

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
        if self._sizes is not None:
            self._forget_size(key)

    def __contains__(self, key: object) -> bool:
        """Membership without counting or touching recency, like cachetools."""
        return self._contains(key)

    def __iter__(self) -> Iterator:
        contains = self._contains
        for key in self._keys():  # a snapshot: see the module docstring
            if contains(key):
                yield key

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"{type(self).__name__}(maxsize={s.maxsize}, currsize={s.currsize}, hits={s.hits}, "
            f"misses={s.misses}, evictions={s.evictions})"
        )
