"""Negative caching: remember "not found" too, or every lookup of a missing key reaches the database.

Lookups of keys that do not exist (a typo'd URL, a deleted product, an attacker's random ids) miss
the cache every time, because there is nothing to fill: the database takes the whole load ("cache
penetration"). Caching a marker for "absent" with a short TTL stops that; its cost is that a key
created later reads as absent until the marker expires, unless the writer that creates it deletes
the marker (which cache-aside's delete-on-write already does).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _check, workloads
from .origin import Database
from .stores import RedisStore

ABSENT = "\x00absent"  # the marker stored for a key the database does not have


@dataclass(frozen=True)
class NegativeRun:
    negative_ttl: int  # ticks a marker lives (0: no negative caching)
    lookups: int
    db_queries: int
    absent_lookups: int  # lookups of keys that did not exist when looked up
    stale_absent: int  # lookups that answered "absent" for a key that existed by then


def lookup(db: Database, store: RedisStore, key: str, *, now: int, negative_ttl: int) -> str | None:
    """The value, or None for absent: from the cache (value or marker) or the database."""
    entry = store.get(key, now=now)
    if entry is not None:
        return None if entry.value == ABSENT else entry.value
    row = db.read(key)
    if row is not None:
        store.set(key, row.value, row.version)
    elif negative_ttl:
        store.set(key, ABSENT, 0, expires=now + negative_ttl)
    return None if row is None else row.value


def replay(store: RedisStore, *, negative_ttl: int, lookups: int = 600, present: int = 50,
           absent: int = 50, absent_share: float = 0.3, create_at: int | None = None,
           invalidate_on_create: bool = False, seed: int = 0) -> NegativeRun:
    """A seeded stream of lookups, `absent_share` of them for `absent` keys that do not exist; at tick
    `create_at` every absent key is created (with or without deleting its marker)."""
    import numpy as np

    _check.fraction("absent_share", absent_share)
    store.clear()
    rng = np.random.default_rng(seed)
    hits = workloads.zipf(n_keys=present, alpha=1.0, n_requests=lookups, seed=seed).tolist()
    misses = workloads.zipf(n_keys=absent, alpha=1.0, n_requests=lookups, seed=seed + 1).tolist()
    is_absent = rng.random(lookups) < absent_share
    with Database() as db:
        db.write_many([(f"p{k}", f"value {k}") for k in range(present)])
        db.reset_counts()
        asked = stale = 0
        for now in range(lookups):
            if now == create_at:
                for k in range(absent):
                    db.write(f"a{k}", f"created {k}", count=False)
                    if invalidate_on_create:
                        store.delete(f"a{k}")
            key = f"a{misses[now]}" if is_absent[now] else f"p{hits[now]}"
            got = lookup(db, store, key, now=now, negative_ttl=negative_ttl)
            exists = not is_absent[now] or (create_at is not None and now >= create_at)
            asked += not exists
            stale += exists and got is None
        return NegativeRun(negative_ttl, lookups, db.reads, asked, stale)
