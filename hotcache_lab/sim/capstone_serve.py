"""The capstone's request loop: each cache domain serves its requests on the simulated clock.

A value enters the cache when its computation ENDS (`put(key, (end, start))`: usable from `end`,
computed from the data as it was at `start`), so a request that arrives while its key is still being
computed either waits for that computation or computes it again (a duplicate); `sim/capstone.py`
turns the outcomes into the score. The loop reads the stored times to apply the TTL and to tell a
stale read, so it calls `get` and `put` itself instead of `Cache.request`.

Updates to the origin's data (`writes`) are applied in time order between requests:
- "ttl": the cache is not told; an entry computed before the update is served until it expires.
- "delete": the writer deletes the key. A computation that read the data before the update and ends
  after the delete still stores its old result (the stale-set race), and requests that arrive
  meanwhile wait for that stale computation.
- "lease": the delete also revokes the running computation's lease (a versioned set): its late store
  is refused and later requests compute afresh.
While the shared cache is down (`outage`), no request reaches it: each pays `t_timeout` and then
falls back ("origin": compute, not stored; "default": a generic answer, no computation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..caches import Cache
from ..caches.base import MISSING

HIT, MISS, DUPLICATE, WAIT, FALLBACK, DEGRADED = 0, 1, 2, 3, 4, 5  # what happened to each request
COMPUTED = (MISS, DUPLICATE, FALLBACK)  # the outcomes that ran a computation on the origin
NEVER = (float("inf"), float("inf"))  # an outage window that never opens


@dataclass(frozen=True)
class Rules:
    """How every domain serves: the costs, the locking, the invalidation, the outage and its fallback."""

    ttl: float
    t_hit: float
    lock_cost: float
    wait: bool  # a request for a key being computed waits for it (single-flight, or one thread in all)
    invalidation: str = "ttl"
    outage: tuple[float, float] = NEVER  # [down, up) on the simulated clock; only a shared cache has one
    cold: bool = False  # the cache comes back empty after the outage (a restart with no persistence)
    fallback: str = "origin"
    t_timeout: float = 0.0


def serve(make_cache: Callable[[], Cache], domains: Sequence[list[int]], keys: list, times: list,
          compute: list, writes: tuple[list, list],
          rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Serve every request; return each one's latency (s), outcome and whether it was a stale read,
    and the peak entries summed over the caches.

    `domains` holds the request indices each cache sees (one list per process, or one for a shared
    cache); `writes` the update times and keys, sorted by time, which every domain applies (a delete
    is broadcast to every process's cache).
    """
    n = len(keys)
    # lists (one value at a time is fast), filled as if every request hit: a hit then writes nothing
    latency, outcome, stale = [rules.t_hit] * n, [HIT] * n, [False] * n
    peak_entries = 0
    for domain in domains:
        peak_entries += _serve_domain(make_cache(), domain, keys, times, compute, writes, rules,
                                      latency, outcome, stale)
    return (np.array(latency), np.array(outcome, dtype=np.int8), np.array(stale, dtype=bool), peak_entries)


def _serve_domain(cache: Cache, domain: list[int], keys: list, times: list, compute: list,
                  writes: tuple[list, list], rules: Rules, latency: list, outcome: list, stale: list) -> int:
    """One cache's requests, in arrival order; fills `latency`, `outcome`, `stale`; returns its peak.

    The hot path is a hit; updates and the outage are events on the clock, checked with one comparison
    (`now >= due`) per request and handled on a slow path."""
    get, put, size = cache.get, cache.put, cache.__len__
    full = cache.maxsize if cache.maxsize is not None else math.inf
    ttl, t_hit, lock_cost, wait = rules.ttl, rules.t_hit, rules.lock_cost, rules.wait
    down, up = rules.outage
    flights: dict[int, tuple[float, float]] = {}  # key -> (end, start) of its latest computation
    updated: dict[int, float] = {}  # key -> when its data last changed
    changed = updated.get
    write_times, write_keys = writes
    w, peak = 0, 0
    due = min(write_times[0] if write_times else math.inf, down)  # the next update or outage
    for i in domain:
        key, now = keys[i], times[i]
        if now >= due:
            w = _apply_writes(cache, flights, updated, writes, w, now, rules.invalidation)
            if down <= now < up:  # the shared cache is unreachable
                _fall_back(cache, flights, rules, i, compute, latency, outcome)
                continue
            if now >= up:
                down = up = math.inf
            due = min(write_times[w] if w < len(write_times) else math.inf, down)
        flight = flights.get(key)
        if flight is not None and now < flight[0]:  # its computation is still running
            if wait:
                outcome[i], latency[i] = WAIT, t_hit + lock_cost + (flight[0] - now)
                stale[i] = changed(key, -1.0) > flight[1]
            else:
                outcome[i], latency[i] = DUPLICATE, 2 * t_hit + compute[i]
            continue
        filled = get(key, MISSING)
        if filled is not MISSING and now < filled[0] + ttl:  # a hit: outcome and latency are preset
            if changed(key, -1.0) > filled[1]:
                stale[i] = True
            continue
        end = now + compute[i]
        flights[key] = (end, now)
        put(key, (end, now))  # usable from `end` on; `flights` covers [now, end)
        outcome[i], latency[i] = MISS, 2 * t_hit + lock_cost + compute[i]
        if peak < full:  # once the cache has been full, the peak is known
            held = size()
            if held > peak:
                peak = held
    return peak


def _apply_writes(cache: Cache, flights: dict, updated: dict, writes: tuple[list, list], w: int, now: float,
                  invalidation: str) -> int:
    """Apply every update up to `now`, from index `w`; return the index of the next one."""
    write_times, write_keys = writes
    while w < len(write_times) and write_times[w] <= now:
        key, when = write_keys[w], write_times[w]
        updated[key] = when
        if invalidation != "ttl":
            _invalidate(cache, flights, key, when, invalidation)
        w += 1
    return w


def _invalidate(cache: Cache, flights: dict, key: int, when: float, invalidation: str) -> None:
    """One update under "delete" or "lease": drop the cached copy (unless a running computation's late
    store is still to land, under "delete"), and under "lease" revoke that computation's lease too."""
    flight = flights.get(key)
    running = flight is not None and flight[0] > when
    if invalidation == "lease" and running:
        del flights[key]
    elif running:  # "delete": the store of the running computation lands after our delete
        return
    if key in cache:
        del cache[key]


def _fall_back(cache: Cache, flights: dict, rules: Rules, i: int, compute: list, latency: list,
               outcome: list) -> None:
    """Request `i` while the shared cache is down: a timeout, then the origin or a generic answer. A
    cold outage loses the cache's content (done at its first request: nothing reads it before)."""
    if rules.cold and (len(cache) or flights):
        cache.clear()
        flights.clear()
    if rules.fallback == "origin":
        outcome[i], latency[i] = FALLBACK, rules.t_timeout + compute[i]
    else:
        outcome[i], latency[i] = DEGRADED, rules.t_timeout
