"""A hot key under steady load, across several expiries: a deterministic discrete-event simulation.

Requests for one key arrive at `rate` per second (evenly spaced, optionally jittered with a seed).
A computation of the value takes exactly `recompute` seconds. The cache starts warm (the value was
stored at t = 0), so the first expiry is at t = ttl: the stampede studied here is the one at
expiry, not a cold start. Each request goes through `hotcache_lab.expiry.refresh.RefreshCore`, the same
decision code as `ttl_memoize`, and then:

- HIT / STALE: answered at once;
- COMPUTE / REFRESH: computes, answered `recompute` seconds later (the backend sees one more load);
- WAIT: waits for the computation already running (single-flight), answered when it finishes;
- BACKGROUND: answered at once with the stale value, a computation runs in the background.

Time is kept in integer microseconds, so arrivals that coincide with a computation's end are
ordered exactly (a value stored at t is visible to a request arriving at t) and the counts in the
tests can be derived by hand. Results are reported in seconds.

    run = simulate_hot_key("expire", single_flight=False, rate=100, recompute=0.2, ttl=10, periods=3)
    run.per_episode       # computations in each refresh episode: [20, 20, 20]
    run.summary()         # small rounded dict for checked notebook cells
"""

from __future__ import annotations

import bisect
import functools
import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import _check
from .intervals import bucket_peaks, episodes, running_at_once
from .refresh import BACKGROUND, COMPUTE, HIT, REFRESH, STALE, WAIT, RefreshCore, check_strategy

US = 1_000_000  # microseconds per second
KEY = "hot"

# The configurations the lesson compares: label -> (strategy, options).
CONFIGS = {
    "expire": ("expire", {"single_flight": False}),
    "expire+single-flight": ("expire", {"single_flight": True}),
    "stale-while-revalidate": ("stale-while-revalidate", {"background": True}),
    "xfetch": ("xfetch", {"single_flight": False}),
}


def to_us(seconds: float) -> int:
    """Seconds to integer microseconds (rounded to the nearest)."""
    return int(round(seconds * US))


def arrival_times(rate: float, duration: float, *, jitter: float = 0.0, seed: int = 0) -> list[int]:
    """Request times in microseconds: i / rate for every i with i / rate < duration, each moved later by
    `jitter * U / rate` (U uniform in [0, 1), seeded), so jitter < 1 keeps them in order."""
    rate = _check.positive("rate", rate)
    duration = _check.positive("duration", duration)
    jitter = _check.fraction("jitter", jitter, high_open=True)
    return list(_arrivals(rate, duration, jitter, seed))


@functools.lru_cache(maxsize=16)
def _arrivals(rate: float, duration: float, jitter: float, seed: int) -> tuple[int, ...]:
    """arrival_times, kept: every configuration `compare` runs replays the same requests."""
    n = math.ceil(duration * rate)
    rng = random.Random(2 * seed + 1)
    times = []
    for i in range(n):
        t = (i + (jitter * rng.random() if jitter else 0.0)) / rate
        if t < duration:
            times.append(to_us(t))
    return tuple(times)


