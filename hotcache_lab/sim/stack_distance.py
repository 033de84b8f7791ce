"""LRU stack distances compiled (numba): the fast path of `sim.curves`, whose numpy
`_stack_distances` is the readable reference (the tests pin the two to the same distances).

The distance of a request is the number of distinct keys requested since its key's previous request:
with one mark at the last use of each key, the marks after that previous use. The marks sit in a
bitmap of positions, 64 to a word, and a Fenwick tree (Fenwick, "A new data structure for cumulative
frequency tables", Software: Practice and Experience 1994) counts the marks of whole words, so a
count is a popcount or two plus a walk over a tree of positions / 64 entries (the word being filled
is counted apart, so a new mark walks no tree). Positions are not request numbers: when the bitmap
fills, the live marks are renumbered 0, 1, ... in their order, so bitmap and tree span the distinct
keys (twice over), stay in cache, and a long trace never grows them.

Distances at or beyond `limit` (the largest cache size asked for) are all "beyond": the count stops
there, and renumbering keeps only the newest `limit` marks, since a key behind `limit` newer ones
can only be beyond. Every working array is allocated here in numpy, so tracemalloc sees it.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from .kernels import dense_ids

__all__ = ["capped_distances", "lru_hits", "distance_histogram"]

_COLD = -1  # last use of a key never requested
_BEYOND = -2  # last use of a key dropped at a renumbering: `limit` or more distinct keys since
_BLOCK = 1 << 14  # distances counted into the histogram a block at a time (128 kB: in cache)


@intrinsic
def _popcount(typingctx, word):
    """Set bits of an int64 (LLVM's ctpop: one instruction where the CPU has one, as x86-64 and ARM do)."""
    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])
    return types.int64(types.int64), codegen


@intrinsic
def _trailing_zeros(typingctx, word):
    """Index of the lowest set bit of a non-zero int64 (LLVM's cttz)."""
    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))
    return types.int64(types.int64), codegen


@njit(cache=True)
def _tree_add(tree, word, delta):  # pragma: no cover - compiled
    # The tree is indexed newest word first (1-based: word w of n at n - w), so "the words after w"
    # is a prefix, summed by _newer_marks with terms that only grow.
    i = len(tree) - 1 - word
    while i < len(tree):
        tree[i] += delta
        i += i & -i


@njit(cache=True)
def _newer_marks(tree, word, enough):  # pragma: no cover - compiled
    """Marks in the words after `word`, or some number >= `enough` once that many are counted."""
    total = 0
    i = len(tree) - 2 - word
    while i > 0 and total < enough:
        total += tree[i]
        i -= i & -i
    return total


@njit(cache=True)
def _renumber(limit, live, last, key_at, bits, tree):  # pragma: no cover - compiled
    """Move the newest min(live, limit) marks to positions 0, 1, ... in order (in place: a mark
    only moves down); older keys become beyond. Rebuilds the tree (without the word of the next
    free position, which _replay counts itself); returns that position."""
    drop = live - min(live, limit)
    j = 0
    for w in range(len(bits)):
        word = bits[w]
        bits[w] = 0
        while word != 0:
            k = key_at[w * 64 + _trailing_zeros(word)]
            word &= word - 1
            if drop > 0:
                last[k] = _BEYOND
                drop -= 1
            else:
                last[k] = j
                key_at[j] = k
                bits[j >> 6] |= 1 << (j & 63)
                j += 1
    tree[:] = 0
    n = len(tree) - 1
    for w in range(len(bits)):
        tree[n - w] = _popcount(bits[w])
    for i in range(1, n + 1):  # the linear-time build: each node adds itself to its parent
        parent = i + (i & -i)
        if parent <= n:
            tree[parent] += tree[i]
    _tree_add(tree, j >> 6, -_popcount(bits[j >> 6]))
    return j


