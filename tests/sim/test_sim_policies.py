"""sim.policies and sim.curves: lean replays agree with the instrumented caches; exact and sampled
miss-ratio curves."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotcache_lab import caches, simulate, workloads
from hotcache_lab.sim import compiled, curves

ONLINE = ["lru", "fifo", "lfu", "rr", "sieve", "s3fifo"]


def class_hits(keys, policy: str, maxsize: int, **kwargs) -> int:
    """The reference: replay through the instrumented class with get, and put on a miss."""
    cache = caches.POLICIES[policy](maxsize, **kwargs)
    hits = sum(cache.request(k) for k in np.asarray(keys).tolist())
    assert cache.stats.hits == hits
    return hits


def sim_hits(keys, policy: str, maxsize: int, **kwargs) -> int:
    return round(simulate.hit_ratio(keys, policy, maxsize, **kwargs) * len(keys))


traces = st.lists(st.integers(0, 40), min_size=1, max_size=300).map(np.array)
small_traces = st.integers(1, 25).flatmap(lambda k: st.lists(st.integers(0, k), min_size=1, max_size=250))


@settings(max_examples=60, deadline=None)
@given(keys=small_traces.map(np.array), maxsize=st.integers(1, 12), seed=st.integers(0, 10**6))
def test_lean_replays_equal_the_instrumented_classes(keys, maxsize, seed):
    for policy in ONLINE:
        kwargs = {"seed": seed} if policy == "rr" else {}
        expected = class_hits(keys, policy, maxsize, **kwargs)
        assert sim_hits(keys, policy, maxsize, **kwargs) == expected, policy


def test_lean_replays_equal_the_classes_on_many_random_traces():
    rng = np.random.default_rng(11)
    for trial in range(150):
        keys = rng.integers(0, rng.integers(2, 40), size=rng.integers(20, 400))
        for maxsize in (1, 3, 8):
            for policy in ONLINE:
                kwargs = {"seed": trial} if policy == "rr" else {}
                expected = class_hits(keys, policy, maxsize, **kwargs)
                assert sim_hits(keys, policy, maxsize, **kwargs) == expected, (policy, maxsize, keys)


@pytest.mark.parametrize("maxsize", [1, 7, 64, 700])
def test_lean_replays_equal_the_classes_on_long_traces(maxsize):
    # long enough for the heaps of LFU and OPT and the SIEVE queue to be compacted many times
    trace = workloads.mix(
        [(workloads.zipf(3_000, 0.9, 30_000, seed=1), 3.0), (workloads.loop(900, 30_000) + 10**5, 1.0)],
        30_000, seed=2,
    )
    for policy in ONLINE:
        assert sim_hits(trace, policy, maxsize) == class_hits(trace, policy, maxsize), policy
    assert sim_hits(trace, "s3fifo", maxsize, small_ratio=0.3) == class_hits(trace, "s3fifo", maxsize,
                                                                              small_ratio=0.3)


def brute_stack_distance(keys: list) -> list[int]:
    out = []
    for i, k in enumerate(keys):
        p = max((j for j in range(i) if keys[j] == k), default=None)
        out.append(-1 if p is None else len(set(keys[p + 1 : i])))
    return out


@settings(max_examples=80, deadline=None)
@given(keys=small_traces)
def test_reuse_distances_are_distinct_keys_since_last_request(keys):
    assert simulate.reuse_distances(keys).tolist() == brute_stack_distance(keys)


@pytest.mark.parametrize("pack_bits", [63, 0])
def test_stack_distances_packed_and_unpacked_agree(monkeypatch, pack_bits):
    # The numpy reference (kernels off): traces of more than 2M requests do not fit value, index and
    # count in one int64; lowering the limit runs that path on a small trace.
    monkeypatch.setattr(compiled, "_KERNELS", False)
    monkeypatch.setattr(curves, "_PACK_BITS", pack_bits)
    rng = np.random.default_rng(4)
    for _ in range(30):
        keys = rng.integers(0, rng.integers(1, 50), size=rng.integers(1, 300)).tolist()
        assert simulate.reuse_distances(keys).tolist() == brute_stack_distance(keys)


@settings(max_examples=60, deadline=None)
@given(keys=traces)
def test_lru_curve_equals_replays_at_every_size(keys):
    sizes = np.arange(1, len(np.unique(keys)) + 3)
    curve = simulate.miss_ratio_curve(keys, "lru", sizes)
    replays = np.array([1 - class_hits(keys, "lru", int(s)) / len(keys) for s in sizes])
    assert np.array_equal(np.round(curve * len(keys)), np.round(replays * len(keys)))
    hits = simulate.replay(keys, "lru", 3)
    assert hits.dtype == bool and hits.sum() == class_hits(keys, "lru", 3)


def test_lru_curve_on_a_zipf_trace_many_sizes():
    trace = workloads.zipf(2_000, 0.8, 40_000, seed=5)
    sizes = np.array([1, 2, 3, 5, 10, 33, 100, 250, 999, 1_500, 2_000, 5_000])
    curve = simulate.miss_ratio_curve(trace, "lru", sizes)
    for s, m in zip(sizes, curve, strict=True):
        assert round((1 - m) * len(trace)) == sim_hits(trace, "lru", int(s))
    assert np.all(np.diff(curve) <= 0)  # LRU is a stack algorithm: more room never hurts
    assert curve[-1] == pytest.approx(len(np.unique(trace)) / len(trace))  # only cold misses left


@pytest.mark.parametrize("policy", ["fifo", "s3fifo"])
def test_other_policies_curve_is_per_size_replays(policy):
    trace = workloads.zipf(500, 1.0, 5_000, seed=1)
    sizes = [1, 10, 100]
    expected = [1 - class_hits(trace, policy, s) / len(trace) for s in sizes]
    assert np.allclose(simulate.miss_ratio_curve(trace, policy, sizes), expected)


@functools.cache
def _best_hits(keys: tuple, maxsize: int, i: int = 0, cached: frozenset = frozenset()) -> int:
    """Exhaustive search over every eviction choice: the most hits any demand-paging cache gets."""
    if i == len(keys):
        return 0
    k = keys[i]
    if k in cached:
        return 1 + _best_hits(keys, maxsize, i + 1, cached)
    if len(cached) < maxsize:
        return _best_hits(keys, maxsize, i + 1, cached | {k})
    return max(_best_hits(keys, maxsize, i + 1, (cached - {v}) | {k}) for v in cached)


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(st.integers(0, 6), min_size=1, max_size=14), maxsize=st.integers(1, 4))
def test_opt_is_the_optimum_by_exhaustive_search(keys, maxsize):
    assert sim_hits(np.array(keys), "opt", maxsize) == _best_hits(tuple(keys), maxsize)


def _test_traces() -> dict[str, np.ndarray]:
    return {
        "zipf": workloads.zipf(1_000, 0.9, 20_000, seed=3),
        "loop": workloads.loop(120, 5_000),
        "scan in zipf": np.concatenate([workloads.zipf(200, 1.2, 5_000, seed=4), workloads.scan(2_000, 10**6),
                                        workloads.zipf(200, 1.2, 5_000, seed=5)]),
        "shifting": workloads.shifting_hotset(2_000, 50, 2_000, 12_000, 0.9, seed=6),
        "re_compile": workloads.load("re_compile").keys[:30_000],
    }


@pytest.mark.parametrize("name", list(_test_traces()))
def test_opt_at_least_every_policy(name):
    trace = _test_traces()[name]
    for maxsize in (5, 50, 100, 500):
        opt = simulate.hit_ratio(trace, "opt", maxsize)
        assert opt == simulate.opt_hit_ratio(trace, maxsize)
        others = {p: simulate.hit_ratio(trace, p, maxsize) for p in ONLINE}
        assert all(opt >= r for r in others.values()), (maxsize, opt, others)


def test_loop_defeats_lru_and_fifo_but_not_opt():
    trace = workloads.loop(101, 10_100)
    assert simulate.hit_ratio(trace, "lru", 100) == 0.0
    assert simulate.hit_ratio(trace, "fifo", 100) == 0.0
    assert simulate.hit_ratio(trace, "opt", 100) > 0.95


@pytest.mark.parametrize("policy", simulate.POLICY_NAMES)
def test_replay_flags_agree_with_hit_ratio(policy):
    trace = workloads.shifting_hotset(1_000, 40, 1_000, 6_000, 0.9, seed=8)
    flags = simulate.replay(trace, policy, 60)
    assert flags.dtype == bool and flags.shape == trace.shape
    assert flags.sum() == sim_hits(trace, policy, 60)
    assert not flags[0]  # the first request always misses


def test_shards_error_against_the_exact_curve():
    # SHARDS is accurate on large key spaces. Measured here: mean absolute error over 100 evenly
    # spaced sizes, 40 seeds: about 0.005 on average, 0.016 at worst, at rate 0.1.
    trace = workloads.zipf(100_000, 0.9, 200_000, seed=3)
    sizes = np.linspace(500, 50_000, 100).astype(np.int64)
    exact = simulate.miss_ratio_curve(trace, "lru", sizes)
    errors = [np.abs(simulate.shards_mrc(trace, sizes, rate=0.1, seed=s) - exact).mean() for s in range(5)]
    assert max(errors) < 0.025
    assert np.mean(errors) < 0.012
    approx = simulate.shards_mrc(trace, sizes, rate=0.1)
    assert np.all((approx >= 0) & (approx <= 1))
    assert np.array_equal(approx, simulate.shards_mrc(trace, sizes, rate=0.1))  # seeded: repeatable


def test_shards_at_rate_one_is_exact():
    trace = workloads.zipf(1_000, 1.0, 10_000, seed=2)
    sizes = [1, 10, 100, 1_000]
    exact = simulate.miss_ratio_curve(trace, "lru", sizes)
    assert np.allclose(simulate.shards_mrc(trace, sizes, rate=1.0), exact)


def test_reuse_histogram_counts_rerequests():
    trace = workloads.zipf(300, 1.0, 5_000, seed=1)
    counts, edges = simulate.reuse_histogram(trace, bins=[0, 1, 10, 100, 1_000])
    d = simulate.reuse_distances(trace)
    assert counts.sum() == (d >= 0).sum() == len(trace) - len(np.unique(trace))
    assert counts[0] == (d == 0).sum() and len(edges) == 5


@settings(max_examples=50, deadline=None)
@given(keys=traces, window=st.integers(1, 50))
def test_working_set_counts_distinct_keys_per_window(keys, window):
    expected = [len(set(keys[i : i + window].tolist())) for i in range(0, len(keys), window)]
    assert simulate.working_set(keys, window).tolist() == expected


def test_progress_bar_only_when_asked_or_long(capsys):
    trace = workloads.zipf(100, 1.0, 2_000, seed=1)
    quiet = simulate.hit_ratio(trace, "lru", 10)
    assert capsys.readouterr().err == ""
    assert simulate.hit_ratio(trace, "lru", 10, progress=True) == quiet
    assert "req" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda t: simulate.hit_ratio(t, "lru2", 10), ValueError,
         "'lru', 'fifo', 'lfu', 'rr', 'sieve', 's3fifo', 'opt'"),
        (lambda t: simulate.hit_ratio(t, "LRU", 10), ValueError, "policy"),
        (lambda t: simulate.hit_ratio(t, "lru", 0), ValueError, "maxsize"),
        (lambda t: simulate.hit_ratio(t, "lru", -3), ValueError, "maxsize"),
        (lambda t: simulate.hit_ratio(t, "fifo", 2.5), TypeError, "maxsize"),
        (lambda t: simulate.hit_ratio(t, "opt", "8"), TypeError, "maxsize"),
        (lambda t: simulate.hit_ratio(t, "lru", True), TypeError, "maxsize"),
        (lambda t: simulate.hit_ratio(t, "lru", 10, seed=1), TypeError, "seed"),
        (lambda t: simulate.hit_ratio(t, "s3fifo", 10, small_ratio=1.5), ValueError, "small_ratio"),
        (lambda t: simulate.hit_ratio(t, "rr", 10, seed=0.5), TypeError, "seed"),
        (lambda t: simulate.replay(t, "arc", 10), ValueError, "policy"),
        (lambda t: simulate.opt_hit_ratio(t, 0), ValueError, "maxsize"),
        (lambda t: simulate.miss_ratio_curve(t, "lru", [10, 0]), ValueError, "sizes"),
        (lambda t: simulate.miss_ratio_curve(t, "lru", [1.5, 2]), TypeError, "sizes"),
        (lambda t: simulate.miss_ratio_curve(t, "lru", []), ValueError, "sizes"),
        (lambda t: simulate.miss_ratio_curve(t, "lru", [[1, 2]]), ValueError, "sizes"),
        (lambda t: simulate.miss_ratio_curve(t, "lfu", [-1]), ValueError, "sizes"),
        (lambda t: simulate.shards_mrc(t, [10], rate=0), ValueError, "rate"),
        (lambda t: simulate.shards_mrc(t, [10], rate=2.0), ValueError, "rate"),
        (lambda t: simulate.shards_mrc(t, [10], seed=-1), ValueError, "seed"),
        (lambda t: simulate.shards_mrc(t, [0]), ValueError, "sizes"),
        (lambda t: simulate.working_set(t, 0), ValueError, "window"),
        (lambda t: simulate.hit_ratio(np.array([], dtype=np.int64), "lru", 1), ValueError, "trace"),
        (lambda t: simulate.miss_ratio_curve([], "lru", [1]), ValueError, "trace"),
        (lambda t: simulate.reuse_distances(np.array([0.5, 1.5])), TypeError, "trace"),
        (lambda t: simulate.hit_ratio(np.ones((2, 2), dtype=int), "lru", 1), TypeError, "trace"),
    ],
)
def test_bad_input_raises_naming_it(call, error, name):
    with pytest.raises(error, match=re.escape(name)):
        call(workloads.zipf(100, 1.0, 1_000, seed=0))


def test_trace_objects_and_numpy_sizes_are_accepted():
    t = workloads.load("re_compile")
    assert simulate.hit_ratio(t, "lru", np.int64(16)) == simulate.hit_ratio(t.keys, "lru", 16)
    curve = simulate.miss_ratio_curve(t, "lru", np.array([1, 8, 512]))
    assert curve[0] > curve[1] > curve[2] > 0