@dataclass
class HotKeyRun:
    """What one strategy did to the backend and to the requests (times in seconds)."""

    label: str
    strategy: str
    params: dict
    requests: int
    computations: int  # not counting the warm value stored at t = 0
    per_episode: list[int]  # computations in each refresh episode (overlapping computations)
    intervals: list[tuple[float, float]]  # each computation's (start, end)
    early: int  # computations started before the value they replaced had expired
    leads: list[float] = field(repr=False)  # for each interval: seconds before that value's expiry it started
    waits: int  # requests that waited for another request's computation
    delayed: int  # requests not answered at once (they computed or waited)
    longest_wait: float  # the slowest answer a request got
    stale_served: int
    max_staleness: float  # the most a served value was past its expiry
    duration: float
    bucket: float
    load: list[int] = field(repr=False)  # peak computations at once in each bucket

    @property
    def expiries(self) -> int:
        return len(self.per_episode)

    @property
    def per_expiry(self) -> float:
        """Average computations per refresh episode (0 if nothing was recomputed)."""
        return self.computations / len(self.per_episode) if self.per_episode else 0.0

    def episode_leads(self) -> list[float]:
        """For each refresh episode, how long before the old value's expiry its first computation started
        (negative: after expiry, the requests in between found nothing fresh)."""
        lead = dict(zip(self.intervals, self.leads, strict=True))
        return [lead[group[0]] for group in episodes(self.intervals)]

    @property
    def early_episodes(self) -> int:
        """Refresh episodes whose first computation started before the value expired."""
        return sum(lead > 0 for lead in self.episode_leads())

    @property
    def peak_load(self) -> int:
        return max(self.load, default=0)

    def load_curve(self) -> tuple[list[float], list[int]]:
        """The exact step curve of concurrent computations, from 0 to the end of the run."""
        times, levels = running_at_once(self.intervals)
        return [0.0, *times, self.duration], [0, *levels, 0]

    def summary(self) -> dict:
        """Small, rounded, deterministic figures for a checked cell."""
        return {
            "recomputations": self.computations,
            "episodes": self.expiries,
            "per_expiry": round(self.per_expiry, 2),
            "peak_backend_load": self.peak_load,
            "early": self.early,
            "early_episodes": self.early_episodes,
            "waited": self.waits,
            "longest_wait_s": round(self.longest_wait, 3),
            "stale_served": self.stale_served,
            "max_staleness_s": round(self.max_staleness, 3),
        }


class _Replay:
    """One run's event loop: arrivals in order, computations finishing on a heap, in microseconds."""

    def __init__(self, core: RefreshCore, r_us: int) -> None:
        self.core, self.r_us = core, r_us
        self.pending: list[tuple[int, int, object]] = []  # (finish time, sequence, flight): a heap
        self.finish_at: dict[object, int] = {}
        self.intervals: list[tuple[int, int]] = []
        self.leads: list[float] = []
        self.early = self.waits = self.delayed = self.version = self.longest = 0

    def start(self, now: int, flight) -> None:
        entry = self.core.entries.get(KEY)
        lead = entry.expiry - now if entry is not None else 0
        self.early += lead > 0
        self.leads.append(lead / US)
        self.finish_at[flight] = now + self.r_us
        heapq.heappush(self.pending, (now + self.r_us, len(self.intervals), flight))
        self.intervals.append((now, now + self.r_us))

    def finish_until(self, now: float) -> None:
        while self.pending and self.pending[0][0] <= now:  # computations end before a request at that time
            t, _, flight = heapq.heappop(self.pending)
            self.version += 1
            self.core.finish(KEY, flight, self.version, t)

    def serve(self, arrivals: Sequence[int]) -> None:
        """Every request in time order. A stretch of requests that can only be plain hits (a fresh
        value, nothing finishing before them: `RefreshCore.fresh_until`) is counted at once."""
        i, n = 0, len(arrivals)
        while i < n:
            now = arrivals[i]
            self.finish_until(now)
            until = self.core.fresh_until(KEY)
            if until is not None and now < until:
                if self.pending:
                    until = min(until, self.pending[0][0])
                j = bisect.bisect_left(arrivals, until, i)
                self.core.count_hits(j - i)
                i = j
                continue
            self.request(now)
            i += 1
        self.finish_until(math.inf)

    def request(self, now: int) -> None:
        self.finish_until(now)
        verdict = self.core.decide(KEY, now)
        action = verdict.action
        if action is HIT or action is STALE:
            return
        if action is BACKGROUND:
            self.start(now, verdict.flight)
        elif action is REFRESH or action is COMPUTE:
            self.start(now, verdict.flight)
            self.delayed += 1
            self.longest = max(self.longest, self.r_us)
        elif action is WAIT:
            self.waits += 1
            self.delayed += 1
            self.longest = max(self.longest, self.finish_at[verdict.flight] - now)
        else:  # pragma: no cover - RefreshCore has no other answer
            raise AssertionError(action)