@njit(cache=True)
def _replay(ids, start, limit, state, last, key_at, bits, tree, out):  # pragma: no cover - compiled
    # out[j] = the distance of request start + j capped at limit, -1 for a first request, for the
    # len(out) requests from `start`. state = [next position, live marks, renumberings so far]
    # carries over between calls. The tree counts every word but the one being filled (t's): a new
    # mark costs no tree walk, and the word goes into the tree once full.
    capacity = len(bits) * 64
    t, live = state[0], state[1]
    for j in range(len(out)):
        if t & 63 == 0:
            if t == capacity:
                t = live = _renumber(limit, live, last, key_at, bits, tree)
                state[2] += 1
            elif t > 0:
                _tree_add(tree, (t >> 6) - 1, _popcount(bits[(t >> 6) - 1]))
        k = ids[start + j]
        p = last[k]
        new_word = t >> 6
        if p == _COLD or p == _BEYOND:
            d = -1 if p == _COLD else limit
            live += 1
        else:
            w = p >> 6
            d = _popcount(bits[w] & -(2 << (p & 63)))  # marks after p in its own word
            if w != new_word:
                d += _popcount(bits[new_word])
                d += _newer_marks(tree, w, limit - d)
                _tree_add(tree, w, -1)
            bits[w] ^= 1 << (p & 63)
            d = min(d, limit)
        bits[new_word] |= 1 << (t & 63)
        last[k] = t
        key_at[t] = k
        t += 1
        out[j] = d
    state[0], state[1] = t, live


@njit(cache=True)
def _histogram(ids, limit, state, last, key_at, bits, tree, buffer, hist):  # pragma: no cover - compiled
    # A block of distances at a time, then counted in a tight loop of its own: the scattered
    # increments of hist overlap there, instead of stalling behind the tree walks' branches.
    for start in range(0, len(ids), len(buffer)):
        block = buffer[: min(len(buffer), len(ids) - start)]
        _replay(ids, start, limit, state, last, key_at, bits, tree, block)
        for d in block:
            if d >= 0:
                hist[d] += 1


def _state(keys: np.ndarray, limit: int | None, capacity: int | None) -> tuple:
    """Dense ids, the limit (at most nkeys: no distance reaches it) and the working arrays.

    capacity (positions) defaults to twice the marks a renumbering keeps, in whole words; a
    smaller one (the tests) renumbers more often. The arrays are numpy's, so tracemalloc sees them.
    """
    ids, nkeys = dense_ids(keys) if len(keys) else (keys.astype(np.int64), 0)
    limit = nkeys if limit is None else min(int(limit), nkeys)
    keep = min(nkeys, limit)
    capacity = 2 * keep + 64 if capacity is None else max(int(capacity), keep + 1)
    words = -(-capacity // 64)
    small = np.int32 if max(nkeys, words * 64) < 2**31 else np.int64  # halves the random reads
    arrays = (np.zeros(3, dtype=np.int64), np.full(nkeys, _COLD, dtype=small),
              np.empty(words * 64, dtype=small), np.zeros(words, dtype=np.int64),
              np.zeros(words + 1, dtype=np.int64))
    return ids, limit, arrays


def capped_distances(keys: np.ndarray, limit: int | None = None, *,
                     capacity: int | None = None) -> np.ndarray:
    """Stack distance of each request (int64, -1 for a first request), capped at `limit` (None: exact)."""
    ids, limit, arrays = _state(keys, limit, capacity)
    out = np.empty(len(ids), dtype=np.int64)
    _replay(ids, 0, limit, *arrays, out)
    return out


def distance_histogram(keys: np.ndarray, limit: int, *, capacity: int | None = None) -> np.ndarray:
    """hist[d]: re-requests at stack distance d < limit; hist[limit]: those at limit or beyond."""
    ids, limit, arrays = _state(keys, limit, capacity)
    hist = np.zeros(limit + 1, dtype=np.int64)
    _histogram(ids, limit, *arrays, np.empty(max(1, min(len(ids), _BLOCK)), dtype=np.int64), hist)
    return hist


def lru_hits(keys: np.ndarray, sizes: np.ndarray, *, capacity: int | None = None) -> np.ndarray:
    """LRU hits at each size (positive ints): the re-requests at a distance below it."""
    hist = distance_histogram(keys, int(sizes.max()), capacity=capacity)
    below = np.concatenate(([0], np.cumsum(hist[:-1])))  # below[s] = re-requests at distance < s
    return below[np.minimum(sizes, len(hist) - 1)]
