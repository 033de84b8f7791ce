"""The capstone: a simulated high-load service that scores a student's caching choices.

    from hotcache_lab.sim import capstone
    s = capstone.score(capstone.Choice(policy="lru", maxsize=2_000, lock="per-key", ttl=2.0,
                                       backend="redis"))
    s.hit_ratio, s.p99_ms, s.memory_mb, s.duplicates, s.passed, s.failures

The service: recommendations for user profiles. Requests name a user (a seeded Zipf stream from
`workloads.zipf`); the answer takes a database/feature-store query and a ranking (`t_compute_ms`,
lognormal around its median). `processes` worker processes behind a round-robin load balancer each
run `threads` threads. The student picks the replacement policy, `maxsize` (entries per cache), the
lock mode, a TTL, and the backend: a cache inside each process, or one shared Redis.

THE MODEL (every figure below follows from these assumptions, and nothing else):
1. Traffic: `n_requests` Zipf(`alpha`) requests over `n_users`, Poisson arrivals at `rate` per second,
   request i goes to process i mod `processes` (round robin). Seeded: the same scenario gives the
   same stream, arrival times and computation times, so a score is deterministic.
2. Caches: "in-process" gives each process its own cache of `maxsize` entries, which sees only that
   process's requests; "redis" gives all processes one cache of `maxsize` entries that sees every
   request. The hit/miss sequence is exact for the chosen policy (the lab's instrumented caches,
   the same as `simulate.hit_ratio`), with one addition: a computed value enters the cache when its
   computation ENDS, so requests for a key being computed cannot hit (see 4). Redis is modelled
   with its policy done exactly (it approximates LRU/LFU by sampling: notebook 07 measures how
   closely); Redis offers only "lru", "lfu" and "rr" (allkeys-random) of the lab's policies.
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
6. Memory: the most entries a cache held × bytes per entry: `entry_kb_local` for live Python
   objects, once per process; `entry_kb_redis` for the encoded value plus Redis's per-key overhead,
   once in total, plus `redis_base_mb` for the server itself.
7. Load on the database: computations (misses + duplicates) per second of scored traffic.
8. Threads: computations wait on I/O (database queries), so a process's threads overlap them;
   `utilization` = a process's arrival rate × mean latency / threads; at 1 or more the threads
   cannot keep up and queues grow without bound. A cache with lock None shared by several threads is
   unsafe: the lab's caches are plain Python objects whose bookkeeping concurrent puts corrupt.
9. The first `warmup` fraction of the stream fills the caches and is not scored.

The requirements a choice must meet are the scenario's: p99 latency, memory budget, staleness
tolerance, database capacity, thread safety, and utilization below 1.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .. import _check
from ..caches import POLICIES
from ..measure.stats import percentile
from .capstone_serve import DUPLICATE, HIT, MISS, WAIT, serve
from .workers import split_stream

__all__ = [
    "Scenario", "Choice", "Score", "DEFAULT", "BACKENDS", "LOCKS", "REDIS_POLICIES", "score", "traffic",
    "as_dict",
]

BACKENDS = ("in-process", "redis")
LOCKS = (None, "global", "per-key")
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
    # requirements
    p99_target_ms: float = 120.0
    memory_budget_mb: float = 48.0  # for caching, across all processes (or the one Redis)
    staleness_s: float = 10.0  # how old a served recommendation may be
    db_capacity: float = 600.0  # computations per second the database sustains

    def __post_init__(self) -> None:
        for name in ("n_users", "n_requests", "processes", "threads"):
            _check.integer(name, getattr(self, name))
        _check.integer("seed", self.seed, minimum=0)
        for name in ("rate", "t_compute_ms", "t_hit_local_us", "t_hit_redis_us", "entry_kb_local",
                     "entry_kb_redis", "p99_target_ms", "memory_budget_mb", "staleness_s", "db_capacity"):
            _check.positive(name, getattr(self, name))
        for name in ("alpha", "compute_sigma", "redis_base_mb"):
            _check.non_negative(name, getattr(self, name))
        _check.fraction("warmup", self.warmup, high_open=True)


DEFAULT = Scenario()


@dataclass(frozen=True)
class Choice:
    """What the student decides. Checked when scored: a bad value is an error naming the parameter."""

    policy: str = "lru"
    maxsize: int = 1_000
    lock: str | None = "global"
    ttl: float | None = None  # seconds; None: entries never expire
    backend: str = "in-process"  # or "redis"

    def check(self) -> Choice:
        """Validate every field; return self. Errors name the parameter and the allowed values."""
        _check.one_of("policy", self.policy, sorted(POLICIES))
        _check.maxsize(self.maxsize)
        _check.one_of("lock", self.lock, LOCKS)
        _check.seconds("ttl", self.ttl, allow_none=True)
        _check.one_of("backend", self.backend, BACKENDS)
        if self.backend == "redis" and self.policy not in REDIS_POLICIES:
            raise ValueError(
                f"policy {self.policy!r} is not available with backend='redis': Redis evicts with "
                f"maxmemory-policy {', '.join(REDIS_POLICIES.values())} (policies "
                f"{', '.join(map(repr, REDIS_POLICIES))} here), or the volatile-* variants"
            )
        return self


# --- the score -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    """What a choice gives on a scenario: the figures, and which requirements it meets."""

    choice: Choice
    requests: int  # scored requests (after warm-up)
    hits: int
    waits: int  # requests that waited for a running computation of their key (single-flight)
    computations: int  # misses + duplicates
    duplicates: int  # computations of a key that was already being computed
    hit_ratio: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    memory_mb: float
    entries: int  # the most entries held, summed over caches
    db_load: float  # computations per second
    utilization: float  # of the busiest process's threads
    staleness_s: float  # the oldest result that can be served (inf without a TTL)
    requirements: dict[str, bool] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # one sentence for each unmet requirement

    @property
    def passed(self) -> bool:
        return all(self.requirements.values())

    def summary(self) -> dict[str, Any]:
        """The figures, rounded for display (deterministic: safe for a checked cell)."""
        return {
            "hit ratio": round(self.hit_ratio, 3), "p99 ms": round(self.p99_ms, 1),
            "memory MB": round(self.memory_mb, 1), "duplicates": self.duplicates,
            "db load /s": round(self.db_load), "passed": self.passed,
        }

    def __str__(self) -> str:
        c = self.choice
        lines = [
            f"{c.backend}, {c.policy}, maxsize={c.maxsize}, lock={c.lock!r}, ttl={c.ttl}",
            f"  hit ratio {self.hit_ratio:.3f}   p50 {self.p50_ms:.3g} ms   p99 {self.p99_ms:.1f} ms",
            f"  memory {self.memory_mb:.1f} MB   computations {self.computations} "
            f"(duplicates {self.duplicates}, waits {self.waits})   db load {self.db_load:.0f}/s",
        ]
        for name, ok in self.requirements.items():
            lines.append(f"  [{'x' if ok else ' '}] {name}")
        lines.extend(f"      -> {why}" for why in self.failures)
        return "\n".join(lines)


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


@functools.lru_cache(maxsize=256)
def _score(choice: Choice, sc: Scenario) -> Score:
    keys, times, compute = traffic(sc)
    shared = choice.backend == "redis"
    t_hit = (sc.t_hit_redis_us if shared else sc.t_hit_local_us) / 1e6
    single_flight = choice.lock == "per-key"
    requests = range(sc.n_requests)
    domains = [list(requests)] if shared else split_stream(requests, sc.processes)
    ttl = math.inf if choice.ttl is None else float(choice.ttl)
    latency, outcome, peak_entries = serve(
        lambda: POLICIES[choice.policy](choice.maxsize), domains, keys, times, compute, ttl=ttl, t_hit=t_hit,
        lock_cost=t_hit if (shared and single_flight) else 0.0,
        wait=single_flight or sc.threads * (sc.processes if shared else 1) == 1)

    first_scored = int(sc.warmup * sc.n_requests)
    lat, out = latency[first_scored:], outcome[first_scored:]
    n = len(lat)
    hits, duplicates = int(np.count_nonzero(out == HIT)), int(np.count_nonzero(out == DUPLICATE))
    computations = int(np.count_nonzero(out == MISS)) + duplicates
    duration = float(times[-1] - times[first_scored]) if n > 1 else 1.0
    if shared:
        memory = peak_entries * sc.entry_kb_redis / 1024 + sc.redis_base_mb
    else:
        memory = peak_entries * sc.entry_kb_local / 1024
    figures = dict(
        requests=n, hits=hits, waits=int(np.count_nonzero(out == WAIT)), computations=computations,
        duplicates=duplicates, hit_ratio=hits / n, p50_ms=float(percentile(lat, 50)) * 1e3,
        p99_ms=float(percentile(lat, 99)) * 1e3, mean_ms=float(lat.mean()) * 1e3, memory_mb=memory,
        entries=peak_entries, db_load=computations / duration,
        utilization=sc.rate / sc.processes * float(lat.mean()) / sc.threads, staleness_s=ttl,
    )
    requirements, failures = _judge(choice, sc, figures)
    return Score(choice=choice, requirements=requirements, failures=failures, **figures)


def _judge(choice: Choice, sc: Scenario, f: dict) -> tuple[dict[str, bool], list[str]]:
    """Which requirements the figures meet, and one sentence for each that they miss."""
    shared = choice.backend == "redis"
    unsafe = choice.lock is None and not shared and sc.threads > 1
    requirements = {
        f"p99 latency <= {sc.p99_target_ms:g} ms": f["p99_ms"] <= sc.p99_target_ms,
        f"memory <= {sc.memory_budget_mb:g} MB": f["memory_mb"] <= sc.memory_budget_mb,
        f"staleness <= {sc.staleness_s:g} s": f["staleness_s"] <= sc.staleness_s,
        f"database load <= {sc.db_capacity:g}/s": f["db_load"] <= sc.db_capacity,
        "thread-safe": not unsafe,
        "threads keep up (utilization < 1)": f["utilization"] < 1,
    }
    failures = []
    if f["p99_ms"] > sc.p99_target_ms:
        failures.append(f"p99 is {f['p99_ms']:.1f} ms: the slowest 1% are computations; raise the hit ratio "
                        f"(bigger cache, shared cache) or cut duplicates")
    if f["memory_mb"] > sc.memory_budget_mb:
        copies = "" if shared else f" ({sc.processes} processes each hold a copy)"
        failures.append(f"memory is {f['memory_mb']:.1f} MB{copies}: lower maxsize"
                        + ("" if shared else " or share one cache"))
    if f["staleness_s"] > sc.staleness_s:
        failures.append("results can be arbitrarily stale: set a TTL" if choice.ttl is None else
                        f"a {choice.ttl:g} s TTL can serve results older than {sc.staleness_s:g} s")
    if f["db_load"] > sc.db_capacity:
        failures.append(f"{f['db_load']:.0f} computations/s overload the database ({sc.db_capacity:g}/s): "
                        f"more hits, fewer duplicates")
    if unsafe:
        failures.append(f"lock=None with {sc.threads} threads: concurrent puts corrupt an unlocked cache")
    if f["utilization"] >= 1:
        failures.append(f"each process's {sc.threads} threads are {f['utilization']:.0%} busy: queues grow")
    return requirements, failures


def as_dict(s: Score) -> dict:
    """A Score as a plain dict (for tables)."""
    out = asdict(s)
    out["choice"] = asdict(s.choice)
    return out
