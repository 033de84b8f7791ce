"""Notebook 04 (eviction policies): a small cache step by step, the traffic shapes that break each
policy, miss-ratio curves by skew, and the verdicts of the exercises."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import _check, caches, workloads
from ..sim import curves, policies
from ..sim.stepper import Recording, frame, record

POLICIES = policies.POLICY_NAMES  # the online policies, then OPT
ONLINE = tuple(p for p in POLICIES if p != "opt")  # what a real cache can run (OPT needs the future)
#: the step-through's trace: a hot set, a scan of new keys, the hot set again
TRACE = (1, 2, 3, 1, 2, 4, 1, 5, 2, 1, 10, 11, 12, 13, 14, 1, 2, 3, 1, 2)
SEED = 0
SIZE = 100  # the cache of the traffic shapes (section 3)
HOT_KEYS = range(50)  # the 50 hottest keys of hot_traffic(): what a scan must not flush
SCAN_START = 10**6  # scan keys are SCAN_START, SCAN_START + 1, ...: never requested before
#: the size slider: 10**1 to 10**3.7 in steps of 10**0.1 (a plots.log_slider); the curves are
#: computed at exactly these sizes, so moving the size slider only selects
SIZE_EXPONENTS = (1.0, 3.7)
MRC_SIZES = np.unique(np.round(10 ** np.linspace(*SIZE_EXPONENTS, 28)).astype(np.int64))
MRC_KEYS, MRC_REQUESTS = 5_000, 10_000  # the Zipf trace of the curves


# --- step by step -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def recordings(trace: tuple = TRACE, maxsize: int = 4) -> tuple[Recording, ...]:
    """Every policy's recording of the trace, step by step (sim.stepper.record)."""
    return tuple(record(trace, p, maxsize) for p in POLICIES)


@dataclass(frozen=True)
class StepView:
    """Step `t` of every policy: the rows of boxes to draw, and who hit and who evicted what."""

    t: int
    trace: tuple
    rows: tuple  # one sim.stepper.frame a policy
    hit: dict  # policy -> hit at step t
    evicted: dict  # policy -> keys evicted at step t

    @property
    def request(self) -> Hashable:
        return self.trace[self.t]


def step(t: int, trace: tuple = TRACE, maxsize: int = 4) -> StepView:
    """The time slider's compute: every policy at step `t` of the trace."""
    recs = recordings(tuple(trace), maxsize)
    return StepView(t, tuple(trace), tuple(frame(rec, t) for rec in recs),
                    {rec.policy: rec[t].hit for rec in recs}, {rec.policy: rec[t].evicted for rec in recs})


# --- the traffic shapes -----------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def hot_traffic() -> np.ndarray:
    """The skewed hot set of the scan experiment: Zipf(1.2) over 200 keys, 20,000 requests (read-only)."""
    keys = workloads.zipf(n_keys=200, alpha=1.2, n_requests=20_000, seed=SEED)
    keys.flags.writeable = False  # shared by the notebook and the verdicts: nobody may change it
    return keys


def served(policy: str, keys: Iterable, maxsize: int) -> caches.Cache:
    """A fresh cache of `policy` after serving `keys`, each with `Cache.request` (get, put on a miss)."""
    cache = caches.POLICIES[_check.one_of("policy", policy, caches.POLICIES)](maxsize)
    for key in np.asarray(keys).tolist():
        cache.request(key)
    return cache


def hot_keys_kept(cache: caches.Cache, hot: Iterable = HOT_KEYS) -> int:
    """How many of the hot keys the cache still holds (membership counts nothing)."""
    return sum(key in cache for key in hot)


def lfu_counts(keys: Iterable, maxsize: int, of: Iterable) -> dict:
    """The LFU counts, after serving `keys`, of those keys in `of` that the cache still holds."""
    wanted = set(of)
    return {e.key: e.count for e in served("lfu", keys, maxsize).entries() if e.key in wanted}


@dataclass(frozen=True, eq=False)
class Windowed:
    """The hit ratio of each policy per window of requests, and where the hot set moved."""

    window: int
    maxsize: int
    ends: np.ndarray  # the request count at the end of each window
    ratios: dict  # policy -> hit ratio of each window
    shifts: tuple  # request counts where a new hot set starts


