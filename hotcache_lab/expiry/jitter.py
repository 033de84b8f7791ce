"""Synchronized expiry: entries filled together expire together, and the database takes the spike.

After a deploy, a cache flush or a warm-up job, many keys are filled within seconds and get the same
TTL, so they all expire in the same second, and every one of them misses and reloads at once; the
reloads get the same TTL again, so the spike comes back every TTL. Jitter (each TTL drawn from
[ttl * (1 - jitter), ttl]) spreads the expiries out, and the spike melts into the steady load.
Simulated on a clock (seeded Poisson requests per key), so the counts are the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _check


@dataclass(frozen=True)
class ExpiryLoad:
    jitter: float
    seconds: np.ndarray  # the start of each one-second bucket
    db_queries: np.ndarray  # reloads in that second (a request after its key expired)
    warmup: int  # keys filled at time 0, not counted in db_queries

    @property
    def peak(self) -> int:
        return int(self.db_queries.max()) if self.db_queries.size else 0

    @property
    def mean(self) -> float:
        return float(self.db_queries.mean()) if self.db_queries.size else 0.0


def synchronized_expiry(*, jitter: float, keys: int = 1000, ttl: float = 60.0, rate: float = 0.2,
                        duration: float = 300.0, seed: int = 0) -> ExpiryLoad:
    """`keys` keys filled at t=0, each requested at `rate` per second (Poisson) for `duration` seconds;
    a request after its key's expiry reloads it (one database query) with a fresh, jittered TTL."""
    _check.fraction("jitter", jitter)
    keys = _check.integer("keys", keys)
    _check.positive("ttl", ttl)
    _check.positive("rate", rate)
    _check.positive("duration", duration)
    rng = np.random.default_rng(seed)
    per_key = max(1, int(rate * duration * 2))
    arrivals = np.cumsum(rng.exponential(1 / rate, size=(keys, per_key)), axis=1)
    while arrivals[:, -1].min() < duration:  # every key's requests must cover the whole duration
        more = arrivals[:, -1:] + np.cumsum(rng.exponential(1 / rate, size=(keys, per_key)), axis=1)
        arrivals = np.hstack([arrivals, more])
    lows = 1 - jitter * rng.random((keys, arrivals.shape[1] + 1))  # each fill's TTL, as a share of ttl
    reloads = []
    for key in range(keys):
        expires = ttl * lows[key, 0]
        fills = 1
        for t in arrivals[key]:
            if t >= duration:
                break
            if t >= expires:
                reloads.append(t)
                expires = t + ttl * lows[key, fills]
                fills += 1
    counts = np.bincount(np.floor(np.asarray(reloads)).astype(int), minlength=int(duration))[: int(duration)]
    return ExpiryLoad(jitter, np.arange(int(duration)), counts, keys)
