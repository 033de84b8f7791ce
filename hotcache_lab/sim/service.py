"""A simulated long-running service on a time axis: what a cache strategy costs in memory and staleness.

A service answers a timestamped stream of requests for keys. Behind it sits an origin whose data
CHANGES: every key has a version that bumps at (seeded, random) change times. On a miss the service
fetches the current version and caches it; on a hit it serves what the cache holds, which may be an
old version: a *stale read*. Four strategies, each driving a real `hotcache_lab.caches` class:

- "unbounded": `caches.UnboundedCache`, what `functools.cache` / `lru_cache(maxsize=None)` does;
- "lru":       `caches.LRUCache(maxsize)`, what `functools.lru_cache(maxsize)` does;
- "ttl":       `caches.TTLCache(maxsize or None, ttl, timer=clock)` with a simulated clock;
- "clear":     an unbounded cache (or an LRU if `maxsize` is given) emptied with `clear()` every
               `clear_every` seconds, like calling `f.cache_clear()` from a periodic job.

Time is simulated (`SimClock`): nothing sleeps, a 10-minute service runs in a fraction of a second.

    ts = arrivals(60_000, duration=600, seed=0)
    changes = random_changes(n_keys=5_000, duration=600, change_every=120, seed=1)
    r = simulate_service(ts, keys, "ttl", ttl=30, changes=changes)
    r.hit_ratio, r.peak_entries, r.stale_reads, r.max_age, r.series["entries"]
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..caches import MISSING, LRUCache, TTLCache, UnboundedCache
from ..measure.memory import traced

STRATEGIES = ("unbounded", "lru", "ttl", "clear")

#: Which keyword parameters each strategy takes ("required", "optional"); anything else is an error.
_PARAMS = {
    "unbounded": ((), ()),
    "lru": (("maxsize",), ()),
    "ttl": (("ttl",), ("maxsize",)),
    "clear": (("clear_every",), ("maxsize",)),
}

MISS, FRESH, STALE = 0, 1, 2  # request outcomes in ServiceResult.log["outcome"]

#: Names of the per-bucket series in `ServiceResult.series`.
SERIES = ("entries", "peak_entries", "expired_held", "requests", "hits", "misses", "stale_reads", "max_age")


class SimClock:
    """A settable clock: pass it as `timer=` to a TTLCache and move `now` by hand instead of sleeping."""

    __slots__ = ("now",)

    def __init__(self, now: float = 0.0) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def __repr__(self) -> str:
        return f"SimClock(now={self.now!r})"


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


def random_changes(n_keys: int, duration: float, change_every: float, seed: int = 0) -> Changes:
    """Each key of 0..n_keys-1 changes as a Poisson process with mean `change_every` seconds between versions.

    Seeded: the same arguments give the same changes.
    """
    if isinstance(n_keys, bool) or not isinstance(n_keys, (int, np.integer)) or n_keys <= 0:
        raise ValueError(f"n_keys must be a positive int, got {n_keys!r}")
    if not duration > 0:
        raise ValueError(f"duration must be positive, got {duration!r}")
    if not change_every > 0:
        raise ValueError(f"change_every must be positive (seconds), got {change_every!r}")
    rng = np.random.default_rng(seed)
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
    if isinstance(n_requests, bool) or not isinstance(n_requests, (int, np.integer)) or n_requests < 0:
        raise ValueError(f"n_requests must be a non-negative int, got {n_requests!r}")
    if not duration > 0:
        raise ValueError(f"duration must be positive, got {duration!r}")
    rng = np.random.default_rng(seed)
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


@dataclass(frozen=True)
class ServiceResult:
    """What one strategy did over the run: per-bucket `series` and run totals.

    series (numpy arrays, one value per time bucket starting at `bucket_starts`):
      entries       entries held at the end of the bucket (len(cache): expired-but-held included)
      peak_entries  most entries held at any moment in the bucket
      expired_held  entries held at the end of the bucket whose TTL is already up (ttl only; else 0)
      requests, hits, misses, stale_reads   counts of the bucket's requests
      max_age       oldest value served by a hit in the bucket (seconds since it was fetched; 0 if no hit)

    log (only with record=True), one entry per request:
      outcome        MISS (0), FRESH hit (1) or STALE hit (2)
      served_version the version the service answered with (fetched on a miss, cached on a hit)
      origin_version the origin's current version at that moment
      age            seconds since the served value was fetched (0 on a miss)
    """

    strategy: str
    params: dict
    bucket_starts: np.ndarray
    bucket_seconds: float
    series: dict[str, np.ndarray]
    hits: int
    misses: int
    stale_reads: int
    peak_entries: int
    final_entries: int
    evictions: int  # capacity evictions (LRU), not expirations
    expirations: int  # entries dropped because their TTL was up (ttl only)
    clears: int  # cache_clear() calls (clear only)
    max_age: float  # oldest value served, seconds since it was fetched from the origin
    max_stale_for: float  # longest a served value had already been out of date, seconds
    cache_stats: Any = field(repr=False, default=None)  # the real cache's own .stats at the end
    log: dict[str, np.ndarray] | None = field(repr=False, default=None)  # per request, with record=True

    @property
    def requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.requests if self.requests else 0.0

    @property
    def stale_ratio(self) -> float:
        """Stale reads over all requests: the share of answers that were out of date."""
        return self.stale_reads / self.requests if self.requests else 0.0

    @property
    def mean_entries(self) -> float:
        """Time-average of entries held (bucket ends), a fair 'memory bill' for the whole run."""
        e = self.series["entries"]
        return float(e.mean()) if len(e) else 0.0

    @property
    def label(self) -> str:
        inner = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in self.params.items())
        return f"{self.strategy}({inner})" if inner else self.strategy

    def hit_ratio_series(self, window: int = 1) -> np.ndarray:
        """Hits over requests per bucket, or over the last `window` buckets (NaN where there were none)."""
        if isinstance(window, bool) or not isinstance(window, int) or window <= 0:
            raise ValueError(f"window must be a positive int (buckets), got {window!r}")
        req = self.series["requests"]
        hits = self.series["hits"]
        if window > 1:
            kernel = np.ones(window, dtype=np.int64)
            req = np.convolve(req, kernel)[: len(req)]
            hits = np.convolve(hits, kernel)[: len(hits)]
        return np.where(req > 0, hits / np.maximum(req, 1), np.nan)

    def summary(self) -> dict:
        """Small, deterministic figures for printing: ratios rounded to 3 places."""
        return {
            "strategy": self.label, "hit_ratio": round(self.hit_ratio, 3), "peak_entries": self.peak_entries,
            "stale_reads": self.stale_reads, "max_age": round(self.max_age, 1),
        }


def _check_positive_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number of seconds, got {value!r}")
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def _check_params(strategy: object, params: dict) -> dict:
    if strategy not in _PARAMS:
        raise ValueError(f"strategy must be one of {', '.join(map(repr, STRATEGIES))}; got {strategy!r}")
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
        m = given["maxsize"]
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)):
            raise TypeError(f"maxsize must be a positive int, got {m!r}")
        if m <= 0:
            raise ValueError(f"maxsize must be a positive int, got {m!r}")
        given["maxsize"] = int(m)
    for name in ("ttl", "clear_every"):
        if name in given:
            given[name] = _check_positive_number(name, given[name])
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
        _check_positive_number("change_every", change_every)
        if not all(isinstance(k, int) and k >= 0 for k in keys_list):
            raise ValueError("change_every= needs non-negative int keys; pass changes= for other keys")
        n_keys = max(keys_list, default=0) + 1
        return random_changes(n_keys, duration, change_every, seed=seed)
    return Changes(np.empty(0), np.empty(0, dtype=np.int64))  # the data never changes


def simulate_service(
    timestamps: Sequence[float],
    keys: Sequence[Hashable],
    strategy: str,
    *,
    maxsize: int | None = None,
    ttl: float | None = None,
    clear_every: float | None = None,
    changes: Changes | None = None,
    change_times: Sequence[float] | None = None,
    change_keys: Sequence[Hashable] | None = None,
    change_every: float | None = None,
    duration: float | None = None,
    bucket_seconds: float | None = None,
    n_buckets: int = 100,
    seed: int = 0,
    record: bool = False,
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
    if duration is None:
        duration = float(np.nextafter(ts[-1], np.inf)) if len(ts) else 1.0
        duration = max(duration, 1e-9)
    else:
        duration = _check_positive_number("duration", duration)
        if len(ts) and ts[-1] >= duration:
            raise ValueError(f"duration={duration:g} must be after the last request at t={ts[-1]:g}")
    if bucket_seconds is None:
        if isinstance(n_buckets, bool) or not isinstance(n_buckets, int) or n_buckets <= 0:
            raise ValueError(f"n_buckets must be a positive int, got {n_buckets!r}")
        bucket_seconds = duration / n_buckets
    else:
        bucket_seconds = _check_positive_number("bucket_seconds", bucket_seconds)
    nb = max(1, int(np.ceil(duration / bucket_seconds - 1e-9)))
    ch = _as_changes(changes, change_times, change_keys, change_every, keys_list, duration, seed)

    clock = SimClock(0.0)
    cache = _make_cache(strategy, params, clock)
    is_ttl = strategy == "ttl"
    clear_every_s = params.get("clear_every")

    # the origin's version of each request's key at its time, and when each version went out of date
    req_ids, req_version, change_start, change_times_sorted = _cached_origin_versions(ts, keys, keys_list, ch)

    s_entries = np.zeros(nb, dtype=np.int64)
    s_peak = np.zeros(nb, dtype=np.int64)
    s_expired = np.zeros(nb, dtype=np.int64)
    s_req = np.zeros(nb, dtype=np.int64)
    s_hits = np.zeros(nb, dtype=np.int64)
    s_stale = np.zeros(nb, dtype=np.int64)
    s_age = np.zeros(nb, dtype=float)

    b = 0  # current bucket
    next_edge = bucket_seconds
    next_clear = clear_every_s if clear_every_s is not None else np.inf
    inf = float("inf")
    clears = 0
    peak = 0
    bucket_peak = 0
    hits = misses = stale = 0
    b_req = b_hits = b_stale = 0
    b_age = 0.0
    max_age = 0.0
    max_stale_for = 0.0
    get = cache.get
    put = cache.put
    missing = MISSING
    log_rows: list | None = [] if record else None
    # ttl: when each held entry was stored, kept in step through the cache's own eviction hook, so
    # expired-but-held entries can be counted without touching the cache (a lookup would count)
    held: dict = {}
    ttl_s = params.get("ttl")
    if is_ttl:
        held_pop = held.pop
        cache.on_evict(lambda key, value: held_pop(key))

    def close_bucket(at: float) -> None:
        s_entries[b] = len(cache)
        s_peak[b] = bucket_peak
        s_req[b] = b_req
        s_hits[b] = b_hits
        s_stale[b] = b_stale
        s_age[b] = b_age
        if is_ttl:
            stored = np.fromiter(held.values(), dtype=float, count=len(held))
            s_expired[b] = np.count_nonzero(stored + ttl_s <= at)

    for t, k, current, kid in zip(ts.tolist(), keys_list, req_version, req_ids, strict=True):
        # time-driven events due before this request, in time order: bucket ends, then clears
        while t >= next_edge or t >= next_clear:
            if next_edge <= next_clear:
                close_bucket(next_edge)
                b += 1
                next_edge = (b + 1) * bucket_seconds if b + 1 < nb else inf
                bucket_peak = len(cache)
                b_req = b_hits = b_stale = 0
                b_age = 0.0
            else:
                cache.clear()
                clears += 1
                next_clear = (clears + 1) * clear_every_s
        clock.now = t
        b_req += 1
        v = get(k, missing)
        if v is missing:
            misses += 1
            put(k, (current, t))
            if is_ttl:
                held[k] = t
            if log_rows is not None:
                log_rows.append((MISS, current, current, 0.0))
            n_now = len(cache)
            if n_now > bucket_peak:
                bucket_peak = n_now
                if n_now > peak:
                    peak = n_now
        else:
            hits += 1
            b_hits += 1
            cached_version, fetched_at = v
            age = t - fetched_at
            if age > b_age:
                b_age = age
                if age > max_age:
                    max_age = age
            if cached_version != current:
                stale += 1
                b_stale += 1
                stale_for = t - change_times_sorted[change_start[kid] + cached_version]
                if stale_for > max_stale_for:
                    max_stale_for = stale_for
            if log_rows is not None:
                log_rows.append((FRESH if cached_version == current else STALE, cached_version, current, age))
    # the buckets after the last request still exist: the cache keeps holding what it holds
    while b < nb:
        edge = min((b + 1) * bucket_seconds, duration)
        while next_clear < edge:
            cache.clear()
            clears += 1
            next_clear = (clears + 1) * clear_every_s
        close_bucket(edge)
        b += 1
        bucket_peak = len(cache)
        b_req = b_hits = b_stale = 0
        b_age = 0.0

    st = cache.stats
    expirations = cache.expirations if is_ttl else 0
    return ServiceResult(
        strategy=strategy, params=params,
        bucket_starts=np.arange(nb) * bucket_seconds, bucket_seconds=bucket_seconds,
        series={"entries": s_entries, "peak_entries": s_peak, "expired_held": s_expired, "requests": s_req,
                "hits": s_hits, "misses": s_req - s_hits, "stale_reads": s_stale, "max_age": s_age},
        hits=hits, misses=misses, stale_reads=stale, peak_entries=peak, final_entries=len(cache),
        evictions=st.evictions - expirations, expirations=expirations, clears=clears,
        max_age=max_age, max_stale_for=max_stale_for, cache_stats=st, log=_log_arrays(log_rows),
    )


def _log_arrays(rows: list | None) -> dict[str, np.ndarray] | None:
    if rows is None:
        return None
    cols = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    return {
        "outcome": np.array(cols[0], dtype=np.int8), "served_version": np.array(cols[1], dtype=np.int64),
        "origin_version": np.array(cols[2], dtype=np.int64), "age": np.array(cols[3], dtype=float),
    }


_ORIGIN_CACHE: OrderedDict = OrderedDict()  # digest of (requests, changes) -> _origin_versions(...)
_ORIGIN_CACHE_SIZE = 4


def _cached_origin_versions(ts: np.ndarray, keys, keys_list: list, ch: Changes) -> tuple:
    """`_origin_versions`, remembered for the last few streams: sweeps replay one stream many times.

    Keyed by a digest of the arrays' contents (not their identity), so a modified array is recomputed.
    Only numeric key arrays are remembered; other keys are recomputed every time.
    """
    if not (isinstance(keys, np.ndarray) and keys.dtype.kind in "iu" and ch.keys.dtype.kind in "iuf"):
        return _origin_versions(ts, keys, keys_list, ch)
    h = hashlib.blake2b(digest_size=16)
    for a in (ts, keys, ch.times, ch.keys):
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    digest = h.digest()
    hit = _ORIGIN_CACHE.get(digest)
    if hit is None:
        hit = _ORIGIN_CACHE[digest] = _origin_versions(ts, keys, keys_list, ch)
        while len(_ORIGIN_CACHE) > _ORIGIN_CACHE_SIZE:
            _ORIGIN_CACHE.popitem(last=False)
    else:
        _ORIGIN_CACHE.move_to_end(digest)
    return hit


def _origin_versions(ts: np.ndarray, keys, keys_list: list, ch: Changes) -> tuple[list, list, list, list]:
    """Vectorized bookkeeping of the origin's versions, so the replay loop only touches the cache.

    Returns, per request, a dense key id and the key's version at that moment (changes at the same
    instant count as before the request); and, per dense id, where its sorted change times start, so
    that version v of key id d went out of date at change_times_sorted[change_start[d] + v].
    Changes to keys that are never requested cannot be observed and are skipped.
    """
    n = len(ts)
    arr = keys if isinstance(keys, np.ndarray) else None
    numeric = arr is not None and arr.dtype.kind in "iu" and (len(ch) == 0 or ch.keys.dtype.kind in "iu")
    if numeric:
        uniq, req_ids = np.unique(arr, return_inverse=True)
        req_ids = req_ids.reshape(-1)
        pos = np.minimum(np.searchsorted(uniq, ch.keys), max(len(uniq) - 1, 0))
        seen = (uniq[pos] == ch.keys) if len(uniq) else np.zeros(len(ch), dtype=bool)
        c_ids, c_times = pos[seen], ch.times[seen]
    else:
        ids: dict = {}
        req_ids = np.fromiter((ids.setdefault(k, len(ids)) for k in keys_list), dtype=np.int64, count=n)
        c_keys = ch.keys.tolist()
        seen = np.fromiter((k in ids for k in c_keys), dtype=bool, count=len(c_keys))
        c_ids = np.fromiter((ids[k] for k, ok in zip(c_keys, seen, strict=True) if ok), dtype=np.int64)
        c_times = ch.times[seen]
    nc = len(c_ids)
    n_ids = int(req_ids.max()) + 1 if n else 0
    # one sorted pass over changes and requests: by key id, then time, changes before requests on ties
    all_ids = np.concatenate([c_ids, req_ids])
    all_times = np.concatenate([c_times, ts])
    kind = np.concatenate([np.zeros(nc, dtype=np.int8), np.ones(n, dtype=np.int8)])
    order = np.lexsort((kind, all_times, all_ids))
    is_change = kind[order] == 0
    changes_so_far = np.cumsum(is_change)
    sorted_ids = all_ids[order]
    boundary = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]] if len(order) else np.zeros(0, bool)
    starts = np.flatnonzero(boundary)
    before_group = changes_so_far[starts] - is_change[starts]
    group_len = np.diff(np.r_[starts, len(order)])
    version_sorted = changes_so_far - np.repeat(before_group, group_len)
    req_version = np.empty(n, dtype=np.int64)
    req_version[order[~is_change] - nc] = version_sorted[~is_change]
    c_order = np.lexsort((c_times, c_ids))
    change_start = np.searchsorted(c_ids[c_order], np.arange(n_ids))
    return req_ids.tolist(), req_version.tolist(), change_start.tolist(), c_times[c_order].tolist()


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


@dataclass(frozen=True)
class FrontierPoint:
    """One strategy's place on the memory / hit-ratio / staleness frontier."""

    label: str
    strategy: str
    params: dict
    hit_ratio: float
    peak_entries: int
    mean_entries: float
    stale_reads: int
    stale_ratio: float
    max_age: float