def simulate_hot_key(strategy: str = "expire", *, rate: float = 100.0, recompute: float = 0.2,
                     ttl: float = 10.0, periods: int = 3, duration: float | None = None, beta: float = 1.0,
                     grace: float | None = None, single_flight: bool = True, background: bool = False,
                     jitter: float = 0.0, seed: int = 0, bucket: float | None = None,
                     label: str | None = None) -> HotKeyRun:
    """Replay a hot key's requests through one refresh strategy (see the module docstring).

    `duration` defaults to `periods * ttl + ttl / 2`: `periods` expiries, give or take what the
    strategy does to the refresh times. For stale-while-revalidate `grace` defaults to `ttl / 2`.
    `bucket` (default duration / 400) is the width of the load-over-time buckets.
    """
    _check.positive("recompute", recompute)
    _check.positive("ttl", ttl)
    _check.integer("periods", periods)
    if strategy == "stale-while-revalidate" and grace is None:
        grace = ttl / 2
    check_strategy(strategy, grace, beta)  # in seconds, before anything is converted to microseconds
    duration = _check.positive("duration", periods * ttl + ttl / 2 if duration is None else duration)
    bucket = _check.positive("bucket", duration / 400 if bucket is None else bucket)
    r_us = to_us(recompute)
    if r_us < 1:
        raise ValueError(f"recompute must be at least a microsecond, got {recompute!r}")
    core = RefreshCore(to_us(ttl), strategy, grace=None if grace is None else to_us(grace), beta=beta,
                       rng=random.Random(2 * seed), single_flight=single_flight, background=background)
    core.prime(KEY, 0, stored=0, delta=r_us)
    arrivals = _arrivals(_check.positive("rate", rate), duration,
                         _check.fraction("jitter", jitter, high_open=True), seed)
    run = _Replay(core, r_us)
    run.serve(arrivals)
    seconds = [(s / US, e / US) for s, e in run.intervals]
    return HotKeyRun(
        label=label or strategy, strategy=strategy,
        params={"rate": rate, "recompute": recompute, "ttl": ttl, "periods": periods, "beta": beta,
                "grace": grace, "single_flight": single_flight, "background": background, "jitter": jitter,
                "seed": seed},
        requests=len(arrivals), computations=len(run.intervals),
        per_episode=[len(g) for g in episodes(run.intervals)], intervals=seconds, early=run.early,
        leads=run.leads, waits=run.waits, delayed=run.delayed, longest_wait=run.longest / US,
        stale_served=core.stats.stale_served, max_staleness=core.stats.max_staleness / US,
        duration=duration, bucket=bucket, load=bucket_peaks(seconds, duration, bucket),
    )


def compare(configs: dict | None = None, **params) -> dict[str, HotKeyRun]:
    """Run the same traffic through several configurations (default: CONFIGS) -> {label: HotKeyRun}.

    `params` go to every run (rate, recompute, ttl, periods, beta, grace, jitter, seed, ...); a
    configuration's own options win over them.
    """
    configs = CONFIGS if configs is None else configs
    runs = {}
    for label, (strategy, options) in configs.items():
        kwargs = {**params, **options}
        if strategy != "xfetch":
            kwargs.pop("beta", None)
        if strategy != "stale-while-revalidate":
            kwargs.pop("grace", None)
            kwargs.pop("background", None)
        runs[label] = simulate_hot_key(strategy, label=label, **kwargs)
    return runs


def summary_table(runs: dict[str, HotKeyRun], fields: Sequence[str] = ("per_expiry", "peak_backend_load",
                                                                      "waited", "longest_wait_s",
                                                                      "max_staleness_s")) -> str:
    """A fixed-width text table of chosen summary fields, one row per run."""
    width = max(len(label) for label in runs) if runs else 5
    lines = [" ".join([f"{'strategy':<{width}}", *(f"{f:>17}" for f in fields)])]
    for label, run in runs.items():
        s = run.summary()
        lines.append(" ".join([f"{label:<{width}}", *(f"{s[f]!s:>17}" for f in fields)]))
    return "\n".join(lines)
