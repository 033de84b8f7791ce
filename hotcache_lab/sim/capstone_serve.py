"""The capstone's request loop: each cache domain serves its requests on the simulated clock.

A value enters the cache when its computation ENDS (`put(key, end)`: the value is the time from
which it is usable), so a request that arrives while its key is still being computed either waits
for that computation or computes it again (a duplicate); `sim/capstone.py` turns the outcomes into
the score. The loop reads the stored end time to apply the TTL, so it calls `get` and `put` itself
instead of `Cache.request`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..caches import Cache
from ..caches.base import MISSING

HIT, MISS, DUPLICATE, WAIT = 0, 1, 2, 3  # what happened to each request


def serve(make_cache: Callable[[], Cache], domains: Sequence[list[int]], keys: np.ndarray, times: np.ndarray,
          compute: np.ndarray, *, ttl: float, t_hit: float, lock_cost: float,
          wait: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Serve every request; return each one's latency (s) and outcome, and the peak entries of all caches.

    `domains` holds the request indices each cache sees (one list per process, or one for a shared
    cache); `wait`: whether a request for a key being computed waits for it (single-flight, or one
    thread in all) rather than computing it again.
    """
    latency = np.empty(len(keys))
    outcome = np.empty(len(keys), dtype=np.int8)
    peak_entries = 0
    for domain in domains:
        peak_entries += _serve_domain(make_cache(), domain, keys, times, compute, latency, outcome,
                                      ttl=ttl, t_hit=t_hit, lock_cost=lock_cost, wait=wait)
    return latency, outcome, peak_entries


def _serve_domain(cache: Cache, domain: list[int], keys: np.ndarray, times: np.ndarray, compute: np.ndarray,
                  latency: np.ndarray, outcome: np.ndarray, *, ttl: float, t_hit: float, lock_cost: float,
                  wait: bool) -> int:
    """One cache's requests, in arrival order; fills `latency` and `outcome`, returns its peak entries."""
    get, put = cache.get, cache.put
    flights: dict[int, float] = {}  # key -> when its latest computation ends
    peak = 0
    for i in domain:
        key, now = int(keys[i]), float(times[i])
        end = flights.get(key)
        if end is not None and now < end:  # its computation is still running
            if wait:
                outcome[i], latency[i] = WAIT, t_hit + lock_cost + (end - now)
            else:
                outcome[i], latency[i] = DUPLICATE, 2 * t_hit + compute[i]
            continue
        filled = get(key, MISSING)
        if filled is not MISSING and now < filled + ttl:
            outcome[i], latency[i] = HIT, t_hit
            continue
        end = now + compute[i]
        flights[key] = end
        put(key, end)  # the value is usable from `end` on; `flights` covers [now, end)
        outcome[i], latency[i] = MISS, 2 * t_hit + lock_cost + compute[i]
        peak = max(peak, len(cache))
    return peak
