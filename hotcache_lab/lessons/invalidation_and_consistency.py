"""Notebook 08 (invalidation and consistency): what its live plots and checked cells compute, on the
lab's real Redis and a real SQLite database, and the verdicts of its exercises.

    lesson.patterns_view(store, 0.25)            # the five patterns on one workload, for draw_patterns
    lesson.stale_counts(db, store)               # the stale-set race counted under real threads, per fix
    lesson.negative_sweep(store)                 # negative caching: database queries, stale "absent" answers
    lesson.expiry_view(0.2)                      # database queries per second, for draw_expiry_load
    lesson.hot_key_load(rate=100, beta=1.0)      # a hot key at expiry, for plots.expiry.draw_backend_load
    lesson.judge_exercise_1(ex1_read, client)    # True, None (not answered yet), or what is wrong
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import redis

from .. import _check
from ..concurrency import races as thread_races
from ..distributed import start_redis
from ..distributed.redis_cache import make_client
from ..distributed.redis_refresh import RedisRefresher
from ..expiry import hotkey_sim, jitter
from ..expiry.refresh import RefreshStats, ttl_memoize
from ..invalidation import negative, patterns, races
from ..invalidation.origin import Database
from ..invalidation.stores import RedisStore
from ..invalidation.threads import run_threads
from .exercises import check

__all__ = ["WRITE_SHARES", "PatternsView", "patterns_view", "patterns_table", "RaceSequence", "race_sequence",
           "stale_counts", "NEGATIVE_TTLS", "NegativeSweep", "negative_sweep", "JITTERS", "ExpiryView",
           "expiry_view", "RATES", "BETAS", "HotKeyLoad", "hot_key_load", "CALLERS", "expiry_burst",
           "RedisBurst", "redis_lock_burst", "judge_exercise_1", "judge_exercise_2", "self_check"]


# --- 1. the patterns side by side ---------------------------------------------------------------------

#: the write shares the patterns' slider offers: few, so each is replayed once, ahead (`plot.warm()`)
WRITE_SHARES = (0.0, 0.1, 0.25, 0.5)


@dataclass(frozen=True)
class PatternsView:
    """The five patterns replayed on one seeded workload with `write_share` of its requests writes."""

    write_share: float
    runs: tuple[patterns.PatternRun, ...]

    def by_pattern(self) -> dict[str, patterns.PatternRun]:
        return {run.pattern: run for run in self.runs}


@functools.cache
def _spare_server() -> tuple[Any, RedisStore]:
    """A private Redis (kept with its handle, stopped at exit) for a live plot moved after its notebook
    stopped its own server: the replay clears its keys first, so any server gives the same counts."""
    server = start_redis()
    return server, RedisStore(make_client(server.url), "nb08:")


def _reachable(store: RedisStore) -> RedisStore:
    try:
        store.client.ping()
        return store
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return _spare_server()[1]


def patterns_view(store: RedisStore, write_share: float = 0.25, *, ops: int = 300,
                  keys: int = 30) -> PatternsView:
    """`patterns.compare` on a real Redis, each pattern over a fresh SQLite database (the slider's value).
    Once the notebook has stopped the server `store` is on, a private one stands in."""
    return PatternsView(write_share, patterns.compare(_reachable(store), write_share, ops=ops, keys=keys))


def patterns_table(view: PatternsView) -> str:
    """A fixed-width table of one replay: database load, hit ratio, staleness, writes lost on a crash."""
    lines = [f"{'pattern':<14}{'db reads':>9}{'db writes':>10}{'hit ratio':>10}{'stale reads':>12}"
             f"{'oldest (ticks)':>15}{'lost on crash':>14}"]
    lines += [f"{r.pattern:<14}{r.db_reads:>9}{r.db_writes:>10}{r.hit_ratio:>10.2f}{r.stale_reads:>12}"
              f"{r.max_stale_ticks:>15}{r.lost_on_crash:>14}" for r in view.runs]
    return "\n".join(lines)


# --- 2. the stale-set race ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RaceSequence:
    """A sequence diagram: lanes left to right, steps top to bottom (from, to, label, fatal)."""

    lanes: tuple[str, ...]
    steps: tuple[tuple[str, str, str, bool], ...]
    title: str


def race_sequence(race: races.ForcedRace) -> RaceSequence:
    """The stale-set race as it just happened (`races.forced_stale_set` with plain delete)."""
    old, new = race.db_version - 1, race.db_version
    reader, cache, database, writer = "reader", "cache (Redis)", "database (SQLite)", "writer"
    steps = ((reader, cache, "GET price: miss", False),
             (reader, database, f"SELECT price: version {old}", False),
             (writer, database, f"UPDATE price: version {new}", False),
             (writer, cache, "DEL price", False),
             (reader, cache, f"SET price = version {old}", True),
             (reader, cache, f"next GET: version {race.next_read_version}, until the TTL or forever", True))
    return RaceSequence((reader, cache, database, writer), steps,
                        "the stale-set race: the delete comes before the slow reader's fill")


def stale_counts(db: Database, store: RedisStore, **options: Any) -> dict[str, races.StaleCount]:
    """`races.count_stale_reads` with every strategy, one after the other (real threads, counts vary)."""
    return {strategy: races.count_stale_reads(db, store, strategy, **options)
            for strategy in races.STRATEGIES}


# --- 5. negative caching ---------------------------------------------------------------------------------

#: negative TTLs (ticks) the sweep replays; 0 is no negative caching
NEGATIVE_TTLS = (0, 10, 30, 100, 300)


@dataclass(frozen=True)
class NegativeSweep:
    """Per negative TTL: database queries and stale "absent" answers, with and without the writer
    deleting the marker when it creates the key (halfway through the lookups)."""

    ttls: tuple[int, ...]
    lookups: int
    absent_lookups: int  # lookups of keys that did not exist yet (the same in every run)
    queries: dict[bool, tuple[int, ...]]  # healed -> database queries per TTL
    stale_absent: dict[bool, tuple[int, ...]]  # healed -> "absent" answers for keys that existed


def negative_sweep(store: RedisStore, *, ttls: tuple[int, ...] = NEGATIVE_TTLS, lookups: int = 300,
                   seed: int = 0) -> NegativeSweep:
    """`negative.replay` for every TTL and both writers, side by side (a key prefix each: no sharing).
    With no negative caching there is no marker to delete: that run stands for both writers."""
    lookups = _check.integer("lookups", lookups)
    grid = [(ttl, healed) for healed in (False, True) for ttl in ttls if ttl or not healed]
    runs = run_threads(*(lambda t=t, h=h: negative.replay(
        store.under(f"neg{t}{'h' if h else ''}"), negative_ttl=t, lookups=lookups, create_at=lookups // 2,
        invalidate_on_create=h, seed=seed) for t, h in grid))
    done = dict(zip(grid, runs, strict=True))
    run = {(t, h): done.get((t, h if t else False)) for t in ttls for h in (False, True)}
    return NegativeSweep(tuple(ttls), lookups, runs[0].absent_lookups,
                         {h: tuple(run[t, h].db_queries for t in ttls) for h in (False, True)},
                         {h: tuple(run[t, h].stale_absent for t in ttls) for h in (False, True)})


# --- 6. synchronized expiry and jitter ---------------------------------------------------------------

#: the jitter slider's stops (a share of the TTL)
JITTERS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


@dataclass(frozen=True)
class ExpiryView:
    """Database queries per second with `jitter`, and with none (drawn behind it for comparison)."""

    current: jitter.ExpiryLoad
    reference: jitter.ExpiryLoad


@functools.cache
def _no_jitter() -> jitter.ExpiryLoad:
    return jitter.synchronized_expiry(jitter=0.0)


def expiry_view(jitter_share: float = 0.2) -> ExpiryView:
    """`expiry.jitter.synchronized_expiry` at the slider's jitter, against no jitter (seeded: exact)."""
    return ExpiryView(jitter.synchronized_expiry(jitter=jitter_share), _no_jitter())


# --- 7. expiring hot keys (moved from notebook 06) ----------------------------------------------------

#: the hot key's sliders: requests per second and XFetch's beta
RATES = (25, 50, 100, 200, 400)
BETAS = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class HotKeyLoad:
    """A hot key's recomputations at once over time, per strategy, for `plots.expiry.draw_backend_load`."""

    curves: dict[str, tuple[list[float], list[int]]]  # step curves: the peak of each of ~400 time buckets
    per_expiry: dict[str, float]
    peak: dict[str, int]
    top: int  # the highest peak: one y scale for every panel
    title: str


def hot_key_load(rate: float = 100, beta: float = 1.0, *, recompute: float = 0.2, ttl: float = 10.0,
                 periods: int = 3, seed: int = 0) -> HotKeyLoad:
    """The same traffic through every configuration of `hotkey_sim.CONFIGS` (the sliders' values)."""
    runs = hotkey_sim.compare(rate=rate, recompute=recompute, ttl=ttl, beta=beta, periods=periods, seed=seed)
    curves = {label: ([*(i * run.bucket for i in range(len(run.load))), run.duration], [*run.load, 0])
              for label, run in runs.items()}
    return HotKeyLoad(curves, {label: run.per_expiry for label, run in runs.items()},
                      {label: run.peak_load for label, run in runs.items()},
                      max(run.peak_load for run in runs.values()),
                      f"a hot key at {rate:g} req/s, recompute {recompute:g} s, TTL {ttl:g} s, beta {beta:g}")


CALLERS = 16  # threads that ask for the expired price at one instant


def expiry_burst(strategy: str, at: float, *, callers: int = CALLERS,
                 **options: Any) -> tuple[RefreshStats, thread_races.RaceResult]:
    """`callers` threads ask a `ttl_memoize`d price (TTL 10 s) at fake-clock time `at`, all at once.

    The warm value is computed at 0 and "takes" 0.05 s of the fake clock (delta = 0.05, stored at
    0.05, expiring at 10.05). Each later computation holds until every caller has asked, then
    sleeps 20 ms (the database). Returns the wrapper's stats and the race.
    """
    callers = _check.integer("callers", callers)
    now, warming = [0.0], [True]

    @ttl_memoize(10.0, strategy, clock=lambda: now[0], **options)
    def load_price(sku):
        if warming[0]:
            now[0] += 0.05  # the first computation "takes" 0.05 s of the fake clock: delta = 0.05
            return "price v0"
        deadline = time.monotonic() + 10
        while load_price.stats().calls < 1 + callers and time.monotonic() < deadline:
            time.sleep(0.001)  # hold until every caller has asked
        time.sleep(0.02)  # the database
        return "price v1"

    load_price("sku-42")
    warming[0] = False
    now[0] = at
    burst = thread_races.run_together(lambda: load_price("sku-42"), callers)
    burst.raise_first("a caller failed")
    return load_price.stats(), burst


@dataclass(frozen=True)
class RedisBurst:
    strategy: str
    computations: int  # of the missing value, by every client together
    waits: int  # clients that found the lock taken and waited for the value instead
    answers: tuple[str, ...]


def redis_lock_burst(client: Any, strategy: str, *, callers: int = 6, key: str = "nb08:price") -> RedisBurst:
    """`callers` threads ask at once for a Redis key that just expired, each with a `RedisRefresher` of
    its own (as separate processes would): "none" recomputes in every one, "lock" (`SET lock:<key>
    <token> NX PX`) in one while the others wait. A computation holds until every caller has missed,
    so the counts are the same every run. `client` must decode responses (`redis_refresh.connect`)."""
    _check.one_of("strategy", strategy, ("none", "lock"))
    callers = _check.integer("callers", callers)
    client.delete(key, f"lock:{key}")
    entered = []
    refreshers: list[RedisRefresher] = []

    def compute() -> str:
        entered.append(1)
        deadline = time.monotonic() + 10
        while len(entered) + sum(r.stats.waits for r in refreshers) < callers and time.monotonic() < deadline:
            time.sleep(0.001)  # hold until every caller has missed
        time.sleep(0.02)  # the database
        return "price v1"

    refreshers += [RedisRefresher(client, key, compute, ttl=10.0, strategy=strategy) for _ in range(callers)]
    answers = run_threads(*(r.get for r in refreshers))
    client.delete(key, f"lock:{key}")
    return RedisBurst(strategy, sum(r.stats.computations for r in refreshers),
                      sum(r.stats.waits for r in refreshers), tuple(answers))


# --- 8. the exercises' verdicts: the self-check cells print them, tests/lessons/test_selfchecks_08.py
# tests them

def _invalidating_write(db: Any, store: RedisStore, key: str, value: str) -> None:
    """The exercises' writer: update the row, then invalidate with its version (a tombstone)."""
    store.invalidate(key, db.write(key, value))


def _judge_reader(read: Any, db: Database, store: RedisStore) -> bool | str:
    key = "price:42"
    db.write(key, "9.99")
    if read(db, store, key) != "9.99":
        return "return the row's value (a str): read(db, store, key) answers what the database holds"
    before = db.reads
    read(db, store, key)
    if db.reads > before:
        return "the second read went to the database again: fill the cache on a miss"
    _invalidating_write(db, store, key, "10.49")
    read(races.RacingDatabase(db, lambda: _invalidating_write(db, store, key, "11.99")), store, key)
    if read(db, store, key) != "11.99":
        return ("after the race the cache served the value the writer had replaced: a fill must be refused "
                "once an invalidation came after the database read (a lease, or a set only if newer)")
    before = db.reads
    read(db, store, key)
    if db.reads > before:
        return "after the race the key never came back into the cache: the next miss must fill it"
    return True


def _judged(judge: Any, answer: Any, client: Any, prefix: str) -> bool | str | None:
    if answer is None:
        return None
    if not callable(answer):
        return f"give a function, got {answer!r}"
    store = RedisStore(client, prefix)
    store.clear()
    try:
        with Database() as db:
            return judge(answer, db, store)
    except Exception as error:  # the student's function failed: say so, never crash the notebook
        return f"your function raised {error!r}"
    finally:
        store.clear()


def judge_exercise_1(answer: Any, client: Any) -> bool | str | None:
    """Exercise 1: `read(db, store, key)`, a cache-aside read that the stale-set race cannot fool.

    Judged by behaviour: it returns the row's value, a second read hits, and after the race (a writer
    commits and invalidates between its database read and its fill) the next read is fresh and the
    one after hits again."""
    return _judged(_judge_reader, answer, client, "ex1:")


class _DatabaseDown(RuntimeError):
    pass


class _FailingDatabase:
    """The database, except that every write fails (a lost connection): reads still work."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write(self, key: str, value: str, **options: Any) -> int:
        raise _DatabaseDown("the database is down")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def _judge_writer(write: Any, db: Database, store: RedisStore) -> bool | str:
    key = "stock:7"
    write(db, store, key, "12")
    row, entry = db.peek(key), store.get(key)
    if row is None or row.value != "12":
        return "write the database: it is the source of truth, the cache only a copy"
    if entry is None:
        return "the cache holds nothing after the write: this exercise asks that the next read hit"
    if (entry.value, entry.version) != (row.value, row.version):
        return "the cache should hold the value with the version the database gave it (db.write returns it)"
    write(db, store, key, "11")
    entry = store.get(key)
    if entry is None or entry.value != "11":
        return "a second write left the cache holding the first value: each write must reach the cache"
    try:
        write(_FailingDatabase(db), store, key, "10")
    except _DatabaseDown:
        pass
    entry = store.get(key)
    if entry is None or entry.value != "11":
        return ("the cache changed although the database write failed: write the database first, "
                "then the cache")
    if races.forced_order(write, db, store, "stock:8", timeout=5.0).wrong:
        return ("two writers left the cache holding the older value: set the cache only if the version "
                "is newer (store.versioned_set)")
    return True


def judge_exercise_2(answer: Any, client: Any) -> bool | str | None:
    """Exercise 2: `write(db, store, key, value)`, a write-through that two writers cannot leave wrong.

    Judged by behaviour: the row is written, the cache holds the new value with the row's version after
    each write, a failed database write leaves the cache alone, and the forced update-order race
    (`races.forced_order`) leaves the cache agreeing with the database."""
    return _judged(_judge_writer, answer, client, "ex2:")


def self_check(label: str, answer: Any, verdict: bool | str | None, *, hint: str = "") -> None:
    """Print a judge's verdict in `exercises.check`'s one-line style ("not answered yet" for None);
    a verdict that is a string says what is wrong and becomes the hint. A function answer is shown by
    its name."""
    shown = getattr(answer, "__name__", answer) if callable(answer) else answer
    wrong = isinstance(verdict, str)
    check(label, shown, shown if verdict is True else _NOT_ACCEPTED, hint=verdict if wrong else hint)


_NOT_ACCEPTED = object()  # equal to no answer: `check` then says "not yet"