def frontier(timestamps, keys, settings: Iterable[dict], **common) -> list[FrontierPoint]:
    """Memory (peak and mean entries) against hit ratio and staleness, one point per setting."""
    return [
        FrontierPoint(r.label, r.strategy, r.params, r.hit_ratio, r.peak_entries, r.mean_entries,
                      r.stale_reads, r.stale_ratio, r.max_age)
        for r in compare(timestamps, keys, settings, **common)
    ]


def sweep(strategy: str, name: str, values: Iterable, **fixed) -> list[dict]:
    """Settings for `frontier`/`compare`, one per value of parameter `name`: sweep("ttl", "ttl", [5, 30])."""
    if strategy not in _PARAMS:
        raise ValueError(f"strategy must be one of {', '.join(map(repr, STRATEGIES))}; got {strategy!r}")
    return [{"strategy": strategy, **fixed, name: v} for v in values]


def bytes_per_entry(n: int = 20_000, strategy: str = "lru") -> float:
    """Measured (tracemalloc) bytes one entry costs in our caches, with this module's (version, time) values.

    A real measurement: it varies a little between Python builds and runs. Multiply by entries held
    for an estimate of a cache's memory.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    clock = SimClock(0.0)
    params = {"unbounded": {}, "lru": {"maxsize": n}, "ttl": {"ttl": 1e9}, "clear": {"clear_every": 1e9}}
    if strategy not in params:
        raise ValueError(f"strategy must be one of {', '.join(map(repr, STRATEGIES))}; got {strategy!r}")
    keys = list(range(10**6, 10**6 + n))  # ints outside the small-int cache, made before measuring
    with traced() as held:  # hotcache_lab.memory: tracemalloc around the block
        cache = _make_cache(strategy, params[strategy], clock)
        for i, k in enumerate(keys):
            cache.put(k, (i % 7, float(i)))
    del cache
    return held.current / n
