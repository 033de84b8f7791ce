"""The capstone: a simulated high-load service that scores a student's caching choices.

    from hotcache_lab.sim import capstone
    s = capstone.score(capstone.Choice(policy="lru", maxsize=2_000, lock="per-key", ttl=2.0,
                                       backend="redis", invalidation="lease", fallback="default"))
    s.hit_ratio, s.p99_ms, s.memory_mb, s.stale_reads, s.peak_db_load, s.passed, s.failures

The service: recommendations for user profiles. Requests name a user (a seeded Zipf stream from
`workloads.zipf`); the answer takes a database/feature-store query and a ranking (`t_compute_ms`,
lognormal around its median). `processes` worker processes behind a round-robin load balancer each
run `threads` threads. The student picks the replacement policy, `maxsize` (entries per cache), the
lock mode, a TTL, the backend (a cache inside each process, or one shared Redis), how a write
reaches the cache (`invalidation`), and what a request does while the shared cache is down (`fallback`).

THE MODEL (every figure below follows from these assumptions, and nothing else):
1. Traffic: `n_requests` Zipf(`alpha`) requests over `n_users`, Poisson arrivals at `rate` per second,
   request i goes to process i mod `processes` (round robin). Seeded: the same scenario gives the
   same stream, arrival times and computation times, so a score is deterministic.
2. Caches: "in-process" gives each process its own cache of `maxsize` entries, which sees only that
   process's requests; "redis" gives all processes one cache of `maxsize` entries that sees every
   request. The hit/miss sequence is exact for the chosen policy (the lab's instrumented caches),
   with one addition: a computed value enters the cache when its computation ENDS, so requests for a
   key being computed cannot hit (see 4). Redis is modelled with its policy done exactly (it
   approximates LRU/LFU by sampling: notebook 07 measures how closely); Redis offers only "lru",
   "lfu" and "rr" (allkeys-random) of the lab's policies.
3. TTL: an entry older than `ttl` seconds (since its computation ended) is a miss and is recomputed.
   Expired entries keep their slot until replaced or evicted (lazy expiry), so memory is an upper
   bound. Without a TTL a served result can be arbitrarily old: staleness is unbounded.
4. Stampedes: a request for a key whose computation is still running either waits for it (lock
   "per-key": single-flight, in-process or, with Redis, a lock key taken with SET NX PX) or computes
   it again: a DUPLICATE computation (lock None or "global": the global lock guards the structure,
   not the computation). With a single thread in a single process, requests are served one at a
   time, so an overlapping request waits in the queue instead.
5. Latency of one request (no queueing delay is modelled; see `utilization`):
   hit: `t_hit` (`t_hit_local_us` in-process, `t_hit_redis_us` for a Redis round trip + decode);
   miss or duplicate: t_hit + computation + t_hit (the store); with Redis and "per-key", one more
   round trip for the lock; wait: t_hit + the rest of the running computation.
   p50/p99 are nearest-rank percentiles over the scored requests.
6. Memory: the most entries a cache held x bytes per entry: `entry_kb_local` for live Python
   objects, once per process; `entry_kb_redis` for the encoded value plus Redis's per-key overhead,
   once in total, plus `redis_base_mb` for the server itself.
7. Load on the database: computations (misses, duplicates, fallbacks) per second of scored traffic,
   on average and in the busiest whole second (the database sustains `db_capacity` in every second).
8. Threads: computations wait on I/O (database queries), so a process's threads overlap them;
   `utilization` = a process's arrival rate x mean latency / threads; at 1 or more the threads
   cannot keep up and queues grow without bound. A cache with lock None shared by several threads is
   unsafe: the lab's caches are plain Python objects whose bookkeeping concurrent puts corrupt.
9. Consistency: users' data changes `write_rate` times a second (Zipf over the same users: the active
   ones change most). A read is STALE when the result served was computed from data older than its
   user's latest change. `invalidation` "ttl" tells the cache nothing; "delete" deletes the key on
   every write (broadcast to every process's cache in-process; never lost: a failed delete is retried
   until it lands, as a commit-log invalidation daemon does), which leaves the stale-set race: a
   computation that read the old data stores its result after the delete; "lease" also revokes the
   running computation's lease, so that late store is refused (leases, or versioned sets).
10. Failure: the shared cache is unreachable from `outage_at_s` for `outage_s` seconds (a failover:
   it comes back with its data; `outage_cold=True`: it restarts empty). Each request meanwhile pays
   `t_timeout_ms` to find out, then falls back: "origin" computes it (not stored), "default" answers
   with a generic, non-personalized result (a DEGRADED answer, no computation). In-process caches
   have no such dependency.
11. The first `warmup` fraction of the stream fills the caches and is not scored.

The requirements a choice must meet are the scenario's: p99 latency, memory budget, staleness
tolerance, stale-read budget, database capacity in every second, degraded-answer budget, thread
safety, and utilization below 1.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from .. import _check
from ..caches import POLICIES
from ..measure.stats import percentile
from .capstone_score import Score, judge
from .capstone_serve import COMPUTED, DEGRADED, DUPLICATE, FALLBACK, HIT, NEVER, WAIT, Rules, serve
from .workers import split_stream

__all__ = [
    "Scenario", "Choice", "Score", "DEFAULT", "BACKENDS", "LOCKS", "INVALIDATIONS", "FALLBACKS",
    "REDIS_POLICIES", "score", "traffic", "writes", "as_dict",
]

BACKENDS = ("in-process", "redis")
LOCKS = (None, "global", "per-key")
INVALIDATIONS = ("ttl", "delete", "lease")  # TTL only / delete on write / delete + leases (versioned sets)
FALLBACKS = ("origin", "default")  # while the shared cache is down: compute, or a generic answer
REDIS_POLICIES = {"lru": "allkeys-lru", "lfu": "allkeys-lfu", "rr": "allkeys-random"}


# --- the scenario and the choice -----------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """The service and its requirements. Every field is an assumption of the model: change it freely."""

    # traffic
    n_users: int = 10_000
    alpha: float = 1.0
    n_requests: int = 60_000
    rate: float = 2_000.0  # requests per second, whole service: the stream lasts n_requests / rate s
    warmup: float = 0.25  # fraction of the stream that warms the caches, not scored
    seed: int = 7
    write_rate: float = 10.0  # changes to users' data per second, whole service (0: none)
    # deployment
    processes: int = 8  # e.g. 2 hosts x 4 worker processes
    threads: int = 16  # per process
    # costs
    t_compute_ms: float = 50.0  # median computation (feature-store queries + ranking)
    compute_sigma: float = 0.5  # lognormal spread of the computation time
    t_hit_local_us: float = 1.0  # an in-process hit (memoize: lock + dict + relink)
    t_hit_redis_us: float = 300.0  # a Redis GET over the network + decoding a ~4 KB value
    entry_kb_local: float = 12.0  # one cached result as live Python objects (deep size)
    entry_kb_redis: float = 4.5  # the same encoded, plus Redis's per-key overhead
    redis_base_mb: float = 1.0  # an empty Redis server
    # failure of the shared cache
    outage_at_s: float = 20.0  # when it becomes unreachable, seconds from the stream's start
    outage_s: float = 2.0  # for how long (0: never)
    outage_cold: bool = False  # True: it restarts empty (no persistence, no replica)
    t_timeout_ms: float = 5.0  # what a request spends finding out before its fallback
    # requirements
    p99_target_ms: float = 120.0
    memory_budget_mb: float = 48.0  # for caching, across all processes (or the one Redis)
    staleness_s: float = 10.0  # how old a served recommendation may be
    stale_read_budget: float = 0.001  # share of reads that may show data older than the user's last change
    db_capacity: float = 600.0  # computations per second the database sustains
    degraded_budget: float = 0.1  # share of answers that may be the generic default

    def __post_init__(self) -> None:
        for name in ("n_users", "n_requests", "processes", "threads"):
            _check.integer(name, getattr(self, name))
        _check.integer("seed", self.seed, minimum=0)
        for name in ("rate", "t_compute_ms", "t_hit_local_us", "t_hit_redis_us", "entry_kb_local",
                     "entry_kb_redis", "p99_target_ms", "memory_budget_mb", "staleness_s", "db_capacity"):
            _check.positive(name, getattr(self, name))
        for name in ("alpha", "compute_sigma", "redis_base_mb", "write_rate", "outage_at_s", "outage_s",
                     "t_timeout_ms"):
            _check.non_negative(name, getattr(self, name))
        _check.fraction("warmup", self.warmup, high_open=True)
        for name in ("stale_read_budget", "degraded_budget"):
            _check.fraction(name, getattr(self, name))
        _check.flag("outage_cold", self.outage_cold)


DEFAULT = Scenario()


@dataclass(frozen=True)
class Choice:
    """What the student decides. Checked when scored: a bad value is an error naming the parameter."""

    policy: str = "lru"
    maxsize: int = 1_000
    lock: str | None = "global"
    ttl: float | None = None  # seconds; None: entries never expire
    backend: str = "in-process"  # or "redis"
    invalidation: str = "ttl"  # or "delete" (on write), "lease" (delete, and refuse a stale late store)
    fallback: str = "origin"  # or "default": what a request does while the shared cache is down

    def check(self) -> Choice:
        """Validate every field; return self. Errors name the parameter and the allowed values."""
        _check.one_of("policy", self.policy, sorted(POLICIES))
        _check.maxsize(self.maxsize)
        _check.one_of("lock", self.lock, LOCKS)
        _check.seconds("ttl", self.ttl, allow_none=True)
        _check.one_of("backend", self.backend, BACKENDS)
        _check.one_of("invalidation", self.invalidation, INVALIDATIONS)
        _check.one_of("fallback", self.fallback, FALLBACKS)
        if self.backend == "redis" and self.policy not in REDIS_POLICIES:
            raise ValueError(
                f"policy {self.policy!r} is not available with backend='redis': Redis evicts with "
                f"maxmemory-policy {', '.join(REDIS_POLICIES.values())} (policies "
                f"{', '.join(map(repr, REDIS_POLICIES))} here), or the volatile-* variants"
            )
        return self


# --- the streams ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def traffic(scenario: Scenario = DEFAULT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scenario's stream: keys, arrival times (s) and computation times (s), all seeded.

    Cached (a Scenario is frozen and hashable); the arrays are read-only.
    """
    from .. import workloads

    keys = workloads.zipf(n_keys=scenario.n_users, alpha=scenario.alpha, n_requests=scenario.n_requests,
                          seed=scenario.seed)
    rng = np.random.default_rng([scenario.seed, 1])
    times = np.cumsum(rng.exponential(1.0 / scenario.rate, size=scenario.n_requests))
    spread = rng.lognormal(0.0, scenario.compute_sigma, size=scenario.n_requests)
    compute = scenario.t_compute_ms / 1e3 * spread
    for array in (keys, times, compute):
        array.setflags(write=False)
    return keys, times, compute


