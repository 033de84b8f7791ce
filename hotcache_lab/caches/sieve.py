"""SIEVE: a FIFO queue with one "visited" bit and a hand that sweeps from old to new.

Zhang, Yang, Yue, Vigfusson and Rashmi, "SIEVE is Simpler than LRU: an Efficient Turn-Key
Eviction Algorithm for Web Caches", NSDI 2024 (https://www.usenix.org/conference/nsdi24/presentation/zhang-yazhuo).
A hit only sets a bit (no list moves, unlike LRU). To evict, the hand walks from the oldest
entry toward the newest: a visited entry has its bit cleared and survives in place; the first
unvisited one is evicted and the hand stays there. At the newest end the hand wraps to the oldest.
New entries go in at the newest end.
"""

from collections.abc import Hashable
from typing import Any, NamedTuple

from .base import MISSING, Cache

# A node is a list, for speed: [key, value, visited, newer, older]
_KEY, _VALUE, _VISITED, _NEWER, _OLDER = range(5)


class SIEVEEntry(NamedTuple):
    key: Hashable
    value: Any
    visited: bool  # hit since the hand last passed: the hand spares it once
    hand: bool  # the next eviction's walk starts here


class SIEVECache(Cache):
    """`entries()` yields `SIEVEEntry(key, value, visited, hand)` oldest first; `next_victim()` is
    the first unvisited entry at or after the hand (wrapping to the oldest). `popitem()` runs the
    hand's walk as an eviction does (clearing the bits it passes) and takes that entry."""

    policy = "sieve"

    def __init__(self, maxsize: int, *, getsizeof=None) -> None:
        super().__init__(maxsize, getsizeof=getsizeof)
        self._nodes: dict = {}
        self._newest = None
        self._oldest = None
        self._hand = None

    def _lookup(self, key):
        node = self._nodes.get(key)
        if node is None:
            return MISSING
        node[_VISITED] = True
        return node[_VALUE]

    def _contains(self, key):
        return key in self._nodes

    def _unlink(self, node):
        newer, older = node[_NEWER], node[_OLDER]
        if newer is None:
            self._newest = older
        else:
            newer[_OLDER] = older
        if older is None:
            self._oldest = newer
        else:
            older[_NEWER] = newer
        node[_NEWER] = node[_OLDER] = None

    def _pop_victim(self):
        node = self._hand or self._oldest
        while node[_VISITED]:
            node[_VISITED] = False
            node = node[_NEWER] or self._oldest
        self._hand = node[_NEWER]
        self._unlink(node)
        del self._nodes[node[_KEY]]
        return node[_KEY], node[_VALUE]

    def _store(self, key, value):
        node = self._nodes.get(key)
        if node is not None:
            node[_VALUE] = value
            return
        if self._nodes.__len__() >= self._maxsize:
            old_key, old_value = self._pop_victim()
            self._evicted(old_key, old_value)
        self._link_newest(key, value)

    def _insert(self, key, value):
        node = self._nodes.get(key)
        if node is not None:
            node[_VALUE] = value
        else:
            self._link_newest(key, value)

    def _link_newest(self, key, value):
        node = [key, value, False, None, self._newest]
        if self._newest is not None:
            self._newest[_NEWER] = node
        self._newest = node
        if self._oldest is None:
            self._oldest = node
        self._nodes[key] = node

    def _remove(self, key):
        node = self._nodes.pop(key)
        if self._hand is node:
            self._hand = node[_NEWER]
        self._unlink(node)
        return node[_VALUE]

    def entries(self):
        start = self._hand or self._oldest
        node = self._oldest
        while node is not None:
            yield SIEVEEntry(node[_KEY], node[_VALUE], node[_VISITED], node is start)
            node = node[_NEWER]

    def next_victim(self):
        start = node = self._hand or self._oldest
        if node is None:
            return None
        while node[_VISITED]:  # the hand's walk, without clearing any bit
            node = node[_NEWER] or self._oldest
            if node is start:
                break  # all visited: the walk clears every bit and comes back to where it started
        return node[_KEY]

    def _keys(self):
        return list(self._nodes)

    def _copy_state(self, new):
        """Rebuild the queue node by node, oldest first (the hand pointing at its own copy)."""
        new._nodes = {}
        new._hand = None
        older = None
        node = self._oldest
        while node is not None:
            twin = [node[_KEY], node[_VALUE], node[_VISITED], None, older]
            if older is None:
                new._oldest = twin
            else:
                older[_NEWER] = twin
            if node is self._hand:
                new._hand = twin
            new._nodes[node[_KEY]] = older = twin
            node = node[_NEWER]
        new._newest = older
        if older is None:
            new._oldest = None

    def _map_values(self, fn):
        for node in self._nodes.values():
            node[_VALUE] = fn(node[_VALUE])

    def _clear(self):
        self._nodes.clear()
        self._newest = self._oldest = self._hand = None

    def __len__(self):
        return len(self._nodes)
