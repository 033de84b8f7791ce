"""Our compiled replays against libCacheSim's, policy by policy, on the same trace: time and hits.

libCacheSim (Yang et al., github.com/1a1a11a/libCacheSim) is the C simulator the cache research
community uses; its Python bindings are the PyPI package `libcachesim` (the project's optional
`bench` extra). It is optional: without it this script says so and exits, and nothing in the
package or the tests imports it.

    python benchmarks/bench_libcachesim.py                # 1M requests over 100k keys, Zipf 0.9
    python benchmarks/bench_libcachesim.py --requests 200000 --rounds 3 --maxsize 1000

What is timed. Ours: `simulate.hit_ratio(trace, policy, maxsize)` on the numpy trace, what a notebook
calls (dense ids, the compiled kernel; OPT also computes each request's next use). Theirs:
`cache.process_trace(reader)`, libCacheSim's own C loop over the same trace, written once beforehand
as an oracleGeneral binary file (24 bytes a request, object size 1, so a cache of maxsize bytes
holds maxsize objects; next-access times filled in for Belady), read by its C reader; the cache is
built outside the timing, with a hash table sized to the keys (--hashpower; libCacheSim's default of
24 spends most of a short run touching its 2**24 buckets). Rounds are interleaved and the ratio is
ours / theirs per round, the median printed: a ratio, since the machines are shared and noisy.

Hits. Where both sides run the same algorithm the counts must be equal, and the script exits 1 if
they are not. Where they are not the same algorithm the difference is printed with its reason.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hotcache_lab import simulate, workloads
from hotcache_lab.sim import kernels

try:
    import libcachesim
except ImportError:
    sys.exit("bench_libcachesim: libcachesim is not installed, so there is nothing to compare with. It is "
             "optional: pip install 'libcachesim>=0.3.5' (or the project's extra: "
             "pip install -e '.[bench]').")

# (row, our policy, libCacheSim class, its options, the same algorithm?)
PAIRS = [
    ("lru", "lru", "LRU", {}, True),
    ("fifo", "fifo", "FIFO", {}, True),
    ("lfu", "lfu", "LFU", {}, True),  # LFU.c: FIFO among equal counts, counts forgotten on eviction, as ours
    ("sieve", "sieve", "Sieve", {}, True),
    ("opt", "opt", "Belady", {}, True),  # ties are among keys never requested again: the same hits
    ("s3fifo", "s3fifo", "S3FIFO", {"move_to_main_threshold": 1}, False),
    ("s3fifo (lcs default)", "s3fifo", "S3FIFO", {}, False),
    ("rr", "rr", "Random", {}, False),
]
REASONS = {
    "s3fifo": "libCacheSim's S3FIFO.c differs in details: a small-queue count is not capped at 3 until "
              "the key reaches main, a key moved to main does not evict from main at once (main is trimmed "
              "at the next eviction), and a key as large as the small queue is not admitted; here with "
              "its move-to-main threshold set to 1, as ours",
    "s3fifo (lcs default)": "as above, and libCacheSim's default needs 2 hits in the small queue to move a "
                            "key to main (ours: 1)",
    "rr": "other random victims, and not uniform ones: libCacheSim's Random evicts the head of a random "
          "non-empty hash bucket (chainedHashTableV2.c: the newest key of its bucket), from a generator the "
          "bindings do not seed (two runs differ); ours is RRCache's randrange over the cached keys, "
          "random.Random(0)",
}
ORACLE_GENERAL = np.dtype([("time", "<u4"), ("obj_id", "<u8"), ("size", "<u4"), ("next_access", "<i8")])


def write_oracle_general(trace: np.ndarray, path: Path) -> None:
    """The trace in libCacheSim's oracleGeneral binary format (oracleGeneralBin.h): one packed record
    a request, object size 1, next_access = the index of the key's next request, -1 for none."""
    ids, nkeys = kernels.dense_ids(trace)
    next_use = kernels.next_uses(ids, nkeys)  # n + i when there is none
    records = np.zeros(len(trace), dtype=ORACLE_GENERAL)
    records["obj_id"] = trace
    records["size"] = 1
    records["next_access"] = np.where(next_use >= len(trace), -1, next_use)
    records.tofile(path)


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def their_hits(reader, name: str, options: dict, maxsize: int, hashpower: int, n: int) -> tuple[float, int]:
    cache = getattr(libcachesim, name)(maxsize, hashpower=hashpower, **options)
    took, (miss_ratio, _byte_miss_ratio) = timed(cache.process_trace, reader)
    return took, round((1.0 - miss_ratio) * n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--maxsize", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hashpower", type=int, default=None,
                        help="libCacheSim's hash table has 2**hashpower buckets (default: sized to the keys)")
    args = parser.parse_args()
    trace = workloads.zipf(args.keys, args.alpha, args.requests, seed=1)
    n = len(trace)
    hashpower = args.hashpower or max(16, math.ceil(math.log2(len(np.unique(trace)))) + 1)
    print(f"trace: {n:,} requests over {args.keys:,} keys, Zipf alpha={args.alpha}; "
          f"maxsize={args.maxsize:,}; libcachesim {libcachesim.__version__}, hashpower {hashpower}; "
          f"{args.rounds} interleaved rounds")
    for _row, ours, *_ in PAIRS:  # compiled (or loaded from numba's cache) before any timing
        simulate.hit_ratio(trace[:1000], ours, 10)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trace.oracleGeneral.bin"
        write_oracle_general(trace, path)
        reader = libcachesim.TraceReader(str(path), libcachesim.TraceType.ORACLE_GENERAL_TRACE)
        ratios: dict[str, list[float]] = {row: [] for row, *_ in PAIRS}
        hits: dict[str, tuple[int, int]] = {}
        for _ in range(args.rounds):
            for row, ours, name, options, _same in PAIRS:
                our_time, ratio = timed(simulate.hit_ratio, trace, ours, args.maxsize)
                their_time, theirs = their_hits(reader, name, options, args.maxsize, hashpower, n)
                ratios[row].append(our_time / their_time)
                hits[row] = (round(ratio * n), theirs)
        report(ratios, hits, n)


def report(ratios: dict[str, list[float]], hits: dict[str, tuple[int, int]], n: int) -> None:
    print(f"{'policy':22s} {'ours/theirs':>11s} {'our hits':>10s} {'their hits':>10s}  hits  all rounds")
    mismatched = []
    for row, *_, same in PAIRS:
        ours, theirs = hits[row]
        if ours == theirs:
            verdict = "equal"
        else:
            verdict = f"{ours - theirs:+,} ({(ours - theirs) / n:+.3%} of requests)"
            if same:
                verdict += "  DIFFERENT for the same algorithm"
                mismatched.append(row)
        rounds = " ".join(f"{r:.3f}" for r in ratios[row])
        ratio = statistics.median(ratios[row])
        print(f"{row:22s} {ratio:10.3f}x {ours:10,} {theirs:10,}  {verdict}  {rounds}")
    for row, reason in REASONS.items():
        if hits[row][0] != hits[row][1]:
            print(f"  {row}: {reason}.")
    if mismatched:
        sys.exit(f"hit counts differ where both run the same algorithm: {', '.join(mismatched)}")


if __name__ == "__main__":
    main()
