"""The caching patterns side by side, on one workload, over a real SQLite origin and a real Redis.

- cache-aside (lazy loading): the application reads the cache, loads from the database on a miss and
  fills; on a write it updates the database and deletes the key.
- read-through: the same reads and writes, but the loading lives in the cache layer (one loader for
  every caller): the database sees exactly the traffic of cache-aside. What changes is who owns the code.
- write-through: a write updates the database and then the cache, so the next read hits.
- write-behind (write-back): a write goes to the cache and a queue; the queue is flushed to the database
  in batches (repeated writes to a key coalesce). Fewer database writes; a crash loses the queue.
- refresh-ahead: entries are re-read from the database shortly before they expire, so hot keys rarely
  miss; writes go to the database only (the pattern for data whose writers cannot invalidate), so a read
  can be stale until the next refresh.

Time is the operation count (one tick a request), so the counts are the same on every run. Each value
written is "key:n" for the key's n-th write: a read that returns n older than the newest is stale.
`compare` replays the five patterns side by side, each in a thread with a database and a key prefix of
its own: they share nothing but the Redis server, so the counts are those of five separate replays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .. import _check, workloads
from .origin import Database
from .stores import RedisStore
from .threads import run_threads

PATTERNS = ("cache-aside", "read-through", "write-through", "write-behind", "refresh-ahead")


@dataclass(frozen=True)
class PatternRun:
    """One pattern on the workload: database load, hit ratio, staleness and what a crash loses."""

    pattern: str
    requests: int
    db_reads: int
    db_writes: int
    hit_ratio: float
    stale_reads: int  # reads that returned an older value than the newest write
    max_stale_ticks: int  # the oldest such a read was: ticks since the first write it missed
    lost_on_crash: int  # writes acknowledged to the caller but not in the database at the end


class _Run:
    """The state of one replay: the database, the store, the newest write of each key, the clock."""

    def __init__(self, db: Database, store: RedisStore, ttl: int, flush_every: int, refresh_window: int):
        self.db, self.store, self.ttl = db, store, ttl
        self.flush_every, self.refresh_window = flush_every, refresh_window
        self.now = 0
        self.written: dict[str, list[int]] = defaultdict(list)  # key -> tick of each write
        self.queue: list[tuple[str, str]] = []  # write-behind's pending writes
        self.stale = self.max_stale = self.hits = self.reads = 0

    def fill(self, key: str) -> str:
        """Load the row from the database into the cache, with the TTL; returns its value."""
        row = self.db.read(key)
        self.store.set(key, row.value, row.version, expires=self.now + self.ttl)
        return row.value

    def read(self, pattern: str, key: str) -> None:
        """Read through the cache (every pattern reads the same way); refresh-ahead also refills an
        entry whose expiry is near, in production in the background."""
        self.reads += 1
        entry = self.store.get(key, now=self.now)
        if entry is None:
            value = self.fill(key)
        else:
            self.hits += 1
            value = entry.value
            if pattern == "refresh-ahead" and entry.expires - self.now <= self.refresh_window:
                value = self.fill(key)
        self.judge(key, value)

    def judge(self, key: str, value: str) -> None:
        seen = int(value.rsplit(":", 1)[1])
        writes = self.written[key]
        if seen < len(writes):
            self.stale += 1
            self.max_stale = max(self.max_stale, self.now - writes[seen])

    def write(self, pattern: str, key: str) -> None:
        self.written[key].append(self.now)
        value = f"{key}:{len(self.written[key])}"
        if pattern == "write-behind":
            self.store.set(key, value, 0, expires=self.now + self.ttl)
            self.queue.append((key, value))
            if len(self.queue) >= self.flush_every:
                self.db.write_many(list(dict(self.queue).items()))  # coalesced: the last value per key
                self.queue.clear()
            return
        version = self.db.write(key, value)
        if pattern == "write-through":
            self.store.set(key, value, version, expires=self.now + self.ttl)
        elif pattern != "refresh-ahead":
            self.store.delete(key)


def requests(ops: int, keys: int, write_share: float, seed: int) -> list[tuple[bool, str]]:
    """The workload: (is_write, key) pairs, Zipf-skewed keys, a `write_share` of them writes."""
    import numpy as np

    picked = workloads.zipf(n_keys=keys, alpha=1.0, n_requests=ops, seed=seed)
    writes = np.random.default_rng(seed + 1).random(ops) < write_share
    return [(bool(w), str(k)) for w, k in zip(writes, picked.tolist(), strict=True)]


def replay(store: RedisStore, pattern: str, work: list[tuple[bool, str]], *, keys: int, ttl: int = 100,
           flush_every: int = 20, refresh_window: int = 20) -> PatternRun:
    """Replay `work` with one pattern against a fresh database of `keys` rows and an emptied store."""
    _check.one_of("pattern", pattern, PATTERNS)
    store.clear()
    with Database(rows=0) as db:
        db.write_many([(str(k), f"{k}:0") for k in range(keys)])
        db.reset_counts()
        run = _Run(db, store, ttl, flush_every, refresh_window)
        for is_write, key in work:
            (run.write if is_write else run.read)(pattern, key)
            run.now += 1
        lost = len(run.queue)
        return PatternRun(pattern, len(work), db.reads, db.writes, run.hits / max(run.reads, 1),
                          run.stale, run.max_stale, lost)


def compare(store: RedisStore, write_share: float, *, ops: int = 400, keys: int = 40, ttl: int = 100,
            flush_every: int = 20, seed: int = 0) -> tuple[PatternRun, ...]:
    """Every pattern on the same seeded workload: what notebook 08's write-share slider shows."""
    _check.fraction("write_share", write_share)
    work = requests(_check.integer("ops", ops), _check.integer("keys", keys), write_share, seed)
    return tuple(run_threads(*(lambda p=p: replay(store.under(p), p, work, keys=keys, ttl=ttl,
                                                  flush_every=flush_every) for p in PATTERNS)))
