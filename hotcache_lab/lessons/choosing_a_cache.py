"""Notebook 10 (choosing a cache): the decision guide, and what the capstone's widgets compute.

    lesson.advise({"stale": True, "pays": True, "procs": True, "shared": True})   # (path, answer)
    lesson.design(backend="redis", maxsize=5_000, lock="per-key", ttl=10)         # for plots.capstone
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .. import _check
from ..sim import capstone
from ..sim.capstone import DEFAULT, Choice, Scenario, Score

__all__ = ["DECISION_NODES", "DECISION_EDGES", "ALWAYS", "SOLUTION", "advise", "DesignScore", "design",
           "view",
           "MemoryCurves", "memory_curves", "shared_design_passes", "smallest_passing_shared",
           "judge_exercise_1", "judge_exercise_2"]

#: exercise 1's solution: one shared cache, a TTL within the staleness allowed, a lock key per user,
#: deletes on write with leases, and a generic answer while the shared cache is down
SOLUTION = Choice(policy="lru", maxsize=5_000, lock="per-key", ttl=10.0, backend="redis",
                  invalidation="lease", fallback="default")

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
    "memcached's segmented LRU) when scans pass through, TTL or LRU when the hot set shifts; "
    "delete on write (+ leases) when writes must show; a fallback for a shared cache that is down"
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
    """A design's score as the widget shows it: each figure over its limit, the database's load second
    by second, or why the choice is invalid."""

    score: Score | None
    bars: dict[str, float] = field(default_factory=dict)  # requirement -> figure / limit (1.0: the limit)
    labels: list[str] = field(default_factory=list)
    title: str = ""
    error: str = ""
    load: tuple[int, ...] = ()  # computations started in each second of the stream
    capacity: float = 0.0  # what the database sustains per second
    outage: tuple[float, float] | None = None  # when the shared cache was down (s), if it was used
    scored_from: float = 0.0  # the second from which requests are scored (before: warm-up)

    def summary(self) -> dict:
        if self.score is None:
            return {"error": self.error}
        return {**self.score.summary(), "failures": list(self.score.failures)}


BAR_CAP = 3.0  # a figure more than 3x its limit is drawn at 3x (its label says the real figure)


def _over(figure: float, limit: float) -> float:
    """figure / limit, capped for drawing; a zero limit makes any positive figure the cap."""
    if limit <= 0:
        return 0.0 if figure <= 0 else BAR_CAP
    return min(figure / limit, BAR_CAP)


def design(backend: str = "in-process", policy: str = "lru", maxsize: int = 1_000,
           lock: str | None = "global", ttl: float = 0, invalidation: str = "ttl", fallback: str = "origin",
           scenario: Scenario = DEFAULT) -> DesignScore:
    """The widget's compute: score the choice (`ttl=0` from the slider means no TTL).

    A choice the service cannot run (say policy "sieve" on Redis) comes back with its error message,
    so the widget shows why instead of a traceback.
    """
    try:
        return view(Choice(policy=policy, maxsize=int(maxsize), lock=lock, ttl=ttl or None, backend=backend,
                           invalidation=invalidation, fallback=fallback), scenario)
    except (ValueError, TypeError) as exc:
        return DesignScore(None, error=str(exc))


def view(choice: Choice, scenario: Scenario = DEFAULT) -> DesignScore:
    """A choice's score as `plots.capstone.draw_score` draws it: each figure over its limit, the load."""
    result, sc = capstone.score(choice, scenario), scenario
    figures = {
        "p99 latency": (result.p99_ms, sc.p99_target_ms, f"{result.p99_ms:.1f} / {sc.p99_target_ms:g} ms"),
        "memory": (result.memory_mb, sc.memory_budget_mb,
                   f"{result.memory_mb:.1f} / {sc.memory_budget_mb:g} MB"),
        "staleness": (result.staleness_s, sc.staleness_s, "no TTL" if math.isinf(result.staleness_s)
                      else f"{result.staleness_s:g} / {sc.staleness_s:g} s"),
        "stale reads": (result.stale_fraction, sc.stale_read_budget,
                        f"{result.stale_fraction:.2%} / {sc.stale_read_budget:.1%}"),
        "database, busiest s": (result.peak_db_load, sc.db_capacity,
                                f"{result.peak_db_load:.0f} / {sc.db_capacity:g} /s"),
        "degraded answers": (result.degraded_fraction, sc.degraded_budget,
                             f"{result.degraded_fraction:.1%} / {sc.degraded_budget:.0%}"),
        "thread use": (result.utilization, 1.0, f"{result.utilization:.0%}"),
    }
    bars = {name: _over(figure, limit) for name, (figure, limit, _) in figures.items()}
    labels = [f"{name}\n{text}" for name, (_, _, text) in figures.items()]
    verdict = "PASSES" if result.passed else f"fails {sum(not ok for ok in result.requirements.values())}"
    safety = "" if result.requirements["thread-safe"] else ", NOT thread-safe"
    title = (f"hit ratio {result.hit_ratio:.3f}, p50 {result.p50_ms:.3g} ms, "
             f"duplicates {result.duplicates}{safety} -> {verdict}")
    shared = choice.backend == "redis" and sc.outage_s > 0
    return DesignScore(result, bars, labels, title, load=result.db_per_second, capacity=sc.db_capacity,
                       outage=(sc.outage_at_s, sc.outage_at_s + sc.outage_s) if shared else None,
                       scored_from=float(capstone.traffic(sc)[1][int(sc.warmup * sc.n_requests)]))


