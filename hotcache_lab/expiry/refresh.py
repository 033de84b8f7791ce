"""TTL memoization that decides what happens when a hot key expires: three refresh strategies.

    @ttl_memoize(10.0, strategy="expire")                      # plain expiry
    @ttl_memoize(10.0, strategy="stale-while-revalidate", grace=2.0)
    @ttl_memoize(10.0, strategy="xfetch", beta=1.0)            # probabilistic early expiration
    def price(sku): ...
    price.stats(); price.cache_clear(); price.refresh_parameters()

What each strategy does with a caller that arrives when the entry is no longer fresh:

- "expire": the entry is gone at `stored + ttl`. A caller that misses computes it; with
  `single_flight=True` the first caller computes and later callers of that key wait for its result
  (nobody else recomputes), with `single_flight=False` every caller that misses recomputes: under
  load that is the stampede, about `rate * recompute_time` computations per expiry.
- "stale-while-revalidate": for `grace` seconds after expiry the old value is still usable. The
  first caller in that window refreshes it (inline by default, like dogpile.cache's creator; in a
  background thread with `background=True`, like dogpile.cache's async_creation_runner or HTTP's
  RFC 5861 stale-while-revalidate, so that caller gets the stale value too); everybody else gets
  the stale value without waiting. Once `grace` is over the entry is treated exactly as in
  "expire": stale values are never served more than `grace` seconds past expiry.
- "xfetch": probabilistic early expiration (Vattani, Chierichetti and Lowenstein, "Optimal
  Probabilistic Cache Stampede Prevention", PVLDB 8(8), 2015). Each caller of a fresh entry
  recomputes early when `now - delta * beta * ln(U) >= expiry`, U uniform in (0, 1], delta the
  duration of the computation that produced the entry. The chance grows as expiry nears,
  P = exp(-(expiry - now) / (delta * beta)), so with many callers one of them refreshes shortly
  before expiry and the others keep hitting. It needs no coordination (hence its use across
  processes), so with `single_flight=False` two callers can both refresh early; with
  `single_flight=True` (the default) a caller that sees a refresh already running just hits.

Entries are stored when the computation finishes: `expiry = finished + ttl`. Time and randomness
are injected (`clock` returns seconds, `rng` has `.random()`), so tests drive them exactly.

The decisions live in `RefreshCore`, a plain single-threaded state machine; `ttl_memoize` calls it
under one lock, and `hotcache_lab.expiry.hotkey_sim` replays simulated traffic through the same object,
so the simulation's numbers are those of this code.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import update_wrapper
from typing import Any, NamedTuple

from .. import _check
from ..memo.decorator import make_key

#: the refresh strategies of `ttl_memoize` (and of the simulation that replays its decisions)
REFRESH_STRATEGIES = ("expire", "stale-while-revalidate", "xfetch")

# What `RefreshCore.decide` tells a caller to do.
HIT = "hit"  # a fresh value: return it
STALE = "stale"  # a stale value inside the grace period: return it, someone else is refreshing
REFRESH = "refresh"  # compute now (a usable value exists: XFetch early, or the SWR refresher)
BACKGROUND = "background"  # return the stale value and compute in the background (SWR, background=True)
COMPUTE = "compute"  # nothing usable: compute now
WAIT = "wait"  # nothing usable and another caller is computing it: wait for its result


def check_strategy(strategy: Any, grace: Any, beta: Any) -> None:
    """Validate a strategy and its parameters (shared by ttl_memoize, the simulation and Redis)."""
    _check.one_of("strategy", strategy, REFRESH_STRATEGIES)
    if strategy == "stale-while-revalidate":
        if grace is None:
            raise ValueError("grace (seconds a stale value may still be served after expiry) is required "
                             "for strategy='stale-while-revalidate'")
        _check.seconds("grace", grace)
    elif grace is not None:
        raise ValueError(f"grace only applies to strategy='stale-while-revalidate', not {strategy!r}")
    _check.positive("beta", beta)


def xfetch_should_refresh(now: float, expiry: float, delta: float, beta: float, rng) -> bool:
    """XFetch's test: `now - delta * beta * ln(U) >= expiry`, U = 1 - rng.random(), uniform in (0, 1].

    U is never 0, so the logarithm is always defined; U = 1 refreshes only at or after expiry.
    """
    u = 1.0 - rng.random()
    return now - delta * beta * math.log(u) >= expiry


def xfetch_probability(time_left: float, delta: float, beta: float) -> float:
    """P(xfetch_should_refresh) `time_left` seconds before expiry: exp(-time_left / (delta * beta))."""
    if time_left <= 0:
        return 1.0
    if delta * beta <= 0:
        return 0.0
    return math.exp(-time_left / (delta * beta))


@dataclass
class RefreshStats:
    """Counters. Every call is exactly one of hits, stale_served, misses and refreshes."""

    calls: int = 0
    hits: int = 0  # answered with a fresh value, computed nothing
    stale_served: int = 0  # answered with a stale value inside the grace period (background triggers too)
    misses: int = 0  # no usable value: computed it (computations) or waited for another caller (waits)
    refreshes: int = 0  # computed inline while a usable value existed (XFetch early, SWR refresher)
    computations: int = 0  # times the function was started, inline or in the background
    waits: int = 0  # misses that waited for another caller's computation (single-flight)
    errors: int = 0  # computations that raised (nothing is cached for them)
    max_staleness: float = 0.0  # longest time past expiry of a stale value served (< grace)


class Entry(NamedTuple):
    value: Any
    started: float  # when the computation that produced it started
    stored: float  # when it finished and was stored
    expiry: float  # stored + ttl
    delta: float  # stored - started: XFetch's recompute time


class Flight:
    """A computation in progress; callers that wait for it block on `done`."""

    __slots__ = ("started", "done", "value", "error")

    def __init__(self, started: float) -> None:
        self.started = started
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class Verdict(NamedTuple):
    action: str  # HIT, STALE, REFRESH, BACKGROUND, COMPUTE or WAIT
    value: Any = None  # the value to return for HIT, STALE and BACKGROUND
    flight: Flight | None = None  # to finish (REFRESH, BACKGROUND, COMPUTE) or to wait for (WAIT)
    staleness: float = 0.0  # seconds past expiry, for STALE and BACKGROUND


class RefreshCore:
    """The decisions of one TTL memo table, without threads or clocks: the caller passes `now`.

    Not thread-safe by itself: `ttl_memoize` holds one lock around each call.
    """

    def __init__(self, ttl: float, strategy: str = "expire", *, grace: float | None = None, beta: float = 1.0,
                 rng=None, single_flight: bool = True, background: bool = False) -> None:
        _check.seconds("ttl", ttl)
        check_strategy(strategy, grace, beta)
        if rng is None:
            rng = random.Random(0)
        if not callable(getattr(rng, "random", None)):
            raise TypeError(f"rng must have a .random() method (like random.Random(0)), got {rng!r}")
        _check.flag("single_flight", single_flight)
        _check.flag("background", background)
        if background and strategy != "stale-while-revalidate":
            raise ValueError(
                f"background=True only applies to strategy='stale-while-revalidate', not {strategy!r}")
        self.ttl, self.strategy, self.grace, self.beta = ttl, strategy, grace, beta
        self.rng, self.single_flight, self.background = rng, single_flight, background
        self.entries: dict[Any, Entry] = {}
        self.flights: dict[Any, list[Flight]] = {}  # computations in progress, oldest first
        self.stats = RefreshStats()

    def _start(self, key: Any, now: float) -> Flight:
        flight = Flight(now)
        self.flights.setdefault(key, []).append(flight)
        self.stats.computations += 1
        return flight

    def decide(self, key: Any, now: float) -> Verdict:
        """What the caller of `key` at time `now` must do; counts the call in `stats`."""
        stats = self.stats
        stats.calls += 1
        entry = self.entries.get(key)
        running = self.flights.get(key)
        if entry is not None:
            if now < entry.expiry:
                if (self.strategy == "xfetch" and not (self.single_flight and running)
                        and xfetch_should_refresh(now, entry.expiry, entry.delta, self.beta, self.rng)):
                    stats.refreshes += 1
                    return Verdict(REFRESH, entry.value, self._start(key, now))
                stats.hits += 1
                return Verdict(HIT, entry.value)
            if self.strategy == "stale-while-revalidate" and now < entry.expiry + self.grace:
                staleness = now - entry.expiry
                if not running:  # the first caller in the window refreshes
                    if not self.background:
                        stats.refreshes += 1
                        return Verdict(REFRESH, entry.value, self._start(key, now))
                    flight = self._start(key, now)
                    action = BACKGROUND
                else:
                    flight, action = None, STALE
                stats.stale_served += 1
                stats.max_staleness = max(stats.max_staleness, staleness)
                return Verdict(action, entry.value, flight, staleness)
        stats.misses += 1
        if self.single_flight and running:
            stats.waits += 1
            return Verdict(WAIT, None, running[0])
        return Verdict(COMPUTE, None, self._start(key, now))

    def fresh_until(self, key: Any) -> float | None:
        """Before this time every call of `key` is a HIT that changes nothing but the counters, as long
        as nothing is stored meanwhile (None: no such time; XFetch draws a number on every call).
        Lets a replay count a run of plain hits at once (`count_hits`) instead of deciding each."""
        entry = self.entries.get(key)
        return None if entry is None or self.strategy == "xfetch" else entry.expiry

    def count_hits(self, n: int) -> None:
        """Count `n` calls that `decide` would have answered HIT (see `fresh_until`)."""
        self.stats.calls += n
        self.stats.hits += n

    def finish(self, key: Any, flight: Flight, value: Any, now: float) -> None:
        """The computation `flight` produced `value` at time `now`: store it (unless a later-started one
        is already stored) and hand it to the callers waiting for it."""
        self._drop(key, flight)
        entry = self.entries.get(key)
        if entry is None or entry.started <= flight.started:
            delta = max(0.0, now - flight.started)
            self.entries[key] = Entry(value, flight.started, now, now + self.ttl, delta)
        flight.value = value

    def fail(self, key: Any, flight: Flight, error: BaseException) -> None:
        """The computation raised: nothing is stored; waiters get the same exception."""
        self._drop(key, flight)
        self.stats.errors += 1
        flight.error = error

    def _drop(self, key: Any, flight: Flight) -> None:
        running = self.flights[key]
        running.remove(flight)
        if not running:
            del self.flights[key]

    def prime(self, key: Any, value: Any, stored: float, delta: float = 0.0) -> None:
        """Store `value` as if a computation of `delta` seconds had finished at `stored` (a warm cache)."""
        _check.seconds("delta", delta, allow_zero=True)
        self.entries[key] = Entry(value, stored - delta, stored, stored + self.ttl, delta)

    def clear(self) -> None:
        self.entries.clear()
        self.stats = RefreshStats()


class _TTLTable:
    """One decorated function's state: its RefreshCore under one lock, background refreshes, last error."""

    def __init__(self, func: Callable, core: RefreshCore, clock: Callable[[], float]) -> None:
        self.func, self.core, self.clock = func, core, clock
        self.lock = threading.Lock()
        self.workers: list[threading.Thread] = []
        self.last_error: BaseException | None = None

    def compute(self, key, flight: Flight, args: tuple, kwds: dict) -> Any:
        try:
            value = self.func(*args, **kwds)
        except BaseException as error:
            with self.lock:
                self.core.fail(key, flight, error)
                self.last_error = error
            flight.done.set()
            raise
        with self.lock:
            self.core.finish(key, flight, value, self.clock())
        flight.done.set()
        return value

    def in_background(self, key, flight: Flight, args: tuple, kwds: dict) -> None:
        try:
            self.compute(key, flight, args, kwds)
        except BaseException:  # kept in stats().errors and wrapper.last_error(); the stale entry stays
            pass

    def call(self, key, args: tuple, kwds: dict) -> Any:
        with self.lock:
            verdict = self.core.decide(key, self.clock())
        action = verdict.action
        if action is HIT or action is STALE:
            return verdict.value
        if action is WAIT:
            flight = verdict.flight
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        if action is BACKGROUND:
            worker = threading.Thread(target=self.in_background, args=(key, verdict.flight, args, kwds),
                                      name=f"refresh-{self.func.__name__}", daemon=True)
            with self.lock:
                self.workers[:] = [w for w in self.workers if w.is_alive()]
                self.workers.append(worker)
            worker.start()
            return verdict.value
        return self.compute(key, verdict.flight, args, kwds)  # REFRESH or COMPUTE

    def stats(self) -> RefreshStats:
        with self.lock:
            return replace(self.core.stats)

    def cache_clear(self) -> None:
        """Drop every entry and zero the counters (computations in progress still finish)."""
        with self.lock:
            self.core.clear()

    def join_background(self, timeout: float | None = None) -> None:
        """Wait for background refreshes started so far (raises TimeoutError if one is still running)."""
        with self.lock:
            pending = list(self.workers)
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in pending:
            worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                raise TimeoutError(f"background refresh {worker.name} still running after {timeout} s")


