"""Random replacement: evict a uniformly random entry. Seeded, so demos and tests repeat exactly."""

import random

from .. import _check
from .base import MISSING, Cache, Entry


class RRCache(Cache):
    """Keys live in a list for O(1) random choice; a dict maps each key to its slot.

    `entries()` yields `Entry(key, value)` in slot order (the draw picks a slot); no marks, and no
    `next_victim()`: the victim is drawn at eviction. `popitem()` draws it from the same seeded
    generator, so it takes what the next eviction would have taken. A copy gets its own generator in
    the same state: the copy and the original then draw the same victims, independently.
    """

    policy = "rr"

    def __init__(self, maxsize: int, seed: int | None = 0, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        _check.integer("seed", seed, minimum=0, allow_none=True)
        self._rng = random.Random(seed)
        self._data: dict = {}
        self._slot: dict = {}
        self._order: list = []

    def _lookup(self, key):
        return self._data.get(key, MISSING)

    def _drop(self, key):
        i = self._slot.pop(key)
        last = self._order.pop()
        if i < len(self._order):  # the dropped key was not the last one: move the last into its slot
            self._order[i] = last
            self._slot[last] = i
        return self._data.pop(key)

    def _pop_victim(self):
        victim = self._order[self._rng.randrange(len(self._order))]
        return victim, self._drop(victim)

    def _store(self, key, value):
        # _insert written out, with the eviction: the put of every miss (one call fewer)
        if key not in self._data:
            if self._data.__len__() >= self._maxsize:
                old_key, old_value = self._pop_victim()
                self._evicted(old_key, old_value)
            self._slot[key] = len(self._order)
            self._order.append(key)
        self._data[key] = value

    def _insert(self, key, value):
        if key not in self._data:
            self._slot[key] = len(self._order)
            self._order.append(key)
        self._data[key] = value

    def _remove(self, key):
        if key not in self._data:
            raise KeyError(key)
        return self._drop(key)

    def entries(self):
        return (Entry(key, self._data[key]) for key in self._order)

    def _copy_state(self, new):
        new._data = self._data.copy()
        new._slot = self._slot.copy()
        new._order = self._order.copy()
        new._rng = random.Random()
        new._rng.setstate(self._rng.getstate())

    def _clear(self):
        self._data.clear()
        self._slot.clear()
        self._order.clear()
