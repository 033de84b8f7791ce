"""sim.kernels: every compiled kernel equals the readable Python replay and the instrumented class;
simulate runs the same on the kernels and on the Python replays."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import hotcache_lab
from hotcache_lab import caches, simulate, workloads
from hotcache_lab.sim import compiled, opt, policies

ONLINE = ["lru", "fifo", "lfu", "rr", "sieve", "s3fifo"]


def loop_flags_and_hits(keys: np.ndarray, policy: str, maxsize: int, **options) -> tuple:
    """The pure-Python reference in simulate (OPT also gives its per-request flags)."""
    if policy == "opt":
        flags = np.frombuffer(opt._opt_flags(keys, maxsize, False), dtype=np.uint8)
        return flags, int(flags.sum())
    return None, policies._REPLAYS[policy](iter([keys.tolist()]), maxsize, **options)


def class_flags(keys: np.ndarray, policy: str, maxsize: int, **options) -> np.ndarray:
    request = caches.POLICIES[policy](maxsize, **options).request
    return np.fromiter((request(k) for k in keys.tolist()), dtype=np.uint8, count=len(keys))


def kernel_flags_and_hits(keys: np.ndarray, policy: str, maxsize: int, **options) -> tuple[np.ndarray, int]:
    from hotcache_lab.sim import kernels

    keys = np.asarray(keys, dtype=np.int64)
    return compiled.run(kernels, compiled.prepare(kernels, keys, policy), policy, maxsize, False,
                        options)[::-1]


def random_traces(seed: int):
    """Few keys and many, small key values and huge or negative ones (the np.unique remapping)."""
    rng = np.random.default_rng(seed)
    for trial in range(40):
        n = int(rng.integers(1, 600))
        nkeys = int(rng.choice([1, 2, 5, 30, 200, 5_000]))
        keys = rng.integers(0, nkeys, size=n)
        if trial % 3 == 1:
            keys = keys * 7_919_000_003 - 10**12
        elif trial % 3 == 2:
            keys = keys - nkeys // 2
        yield trial, keys


@pytest.mark.parametrize("policy", [*ONLINE, "opt"])
def test_kernels_equal_the_python_loops_on_random_traces(policy):
    for trial, keys in random_traces([*ONLINE, "opt"].index(policy)):
        for maxsize in (1, 2, 3, 4, 17, 250, 10**6):
            options = {"seed": trial} if policy == "rr" else {}
            flags, hits = kernel_flags_and_hits(keys, policy, maxsize, **options)
            ref_flags, ref_hits = loop_flags_and_hits(keys, policy, maxsize, **options)
            assert hits == ref_hits == flags.sum(), (policy, maxsize, keys.tolist())
            if ref_flags is not None:
                assert np.array_equal(flags, ref_flags)


@pytest.mark.parametrize("policy", ONLINE)
def test_kernel_flags_equal_the_instrumented_classes(policy):
    trace = workloads.mix(
        [(workloads.zipf(3_000, 0.9, 20_000, seed=1), 3.0), (workloads.loop(900, 20_000) + 10**5, 1.0)],
        20_000, seed=2,
    )
    variants = {"rr": [{"seed": 0}, {"seed": 12_345}], "s3fifo": [{}, {"small_ratio": 0.3}]}
    for maxsize in (1, 3, 64, 700):
        for options in variants.get(policy, [{}]):
            flags, _ = kernel_flags_and_hits(trace, policy, maxsize, **options)
            assert np.array_equal(flags, class_flags(trace, policy, maxsize, **options)), (policy, maxsize)


def test_rr_kernel_resumes_across_batches_of_draws():
    # 30k distinct keys at maxsize 3: about 40k draws (a quarter rejected), more than one batch
    trace = np.arange(30_000) % 29_989
    for seed in (0, 7):
        flags, _ = kernel_flags_and_hits(trace, "rr", 3, seed=seed)
        assert np.array_equal(flags, class_flags(trace, "rr", 3, seed=seed))


def test_dense_ids_keep_small_keys_and_remap_others():
    from hotcache_lab.sim import kernels

    ids, nkeys = kernels.dense_ids(np.array([3, 0, 3, 9]))
    assert ids.tolist() == [3, 0, 3, 9] and nkeys == 10
    ids, nkeys = kernels.dense_ids(np.array([-5, 10**15, -5, 2]))
    assert ids.tolist() == [0, 2, 0, 1] and nkeys == 3


def test_simulate_agrees_with_and_without_the_kernels(monkeypatch):
    pytest.importorskip("numba")
    trace = workloads.shifting_hotset(1_000, 40, 1_000, 6_000, 0.9, seed=8)

    def everything():
        out = {}
        for policy in simulate.POLICY_NAMES:
            options = {"seed": 3} if policy == "rr" else {}
            out[policy] = (simulate.hit_ratio(trace, policy, 60, **options),
                           simulate.replay(trace, policy, 60, **options).tolist(),
                           simulate.miss_ratio_curve(trace, policy, [1, 5, 60, 2_000], **options).tolist())
        out["opt_hit_ratio"] = simulate.opt_hit_ratio(trace, 60)
        out["huge maxsize"] = [simulate.hit_ratio(trace, p, 10**30) for p in simulate.POLICY_NAMES]
        return out

    monkeypatch.setattr(compiled, "_KERNELS", None)
    on_kernels = everything()
    assert compiled.kernels() is not None
    monkeypatch.setattr(compiled, "_KERNELS", False)  # the readable Python replays
    assert compiled.kernels() is None
    assert everything() == on_kernels


def test_numba_is_required_and_its_absence_says_so(monkeypatch):
    """numba is a dependency, not an option: without it a replay says what is missing, at once,
    instead of running the slow Python loops in silence."""
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "hotcache_lab.sim.kernels", raising=False)
    monkeypatch.delattr(hotcache_lab.sim, "kernels", raising=False)
    monkeypatch.setattr(compiled, "_KERNELS", None)
    with pytest.raises(ImportError, match="needs numba"):
        simulate.hit_ratio(workloads.zipf(500, 1.0, 5_000, seed=1), "sieve", 50)


def test_next_uses_kernel_equals_numpy():
    from hotcache_lab.sim import kernels

    for _, keys in random_traces(99):
        ids, nkeys = kernels.dense_ids(keys)
        assert np.array_equal(kernels.next_uses(ids, nkeys), opt._next_uses(keys))