def ttl_memoize(ttl: float, strategy: str = "expire", *, grace: float | None = None, beta: float = 1.0,
                clock: Callable[[], float] = time.monotonic, rng=None, single_flight: bool = True,
                background: bool = False, typed: bool = False) -> Callable[[Callable], Callable]:
    """Memoize with a time to live and a refresh strategy (see the module docstring).

    `rng` defaults to a fresh `random.Random(0)` per decorated function. The wrapper has
    `stats()` (a RefreshStats snapshot), `cache_clear()`, `refresh_parameters()` and
    `join_background(timeout)` (wait for background refreshes, for tests and notebooks).
    """
    _check.seconds("ttl", ttl)
    check_strategy(strategy, grace, beta)
    _check.function("clock", clock, what="a callable returning seconds")
    _check.flag("typed", typed)
    RefreshCore(ttl, strategy, grace=grace, beta=beta, rng=rng, single_flight=single_flight,
                background=background)  # validates the rest before any function is decorated
    parameters = {"ttl": ttl, "strategy": strategy, "grace": grace, "beta": beta,
                  "single_flight": single_flight, "background": background, "typed": typed}

    def decorate(func: Callable) -> Callable:
        if not callable(func):
            raise TypeError(f"ttl_memoize needs a callable, got {func!r}")
        core = RefreshCore(ttl, strategy, grace=grace, beta=beta,
                           rng=random.Random(0) if rng is None else rng,
                           single_flight=single_flight, background=background)
        table = _TTLTable(func, core, clock)

        def wrapper(*args, **kwds):
            return table.call(make_key(args, kwds, typed), args, kwds)

        wrapper.stats = table.stats
        wrapper.cache_clear = table.cache_clear
        wrapper.refresh_parameters = lambda: dict(parameters)
        wrapper.join_background = table.join_background
        wrapper.last_error = lambda: table.last_error
        wrapper.core = core
        return update_wrapper(wrapper, func)

    return decorate
