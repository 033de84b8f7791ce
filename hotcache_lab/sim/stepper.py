"""Step through a small cache: what it holds after each request, hit or miss, and what it threw out.

    rec = record([1, 2, 3, 1, 4, 1, 5], "lru", maxsize=3)
    rec[4].hit, rec[4].evicted, rec[4].contents      # False, (2,), (3, 1, 4)

Each request is served the way a memoizing decorator serves it: `cache.get(key)`; on a miss the
value is computed and `cache.put(key, value)` may evict. Evicted keys are collected through the
cache's `on_evict` hook, so the recording shows exactly what the policy reported, not a guess.

Besides the policy's own order (`contents`: for LRU least recent first, for FIFO oldest first),
each step has a `slots` layout for drawing a row of boxes: a key keeps its box while it is
cached, and a new key takes the box of the key it evicted, so the eye sees one box change per
miss. `marks` carry the per-key state that decides the next eviction (LFU counts, SIEVE's
visited bit, S3-FIFO's queue and counter, OPT's next use) and `next_victim` names the key the
policy would evict next, where that is determined (not for random replacement or S3-FIFO).

`BeladyOPT` is Belady's offline optimum (L. A. Belady, "A study of replacement algorithms for a
virtual-storage computer", IBM Systems Journal 5(2), 1966): on a miss in a full cache it evicts
the key whose next use is farthest in the future. It needs the whole trace up front, which is
why no real cache can run it; it is the bound the others are measured against.

For small traces (tens to a few thousand requests): the recording copies the contents at
every step. For hit ratios of long traces use `hotcache_lab.simulate`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import caches as _caches
from ..caches.base import MISSING, Cache


def _as_keys(trace: Iterable) -> list:
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
    keys = _as_keys(trace)
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
    """

    policy = "opt"

    def __init__(self, maxsize: int, trace: Sequence) -> None:
        super().__init__(maxsize)
        self._trace = _as_keys(trace)
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

    def victim(self) -> Hashable | None:
        """The key the next eviction would take (None if empty)."""
        if not self._due:
            return None
        return max(self._due, key=self._due.__getitem__)  # max keeps the first of ties: earliest inserted

    def _store(self, key, value):
        if key in self._data:
            self._data[key] = value
            return
        if len(self._data) >= self._maxsize:
            old = self.victim()
            del self._due[old]
            self._evicted(old, self._data.pop(old))
        self._data[key] = value
        self._due[key] = self._next[self._t] if self._t >= 0 else len(self._trace)

    def _remove(self, key):
        del self._due[key]
        return self._data.pop(key)

    def _keys(self):
        return list(self._data)

    def _clear(self):
        self._data.clear()
        self._due.clear()

    def __len__(self):
        return len(self._data)


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
        return self.hits / len(self.steps) if self.steps else 0.0

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


def _state(cache: Cache) -> tuple[dict, Hashable | None]:
    """(marks, next_victim) for the policies whose eviction state we know how to read.

    Reads the caches' internals (read-only); a policy we do not know gets no marks.
    """
    keys = list(cache)
    if not keys:
        return {}, None
    if isinstance(cache, BeladyOPT):
        never = len(cache._trace)
        marks = {k: "never" if cache._due[k] >= never else f"next {cache._due[k]}" for k in keys}
        return marks, cache.victim()
    if isinstance(cache, _caches.LFUCache):
        marks = {k: f"f={cache.frequency(k)}" for k in keys}
        bucket = cache._buckets.get(cache._min_freq)
        return marks, next(iter(bucket)) if bucket else None
    if isinstance(cache, _caches.SIEVECache):
        nodes = cache._nodes
        marks = {k: "v=1" if nodes[k][2] else "v=0" for k in keys}
        start = cache._hand or cache._oldest
        node = start
        while node[2]:  # the hand's walk, without clearing any bit
            node = node[3] or cache._oldest
            if node is start:
                break  # all visited: the walk clears every bit and comes back to where it started
        hand = start[0]
        marks[hand] = marks[hand] + " hand"
        return marks, node[0]
    if isinstance(cache, _caches.S3FIFOCache):
        marks = {k: f"{'S' if k in cache._small else 'M'} f={cache._freq[k]}" for k in keys}
        return marks, None
    if isinstance(cache, (_caches.LRUCache, _caches.FIFOCache)):
        return {}, keys[0]  # least recent (LRU) or oldest insertion (FIFO)
    return {}, None


def record(trace: Iterable, policy: str | type, maxsize: int, **kwargs: Any) -> Recording:
    """Serve `trace` through a fresh cache of `policy` and record every step.

    `policy`: a name ("lru", "fifo", "lfu", "rr", "sieve", "s3fifo", "opt") or a Cache subclass;
    `kwargs` go to its constructor (e.g. seed= for "rr", small_ratio= for "s3fifo").
    """
    keys = _as_keys(trace)
    cls = _policy_class(policy)
    cache = cls(maxsize, keys, **kwargs) if cls is BeladyOPT else cls(maxsize, **kwargs)
    evicted_now: list = []
    cache.on_evict(lambda key, value: evicted_now.append(key))
    boxes: list = [None] * (cache.maxsize or 0)
    steps = []
    for t, key in enumerate(keys):
        evicted_now.clear()
        hit = cache.get(key, MISSING) is not MISSING
        if not hit:
            cache.put(key, key)
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
    inserted) or "next" (the policy's next victim). The viz helper `draw_boxes` draws it.
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
