"""What recording costs: a recorded call against the same memoized call without the recorder.

    python benchmarks/bench_record.py                  # 200k calls, Zipf 0.9 over 10k keys, 5 rounds
    python benchmarks/bench_record.py --calls 1000000 --rounds 7

Each round times, interleaved, the same key stream through: a bare `functools.lru_cache`, the same
cache behind `hotcache_lab.record` (stable hashes, the default), behind `record(hash_keys=False)`,
and the lab's `memoize(LRUCache)` bare and recorded. Each timing is one loop over the keys (minus an
empty loop over them), in µs per call; every cache starts cold, so each key's first call is a miss
that the recorder times and measures. The extra cost per call and the ratio recorded / bare are per
round, the median printed: ratios and differences measured in the same run, since the machine is
shared and noisy. The recorder writes to a temporary folder.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from pathlib import Path

from hotcache_lab import caches, memoize, record, workloads


def work(x):
    return x * 2 + 1


def _loop(f, keys) -> float:
    start = time.perf_counter()
    for k in keys:
        f(k)
    return time.perf_counter() - start


def _empty(keys) -> float:
    start = time.perf_counter()
    for _ in keys:
        pass
    return time.perf_counter() - start


def _variants(folder: Path, round_no: int) -> dict:
    """Fresh (cold) callables for one round: name -> (callable, recorder or None)."""
    out = {"lru_cache": (functools.lru_cache(maxsize=4096)(work), None),
           "memoize": (memoize(caches.LRUCache(4096))(work), None)}
    for name, hashed in (("lru_cache+record", True), ("lru_cache+record ids", False)):
        rec = record(folder / f"{name}-{round_no}.trace", hash_keys=hashed)
        out[name] = (rec(functools.lru_cache(maxsize=4096)(work)), rec)
    rec = record(folder / f"memoize-{round_no}.trace")
    out["memoize+record"] = (rec(memoize(caches.LRUCache(4096))(work)), rec)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    keys = workloads.zipf(n_keys=args.keys, alpha=0.9, n_requests=args.calls, seed=0).tolist()
    per_call: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(args.rounds):
            empty = _empty(keys)
            for name, (f, rec) in _variants(Path(scratch), r).items():
                per_call.setdefault(name, []).append((_loop(f, keys) - empty) / len(keys) * 1e6)
                if rec is not None:
                    rec.close()
    print(f"{args.calls} calls over {args.keys} Zipf(0.9) keys, {args.rounds} rounds; µs per call (median)")
    for name, times in per_call.items():
        print(f"  {name:22s} {statistics.median(times):7.3f}")
    for bare, recorded in (("lru_cache", "lru_cache+record"), ("lru_cache", "lru_cache+record ids"),
                           ("memoize", "memoize+record")):
        extra = statistics.median(a - b for a, b in zip(per_call[recorded], per_call[bare], strict=True))
        ratio = statistics.median(a / b for a, b in zip(per_call[recorded], per_call[bare], strict=True))
        print(f"  {recorded:22s} vs {bare:10s}: +{extra:.3f} µs per call, {ratio:.2f}x")


if __name__ == "__main__":
    main()
