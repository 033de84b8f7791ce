"""The capstone's verdict: the figures a choice gives on a scenario, and which requirements they meet.

`sim/capstone.py` computes the figures (it knows the model); this module holds the `Score` and the
judging: one requirement per line of the scenario's list, and one sentence for each that is missed,
saying what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Score:
    """What a choice gives on a scenario: the figures, and which requirements it meets."""

    choice: Any  # the capstone.Choice scored
    requests: int  # scored requests (after warm-up)
    hits: int
    waits: int  # requests that waited for a running computation of their key (single-flight)
    computations: int  # misses + duplicates + fallbacks to the origin
    duplicates: int  # computations of a key that was already being computed
    hit_ratio: float  # hits / lookups (requests served while the shared cache was down look nothing up)
    p50_ms: float
    p99_ms: float
    mean_ms: float
    memory_mb: float
    entries: int  # the most entries held, summed over caches
    db_load: float  # computations per second, averaged over the scored traffic
    peak_db_load: float  # computations started in the busiest whole second of the scored traffic
    utilization: float  # of the busiest process's threads
    staleness_s: float  # the oldest result that can be served (inf without a TTL)
    stale_reads: int  # results served that were computed before their user's latest update
    degraded: int  # requests answered with a generic default while the shared cache was down
    db_per_second: tuple[int, ...] = ()  # computations started in each second of the whole stream
    requirements: dict[str, bool] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # one sentence for each unmet requirement

    @property
    def passed(self) -> bool:
        return all(self.requirements.values())

    @property
    def stale_fraction(self) -> float:
        return self.stale_reads / self.requests

    @property
    def degraded_fraction(self) -> float:
        return self.degraded / self.requests

    def summary(self) -> dict[str, Any]:
        """The figures, rounded for display (deterministic: safe for a checked cell)."""
        return {
            "hit ratio": round(self.hit_ratio, 3), "p99 ms": round(self.p99_ms, 1),
            "memory MB": round(self.memory_mb, 1), "duplicates": self.duplicates,
            "db load /s": round(self.db_load), "busiest second": round(self.peak_db_load),
            "stale reads": self.stale_reads, "degraded": self.degraded, "passed": self.passed,
        }

    def __str__(self) -> str:
        c = self.choice
        lines = [
            f"{c.backend}, {c.policy}, maxsize={c.maxsize}, lock={c.lock!r}, ttl={c.ttl}, "
            f"invalidation={c.invalidation!r}, fallback={c.fallback!r}",
            f"  hit ratio {self.hit_ratio:.3f}   p50 {self.p50_ms:.3g} ms   p99 {self.p99_ms:.1f} ms",
            f"  memory {self.memory_mb:.1f} MB   computations {self.computations} "
            f"(duplicates {self.duplicates}, waits {self.waits})   db load {self.db_load:.0f}/s, "
            f"busiest second {self.peak_db_load:.0f}",
            f"  stale reads {self.stale_reads} ({self.stale_fraction:.2%})   "
            f"degraded answers {self.degraded}",
        ]
        for name, ok in self.requirements.items():
            lines.append(f"  [{'x' if ok else ' '}] {name}")
        lines.extend(f"      -> {why}" for why in self.failures)
        return "\n".join(lines)


def judge(choice: Any, sc: Any, f: dict) -> tuple[dict[str, bool], list[str]]:
    """Which requirements the figures `f` meet on scenario `sc`, and one sentence for each missed."""
    shared = choice.backend == "redis"
    unsafe = choice.lock is None and not shared and sc.threads > 1
    n = f["requests"]
    requirements = {
        f"p99 latency <= {sc.p99_target_ms:g} ms": f["p99_ms"] <= sc.p99_target_ms,
        f"memory <= {sc.memory_budget_mb:g} MB": f["memory_mb"] <= sc.memory_budget_mb,
        f"staleness <= {sc.staleness_s:g} s": f["staleness_s"] <= sc.staleness_s,
        f"stale reads <= {sc.stale_read_budget:.1%}": f["stale_reads"] <= sc.stale_read_budget * n,
        f"database <= {sc.db_capacity:g}/s in every second": f["peak_db_load"] <= sc.db_capacity,
        f"degraded answers <= {sc.degraded_budget:.0%}": f["degraded"] <= sc.degraded_budget * n,
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
    if f["stale_reads"] > sc.stale_read_budget * n:
        failures.append(_stale_advice(choice, f["stale_reads"] / n))
    if f["peak_db_load"] > sc.db_capacity:
        failures.append(_overload_advice(choice, sc, f))
    if f["degraded"] > sc.degraded_budget * n:
        failures.append(f"{f['degraded'] / n:.1%} of answers were the generic default while the shared cache "
                        f"was down: more than the {sc.degraded_budget:.0%} allowed")
    if unsafe:
        failures.append(f"lock=None with {sc.threads} threads: concurrent puts corrupt an unlocked cache")
    if f["utilization"] >= 1:
        failures.append(f"each process's {sc.threads} threads are {f['utilization']:.0%} busy: queues grow")
    return requirements, failures


def _stale_advice(choice: Any, share: float) -> str:
    if choice.invalidation == "ttl":
        return (f"{share:.2%} of reads showed data older than the user's last update: the TTL alone waits "
                f"for expiry; delete the key on every write")
    if choice.invalidation == "delete":
        return (f"{share:.2%} of reads were stale: a computation that read the old data stored its result "
                f"after the delete (the stale-set race); leases or versioned sets refuse that store")
    return f"{share:.2%} of reads were stale"


def _overload_advice(choice: Any, sc: Any, f: dict) -> str:
    busiest = (f"the busiest second sent {f['peak_db_load']:.0f} computations to the database "
               f"({sc.db_capacity:g}/s)")
    if choice.backend == "redis" and choice.fallback == "origin" and sc.outage_s > 0:
        return busiest + ": while the shared cache was down every request went to the origin"
    return busiest + ": more hits, fewer duplicates"
