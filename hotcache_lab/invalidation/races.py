"""The races that leave a shared cache wrong after the database changed, forced and then counted.

The stale-set race (cache-aside): a reader misses and reads the old row; a writer updates the row and
deletes the key; the reader then stores the old value, which stays until its TTL, or forever. The
update-order race: two writers that *set* the cache after writing the database can set it in the
opposite order of their database writes, and the older value stays. `forced_*` plays the fatal order
on cue, so it shows every time; `count_*` runs real threads and counts how often it happens.
`RacingDatabase` and `forced_order` put any reader or writer function through the same fatal order
(what notebook 08's exercises judge a student's code with).

The fixes (`STRATEGIES`): "delete" is plain cache-aside, "delete+ttl" the same with a short TTL (a
mitigation: the stale value lives at most the TTL), "lease" Facebook's lease tokens and "versioned"
sets only if newer with tombstones (`stores.RedisStore`). A read is stale when it returns an older
version than an invalidation that had completed before the read began: the window between a database
commit and its invalidation is inherent to any cache that is not updated in the same transaction.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import _check
from .origin import Database, Row
from .stores import RedisStore
from .threads import JOIN_TIMEOUT, run_threads

STRATEGIES = ("delete", "delete+ttl", "lease", "versioned")


class Reader:
    """Read `key` through the cache with one strategy; `between` runs after the database read and
    before the fill (where a slow reader is slow, and where a forced race makes the writer go)."""

    def __init__(self, db: Database, store: RedisStore, strategy: str, *, ttl_ms: int = 50) -> None:
        self.db, self.store = db, store
        self.strategy = _check.one_of("strategy", strategy, STRATEGIES)
        self.ttl_ms = ttl_ms if strategy == "delete+ttl" else 0

    def read(self, key: str, between=lambda: None) -> int:
        """The version the reader got (from the cache or the database)."""
        store, token = self.store, None
        if self.strategy == "lease":
            entry, token = store.lease_get(key)
        else:
            entry = store.get(key)
        if entry is not None:
            return entry.version
        row = self.db.read(key)
        between()
        if self.strategy == "lease":
            if token is not None:
                store.lease_set(key, row.value, row.version, token)
        elif self.strategy == "versioned":
            store.versioned_set(key, row.value, row.version)
        else:
            store.set(key, row.value, row.version, ttl_ms=self.ttl_ms)
        return row.version

    def write(self, key: str, value: str) -> int:
        """Update the database, then invalidate as the strategy does; returns the new version."""
        version = self.db.write(key, value)
        if self.strategy == "versioned":
            self.store.invalidate(key, version)
        else:
            self.store.delete(key)
        return version


@dataclass(frozen=True)
class ForcedRace:
    strategy: str
    db_version: int  # the row's version after the writer
    cached_version: int | None  # what the cache holds after both finished (None: nothing)
    next_read_version: int  # what the next reader gets

    @property
    def stale(self) -> bool:
        return self.next_read_version < self.db_version


class RacingDatabase:
    """The database, except that its first `read` lets `writer()` commit and invalidate right after the
    row was read and before it is returned: the stale-set race's fatal order, in one thread, every time,
    for any reader function. Everything else is the database's own."""

    def __init__(self, db: Database, writer: Callable[[], Any]) -> None:
        self._db = db
        self._writer: Callable[[], Any] | None = _check.function("writer", writer)

    def read(self, key: str) -> Row | None:
        row = self._db.read(key)
        writer, self._writer = self._writer, None
        if writer is not None:
            writer()
        return row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def forced_stale_set(db: Database, store: RedisStore, strategy: str, key: str = "race") -> ForcedRace:
    """Play the stale-set race in its fatal order: read old row, writer updates and invalidates, fill."""
    side = Reader(db, store, strategy)
    store.delete(key)
    db.write(key, "old")
    Reader(RacingDatabase(db, lambda: side.write(key, "new")), store, strategy).read(key)
    cached = store.get(key)
    return ForcedRace(strategy, db.peek(key).version, cached and cached.version, side.read(key))


@dataclass(frozen=True)
class StaleCount:
    strategy: str
    reads: int
    writes: int
    stale_reads: int  # reads that returned a version older than an invalidation completed before them
    max_stale_ms: float  # the longest any such read came after the invalidation it missed
    refused_fills: int  # fills the protocol refused (each one a stale value kept out)


