"""One cache per worker process, for real: K `multiprocessing` workers, each with its own LRU cache.

gunicorn's sync and gthread workers, multiprocessing pools and uWSGI run processes: each has its
own interpreter and its own cache, and nothing is shared. `run_worker_processes` deals a stream to
K real processes and reports what each one's cache did; `hotcache_lab.sim.workers` simulates the
same thing (and its numbers agree with these, worker by worker).
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import _check
from ..caches import LRUCache


def worker_replay(keys: Sequence, maxsize: int, payload_bytes: int = 1024) -> dict:
    """Run in a worker process: serve a stream through a private LRU cache; report what it holds.

    Top-level (not a closure) so a 'spawn' pool can pickle it.
    """
    import os

    cache = LRUCache(maxsize)
    payload = bytes(_check.integer("payload_bytes", payload_bytes, minimum=0))  # a rendered page, a row...
    for key in keys:
        cache.request(key, payload)
    s = cache.stats
    return {"pid": os.getpid(), "requests": len(keys), "hits": s.hits, "misses": s.misses,
            "entries": s.currsize, "cached_bytes": s.currsize * len(payload)}


def _worker_main(index: int, keys: list, maxsize: int, payload_bytes: int, queue) -> None:
    """The body of one worker process: replay its share of the stream, send back the report."""
    queue.put((index, worker_replay(keys, maxsize, payload_bytes)))


def _run_workers(ctx, parts: list[list], maxsize: int, payload_bytes: int, timeout: float) -> list[dict]:
    """Start one process a part, collect their reports (in part order), make sure they are gone."""
    import queue as queue_module

    results = ctx.Queue()
    workers = [ctx.Process(target=_worker_main, args=(i, part, maxsize, payload_bytes, results),
                           name=f"cache-worker-{i}", daemon=True)
               for i, part in enumerate(parts)]
    try:
        for w in workers:
            w.start()
        try:
            reports = [results.get(timeout=timeout) for _ in workers]
        except queue_module.Empty:
            codes = [w.exitcode for w in workers]
            raise RuntimeError(f"worker processes did not report within {timeout} s "
                               f"(exit codes {codes})") from None
        for w in workers:
            w.join(timeout)
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
                w.join(5)
        results.close()
    return [report for _, report in sorted(reports, key=lambda pair: pair[0])]


def run_worker_processes(keys: Sequence, worker_counts: Sequence[int], maxsize: int,
                         payload_bytes: int = 1024, context: str | None = None, max_processes: int = 4,
                         timeout: float = 120.0) -> dict:
    """For each K in `worker_counts`, deal `keys` round-robin to K worker processes, one cache each.

    Every worker is its own `multiprocessing` Process (K processes for K workers, at most
    `max_processes`: the machine is small), builds its own LRU cache over its share of the
    stream, as a gunicorn worker would, and sends back what it holds. The default start method is
    'forkserver' where there is one (Linux's default from Python 3.14): one clean server process,
    started once with this module loaded, forks every worker, so it is safe from a threaded parent
    such as a Jupyter kernel and far cheaper than 'spawn' (a fresh interpreter per worker, the
    fallback). Returns {K: [one report a worker, in worker order]}.
    """
    import multiprocessing

    counts = [_check.integer("worker count", k) for k in worker_counts]
    if not counts:
        raise ValueError("worker_counts must not be empty")
    limit = _check.integer("max_processes", max_processes)
    if max(counts) > limit:
        raise ValueError(f"at most {limit} worker processes on this machine, asked for {max(counts)}")
    _check.maxsize(maxsize)
    timeout = _check.seconds("timeout", timeout)
    tolist = getattr(keys, "tolist", None)  # plain ints from a numpy array: cheaper to pickle and hash
    keys = tolist() if callable(tolist) else list(keys)
    methods = multiprocessing.get_all_start_methods()
    if context is None:
        context = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(_check.one_of("context", context, methods))
    if context == "forkserver":
        ctx.set_forkserver_preload([__name__])  # read when the server starts: each fork has this module
    return {k: _run_workers(ctx, [keys[i::k] for i in range(k)], maxsize, payload_bytes, timeout)
            for k in counts}