@dataclass(frozen=True)
class MemoryCurves:
    curves: dict[str, tuple[list[float], list[float]]]  # backend -> (memory MB, hit ratio) by maxsize
    sizes: list[int]
    budget_mb: float
    design: str


def memory_curves(sizes: Sequence[int] = (125, 250, 500, 1_000, 2_000, 5_000, 10_000),
                  scenario: Scenario = DEFAULT) -> MemoryCurves:
    """Hit ratio and memory of the solution's design (LRU, per-key lock, TTL 10 s, leases, a default answer
    while the shared cache is down) at each maxsize, for both backends."""
    curves = {}
    for backend in capstone.BACKENDS:
        points = [capstone.score(replace(SOLUTION, maxsize=m, backend=backend), scenario) for m in sizes]
        curves[backend] = ([p.memory_mb for p in points], [p.hit_ratio for p in points])
    return MemoryCurves(curves, list(sizes), scenario.memory_budget_mb, "lru, per-key, TTL 10 s, leases")


def shared_design_passes(maxsize: int) -> bool:
    """Whether the exercise's shared design (SOLUTION with this maxsize) passes the default scenario."""
    return capstone.score(replace(SOLUTION, maxsize=maxsize)).passed


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


# --- the exercises' verdicts: True (right), None (not answered yet), or what is wrong ----------

def judge_exercise_1(answer: Any, scenario: Scenario = DEFAULT) -> bool | str | None:
    """Exercise 1: a Choice that passes every requirement of the scenario, scored by the model itself."""
    if answer is None:
        return None
    if not isinstance(answer, Choice):
        return f"give a capstone.Choice(policy=..., maxsize=..., ...), got {answer!r}"
    try:
        result = capstone.score(answer, scenario)
    except (ValueError, TypeError) as exc:
        return f"the service cannot run that choice: {exc}"
    if result.passed:
        return True
    missed = [name for name, ok in result.requirements.items() if not ok]
    return f"it misses {', '.join(missed)}: {result.failures[0]}"


def judge_exercise_2(answer: Any, step: int = 250, largest: int = 10_000) -> bool | str | None:
    """Exercise 2: the smallest multiple of `step` at which SOLUTION's shared design still passes."""
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return f"give maxsize as an int, got {answer!r}"
    if answer <= 0 or answer % step:
        return f"give a positive multiple of {step}, got {answer!r}"
    if answer > largest:
        return f"maxsize={answer} is more than {largest:,}: the smallest that passes is well below"
    if not shared_design_passes(int(answer)):
        failures = capstone.score(replace(SOLUTION, maxsize=int(answer))).failures
        return f"maxsize={answer} does not pass: {failures[0]}"
    if answer > step and shared_design_passes(int(answer) - step):
        return f"maxsize={answer} passes, but so does {answer - step}: look smaller"
    return True