@functools.lru_cache(maxsize=8)
def writes(scenario: Scenario = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """The changes to users' data: Poisson times at `write_rate` over the stream, Zipf keys. Seeded."""
    from .. import workloads

    duration = float(traffic(scenario)[1][-1])
    rng = np.random.default_rng([scenario.seed, 2])
    count = int(rng.poisson(scenario.write_rate * duration)) if scenario.write_rate else 0
    times = np.sort(rng.uniform(0.0, duration, size=count))
    keys = (workloads.zipf(n_keys=scenario.n_users, alpha=scenario.alpha, n_requests=count,
                           seed=scenario.seed + 1) if count else np.empty(0, dtype=np.int64))
    for array in (times, keys):
        array.setflags(write=False)
    return times, keys


@functools.lru_cache(maxsize=8)
def _as_lists(scenario: Scenario) -> tuple[list, list, list, tuple[list, list]]:
    """The streams as Python lists: the request loop reads them a value at a time, far faster than arrays."""
    keys, times, compute = traffic(scenario)
    write_times, write_keys = writes(scenario)
    return keys.tolist(), times.tolist(), compute.tolist(), (write_times.tolist(), write_keys.tolist())


# --- the score -------------------------------------------------------------------------------------

def score(choice: Choice | None = None, scenario: Scenario = DEFAULT, **changes: Any) -> Score:
    """Score a choice on a scenario (see the module docstring for the model). Deterministic.

    `score(policy="lfu", maxsize=500)` is `score(Choice(policy="lfu", maxsize=500))`.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a capstone.Scenario, got {scenario!r}")
    choice = choice if choice is not None else Choice()
    if not isinstance(choice, Choice):
        raise TypeError(f"choice must be a capstone.Choice, got {choice!r}")
    unknown = set(changes) - set(Choice.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown choice parameter(s) {sorted(unknown)}; a Choice has "
                        f"{list(Choice.__dataclass_fields__)}")
    choice = replace(choice, **changes).check()
    return _score(choice, scenario)


def _rules(choice: Choice, sc: Scenario) -> Rules:
    shared = choice.backend == "redis"
    t_hit = (sc.t_hit_redis_us if shared else sc.t_hit_local_us) / 1e6
    single_flight = choice.lock == "per-key"
    outage = (sc.outage_at_s, sc.outage_at_s + sc.outage_s) if shared and sc.outage_s > 0 else NEVER
    return Rules(ttl=math.inf if choice.ttl is None else float(choice.ttl), t_hit=t_hit,
                 lock_cost=t_hit if (shared and single_flight) else 0.0,
                 wait=single_flight or sc.threads * (sc.processes if shared else 1) == 1,
                 invalidation=choice.invalidation, outage=outage, cold=sc.outage_cold,
                 fallback=choice.fallback, t_timeout=sc.t_timeout_ms / 1e3)


@functools.lru_cache(maxsize=256)
def _score(choice: Choice, sc: Scenario) -> Score:
    keys, times, compute, changes = _as_lists(sc)
    shared = choice.backend == "redis"
    requests = range(sc.n_requests)
    domains = [list(requests)] if shared else split_stream(requests, sc.processes)
    rules = _rules(choice, sc)
    latency, outcome, stale, peak_entries = serve(lambda: POLICIES[choice.policy](choice.maxsize), domains,
                                                  keys, times, compute, changes, rules)

    first_scored = int(sc.warmup * sc.n_requests)
    lat, out = latency[first_scored:], outcome[first_scored:]
    n = len(lat)
    computing = np.isin(outcome, COMPUTED)
    whole_seconds = math.floor(times[-1])  # the last, partial second is left out
    per_second = np.bincount(np.asarray(times, dtype=np.float64)[computing].astype(np.int64),
                             minlength=whole_seconds + 1)[:whole_seconds]
    scored_seconds = per_second[math.ceil(times[first_scored]):]
    duplicates = int(np.count_nonzero(out == DUPLICATE))
    computations = int(np.count_nonzero(computing[first_scored:]))
    duration = float(times[-1] - times[first_scored]) if n > 1 else 1.0
    if shared:
        memory = peak_entries * sc.entry_kb_redis / 1024 + sc.redis_base_mb
    else:
        memory = peak_entries * sc.entry_kb_local / 1024
    hits = int(np.count_nonzero(out == HIT))
    lookups = n - int(np.count_nonzero(np.isin(out, (FALLBACK, DEGRADED))))  # none while the cache is down
    latencies = lat.tolist()  # sorting a list of floats is far faster than sorting numpy scalars
    figures = dict(
        requests=n, hits=hits, waits=int(np.count_nonzero(out == WAIT)),
        computations=computations, duplicates=duplicates, hit_ratio=hits / lookups if lookups else 0.0,
        p50_ms=float(percentile(latencies, 50)) * 1e3, p99_ms=float(percentile(latencies, 99)) * 1e3,
        mean_ms=float(lat.mean()) * 1e3, memory_mb=memory, entries=peak_entries,
        db_load=computations / duration,
        peak_db_load=float(scored_seconds.max()) if len(scored_seconds) else computations / duration,
        utilization=sc.rate / sc.processes * float(lat.mean()) / sc.threads, staleness_s=rules.ttl,
        stale_reads=int(np.count_nonzero(stale[first_scored:])),
        degraded=int(np.count_nonzero(out == DEGRADED)), db_per_second=tuple(per_second.tolist()),
    )
    requirements, failures = judge(choice, sc, figures)
    return Score(choice=choice, requirements=requirements, failures=failures, **figures)


def as_dict(s: Score) -> dict:
    """A Score as a plain dict (for tables)."""
    out = asdict(s)
    out["choice"] = asdict(s.choice)
    return out
