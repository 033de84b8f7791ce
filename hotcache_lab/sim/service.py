"""A simulated long-running service on a time axis: what a cache strategy costs in memory and staleness.

A service answers a timestamped stream of requests for keys. Behind it sits an origin whose data
CHANGES: every key has a version that bumps at (seeded, random) change times. On a miss the service
fetches the current version and caches it; on a hit it serves what the cache holds, which may be an
old version: a *stale read*. Four management strategies, each driving a real `hotcache_lab.caches` class:

- "unbounded": `caches.UnboundedCache`, what `functools.cache` / `lru_cache(maxsize=None)` does;
- "lru":       `caches.LRUCache(maxsize)`, what `functools.lru_cache(maxsize)` does;
- "ttl":       `caches.TTLCache(maxsize or None, ttl, timer=clock)` with a simulated clock;
- "clear":     an unbounded cache (or an LRU if `maxsize` is given) emptied with `clear()` every
               `clear_every` seconds, like calling `f.cache_clear()` from a periodic job.

Time is simulated (`SimClock`): nothing sleeps, a 10-minute service runs in a fraction of a second.
The request and change times come from `hotcache_lab.workloads` (`arrivals`, `random_changes`):

    ts = workloads.arrivals(60_000, duration=600, seed=0)
    changes = workloads.random_changes(n_keys=5_000, duration=600, change_every=120, seed=1)
    r = simulate_service(ts, keys, "ttl", ttl=30, changes=changes)
    r.hit_ratio, r.peak_entries, r.stale_reads, r.max_age, r.series["entries"]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from .. import _check
from ..caches import LRUCache, TTLCache, UnboundedCache
from ..measure.memory import traced
from ..workloads.arrivals import Changes, arrivals, random_changes
from .service_origin import remembered_origin_versions
from .service_replay import Requests, Timeline, replay
from .service_result import FRESH, MISS, SERIES, STALE, FrontierPoint, ServiceResult

__all__ = [
    "MANAGEMENT_STRATEGIES", "SimClock", "simulate_service", "compare", "frontier", "sweep",
    "bytes_per_entry",
    "ServiceResult", "FrontierPoint", "SERIES", "MISS", "FRESH", "STALE",
    "Changes", "arrivals", "random_changes",  # the request streams, also at their home in workloads
]

#: How a long-running service keeps its cache in check.
MANAGEMENT_STRATEGIES = ("unbounded", "lru", "ttl", "clear")

#: Which keyword parameters each strategy takes ("required", "optional"); anything else is an error.
_PARAMS = {
    "unbounded": ((), ()),
    "lru": (("maxsize",), ()),
    "ttl": (("ttl",), ("maxsize",)),
    "clear": (("clear_every",), ("maxsize",)),
}


class SimClock:
    """A settable clock: pass it as `timer=` to a TTLCache and move `now` by hand instead of sleeping."""

    __slots__ = ("now",)

    def __init__(self, now: float = 0.0) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def __repr__(self) -> str:
        return f"SimClock(now={self.now!r})"


def _check_params(strategy: object, params: dict) -> dict:
    _check.one_of("strategy", strategy, MANAGEMENT_STRATEGIES)
    required, optional = _PARAMS[strategy]
    given = {k: v for k, v in params.items() if v is not None}
    for name in required:
        if name not in given:
            raise ValueError(f"strategy {strategy!r} needs {name}=")
    for name in given:
        if name not in required and name not in optional:
            users = [s for s, (r, o) in _PARAMS.items() if name in r or name in o]
            raise ValueError(f"{name}= does not apply to strategy {strategy!r} (only to {', '.join(users)})")
    if "maxsize" in given:
        given["maxsize"] = _check.maxsize(given["maxsize"])
    for name in ("ttl", "clear_every"):
        if name in given:
            given[name] = _check.seconds(name, given[name])
    return given


def _make_cache(strategy: str, params: dict, clock: SimClock):
    maxsize = params.get("maxsize")
    if strategy == "unbounded":
        return UnboundedCache()
    if strategy == "lru":
        return LRUCache(maxsize)
    if strategy == "ttl":
        return TTLCache(maxsize, params["ttl"], timer=clock)
    return UnboundedCache() if maxsize is None else LRUCache(maxsize)  # "clear"


def _check_requests(timestamps: Sequence[float], keys: Sequence[Hashable]) -> tuple[np.ndarray, list]:
    ts = np.asarray(timestamps, dtype=float)
    if ts.ndim != 1:
        raise ValueError(f"timestamps must be 1-D, got shape {ts.shape}")
    keys_list = keys.tolist() if isinstance(keys, np.ndarray) else list(keys)
    if len(keys_list) != len(ts):
        raise ValueError(f"timestamps and keys must have the same length, got {len(ts)} and {len(keys_list)}")
    if len(ts):
        if not np.all(np.isfinite(ts)) or ts[0] < 0:
            raise ValueError("timestamps must be finite and >= 0")
        if np.any(np.diff(ts) < 0):
            raise ValueError("timestamps must be sorted (non-decreasing)")
    return ts, keys_list


def _buckets(ts: np.ndarray, duration: float | None, bucket_seconds: float | None,
             n_buckets: int) -> tuple[float, float, int]:
    """(duration, bucket width, number of buckets): duration defaults to just past the last request."""
    if duration is None:
        duration = float(np.nextafter(ts[-1], np.inf)) if len(ts) else 1.0
        duration = max(duration, 1e-9)
    else:
        duration = _check.seconds("duration", duration)
        if len(ts) and ts[-1] >= duration:
            raise ValueError(f"duration={duration:g} must be after the last request at t={ts[-1]:g}")
    if bucket_seconds is None:
        bucket_seconds = duration / _check.integer("n_buckets", n_buckets)
    else:
        bucket_seconds = _check.seconds("bucket_seconds", bucket_seconds)
    return duration, bucket_seconds, max(1, int(np.ceil(duration / bucket_seconds - 1e-9)))


def _as_changes(changes, change_times, change_keys, change_every, keys_list, duration, seed) -> Changes:
    if changes is not None:
        if change_times is not None or change_keys is not None or change_every is not None:
            raise ValueError("give changes= or change_times=/change_keys= or change_every=, not several")
        if not isinstance(changes, Changes):
            raise TypeError(f"changes must be a Changes (see random_changes), got {type(changes).__name__}")
        return changes
    if change_times is not None or change_keys is not None:
        if change_times is None or change_keys is None:
            raise ValueError("change_times= and change_keys= go together")
        if change_every is not None:
            raise ValueError("give change_times=/change_keys= or change_every=, not both")
        return Changes(change_times, change_keys)
    if change_every is not None:
        _check.seconds("change_every", change_every)
        if not all(isinstance(k, int) and k >= 0 for k in keys_list):
            raise ValueError("change_every= needs non-negative int keys; pass changes= for other keys")
        return random_changes(max(keys_list, default=0) + 1, duration, change_every, seed=seed)
    return Changes.never()


def simulate_service(
    timestamps: Sequence[float], keys: Sequence[Hashable], strategy: str, *,
    maxsize: int | None = None, ttl: float | None = None, clear_every: float | None = None,
    changes: Changes | None = None, change_times: Sequence[float] | None = None,
    change_keys: Sequence[Hashable] | None = None, change_every: float | None = None,
    duration: float | None = None, bucket_seconds: float | None = None, n_buckets: int = 100,
    seed: int = 0, record: bool = False,
) -> ServiceResult:
    """Replay timestamped requests through one cache strategy while the origin's data changes.

    timestamps: non-decreasing request times in seconds (>= 0); keys: one hashable key per request.
    strategy: "unbounded" | "lru" (maxsize) | "ttl" (ttl, optional maxsize) | "clear" (clear_every,
    optional maxsize). A parameter the strategy does not use is an error, not silently ignored.
    Data changes: `changes=` (a Changes), or `change_times=` + `change_keys=`, or `change_every=`
    (mean seconds between versions of each int key, generated with `seed`); none of them: data never changes.
    Buckets: `bucket_seconds` wide (default: `duration / n_buckets`), covering [0, duration);
    `duration` defaults to just past the last request.
    record=True also keeps a per-request `log` (outcome, served and origin versions, age): for small runs.
    """
    params = _check_params(strategy, {"maxsize": maxsize, "ttl": ttl, "clear_every": clear_every})
    ts, keys_list = _check_requests(timestamps, keys)
    duration, bucket_seconds, nb = _buckets(ts, duration, bucket_seconds, n_buckets)
    ch = _as_changes(changes, change_times, change_keys, change_every, keys_list, duration, seed)
    key_ids, versions, change_start, change_times_sorted = remembered_origin_versions(ts, keys, keys_list, ch)

    clock = SimClock(0.0)
    cache = _make_cache(strategy, params, clock)
    # ttl: when each held entry was stored, kept in step through the cache's own eviction hook, so
    # the entries in memory, expired-but-held included, are counted without touching the cache
    held = {} if strategy == "ttl" else None
    if held is not None:
        cache.on_evict(lambda key, value: held.pop(key))
    timeline = Timeline(cache, nb, bucket_seconds, params.get("clear_every"), params.get("ttl"), held)
    sizes, served = replay(ts.tolist(), keys_list, cache, clock, timeline, held)
    timeline.finish(duration)

    done = Requests.of(ts, versions, sizes, served, timeline)
    st = cache.stats
    expirations = cache.expirations if held is not None else 0
    return ServiceResult(
        strategy=strategy, params=params, bucket_starts=np.arange(nb) * bucket_seconds,
        bucket_seconds=bucket_seconds, series=done.series(timeline),
        hits=int(done.hit.sum()), misses=int((~done.hit).sum()), stale_reads=int(done.stale.sum()),
        peak_entries=int(done.size.max(initial=0)), final_entries=timeline.held_now(),
        evictions=st.evictions - expirations, expirations=expirations, clears=timeline.clears,
        max_age=float(done.age[done.hit].max(initial=0.0)),
        max_stale_for=done.max_stale_for(ts, key_ids, change_start, change_times_sorted),
        cache_stats=st, log=done.log() if record else None,
    )


def compare(timestamps, keys, settings: Iterable[dict], **common) -> list[ServiceResult]:
    """Run several strategies on the same stream and changes.

    settings: dicts like {"strategy": "ttl", "ttl": 30}; `common` goes to every run
    (changes=, duration=, ...).
    """
    results = []
    for s in settings:
        s = dict(s)
        if "strategy" not in s:
            raise ValueError(f"each setting needs a 'strategy', got {s!r}")
        results.append(simulate_service(timestamps, keys, s.pop("strategy"), **s, **common))
    return results


def frontier(timestamps, keys, settings: Iterable[dict], **common) -> list[FrontierPoint]:
    """Memory (peak and mean entries) against hit ratio and staleness, one point per setting."""
    return [FrontierPoint.of(r) for r in compare(timestamps, keys, settings, **common)]


def sweep(strategy: str, name: str, values: Iterable, **fixed) -> list[dict]:
    """Settings for `frontier`/`compare`, one per value of parameter `name`: sweep("ttl", "ttl", [5, 30])."""
    _check.one_of("strategy", strategy, MANAGEMENT_STRATEGIES)
    return [{"strategy": strategy, **fixed, name: v} for v in values]


def bytes_per_entry(n: int = 20_000, strategy: str = "lru") -> float:
    """Measured (tracemalloc) bytes one entry costs in our caches, with the values the replay caches
    (an int: the index of the request that fetched it).

    A real measurement: it varies a little between Python builds and runs. Multiply by entries held
    for an estimate of a cache's memory.
    """
    n = _check.integer("n", n)
    _check.one_of("strategy", strategy, MANAGEMENT_STRATEGIES)
    params = {"unbounded": {}, "lru": {"maxsize": n}, "ttl": {"ttl": 1e9}, "clear": {"clear_every": 1e9}}
    keys = list(range(10**6, 10**6 + n))  # ints outside the small-int cache, made before measuring
    with traced() as held:  # tracemalloc around the block
        cache = _make_cache(strategy, params[strategy], SimClock(0.0))
        for i, k in enumerate(keys):
            cache.put(k, n + i)  # a fresh int, as the replay's request indexes are
    del cache
    return held.current / n