def count_stale_reads(db: Database, store: RedisStore, strategy: str, *, readers: int = 3,
                      reads: int = 150, writes: int = 60, keys: int = 4, slow_fill_ms: float = 2.0,
                      seed: int = 0) -> StaleCount:
    """Real reader and writer threads on a few hot keys; a fill is `slow_fill_ms` late (a slow render)."""
    side = Reader(db, store, strategy)
    names = [f"hot{i}" for i in range(_check.integer("keys", keys))]
    store.clear()
    for name in names:
        db.write(name, "v")
    ticket = itertools.count()
    done: dict[str, list[tuple[int, int, float]]] = {n: [] for n in names}  # key -> (ticket, version, when)
    seen: list[tuple[str, int, int, float]] = []  # (key, ticket at start, version returned, when)
    lock = threading.Lock()

    def reader(rng: random.Random):
        for _ in range(reads):
            key = rng.choice(names)
            start, when = next(ticket), time.perf_counter()
            version = side.read(key, lambda: time.sleep(slow_fill_ms / 1e3))
            with lock:
                seen.append((key, start, version, when))

    def writer(rng: random.Random):
        for i in range(writes):
            key = rng.choice(names)
            version = side.write(key, f"w{i}")
            with lock:
                done[key].append((next(ticket), version, time.perf_counter()))
            time.sleep(slow_fill_ms / 2e3)

    rngs = [random.Random(seed + i) for i in range(readers + 1)]
    run_threads(*(lambda r=r: reader(r) for r in rngs[:readers]), lambda: writer(rngs[-1]))
    ages = [max((when - w for t, v, w in done[key] if t < start and v > version), default=None)
            for key, start, version, when in seen]
    ages = [age for age in ages if age is not None]
    return StaleCount(strategy, len(seen), writes, len(ages), max(ages, default=0.0) * 1e3, store.refused)


@dataclass(frozen=True)
class OrderRace:
    mode: str  # "update" (set the cache after the write), "delete", "versioned" (set only if newer), "custom"
    db_value: str | None  # None: the writers never wrote the database
    cached_value: str | None
    next_read_value: str | None

    @property
    def wrong(self) -> bool:
        return self.next_read_value != self.db_value


WRITE_MODES = ("update", "delete", "versioned")


def _write_then_cache(db: Database, store: RedisStore, mode: str, key: str, value: str,
                      between: Callable[[], Any] = lambda: None) -> None:
    version = db.write(key, value)
    between()
    if mode == "update":
        store.set(key, value, version)
    elif mode == "versioned":
        store.versioned_set(key, value, version)
    else:
        store.delete(key)


Writer = Callable[[Any, RedisStore, str, str], Any]  # write(db, store, key, value)


def forced_order(write: Writer, db: Database, store: RedisStore, key: str = "order",
                 timeout: float = JOIN_TIMEOUT) -> OrderRace:
    """Writer A writes the database first, writer B second, but B's cache step lands before A's: A's
    `write` pauses right after its database write until B has finished. Any writer function works."""
    _check.function("write", write)
    store.delete(key)
    a_wrote, b_done = threading.Event(), threading.Event()

    class PausedAfterWrite:
        def write(self, name: str, value: str, **options) -> int:
            version = db.write(name, value, **options)
            a_wrote.set()
            b_done.wait(timeout)
            return version

        def __getattr__(self, name: str) -> Any:
            return getattr(db, name)

    def writer_a():
        try:
            write(PausedAfterWrite(), store, key, "A")
        finally:
            a_wrote.set()  # a writer that never wrote the database must not hold B forever

    def writer_b():
        a_wrote.wait(timeout)
        try:
            write(db, store, key, "B")
        finally:
            b_done.set()

    run_threads(writer_a, writer_b, timeout=timeout)
    cached = store.get(key)
    row = db.peek(key)
    next_read = cached.value if cached else (row.value if row else None)
    return OrderRace("custom", row and row.value, cached and cached.value, next_read)


def forced_update_order(db: Database, store: RedisStore, mode: str, key: str = "order") -> OrderRace:
    """`forced_order` for one of `WRITE_MODES`: update, delete or versioned set after the write."""
    _check.one_of("mode", mode, WRITE_MODES)
    race = forced_order(lambda d, s, k, v: _write_then_cache(d, s, mode, k, v), db, store, key)
    return OrderRace(mode, race.db_value, race.cached_value, race.next_read_value)


def count_wrong_rounds(db: Database, store: RedisStore, mode: str, *, rounds: int = 30, writers: int = 3,
                       slow_ms: float = 2.0, seed: int = 0) -> int:
    """Rounds of `writers` threads released together to write one key, each up to `slow_ms` late between
    its database write and its cache step: in how many rounds the cache is left disagreeing with the
    database."""
    _check.one_of("mode", mode, WRITE_MODES)
    writers = _check.integer("writers", writers)
    rng = random.Random(seed)
    wrong = 0
    for round_ in range(_check.integer("rounds", rounds)):
        key = f"round{round_}"
        store.delete(key)
        delays = [rng.random() * slow_ms / 1e3 for _ in range(writers)]
        start = threading.Barrier(writers, timeout=JOIN_TIMEOUT)

        def writer(value: str, delay: float, k: str = key, start: threading.Barrier = start) -> None:
            start.wait()
            _write_then_cache(db, store, mode, k, value, lambda: time.sleep(delay))

        run_threads(*(lambda v=f"{round_}:{i}", d=delay: writer(v, d) for i, delay in enumerate(delays)))
        cached = store.get(key)
        wrong += cached is not None and cached.value != db.peek(key).value
    return wrong
