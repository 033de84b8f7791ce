"""Several processes refreshing one Redis key: what each strategy of `redis_refresh` does at expiry.

`run_processes(url, strategy)`: several processes (each with a few threads) request the key at a
steady rate for a few TTLs; each computation is logged with its wall-clock start and end (the same
machine clock for all processes) and counted with INCR on the server as a cross-check.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import _check
from ..expiry.intervals import episodes
from .redis_refresh import REDIS_REFRESH_STRATEGIES, RedisRefresher, RefresherStats, connect

#: the counters of RefresherStats that add up over a process's clients
_SUMMED = ("calls", "hits", "computations", "early", "waits", "double_checked", "lock_steals", "polls")


def slow_backend(seconds: float) -> Callable[[], str]:
    """A stand-in for the database: sleeps `seconds`, returns who computed it and when."""
    def compute() -> str:
        time.sleep(seconds)
        return f"pid {os.getpid()} at {time.time():.3f}"
    return compute


def _client_loop(refresher: RedisRefresher, start: float, duration: float, rate: float, offset: float,
                 errors: list) -> None:
    """Request at a steady `rate` from wall time `start + offset` until `start + duration`."""
    i = 0
    while True:
        due = start + offset + i / rate
        if due >= start + duration:
            return
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        try:
            refresher.get()
        except Exception as exc:  # reported to the parent, not swallowed
            errors.append(repr(exc))
            return
        i += 1


def _merged(refreshers: list[RedisRefresher], index: int) -> RefresherStats:
    """One process's clients' stats added up; each interval tagged with the process index."""
    merged = RefresherStats()
    for r in refreshers:
        s = r.stats
        for name in _SUMMED:
            setattr(merged, name, getattr(merged, name) + getattr(s, name))
        merged.max_latency = max(merged.max_latency, s.max_latency)
        merged.intervals.extend((a, b, early, index) for a, b, early in s.intervals)
    return merged


def _worker(url: str, params: dict, index: int, go, results) -> None:
    try:
        client = connect(url)
    except Exception as exc:
        results.put(("failed", index, repr(exc)))
        return
    threads_n = params["threads"]
    refreshers = [
        RedisRefresher(client, params["key"], slow_backend(params["recompute"]), ttl=params["ttl"],
                       strategy=params["strategy"], beta=params["beta"], lock_timeout=params["lock_timeout"],
                       rng=random.Random(params["seed"] * 1000 + index * threads_n + t),
                       counter_key=params["counter_key"])
        for t in range(threads_n)
    ]
    errors: list = []
    results.put(("ready", index, None))
    if not go.wait(timeout=120):
        return
    start = time.time()  # within a millisecond or so of the parent's and the other workers'
    clients = params["processes"] * threads_n
    stagger = 1 / (clients * params["rate"])  # the clients' requests interleave evenly
    threads = [threading.Thread(target=_client_loop, args=(r, start, params["duration"], params["rate"],
                                                           (index * threads_n + t) * stagger, errors))
               for t, r in enumerate(refreshers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = _merged(refreshers, index)
    client.close()
    results.put(("done", index, (os.getpid(), merged, errors)))


@dataclass
class ProcessRun:
    """What several processes did to one Redis key (times in seconds)."""

    strategy: str
    params: dict
    per_process: list[int]  # computations by each process
    per_episode: list[int]  # computations in each refresh episode (overlapping in time)
    computations: int
    server_count: int  # the INCR counter on the server: must equal computations
    calls: int
    hits: int
    early: int
    waits: int
    double_checked: int
    max_latency: float
    intervals: list = field(repr=False)  # (start, end, early, process index), seconds from the run's start

    @property
    def per_expiry(self) -> float:
        return self.computations / len(self.per_episode) if self.per_episode else 0.0

    def summary(self) -> dict:
        return {"recomputations": self.computations, "episodes": len(self.per_episode),
                "per_expiry": round(self.per_expiry, 2),
                "max_in_one_episode": max(self.per_episode, default=0), "early": self.early,
                "waits": self.waits}


def _collect(results, workers: list, kind: str, seconds: float) -> list:
    """Wait for one `kind` message from every worker, noticing workers that die or fail."""
    got: dict = {}
    deadline = time.monotonic() + seconds
    while len(got) < len(workers):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(workers) - len(got)} worker processes did not report {kind!r} "
                               f"within {seconds:.0f} s")
        try:
            what, index, payload = results.get(timeout=0.5)
        except queue.Empty:
            dead = [w for w in workers if w.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"worker process {dead[0].pid} exited with code "
                                   f"{dead[0].exitcode}") from None
            continue
        if what == "failed":
            raise RuntimeError(f"worker {index} failed: {payload}")
        if what == kind:
            got[index] = payload
    return [got[i] for i in range(len(workers))]


def _stop(workers: list) -> None:
    for w in workers:
        if w.pid is None:
            continue
        w.join(5)
        if w.is_alive():
            w.terminate()
            w.join(5)


def _report(strategy: str, params: dict, collected: list, start: float, server_count: int) -> ProcessRun:
    errors = [e for _, _, errs in collected for e in errs]
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed in the workers, first: {errors[0]}")
    intervals = sorted((a - start, b - start, early, index)
                       for _, stats, _ in collected for a, b, early, index in stats.intervals)
    stats = [r[1] for r in collected]
    return ProcessRun(
        strategy=strategy, params={k: v for k, v in params.items() if k not in ("key", "counter_key")},
        per_process=[s.computations for s in stats],
        per_episode=[len(g) for g in episodes([(a, b) for a, b, _, _ in intervals])],
        computations=sum(s.computations for s in stats), server_count=server_count,
        calls=sum(s.calls for s in stats), hits=sum(s.hits for s in stats), early=sum(s.early for s in stats),
        waits=sum(s.waits for s in stats), double_checked=sum(s.double_checked for s in stats),
        max_latency=max(s.max_latency for s in stats), intervals=intervals,
    )


def run_processes(url: str, strategy: str = "lock", *, processes: int = 3, threads: int = 2,
                  rate: float = 50.0, recompute: float = 0.05, ttl: float = 0.5, periods: int = 3,
                  beta: float = 1.0, lock_timeout: float = 2.0, seed: int = 0, key: str | None = None,
                  start_method: str | None = None, timeout: float = 60.0) -> ProcessRun:
    """`processes` processes x `threads` threads each request one key at `rate` per second per client,
    for `periods * ttl + ttl / 2` seconds, starting from a warm value; returns what they computed.

    The clients are evenly staggered, so together they send `processes * threads * rate` requests per
    second. `start_method` None means the platform's default (fork on Linux before Python 3.14,
    spawn on macOS and Windows); the worker is a function of this module, so every method works,
    also inside a Jupyter kernel ("spawn" costs about a second per process on a busy 2-core machine).
    """
    _check.one_of("strategy", strategy, REDIS_REFRESH_STRATEGIES)
    for name, value in (("processes", processes), ("threads", threads), ("periods", periods)):
        _check.integer(name, value)
    for name, value in (("rate", rate), ("recompute", recompute), ("ttl", ttl), ("beta", beta),
                        ("lock_timeout", lock_timeout), ("timeout", timeout)):
        _check.positive(name, value)
    client = connect(url)
    key = key or f"hot:{strategy}:{uuid.uuid4().hex[:8]}"
    counter_key = f"{key}:computations"
    client.delete(key, f"lock:{key}", counter_key)
    duration = periods * ttl + ttl / 2
    ctx = multiprocessing.get_context(start_method)  # None: the platform's default
    go = ctx.Event()
    results = ctx.Queue()
    params = {"key": key, "strategy": strategy, "processes": processes, "threads": threads, "rate": rate,
              "recompute": recompute, "ttl": ttl, "beta": beta, "lock_timeout": lock_timeout, "seed": seed,
              "counter_key": counter_key, "duration": duration}
    warm = RedisRefresher(client, key, slow_backend(0.0), ttl=3600, strategy="none")
    warm.store(f"warm at {time.time():.3f}", recompute)  # warm, so the stampede studied is the one at expiry
    workers = [ctx.Process(target=_worker, args=(url, params, index, go, results), daemon=True)
               for index in range(processes)]
    try:
        for w in workers:
            w.start()
        _collect(results, workers, "ready", timeout)  # every process is connected: go
        client.pexpire(key, max(1, round(ttl * 1000)))  # the first expiry is at start + ttl
        start = time.time()
        go.set()
        collected = _collect(results, workers, "done", duration + timeout)
        server_count = int(client.get(counter_key) or 0)
        client.delete(key, f"lock:{key}", counter_key)
    finally:
        go.set()  # a worker still waiting to start returns at once
        _stop(workers)
        client.close()
    return _report(strategy, params, collected, start, server_count)
