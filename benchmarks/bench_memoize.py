"""Where memoize stands against functools.lru_cache, cachetools and a plain OrderedDict wrapper.

    python benchmarks/bench_memoize.py [--requests N] [--rounds R]

Every contender replays the same seeded Zipf key stream in one process; rounds are interleaved
(each round runs every contender once, in a rotated order) so that a noisy neighbour slows all
of them alike. Printed: the median ns per call of each, and the ratios the design sets budgets on,
for three skews (hit ratios from low to high). Ratios, not absolute times: the machines are
shared and noisy.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import threading
import time
from collections import OrderedDict

import cachetools
import numpy as np

from hotcache_lab import caches, memoize

MAXSIZE = 1024
N_KEYS = 10_000


def zipf_keys(alpha: float, n: int, seed: int = 0) -> list[int]:
    """A bounded Zipf stream over N_KEYS keys as Python ints (what callers pass)."""
    ranks = np.arange(1, N_KEYS + 1, dtype=float)
    p = ranks**-alpha
    return np.random.default_rng(seed).choice(N_KEYS, size=n, p=p / p.sum()).tolist()


def compute(x):
    return x * 2 + 1


def ordered_dict_memo(func, maxsize):
    """The baseline a careful engineer writes by hand: an OrderedDict LRU under one lock."""
    data = OrderedDict()
    lock = threading.Lock()

    def wrapper(x):
        with lock:
            if x in data:
                data.move_to_end(x)
                return data[x]
        value = func(x)
        with lock:
            data[x] = value
            if len(data) > maxsize:
                data.popitem(last=False)
        return value

    return wrapper


CONTENDERS = {
    "functools.lru_cache": lambda: functools.lru_cache(maxsize=MAXSIZE)(compute),
    "cachetools+RLock": lambda: cachetools.cached(
        cachetools.LRUCache(MAXSIZE), lock=threading.RLock())(compute),
    "OrderedDict+Lock": lambda: ordered_dict_memo(compute, MAXSIZE),
    "memoize lock=None": lambda: memoize(caches.LRUCache(MAXSIZE))(compute),
    "memoize lock=global": lambda: memoize(caches.LRUCache(MAXSIZE), lock="global")(compute),
    "memoize lock=per-key": lambda: memoize(caches.LRUCache(MAXSIZE), lock="per-key")(compute),
}


def run_once(make, keys) -> float:
    f = make()  # a cold cache every round: every contender pays the same misses
    start = time.perf_counter()
    for k in keys:
        f(k)
    return (time.perf_counter() - start) / len(keys) * 1e9


def measure(keys, rounds: int) -> dict[str, float]:
    names = list(CONTENDERS)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            samples[name].append(run_once(CONTENDERS[name], keys))
    return {n: statistics.median(v) for n, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be positive")

    for alpha in (0.8, 1.0, 1.2):
        keys = zipf_keys(alpha, args.requests)
        probe = functools.lru_cache(maxsize=MAXSIZE)(compute)
        for k in keys:
            probe(k)
        hit_ratio = probe.cache_info().hits / len(keys)
        ns = measure(keys, args.rounds)
        print(f"\nZipf alpha={alpha}, {N_KEYS} keys, maxsize={MAXSIZE}, hit ratio {hit_ratio:.2f}, "
              f"{args.requests} calls, median of {args.rounds} interleaved rounds")
        base = ns["functools.lru_cache"]
        for name, t in ns.items():
            print(f"  {name:22s} {t:8.0f} ns/call   {t / base:5.2f}x functools")
        g = ns["memoize lock=global"]
        vs_cachetools = g / ns["cachetools+RLock"]
        print(f"  budget: memoize(global) / cachetools+RLock = {vs_cachetools:.2f} (target <= 0.5)")
        print(f"  budget: memoize(global) / functools         = {g / base:.2f} (target <= 4)")
        print(f"  memoize(global) / OrderedDict+Lock          = {g / ns['OrderedDict+Lock']:.2f}")


if __name__ == "__main__":
    main()
