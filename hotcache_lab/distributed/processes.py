"""Real worker processes sharing one Redis: the hits that per-process caches lose, won back.

    runs = measure_processes(stream, 3, start_redis().url)    # one dict per worker
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from .. import _check
from ..caches import POLICIES, UnboundedCache
from ..sim.workers import split_stream
from .redis_cache import RedisCache

__all__ = ["measure_processes"]


def _process_worker(url: str, namespace: str, keys: list, maxsize: int | None) -> dict:
    """One worker process: its share of the stream through a private cache, then through the shared Redis."""
    private = UnboundedCache() if maxsize is None else POLICIES["lru"](maxsize)
    private_hits = sum(private.request(key, 1) for key in keys)
    shared = RedisCache(url=url, namespace=namespace)
    try:
        start = time.perf_counter()
        shared_hits = sum(shared.request(key, 1) for key in keys)
        seconds = time.perf_counter() - start
    finally:
        shared.close()
    return {"requests": len(keys), "private_hits": private_hits, "shared_hits": shared_hits,
            "distinct": len(set(keys)), "shared_seconds": seconds}


def measure_processes(trace: Sequence | np.ndarray, processes: int, url: str, *, namespace: str = "capstone",
                      maxsize: int | None = None) -> list[dict]:
    """Run `processes` real worker processes over a round-robin split of `trace`; one dict per worker.

    Each worker first replays its share through a private cache (unbounded, or LRU of `maxsize`),
    then through one Redis at `url` that every worker shares (GET, and SET on a miss). Returns, per
    worker: requests, private_hits, shared_hits, distinct keys, and the seconds the shared pass took.
    The shared hits depend slightly on timing: two workers that miss the same key at the same moment
    both compute it. Uses the fork start method where the platform has it (fast), else spawn.
    """
    parts = split_stream(trace, _check.integer("processes", processes))
    _check.text("url", url)
    _check.maxsize(maxsize, allow_none=True)
    with RedisCache(url=url, namespace=namespace) as setup:
        setup.clear()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = [pool.submit(_process_worker, url, namespace, part, maxsize) for part in parts]
        return [future.result(timeout=120) for future in futures]
