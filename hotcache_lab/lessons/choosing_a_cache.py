"""Notebook 08 (choosing a cache): the decision guide, and what the capstone's widgets compute.

    lesson.advise({"stale": True, "pays": True, "procs": True, "shared": True})   # (path, answer)
    lesson.design(backend="redis", maxsize=5_000, lock="per-key", ttl=10)         # for plots.capstone
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import _check
from ..sim import capstone
from ..sim.capstone import DEFAULT, Choice, Scenario, Score

__all__ = ["DECISION_NODES", "DECISION_EDGES", "ALWAYS", "advise", "DesignScore", "design", "MemoryCurves",
           "memory_curves", "shared_design_passes", "smallest_passing_shared"]

#: node id -> (x, y, text, kind); kind "question" or "answer". Drawn by draw_flowchart, walked by advise.
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


@dataclass(frozen=True)
class DesignScore:
    """A design's score as the widget shows it: each figure over its limit, or why the choice is invalid."""

    score: Score | None
    bars: dict[str, float] = field(default_factory=dict)  # requirement -> figure / limit (1.0: the limit)
    labels: list[str] = field(default_factory=list)
    title: str = ""
    error: str = ""

    def summary(self) -> dict:
        if self.score is None:
            return {"error": self.error}
        return {**self.score.summary(), "failures": list(self.score.failures)}


def design(backend: str = "in-process", policy: str = "lru", maxsize: int = 1_000,
           lock: str | None = "global", ttl: float = 0, scenario: Scenario = DEFAULT) -> DesignScore:
    """The widget's compute: score the choice (`ttl=0` from the slider means no TTL).

    A choice the service cannot run (say policy "sieve" on Redis) comes back with its error message,
    so the widget shows why instead of a traceback.
    """
    try:
        result = capstone.score(Choice(policy=policy, maxsize=int(maxsize), lock=lock, ttl=ttl or None,
                                       backend=backend), scenario)
    except (ValueError, TypeError) as exc:
        return DesignScore(None, error=str(exc))
    sc = scenario
    bars = {
        "p99 latency": result.p99_ms / sc.p99_target_ms,
        "memory": result.memory_mb / sc.memory_budget_mb,
        "staleness": min(result.staleness_s / sc.staleness_s, 3.0),
        "database load": result.db_load / sc.db_capacity,
        "thread use": result.utilization,
    }
    texts = (f"{result.p99_ms:.1f} / {sc.p99_target_ms:g} ms",
             f"{result.memory_mb:.1f} / {sc.memory_budget_mb:g} MB",
             "no TTL" if math.isinf(result.staleness_s) else f"{result.staleness_s:g} / {sc.staleness_s:g} s",
             f"{result.db_load:.0f} / {sc.db_capacity:g} /s", f"{result.utilization:.0%}")
    verdict = "PASSES" if result.passed else f"fails {sum(not ok for ok in result.requirements.values())}"
    safety = "" if result.requirements["thread-safe"] else ", NOT thread-safe"
    title = (f"hit ratio {result.hit_ratio:.3f}, p50 {result.p50_ms:.3g} ms, "
             f"duplicates {result.duplicates}{safety} -> {verdict}")
    labels = [f"{name}\n{text}" for name, text in zip(bars, texts, strict=True)]
    return DesignScore(result, bars, labels, title)


@dataclass(frozen=True)
class MemoryCurves:
    curves: dict[str, tuple[list[float], list[float]]]  # backend -> (memory MB, hit ratio) by maxsize
    sizes: list[int]
    budget_mb: float
    design: str


def memory_curves(sizes: Sequence[int] = (125, 250, 500, 1_000, 2_000, 5_000, 10_000),
                  scenario: Scenario = DEFAULT) -> MemoryCurves:
    """Hit ratio and memory of LRU, per-key lock, TTL 10 s, at each maxsize, for both backends."""
    curves = {}
    for backend in capstone.BACKENDS:
        points = [capstone.score(Choice(policy="lru", maxsize=m, lock="per-key", ttl=10.0, backend=backend),
                                 scenario) for m in sizes]
        curves[backend] = ([p.memory_mb for p in points], [p.hit_ratio for p in points])
    return MemoryCurves(curves, list(sizes), scenario.memory_budget_mb, "lru, per-key, TTL 10 s")


def shared_design_passes(maxsize: int) -> bool:
    """Whether the exercise's shared design (Redis, LRU, per-key lock, TTL 10 s) passes at this maxsize."""
    choice = Choice(policy="lru", maxsize=maxsize, lock="per-key", ttl=10.0, backend="redis")
    return capstone.score(choice).passed


def smallest_passing_shared(step: int = 250, largest: int = 10_000) -> int:
    """The smallest multiple of `step` up to `largest` at which the shared design passes, by bisection.

    Bisection is sound because LRU's hit ratio never falls as maxsize grows (its inclusion property).
    """
    step, largest = _check.integer("step", step), _check.integer("largest", largest)
    lo, hi = 1, largest // step
    if not shared_design_passes(hi * step):
        raise ValueError(f"the shared design fails even at maxsize {hi * step}")
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if shared_design_passes(mid * step) else (mid + 1, hi)
    return lo * step
