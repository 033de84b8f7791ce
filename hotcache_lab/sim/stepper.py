"""Step through a small cache: what it holds after each request, hit or miss, and what it threw out.

    rec = record([1, 2, 3, 1, 4, 1, 5], "lru", maxsize=3)
    rec[4].hit, rec[4].evicted, rec[4].contents      # False, (2,), (3, 1, 4)

Each request is served the way a memoizing decorator serves it, `cache.request(key)`: a `get`,
and on a miss a `put` that may evict. Evicted keys are collected through the
cache's `on_evict` hook, so the recording shows exactly what the policy reported, not a guess.

Besides the policy's own order (`contents`: for LRU least recent first, for FIFO oldest first),
each step has a `slots` layout for drawing a row of boxes: a key keeps its box while it is
cached, and a new key takes the box of the key it evicted, so the eye sees one box change per
miss. `marks` carry the per-key state that decides the next eviction (LFU counts, SIEVE's
visited bit, S3-FIFO's queue and counter, OPT's next use) and `next_victim` names the key the
policy would evict next, where that is determined (not for random replacement or S3-FIFO).

The marks and the next victim come from the cache's public view, `cache.entries()` and
`cache.next_victim()`; OPT is `caches.BeladyOPT`, a cache built with the trace it will serve.

For small traces (tens to a few thousand requests): the recording copies the contents at
every step. For hit ratios of long traces use `hotcache_lab.simulate`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import caches as _caches
from ..caches.base import Cache
from ..caches.opt import BeladyOPT, key_list, next_uses

__all__ = ["record", "frame", "Recording", "Step", "BeladyOPT", "next_uses"]  # OPT lives in caches.opt


@dataclass(frozen=True)
class Step:
    """One request and the cache right after it."""

    t: int  # position of the request in the trace
    key: Hashable  # the requested key
    hit: bool
    evicted: tuple  # keys the policy evicted while serving this request (via on_evict), in order
    contents: tuple  # cached keys after the request, in the policy's own order
    slots: tuple  # the same keys in stable boxes (None = empty box), for drawing
    marks: dict = field(default_factory=dict)  # key -> short label of its policy state
    next_victim: Hashable | None = None  # the key the next eviction would take, if determined


@dataclass(frozen=True)
class Recording:
    """Every step of one policy on one trace."""

    policy: str
    maxsize: int
    steps: tuple[Step, ...]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, t: int) -> Step:
        return self.steps[t]

    def __iter__(self):
        return iter(self.steps)

    @property
    def hits(self) -> int:
        return sum(s.hit for s in self.steps)

    @property
    def misses(self) -> int:
        return len(self.steps) - self.hits

    @property
    def hit_ratio(self) -> float:
        """Hits per request; NaN for an empty recording (no requests: no ratio to report)."""
        return self.hits / len(self.steps) if self.steps else math.nan

    @property
    def evictions(self) -> list[tuple[int, Hashable]]:
        """(t, key) for every eviction, in order."""
        return [(s.t, k) for s in self.steps for k in s.evicted]

    def hit_string(self) -> str:
        """One character per request: H for a hit, '.' for a miss."""
        return "".join("H" if s.hit else "." for s in self.steps)


def _policy_class(policy: str | type) -> type:
    if isinstance(policy, str):
        if policy == "opt":
            return BeladyOPT
        try:
            return _caches.POLICIES[policy]
        except KeyError:
            names = sorted([*_caches.POLICIES, "opt"])
            raise ValueError(f"unknown policy {policy!r}; choose one of {names}") from None
    if isinstance(policy, type) and issubclass(policy, Cache):
        return policy
    raise TypeError(f"policy must be a policy name or a Cache subclass, got {policy!r}")


def _mark(entry) -> str:
    """A short label of the policy state an entry carries (LFU's count, SIEVE's bit, ...)."""
    if isinstance(entry, _caches.LFUEntry):
        return f"f={entry.count}"
    if isinstance(entry, _caches.SIEVEEntry):
        return ("v=1" if entry.visited else "v=0") + (" hand" if entry.hand else "")
    if isinstance(entry, _caches.S3FIFOEntry):
        return f"{'S' if entry.queue == 'small' else 'M'} f={entry.freq}"
    if isinstance(entry, _caches.OPTEntry):
        return "never" if entry.next_use is None else f"next {entry.next_use}"
    return ""


def _state(cache: Cache) -> tuple[dict, Hashable | None]:
    """(marks, next_victim), from the cache's public view only."""
    marks = {e.key: _mark(e) for e in cache.entries()}
    return {k: m for k, m in marks.items() if m}, cache.next_victim()


def record(trace: Iterable, policy: str | type, maxsize: int, **kwargs: Any) -> Recording:
    """Serve `trace` through a fresh cache of `policy` and record every step.

    `policy`: a name ("lru", "fifo", "lfu", "rr", "sieve", "s3fifo", "opt") or a Cache subclass;
    `kwargs` go to its constructor (e.g. seed= for "rr", small_ratio= for "s3fifo").
    """
    keys = key_list(trace)
    cls = _policy_class(policy)
    cache = cls(maxsize, keys, **kwargs) if cls is BeladyOPT else cls(maxsize, **kwargs)
    evicted_now: list = []
    cache.on_evict(lambda key, value: evicted_now.append(key))
    boxes: list = [None] * (cache.maxsize or 0)
    steps = []
    for t, key in enumerate(keys):
        evicted_now.clear()
        hit = cache.request(key)
        evicted = tuple(evicted_now)
        contents = tuple(cache)
        # stable boxes: evicted keys free their boxes, a newcomer takes the first freed box
        freed = []
        for k in evicted:
            if k in boxes:
                i = boxes.index(k)
                boxes[i] = None
                freed.append(i)
        present = set(contents)
        for i, k in enumerate(boxes):  # anything else that left (not via on_evict) also frees its box
            if k is not None and k not in present:
                boxes[i] = None
        placed = {k for k in boxes if k is not None}
        for k in contents:
            if k in placed:
                continue
            spot = freed.pop(0) if freed else (boxes.index(None) if None in boxes else None)
            if spot is None:
                boxes.append(k)
            else:
                boxes[spot] = k
        marks, victim = _state(cache)
        steps.append(Step(t, key, hit, evicted, contents, tuple(boxes), marks, victim))
    return Recording(cls.policy, cache.maxsize, tuple(steps))


def frame(rec: Recording, t: int) -> dict:
    """What to draw for step `t` of a recording: a row of boxes and the keys that just left.

    Returns {"label", "boxes": [(text, state, mark)], "evicted", "request", "hit"}; a box's
    state is "empty", "kept", "hit" (the requested key, found), "new" (the requested key, just
    inserted) or "next" (the policy's next victim). `plots.draw_boxes` draws it.
    """
    if not isinstance(t, int) or isinstance(t, bool):
        raise TypeError(f"t must be an int, got {t!r}")
    if not 0 <= t < len(rec):
        raise IndexError(f"step {t} is outside 0..{len(rec) - 1}")
    s = rec[t]
    out = []
    for k in s.slots:
        if k is None:
            out.append(("", "empty", ""))
            continue
        if k == s.key:
            state = "hit" if s.hit else "new"
        elif k == s.next_victim:
            state = "next"
        else:
            state = "kept"
        out.append((str(k), state, s.marks.get(k, "")))
    hits = sum(x.hit for x in rec.steps[: t + 1])
    return {"label": f"{rec.policy} ({hits}/{t + 1} hits)", "boxes": out, "evicted": s.evicted,
            "request": s.key, "hit": s.hit, "hits_so_far": hits}
