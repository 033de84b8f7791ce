"""When requests arrive and when the origin's data changes: time streams that know no cache.

    ts = arrivals(60_000, duration=600, seed=0)                       # sorted request times
    changes = random_changes(n_keys=5_000, duration=600, change_every=120, seed=1)

`hotcache_lab.sim.service` replays such streams through a cache strategy on a simulated clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _check

__all__ = ["Changes", "random_changes", "arrivals"]


@dataclass(frozen=True)
class Changes:
    """When the origin's data changes: `keys[i]` gets a new version at `times[i]` (times sorted)."""

    times: np.ndarray
    keys: np.ndarray

    def __post_init__(self) -> None:
        times = np.asarray(self.times, dtype=float)
        keys = np.asarray(self.keys)
        if times.ndim != 1 or keys.ndim != 1:
            raise ValueError("changes: times and keys must be 1-D sequences")
        if len(times) != len(keys):
            raise ValueError(f"changes: {len(times)} times but {len(keys)} keys; they must pair up")
        if len(times) and not np.all(np.isfinite(times)):
            raise ValueError("changes: times must be finite numbers")
        if len(times) > 1 and np.any(np.diff(times) < 0):
            raise ValueError("changes: times must be sorted (non-decreasing)")
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "keys", keys)

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def never(cls) -> Changes:
        """No changes at all: the data stays as it was first fetched."""
        return cls(np.empty(0), np.empty(0, dtype=np.int64))


def random_changes(n_keys: int, duration: float, change_every: float, seed: int = 0) -> Changes:
    """Each key of 0..n_keys-1 changes as a Poisson process with mean `change_every` seconds between versions.

    Seeded: the same arguments give the same changes.
    """
    n_keys = _check.integer("n_keys", n_keys)
    duration = _check.seconds("duration", duration)
    change_every = _check.seconds("change_every", change_every)
    rng = _check.seed(seed)
    count = rng.poisson(n_keys * duration / change_every)
    times = np.sort(rng.uniform(0.0, duration, size=count))
    keys = rng.integers(0, n_keys, size=count)
    return Changes(times, keys)


def arrivals(n_requests: int, duration: float, seed: int = 0, *, quiet: tuple[float, float] | None = None
             ) -> np.ndarray:
    """Sorted arrival times of `n_requests` requests, uniform over [0, duration) (a Poisson process).

    `quiet=(start, end)` leaves that window without traffic (the same number of requests arrive
    outside it), e.g. a night or a failover, to show what a cache holds while nobody asks.
    """
    n_requests = _check.integer("n_requests", n_requests, minimum=0)
    duration = _check.seconds("duration", duration)
    rng = _check.seed(seed)
    if quiet is None:
        return np.sort(rng.uniform(0.0, duration, size=n_requests))
    start, end = quiet
    if not 0 <= start < end <= duration:
        raise ValueError(f"quiet must be (start, end) with 0 <= start < end <= duration, got {quiet!r}")
    busy = duration - (end - start)
    if busy <= 0:
        raise ValueError("quiet covers the whole duration: no time left for requests")
    u = rng.uniform(0.0, busy, size=n_requests)
    return np.sort(np.where(u < start, u, u + (end - start)))
