"""How expensive are exact miss-ratio curves and single-size replays, relative to the obvious loop?

The baseline is the textbook single-size LRU replay: a bare OrderedDict loop over the same trace.
We report ratios to it (time of X over the mean of the baseline runs just before and just after it,
in interleaved rounds; the median over rounds), never absolute times, which say more about the
machine than about the method. On a busy machine single rounds vary a lot: use more rounds.

Budgets (docs/design_notes.md): the exact LRU curve for *all* sizes costs at most 3x one baseline replay;
each policy's single-size replay (simulate.hit_ratio) costs at most 1x.

At scale the yardstick is the compiled single-size LRU replay instead (simulate.hit_ratio at a
cache of a tenth of the keys): for 1M, 4M and 10M requests over a tenth as many keys (Zipf 0.8),
the whole curve costs at most 4x one such replay of the same trace, timed in the same rounds, with
at most 40 extra bytes per request at its peak (tracemalloc's peak while the curve is computed: every
numpy array it allocates, the kernel's included; the trace, made before, is not counted). The
numpy reference (sim.curves._stack_distances, what the curve ran before the kernel) is measured
once per scale beside it, with --reference.

    python benchmarks/bench_mrc.py                # 1M requests over 100k keys, Zipf alpha 0.9
    python benchmarks/bench_mrc.py --requests 200000 --rounds 3
    python benchmarks/bench_mrc.py --rounds 0 --scale 1000000,10000000 --reference   # scale only
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import OrderedDict

import numpy as np

from hotcache_lab import simulate, workloads
from hotcache_lab.measure import memory
from hotcache_lab.sim import curves

CURVE_BUDGET, BYTES_BUDGET = 4.0, 40.0  # x one compiled LRU replay; extra bytes per request


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


def peak_bytes(fn) -> int:
    """tracemalloc's peak while fn runs, over what was allocated before it started."""
    return memory.measure(fn)[1].peak


def numpy_reference_curve(trace: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The curve as it was computed before the kernel, from the readable numpy reference."""
    return 1.0 - curves._hits_below(curves._stack_distances(trace), sizes) / len(trace)


def at_scale(n: int, rounds: int, reference: bool) -> None:
    """The curve against one compiled LRU replay of the same trace, in interleaved rounds."""
    keys = n // 10
    trace = workloads.zipf(keys, 0.8, n, seed=1)
    sizes = np.unique(np.geomspace(1, keys, 200).astype(np.int64))
    simulate.miss_ratio_curve(trace[:1000], "lru", sizes)  # compiled (or loaded) before timing
    ratios, singles = [], []
    for _ in range(rounds):
        single, hits = timed(simulate.hit_ratio, trace, "lru", keys // 10)
        took, curve = timed(simulate.miss_ratio_curve, trace, "lru", sizes)
        single_after, _ = timed(simulate.hit_ratio, trace, "lru", keys // 10)
        ratios.append(took / ((single + single_after) / 2))
        singles.append((single + single_after) / 2)
    assert abs(simulate.miss_ratio_curve(trace, "lru", [keys // 10])[0] - (1 - hits)) < 0.5 / n
    per_request = peak_bytes(lambda: simulate.miss_ratio_curve(trace, "lru", sizes)) / n
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio <= CURVE_BUDGET and per_request <= BYTES_BUDGET else "OVER"
    print(f"{n:>12,} {keys:>10,} {statistics.median(singles):9.3f}s {ratio:9.2f}x {per_request:9.1f} B"
          f"  {' '.join(f'{r:.2f}' for r in ratios)}  {verdict}")
    if reference:
        took, old = timed(numpy_reference_curve, trace, sizes)
        assert np.array_equal(old, curve)
        old_bytes = peak_bytes(lambda: numpy_reference_curve(trace, sizes)) / n
        ratio = took / statistics.median(singles)
        print(f"{'numpy reference':>23s} {'(before)':>10s} {ratio:9.2f}x {old_bytes:9.1f} B")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--maxsize", type=int, default=10_000, help="cache size of the single-size replays")
    parser.add_argument("--rounds", type=int, default=5, help="rounds against the OrderedDict (0: skip)")
    parser.add_argument("--scale", default="1000000,4000000,10000000",
                        help="request counts for the curve against the compiled replay ('': skip)")
    parser.add_argument("--scale-rounds", type=int, default=5)
    parser.add_argument("--reference", action="store_true", help="also time the numpy reference at scale")
    args = parser.parse_args()
    if args.rounds > 0:
        against_ordereddict(args)
    scales = [int(x) for x in args.scale.split(",") if x.strip()]
    if scales:
        print(f"\nat scale: Zipf 0.8 over a tenth as many keys; budget {CURVE_BUDGET:.0f}x one compiled LRU "
              f"replay (maxsize keys/10), {BYTES_BUDGET:.0f} extra bytes per request")
        print(f"{'requests':>12s} {'keys':>10s} {'replay':>10s} {'curve':>10s} {'peak/req':>11s}  all rounds")
        for n in scales:
            at_scale(n, args.scale_rounds, args.reference)


def against_ordereddict(args: argparse.Namespace) -> None:
    trace = workloads.zipf(args.keys, args.alpha, args.requests, seed=1)
    sizes = np.unique(np.geomspace(1, args.keys, 200).astype(np.int64))
    print(f"trace: {args.requests:,} requests over {args.keys:,} keys, Zipf alpha={args.alpha}; "
          f"single-size replays at maxsize={args.maxsize:,}; {args.rounds} interleaved rounds")

    contenders = {"exact LRU curve, all sizes": lambda: simulate.miss_ratio_curve(trace, "lru", sizes)}
    for policy in simulate.POLICY_NAMES:
        contenders[f"hit_ratio {policy}"] = (
            lambda p=policy: simulate.hit_ratio(trace, p, args.maxsize, progress=False)
        )
    simulate.miss_ratio_curve(trace[:1000], "lru", sizes)  # numba's start and kernels before timing
    for policy in simulate.POLICY_NAMES:
        simulate.hit_ratio(trace[:1000], policy, 10)
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
