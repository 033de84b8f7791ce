"""K worker processes, each with a private LRU cache, simulated: what splitting a cache costs.

A request stream is dealt to K workers (in turn, or at random); each worker's share is replayed
through `sim.replay` on its own LRU cache. `concurrency.processes.run_worker_processes` does the
same with real processes, and agrees with this worker by worker.

    per_worker(keys, 4, maxsize=200)                       # one dict a worker: hits, misses, held
    hit_ratio_by_workers(keys, (1, 2, 4), maxsize=200)     # one row a K: hit ratio, memory, copies
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .. import _check
from ..sim import replay

SPLITS = ("round-robin", "random")
BUDGETS = ("per-worker", "total")


def _as_list(keys: Sequence) -> list:
    """Plain Python keys (a numpy array from workloads.zipf becomes a list of ints)."""
    tolist = getattr(keys, "tolist", None)
    return tolist() if callable(tolist) else list(keys)


def split_stream(keys: Sequence, k: int, how: str = "round-robin", seed: int = 0) -> list[list]:
    """Deal a request stream to `k` workers: in turn ("round-robin") or at random ("random", seeded)."""
    _check.integer("k", k)
    _check.one_of("how", how, SPLITS)
    keys = _as_list(keys)
    if how == "round-robin":
        return [keys[i::k] for i in range(k)]
    rng = random.Random(seed)
    parts: list[list] = [[] for _ in range(k)]
    for key in keys:
        parts[rng.randrange(k)].append(key)
    return parts


def held_by_lru(keys: Sequence, maxsize: int) -> list:
    """The keys an LRU cache of `maxsize` entries holds after serving `keys` from empty: the
    `maxsize` most recently used distinct keys, oldest first (no replay needed)."""
    _check.maxsize(maxsize)
    recent = list(dict.fromkeys(reversed(_as_list(keys))))[:maxsize]
    return recent[::-1]


def per_worker(keys: Sequence, k: int, maxsize: int, how: str = "round-robin", seed: int = 0) -> list[dict]:
    """Deal `keys` to `k` workers with `maxsize` LRU entries each: requests, hits, misses and the
    keys held at the end, one dict a worker."""
    _check.maxsize(maxsize)
    rows = []
    for part in split_stream(keys, k, how=how, seed=seed):
        hits = int(replay(part, "lru", maxsize).sum()) if part else 0
        rows.append({"requests": len(part), "hits": hits, "misses": len(part) - hits,
                     "held": held_by_lru(part, maxsize)})
    return rows


def hit_ratio_by_workers(keys: Sequence, worker_counts: Sequence[int], maxsize: int,
                         budget: str = "per-worker", how: str = "round-robin", seed: int = 0) -> list[dict]:
    """Simulate K workers, each with a private LRU cache, for each K in `worker_counts`.

    budget="per-worker": every worker gets `maxsize` entries (memory grows with K);
    budget="total": the `maxsize` entries are split between the workers (maxsize // K each).
    Returns one dict a K: overall hit ratio, entries held in all caches together, and the
    distinct keys among them (the rest are copies).
    """
    _check.one_of("budget", budget, BUDGETS)
    keys = _as_list(keys)
    if not keys:
        raise ValueError("keys must not be empty: nothing to replay")
    rows = []
    for k in worker_counts:
        size = maxsize if budget == "per-worker" else maxsize // k
        if size < 1:
            raise ValueError(f"maxsize {maxsize} split between {k} workers leaves less than one entry each")
        workers = per_worker(keys, k, size, how=how, seed=seed)
        held = [set(w["held"]) for w in workers]
        rows.append({"workers": k, "cache_entries_each": size,
                     "hit_ratio": sum(w["hits"] for w in workers) / len(keys),
                     "entries_held": sum(len(h) for h in held),
                     "distinct_entries": len(set().union(*held))})
    return rows
