"""Stop calling a dead cache, and do not drown the origin instead: a circuit breaker and a concurrency limit.

A cache server that is down costs each request a timeout before the fallback to the origin; with
hundreds of requests a second those timeouts hold every worker thread. A **circuit breaker** counts
consecutive failures; at `failure_threshold` it *opens* and requests skip the cache at once. After
`reset_timeout` seconds it lets `half_open_probes` requests through (*half-open*): a success closes it, a
failure opens it again for another `reset_timeout`. (The pattern as M. Nygard describes it in *Release
It!*, 2007; pymemcache's HashClient does the same per server with `retry_attempts`, `retry_timeout` and
`dead_timeout`, see `pymemcache/client/hash.py`.)

The clock is injected (`clock=`), so tests and the simulated models drive it by hand. Thread-safe: one
lock guards the state, and nothing is called while it is held.

A breaker that opens sends all the cache's traffic to the origin. A **concurrency limit** caps how many
origin calls run at once; a request over the limit is refused at once (serve a default or a stale
value, or an error) instead of queueing on a database already at capacity.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .. import _check

__all__ = ["CLOSED", "OPEN", "HALF_OPEN", "BreakerOpen", "CircuitBreaker", "LimitReached", "ConcurrencyLimit"]

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class BreakerOpen(RuntimeError):
    """The breaker is open: the call was not attempted."""


class CircuitBreaker:
    """closed -> (failure_threshold failures in a row) -> open -> (reset_timeout) -> half-open -> closed
    on a probe's success, open again on its failure."""

    def __init__(self, *, failure_threshold: int = 5, reset_timeout: float = 1.0, half_open_probes: int = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = _check.integer("failure_threshold", failure_threshold)
        self.reset_timeout = _check.seconds("reset_timeout", reset_timeout)
        self.half_open_probes = _check.integer("half_open_probes", half_open_probes)
        self.clock = _check.function("clock", clock, what="a function returning the time in seconds")
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0  # consecutive, while closed
        self._opened_at = 0.0
        self._probes = 0  # probes let through while half-open and not yet answered
        self.transitions: list[tuple[float, str, str]] = []  # (time, from, to)
        self.rejected = 0  # calls refused while open

    @property
    def state(self) -> str:
        """The state now (an open breaker whose reset_timeout has passed reads half-open)."""
        with self._lock:
            self._tick(self.clock())
            return self._state

    def _move(self, now: float, to: str) -> None:
        self.transitions.append((now, self._state, to))
        self._state = to

    def _tick(self, now: float) -> None:
        if self._state == OPEN and now - self._opened_at >= self.reset_timeout:
            self._move(now, HALF_OPEN)
            self._probes = 0

    def allow(self) -> bool:
        """May a call go to the cache now? (In half-open, True takes one of the probes.)"""
        with self._lock:
            now = self.clock()
            self._tick(now)
            if self._state == CLOSED:
                return True
            if self._state == HALF_OPEN and self._probes < self.half_open_probes:
                self._probes += 1
                return True
            self.rejected += 1
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            if self._state != CLOSED:
                self._move(self.clock(), CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            now = self.clock()
            if self._state == HALF_OPEN:
                self._opened_at = now
                self._move(now, OPEN)
                return
            self._failures += 1
            if self._state == CLOSED and self._failures >= self.failure_threshold:
                self._opened_at = now
                self._move(now, OPEN)

    def call(self, function: Callable[..., Any], *args: Any, failures: tuple[type[BaseException], ...] = (
            Exception,), **kwargs: Any) -> Any:
        """`function(*args, **kwargs)` through the breaker: BreakerOpen when open; an exception in
        `failures` counts as a failure and is raised again."""
        if not self.allow():
            raise BreakerOpen(f"circuit open since t={self._opened_at:g}: the call was not attempted")
        try:
            result = function(*args, **kwargs)
        except failures:
            self.record_failure()
            raise
        self.record_success()
        return result


class LimitReached(RuntimeError):
    """The concurrency limit is reached: the call was not made."""


class ConcurrencyLimit:
    """At most `limit` calls at once; `wait` seconds to get a slot (0: refuse at once)."""

    def __init__(self, limit: int, *, wait: float = 0.0) -> None:
        self.limit = _check.integer("limit", limit)
        self.wait = _check.seconds("wait", wait, allow_zero=True)
        self._slots = threading.BoundedSemaphore(self.limit)
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.refused = 0

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`function(*args, **kwargs)` if a slot is free within `wait`, else LimitReached."""
        got = self._slots.acquire(timeout=self.wait) if self.wait else self._slots.acquire(blocking=False)
        if not got:
            with self._lock:
                self.refused += 1
            raise LimitReached(f"{self.limit} calls already running: refused")
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            return function(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1
            self._slots.release()