def windowed(trace: Sequence, names: Sequence[str], maxsize: int, window: int, period: int) -> Windowed:
    """Each policy's hit ratio per `window` requests of `trace` (a multiple of `window` long)."""
    window = _check.integer("window", window)
    keys = np.asarray(trace)
    if len(keys) % window:
        raise ValueError(f"window must divide the trace's length {len(keys)}, got {window}")
    ratios = {p: policies.replay(keys, p, maxsize).reshape(-1, window).mean(axis=1) for p in names}
    ends = np.arange(1, len(keys) // window + 1) * window
    return Windowed(window, maxsize, ends, ratios, tuple(range(period, len(keys), period)))


# --- miss-ratio curves ------------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def miss_curves(alpha: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A Zipf(alpha) trace of 10,000 requests over 5,000 keys, and each policy's miss ratio at MRC_SIZES."""
    trace = workloads.zipf(n_keys=MRC_KEYS, alpha=alpha, n_requests=MRC_REQUESTS, seed=SEED)
    return trace, {p: curves.miss_ratio_curve(trace, p, MRC_SIZES) for p in POLICIES}


@functools.lru_cache(maxsize=256)
def miss_at(alpha: float, size: int) -> dict[str, float]:
    """Each policy's miss ratio at one cache size, on the trace of miss_curves(alpha)."""
    trace, _ = miss_curves(alpha)
    return {p: 1 - policies.hit_ratio(trace, p, size) for p in POLICIES}


@dataclass(frozen=True, eq=False)
class MissCurves:
    """The curves of every policy at one skew, and the policies in order at one size."""

    alpha: float
    size: int
    sizes: np.ndarray
    curves: dict  # policy -> miss ratio at each of `sizes`
    miss: dict  # policy -> miss ratio at `size`
    order: tuple  # policies, fewest misses first (ties by name)


def mrc(alpha: float, size: float) -> MissCurves:
    """The sliders' compute: alpha from a float slider, size from a log slider (a float).

    At a size on the curves' grid (every stop of the size slider) the miss ratios are read off the
    curves, which are the same replays; any other size is replayed (miss_at)."""
    alpha = round(_check.non_negative("alpha", alpha), 2)
    size = _check.maxsize(int(round(size)), name="size")
    _, by_policy = miss_curves(alpha)
    at = np.searchsorted(MRC_SIZES, size)
    if at < len(MRC_SIZES) and MRC_SIZES[at] == size:
        here = {p: float(c[at]) for p, c in by_policy.items()}
    else:
        here = miss_at(alpha, size)
    order = tuple(sorted(here, key=lambda p: (here[p], p)))
    return MissCurves(alpha, size, MRC_SIZES, by_policy, here, order)


# --- the exercises' verdicts: True (right), None (not answered yet), or what is wrong ----------

BELADY_TRACE = (1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5)
LONGEST_SCAN = 5_000


def belady_hits(policy: str) -> tuple[int, int]:
    """Hits of `policy` on BELADY_TRACE with 3 and with 4 slots."""
    return record(BELADY_TRACE, policy, 3).hits, record(BELADY_TRACE, policy, 4).hits


def judge_exercise_1(answer) -> bool | str | None:
    """Exercise 1: FIFO's hits on BELADY_TRACE with 3 and 4 slots, judged against real recordings."""
    if answer is None:
        return None
    try:
        got = tuple(answer)
    except TypeError:
        return f"give a pair (hits with 3 slots, hits with 4 slots), got {answer!r}"
    if len(got) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in got):
        return f"give two ints (hits with 3 slots, hits with 4 slots), got {answer!r}"
    right = belady_hits("fifo")
    if got == right:
        return True
    if got == right[::-1]:
        return "which is which? the first number is with 3 slots"
    if got == tuple(len(BELADY_TRACE) - h for h in right):
        return "those are misses (page faults): count the hits"
    if got == belady_hits("lru"):
        return "those are LRU's hits: serve the trace through FIFO"
    return "count the H's in record(trace, 'fifo', 3).hit_string(), and with 4"


def first_flush(policy: str, longest: int = LONGEST_SCAN) -> int | None:
    """The shortest scan of new keys, after hot_traffic()[:10_000], that leaves none of HOT_KEYS
    in a cache of SIZE under `policy`; None if no scan up to `longest` keys does."""
    cache = served(policy, hot_traffic()[:10_000], SIZE)
    for n, key in enumerate(range(SCAN_START, SCAN_START + longest), start=1):
        cache.request(key)  # a miss: the key is new; a hot key once evicted never comes back
        if hot_keys_kept(cache) == 0:
            return n
    return None


def judge_exercise_2_length(answer) -> bool | str | None:
    """Exercise 2: the shortest scan that flushes the 50 hottest keys out of LRU."""
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return f"give the scan length as an int, got {answer!r}"
    right = first_flush("lru")
    if answer == right:
        return True
    if answer == len(HOT_KEYS):
        return f"{answer} is the number of hot keys: the cache holds {SIZE} entries, hot or not"
    if answer > right:
        return f"a scan of {answer} flushes LRU, but a shorter one already does"
    return f"after a scan of {answer} keys some hot key is still cached"


def judge_exercise_2_s3fifo(answer) -> bool | str | None:
    """Exercise 2: does any scan of up to LONGEST_SCAN new keys flush the hot keys out of S3-FIFO?"""
    if answer is None:
        return None
    if not isinstance(answer, (bool, np.bool_)):
        return f"give True or False, got {answer!r}"
    right = first_flush("s3fifo") is not None
    if bool(answer) == right:
        return True
    if answer:
        return "scan keys are used once: they leave through the small queue; does the main queue change?"
    return "look again: count the hot keys left after the longest scan"
