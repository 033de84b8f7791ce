"""How expensive are exact miss-ratio curves and single-size replays, relative to the obvious loop?

The baseline is the textbook single-size LRU replay: a bare OrderedDict loop over the same trace.
We report ratios to it (time of X over the mean of the baseline runs just before and just after it,
in interleaved rounds; the median over rounds), never absolute times, which say more about the
machine than about the method. On a busy machine single rounds vary a lot: use more rounds.

Budgets (DESIGN.md): the exact LRU curve for *all* sizes costs at most 3x one baseline replay;
each policy's single-size replay (simulate.hit_ratio) costs at most 1x.

    python benchmarks/bench_mrc.py                # 1M requests over 100k keys, Zipf alpha 0.9
    python benchmarks/bench_mrc.py --requests 200000 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import OrderedDict

import numpy as np

from hotcache_lab import simulate, workloads


def ordereddict_lru_hits(trace: np.ndarray, maxsize: int) -> int:
    """The baseline: one LRU replay with a bare OrderedDict, no instrumentation.

    Deliberately its own loop, not `sim.policies._lru` (which reads the trace in chunks): it is the
    yardstick every contender is measured against, so it must not change when the lab's code does.
    """
    cache: OrderedDict = OrderedDict()
    hits = 0
    for k in trace.tolist():
        if k in cache:
            cache.move_to_end(k)
            hits += 1
        else:
            cache[k] = None
            if len(cache) > maxsize:
                cache.popitem(last=False)
    return hits


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--maxsize", type=int, default=10_000, help="cache size of the single-size replays")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    trace = workloads.zipf(args.keys, args.alpha, args.requests, seed=1)
    sizes = np.unique(np.geomspace(1, args.keys, 200).astype(np.int64))
    print(f"trace: {args.requests:,} requests over {args.keys:,} keys, Zipf alpha={args.alpha}; "
          f"single-size replays at maxsize={args.maxsize:,}; {args.rounds} interleaved rounds")

    contenders = {"exact LRU curve, all sizes": lambda: simulate.miss_ratio_curve(trace, "lru", sizes)}
    for policy in simulate.POLICY_NAMES:
        contenders[f"hit_ratio {policy}"] = (
            lambda p=policy: simulate.hit_ratio(trace, p, args.maxsize, progress=False)
        )
    ratios: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, fn in contenders.items():  # each contender between two baseline runs
            before, base_hits = timed(ordereddict_lru_hits, trace, args.maxsize)
            took, result = timed(fn)
            after, _ = timed(ordereddict_lru_hits, trace, args.maxsize)
            ratios[name].append(took / ((before + after) / 2))
            if name == "hit_ratio lru":  # the lean replay must agree with the baseline it races
                assert round(result * len(trace)) == base_hits

    # the curve must agree with the baseline at the single size too
    curve_at = simulate.miss_ratio_curve(trace, "lru", [args.maxsize])[0]
    assert abs((1 - curve_at) * len(trace) - ordereddict_lru_hits(trace, args.maxsize)) < 0.5

    print(f"{'contender':30s} {'median ratio':>12s} {'budget':>8s}  all rounds")
    for name, rs in ratios.items():
        budget = 3.0 if name.startswith("exact") else 1.0
        verdict = "ok" if statistics.median(rs) <= budget else "OVER"
        rounds = " ".join(f"{r:.2f}" for r in rs)
        print(f"{name:30s} {statistics.median(rs):12.2f} {budget:7.1f}x  {rounds}  {verdict}")


if __name__ == "__main__":
    main()
