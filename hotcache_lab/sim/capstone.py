"""The capstone: a simulated high-load service that scores a student's caching choices.

    from hotcache_lab import capstone
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
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..caches import POLICIES, UnboundedCache
from ..caches.base import MISSING, check_maxsize

__all__ = [
    "Scenario", "Choice", "Score", "DEFAULT", "BACKENDS", "LOCKS", "REDIS_POLICIES", "score", "traffic",
    "split_round_robin", "draw_score", "DECISION_NODES", "DECISION_EDGES", "advise",
    "measure_processes", "redis_lru_replay",
]

BACKENDS = ("in-process", "redis")
LOCKS = (None, "global", "per-key")
REDIS_POLICIES = {"lru": "allkeys-lru", "lfu": "allkeys-lfu", "rr": "allkeys-random"}


# --- the scenario and the choice -----------------------------------------------------------------

def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    if not 0 < value < math.inf:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


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
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise TypeError(f"seed must be an int, got {self.seed!r}")
        for name in ("rate", "t_compute_ms", "t_hit_local_us", "t_hit_redis_us", "entry_kb_local",
                     "entry_kb_redis", "p99_target_ms", "memory_budget_mb", "staleness_s", "db_capacity"):
            _positive(name, getattr(self, name))
        for name in ("alpha", "compute_sigma", "redis_base_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        warmup = self.warmup
        if isinstance(warmup, bool) or not isinstance(warmup, int | float) or not 0 <= warmup < 1:
            raise ValueError(f"warmup must be a fraction in [0, 1), got {self.warmup!r}")


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
        if not isinstance(self.policy, str) or self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {sorted(POLICIES)}, got {self.policy!r}")
        check_maxsize(self.maxsize)
        if self.lock not in LOCKS:
            raise ValueError(f"lock must be one of {LOCKS}, got {self.lock!r}")
        if self.ttl is not None:
            _positive("ttl", self.ttl)
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
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


def split_round_robin(trace: Sequence | np.ndarray, processes: int) -> list[np.ndarray]:
    """Request i goes to process i mod `processes`, as a round-robin load balancer sends it."""
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be a positive int, got {processes!r}")
    trace = np.asarray(trace)
    return [trace[p::processes] for p in range(processes)]


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
    k_procs = sc.processes
    t_hit = (sc.t_hit_redis_us if shared else sc.t_hit_local_us) / 1e6
    single_flight = choice.lock == "per-key"
    concurrency = sc.threads * (k_procs if shared else 1)
    lock_cost = t_hit if (shared and single_flight) else 0.0
    domains = [np.arange(sc.n_requests)] if shared else split_round_robin(np.arange(sc.n_requests), k_procs)
    first_scored = int(sc.warmup * sc.n_requests)
    ttl = math.inf if choice.ttl is None else float(choice.ttl)

    latency = np.empty(sc.n_requests)
    outcome = np.empty(sc.n_requests, dtype=np.int8)  # 0 hit, 1 miss, 2 duplicate, 3 wait
    peak_entries = 0
    for domain in domains:
        cache = POLICIES[choice.policy](choice.maxsize)
        get, put = cache.get, cache.put
        flights: dict[int, float] = {}  # key -> when its latest computation ends
        peak = 0
        for i in domain.tolist():
            key, now = int(keys[i]), float(times[i])
            end = flights.get(key)
            if end is not None and now < end:  # its computation is still running
                if single_flight or concurrency == 1:
                    outcome[i], latency[i] = 3, t_hit + lock_cost + (end - now)
                else:
                    outcome[i], latency[i] = 2, 2 * t_hit + compute[i]
                continue
            filled = get(key, MISSING)
            if filled is not MISSING and now < filled + ttl:
                outcome[i], latency[i] = 0, t_hit
                continue
            end = now + compute[i]
            flights[key] = end
            put(key, end)  # the value is usable from `end` on; `flights` covers [now, end)
            outcome[i], latency[i] = 1, 2 * t_hit + lock_cost + compute[i]
            size = len(cache)
            if size > peak:
                peak = size
        peak_entries += peak

    scored = slice(first_scored, None)
    lat, out = latency[scored], outcome[scored]
    n = len(lat)
    hits = int(np.count_nonzero(out == 0))
    duplicates = int(np.count_nonzero(out == 2))
    waits = int(np.count_nonzero(out == 3))
    computations = int(np.count_nonzero(out == 1)) + duplicates
    ordered = np.sort(lat)
    p50, p99 = _nearest_rank(ordered, 50), _nearest_rank(ordered, 99)
    duration = float(times[-1] - times[first_scored]) if n > 1 else 1.0
    if shared:
        memory = peak_entries * sc.entry_kb_redis / 1024 + sc.redis_base_mb
    else:
        memory = peak_entries * sc.entry_kb_local / 1024
    per_process_rate = sc.rate / k_procs
    utilization = per_process_rate * float(lat.mean()) / sc.threads
    staleness = ttl
    db_load = computations / duration

    requirements = {
        f"p99 latency <= {sc.p99_target_ms:g} ms": p99 * 1e3 <= sc.p99_target_ms,
        f"memory <= {sc.memory_budget_mb:g} MB": memory <= sc.memory_budget_mb,
        f"staleness <= {sc.staleness_s:g} s": staleness <= sc.staleness_s,
        f"database load <= {sc.db_capacity:g}/s": db_load <= sc.db_capacity,
        "thread-safe": not (choice.lock is None and not shared and sc.threads > 1),
        "threads keep up (utilization < 1)": utilization < 1,
    }
    failures = []
    if p99 * 1e3 > sc.p99_target_ms:
        failures.append(f"p99 is {p99 * 1e3:.1f} ms: the slowest 1% are computations; raise the hit ratio "
                        f"(bigger cache, shared cache) or cut duplicates")
    if memory > sc.memory_budget_mb:
        copies = "" if shared else f" ({k_procs} processes each hold a copy)"
        failures.append(f"memory is {memory:.1f} MB{copies}: lower maxsize"
                        + ("" if shared else " or share one cache"))
    if staleness > sc.staleness_s:
        failures.append("results can be arbitrarily stale: set a TTL" if choice.ttl is None else
                        f"a {choice.ttl:g} s TTL can serve results older than {sc.staleness_s:g} s")
    if db_load > sc.db_capacity:
        failures.append(f"{db_load:.0f} computations/s overload the database ({sc.db_capacity:g}/s): "
                        f"more hits, fewer duplicates")
    if choice.lock is None and not shared and sc.threads > 1:
        failures.append(f"lock=None with {sc.threads} threads: concurrent puts corrupt an unlocked cache")
    if utilization >= 1:
        failures.append(f"each process's {sc.threads} threads are {utilization:.0%} busy: queues grow")
    return Score(
        choice=choice, requests=n, hits=hits, waits=waits, computations=computations, duplicates=duplicates,
        hit_ratio=hits / n, p50_ms=p50 * 1e3, p99_ms=p99 * 1e3, mean_ms=float(lat.mean()) * 1e3,
        memory_mb=memory, entries=peak_entries, db_load=db_load, utilization=utilization,
        staleness_s=staleness, requirements=requirements, failures=failures,
    )


def _nearest_rank(ordered: np.ndarray, q: float) -> float:
    """The q-th percentile by nearest rank (a value really observed), as `races.percentile`."""
    rank = max(1, math.ceil(len(ordered) * q / 100))
    return float(ordered[rank - 1])


def draw_score(ax, policy: str = "lru", maxsize: int = 1_000, lock: str | None = "global",
               ttl: float | None = None, backend: str = "in-process", scenario: Scenario = DEFAULT) -> dict:
    """Draw a choice's score as bars against the requirements (green: met, red: not); return the summary.

    Each bar is a figure divided by its limit, so 1.0 is the line to stay under. `ax` is a matplotlib
    Axes (this module does not import matplotlib); `ttl=0` from a slider means "no TTL".
    A choice the service cannot run (say policy "sieve" on Redis) is shown as its error message on
    the axes, and returned as {"error": message}, so a widget shows why instead of a traceback.
    """
    try:
        result = score(Choice(policy=policy, maxsize=int(maxsize), lock=lock, ttl=ttl or None,
                              backend=backend), scenario)
    except (ValueError, TypeError) as exc:
        ax.text(0.5, 0.5, f"not a valid choice:\n{exc}", ha="center", va="center", wrap=True,
                transform=ax.transAxes, color="#d62728")
        ax.set_axis_off()
        return {"error": str(exc)}
    sc = scenario
    staleness = result.staleness_s / sc.staleness_s
    bars = {
        "p99 latency": result.p99_ms / sc.p99_target_ms,
        "memory": result.memory_mb / sc.memory_budget_mb,
        "staleness": min(staleness, 3.0),
        "database load": result.db_load / sc.db_capacity,
        "thread use": result.utilization,
    }
    labels = [f"{name}\n{text}" for name, text in zip(bars, (
        f"{result.p99_ms:.1f} / {sc.p99_target_ms:g} ms",
        f"{result.memory_mb:.1f} / {sc.memory_budget_mb:g} MB",
        "no TTL" if math.isinf(result.staleness_s) else f"{result.staleness_s:g} / {sc.staleness_s:g} s",
        f"{result.db_load:.0f} / {sc.db_capacity:g} /s", f"{result.utilization:.0%}",
    ), strict=True)]
    values = list(bars.values())
    colours = ["#2ca02c" if v <= 1 else "#d62728" for v in values]
    ax.barh(range(len(values)), values, color=colours)
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.set_yticks(range(len(values)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(2.0, min(3.2, max(values) * 1.1)))
    ax.set_xlabel("figure / limit (stay left of the dashed line)")
    verdict = "PASSES" if result.passed else f"fails {sum(not ok for ok in result.requirements.values())}"
    safety = "" if result.requirements["thread-safe"] else ", NOT thread-safe"
    ax.set_title(f"hit ratio {result.hit_ratio:.3f}, p50 {result.p50_ms:.3g} ms, "
                 f"duplicates {result.duplicates}{safety} -> {verdict}")
    return {**result.summary(), "failures": list(result.failures)}


# --- the decision guide ----------------------------------------------------------------------------

#: node id -> (x, y, text, kind); kind "question" or "answer". Drawn by viz.draw_flowchart, walked by advise.
DECISION_NODES: dict[str, tuple[float, float, str, str]] = {
    "stale": (0.5, 0.93, "May a result be stale\nfor a bounded time?", "question"),
    "no_cache": (0.14, 0.93, "Don't cache it, or invalidate\non every write (versioned keys)", "answer"),
    "pays": (0.5, 0.74, "Is a hit much cheaper than computing,\nat the hit ratio you will get?", "question"),
    "measure": (0.14, 0.74, "Don't cache yet:\nprofile the computation", "answer"),
    "procs": (0.5, 0.55, "Do several processes or hosts\nneed the same results?", "question"),
    "threads": (0.25, 0.36, "Do threads ask for the same\nslow key at the same time?", "question"),
    "shared": (0.75, 0.36, "Is a network round trip +\n(de)serialization per hit OK?", "question"),
    "functools": (0.11, 0.14, "functools.lru_cache\n(thread-safe; may\ncompute a key twice)", "answer"),
    "single_flight": (0.37, 0.14, "memoize(cache,\nlock='per-key')\n(single-flight)", "answer"),
    "redis": (0.63, 0.14, "shared Redis/memcached\n+ TTL, + a lock key\nagainst stampedes", "answer"),
    "two_level": (0.89, 0.14, "small in-process L1\n(short TTL) in front\nof a shared L2", "answer"),
}
#: (from, to, answer label)
DECISION_EDGES: list[tuple[str, str, str]] = [
    ("stale", "no_cache", "no"), ("stale", "pays", "yes"),
    ("pays", "measure", "no"), ("pays", "procs", "yes"),
    ("procs", "threads", "no"), ("procs", "shared", "yes"),
    ("threads", "functools", "no"), ("threads", "single_flight", "yes"),
    ("shared", "redis", "yes"), ("shared", "two_level", "no"),
]
#: said under every answer of the guide: the choices every cache needs
ALWAYS = (
    "maxsize from the memory budget / bytes per entry; TTL <= the staleness you tolerate; "
    "policy from the access pattern: LRU for stable skew, scan-resistant (S3-FIFO, SIEVE, "
    "memcached's segmented LRU) when scans pass through, TTL or LRU when the hot set shifts"
)


def advise(answers: dict[str, bool]) -> tuple[list[str], str]:
    """Walk the decision guide: `answers` maps each question node to True (yes) or False (no).

    Returns the question ids asked, in order, and the answer reached. A question on the path
    without an answer is a KeyError naming it.
    """
    if not isinstance(answers, dict):
        raise TypeError(f"answers must be a dict of question id -> bool, got {answers!r}")
    node, path = "stale", []
    while DECISION_NODES[node][3] == "question":
        if node not in answers:
            raise KeyError(f"the guide asks {node!r} ({DECISION_NODES[node][2]!r}): add it to answers")
        reply = answers[node]
        if not isinstance(reply, bool):
            raise TypeError(f"answers[{node!r}] must be True or False, got {reply!r}")
        path.append(node)
        label = "yes" if reply else "no"
        node = next(dst for src, dst, lab in DECISION_EDGES if src == node and lab == label)
    return path, node


# --- checking the model's assumptions against real servers -------------------------------------------

def _process_worker(url: str | None, namespace: str, keys: np.ndarray, maxsize: int | None) -> dict:
    """One worker process: its share of the stream through a private cache, then through the shared Redis."""
    from ..distributed import RedisCache

    private = UnboundedCache() if maxsize is None else POLICIES["lru"](maxsize)
    private_hits = 0
    for key in keys.tolist():
        if private.get(key, MISSING) is MISSING:
            private.put(key, 1)
        else:
            private_hits += 1
    shared = RedisCache(url=url, namespace=namespace)
    try:
        shared_hits = 0
        start = time.perf_counter()
        for key in keys.tolist():
            if shared.get(key, MISSING) is MISSING:
                shared.put(key, 1)
            else:
                shared_hits += 1
        seconds = time.perf_counter() - start
    finally:
        shared.close()
    return {"requests": len(keys), "private_hits": private_hits, "shared_hits": shared_hits,
            "distinct": len(np.unique(keys)), "shared_seconds": seconds}


def measure_processes(trace: Sequence | np.ndarray, processes: int, url: str, *, namespace: str = "capstone",
                      maxsize: int | None = None) -> list[dict]:
    """Run `processes` real worker processes over a round-robin split of `trace`; one dict per worker.

    Each worker first replays its share through a private cache (unbounded, or LRU of `maxsize`),
    then through one Redis at `url` that every worker shares (GET, and SET on a miss). Returns, per
    worker: requests, private_hits, shared_hits, distinct keys, and the seconds the shared pass took.
    The shared hits depend slightly on timing: two workers that miss the same key at the same moment
    both compute it. Uses the fork start method where the platform has it (fast), else spawn.
    """
    parts = split_round_robin(trace, processes)
    if not isinstance(url, str):
        raise TypeError(f"url must be the shared Redis's URL (e.g. start_redis().url), got {url!r}")
    if maxsize is not None:
        check_maxsize(maxsize)
    from ..distributed import RedisCache

    with RedisCache(url=url, namespace=namespace) as setup:
        setup.clear()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = [pool.submit(_process_worker, url, namespace, part, maxsize) for part in parts]
        return [future.result(timeout=120) for future in futures]


def redis_lru_replay(client: Any, trace: Sequence | np.ndarray, capacity: int, *, samples: int = 5,
                     value_bytes: int = 64, clock: str = "trace", batch: int = 200) -> dict:
    """Replay `trace` on a REAL Redis under maxmemory + allkeys-lru: GET each key, store it on a miss.

    DESTRUCTIVE: flushes the client's database and sets the server's maxmemory, maxmemory-policy and
    maxmemory-samples (restored to no limit / noeviction at the end): use a private server
    (`backends.start_redis()`), never a shared one.

    `capacity` is the number of keys the memory limit is sized for: the function measures the bytes
    one key of `value_bytes` costs on this server and sets maxmemory = empty server + capacity × that.
    The server's count of keys actually held at the end (DBSIZE) is returned as `keys_held`: that is
    the size an exact LRU should be given to compare like with like.

    `clock`: Redis's LRU clock ticks once per second (LRU_CLOCK_RESOLUTION is 1000 ms in server.h),
    so in a replay that lasts about a second every key looks equally recent. With "trace" each
    request i stamps its key as last used (n - i) seconds ago (RESTORE ... REPLACE IDLETIME, a real
    Redis command), so Redis's sampling sees the trace's order; with "wall", plain GET + SET NX, and
    Redis sees its real 1-second clock. Commands are pipelined in batches of `batch` requests; the
    server runs them one by one, evicting before each write as it would for separate clients.
    """
    if clock not in ("trace", "wall"):
        raise ValueError(f"clock must be 'trace' or 'wall', got {clock!r}")
    check_maxsize(capacity)
    for name, value in (("samples", samples), ("value_bytes", value_bytes), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if samples > 64:
        raise ValueError(f"samples must be from 1 to 64 (Redis's maxmemory-samples), got {samples}")
    keys = [int(k) for k in np.asarray(trace).tolist()]
    if not keys:
        raise ValueError("trace is empty")
    value = b"x" * value_bytes
    client.config_set("maxmemory", 0)
    client.flushdb()
    base = int(client.info("memory")["used_memory"])
    probe = min(capacity, 2_000)
    pipe = client.pipeline(transaction=False)
    for k in range(probe):
        pipe.set(f"k:{k}", value)
    pipe.execute()
    per_key = (int(client.info("memory")["used_memory"]) - base) / probe
    payload = client.dump("k:0")
    client.flushdb()
    base = int(client.info("memory")["used_memory"])
    maxmemory = int(base + capacity * per_key)
    client.config_set("maxmemory-policy", "allkeys-lru")
    client.config_set("maxmemory-samples", samples)
    client.config_set("maxmemory", maxmemory)
    evicted_before = int(client.info("stats")["evicted_keys"])
    n, hits = len(keys), 0
    try:
        for start in range(0, n, batch):
            pipe = client.pipeline(transaction=False)
            for i in range(start, min(n, start + batch)):
                name = f"k:{keys[i]}"
                pipe.get(name)
                if clock == "trace":
                    pipe.execute_command("RESTORE", name, 0, payload, "REPLACE", "IDLETIME", n - i)
                else:
                    pipe.set(name, value, nx=True)
            replies = pipe.execute()
            hits += sum(reply is not None for reply in replies[0::2])
        held = int(client.dbsize())
        evicted = int(client.info("stats")["evicted_keys"]) - evicted_before
    finally:
        client.config_set("maxmemory", 0)
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory-samples", 5)
    return {"requests": n, "hits": hits, "hit_ratio": hits / n, "keys_held": held, "evicted": evicted,
            "maxmemory": maxmemory, "bytes_per_key": per_key, "samples": samples, "clock": clock}


def as_dict(s: Score) -> dict:
    """A Score as a plain dict (for tables)."""
    out = asdict(s)
    out["choice"] = asdict(s.choice)
    return out
