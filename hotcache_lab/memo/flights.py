"""Single-flight for `memoize(lock="per-key")`: one `Flight` per key being computed, and why no wait
on one can last forever.

A caller that finds its key in flight waits for the flight's owner, the thread computing it. The
owner settles the flight in a `finally`, whatever its function raised, so the wait ends unless the
owner is itself waiting, directly or through other threads, for the caller: f(k) calling f(k) in one
thread, or two threads each computing a key the other needs. Unmemoized, such code recurses until
RecursionError; memoized, it would hang. So before every wait the waiter follows the chain "flight ->
its owner -> the flight that owner waits for -> ..." and raises RuntimeError if it comes back to
itself: the wait-for graph CPython's import system keeps for circular imports across threads
(Lib/importlib/_bootstrap.py, `_ModuleLock.has_deadlock` and `_blocking_on`). One graph serves every
memoized function, so a cycle through two of them is caught too.
"""

from __future__ import annotations

import _thread
from typing import Any

PENDING: Any = object()  # a Flight's value until its function has returned
_waiting: dict[int, Flight] = {}  # thread id -> the flight that thread is blocked on
_graph_lock = _thread.allocate_lock()  # taken only by waiters, never on a hit or by an owner


class Flight:
    """One computation in progress. `done` is a bare lock the owner holds until it settles: waiting
    is acquire+release, one cheap lock a miss instead of a threading.Event's Condition and lock."""

    __slots__ = ("done", "owner", "value", "error")

    def __init__(self, owner: int, allocate_lock=_thread.allocate_lock) -> None:
        self.done = allocate_lock()
        self.done.acquire()
        self.owner = owner  # thread id of the computing thread
        self.value: Any = PENDING  # set when the function returns, before the flight settles
        self.error: BaseException | None = None  # set when it raised, likewise

    def finished(self) -> bool:
        """The function has returned or raised: the owner will settle without waiting for anyone
        (it only takes the structure lock, which no waiter holds), so this is no edge of a cycle."""
        return self.value is not PENDING or self.error is not None

    def settle(self) -> None:
        """Wake every waiter; `value` or `error` is final. Called once, by the owner, in a finally."""
        self.done.release()


def _closes_a_cycle(flight: Flight, me: int, size=len) -> bool:
    """True if `flight`'s owner waits, through a chain of unsettled flights, for thread `me`.

    The walk runs under `_graph_lock`, so no thread adds or drops an edge meanwhile; an edge whose
    flight has finished is a waiter about to wake, not a wait. At most one step per waiting thread.
    """
    owner = flight.owner
    for _ in range(size(_waiting) + 1):
        if owner == me:
            return True
        blocked_on = _waiting.get(owner)
        if blocked_on is None or blocked_on.finished():
            return False
        owner = blocked_on.owner
    return False  # a cycle that does not pass through `me` (it cannot form, see above): not ours


def wait_for(flight: Flight, me: int, describe) -> None:
    """Block until `flight` settles, or raise RuntimeError(describe()) if that would never happen."""
    with _graph_lock:
        if _closes_a_cycle(flight, me):
            raise RuntimeError(describe())
        outer = _waiting.get(me)  # set only if a signal handler waits while this thread waits
        _waiting[me] = flight
    try:
        flight.done.acquire()
        flight.done.release()
    finally:
        with _graph_lock:
            if outer is None:
                del _waiting[me]
            else:
                _waiting[me] = outer


def describe_call(func, key, limit: int = 80) -> str:
    """`qualname(key)` for error messages, the key's repr cut to `limit` characters."""
    name = getattr(func, "__qualname__", None) or repr(func)
    try:
        text = repr(tuple(key)) if isinstance(key, list) else repr(key)  # a _Key shows as its items
    except Exception:  # a key whose repr fails must not hide the error being reported
        text = object.__repr__(key)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{name} with key {text}"
