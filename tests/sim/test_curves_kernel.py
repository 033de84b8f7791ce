"""sim.stack_distance: the compiled stack distances equal the numpy reference in sim.curves exactly,
capped or not, through renumberings; the public curve is the same with the kernels on or off, and
faster and smaller than the reference."""

from __future__ import annotations

import time

import numpy as np
import pytest

from hotcache_lab import simulate, workloads
from hotcache_lab.measure import memory
from hotcache_lab.sim import compiled, curves, stack_distance


def capped(reference: np.ndarray, limit: int) -> np.ndarray:
    return np.where(reference >= 0, np.minimum(reference, limit), -1)


def seeded_traces(seed: int):
    """Small key spaces and large, one key, all distinct, and keys far from 0..n (remapped ids)."""
    rng = np.random.default_rng(seed)
    yield np.zeros(50, dtype=np.int64)  # one key
    yield np.arange(300, dtype=np.int64)[::-1] * 1_000_003  # all distinct
    yield workloads.loop(37, 400)  # every distance 36
    for trial in range(60):
        n = int(rng.integers(1, 700))
        keys = rng.integers(0, int(rng.choice([2, 5, 30, 200, 5_000])), size=n)
        yield keys if trial % 2 else keys * 7_919_000_003 - 10**12


@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_distances_equal_the_numpy_reference(seed):
    for keys in seeded_traces(seed):
        reference = curves._stack_distances(keys)
        distinct = len(np.unique(keys))
        assert np.array_equal(stack_distance.capped_distances(keys), reference)
        for limit in (1, 2, max(1, distinct // 3), distinct - 1, distinct, distinct + 5):
            if limit < 1:
                continue
            for capacity in (None, 1, limit + 3, 100):  # 1: the least room, renumbered at every chance
                got = stack_distance.capped_distances(keys, limit, capacity=capacity)
                assert np.array_equal(got, capped(reference, limit)), (limit, capacity, keys.tolist())


def test_numpy_reference_packed_and_unpacked_equal_the_kernel(monkeypatch):
    # the reference's two layouts (the unpacked one serves traces of more than 2M requests)
    for pack_bits in (63, 0):
        monkeypatch.setattr(curves, "_PACK_BITS", pack_bits)
        for keys in seeded_traces(2):
            assert np.array_equal(curves._stack_distances(keys), stack_distance.capped_distances(keys))


def test_tiny_capacity_forces_renumbering_and_keeps_counts():
    keys = workloads.zipf(200, 0.9, 5_000, seed=3)
    for limit, capacity in ((200, 201), (10, 11), (10, 64 * 3)):
        ids, limit, arrays = stack_distance._state(keys, limit, capacity)
        out = np.empty(len(ids), dtype=np.int64)
        stack_distance._replay(ids, 0, limit, *arrays, out)
        state = arrays[0]
        assert state[2] >= len(keys) // (64 * 3) > 0  # renumbered every few hundred requests at most
        assert np.array_equal(out, capped(curves._stack_distances(keys), limit))


def test_empty_trace_and_sizes_above_the_key_count():
    empty = np.array([], dtype=np.int64)
    assert stack_distance.capped_distances(empty).tolist() == []
    assert stack_distance.distance_histogram(empty, 5).tolist() == [0]
    keys = workloads.zipf(50, 1.0, 2_000, seed=4)
    sizes = np.array([1, 7, 49, 50, 51, 10**12])
    assert np.array_equal(stack_distance.lru_hits(keys, sizes),
                          curves._hits_below(curves._stack_distances(keys), sizes))


def test_histogram_counts_the_capped_distances_in_blocks(monkeypatch):
    monkeypatch.setattr(stack_distance, "_BLOCK", 7)  # many blocks and a short last one
    keys = workloads.zipf(300, 0.8, 3_001, seed=5)
    for limit in (1, 40, 300):
        d = capped(curves._stack_distances(keys), limit)
        expected = np.bincount(d[d >= 0], minlength=limit + 1)
        assert np.array_equal(stack_distance.distance_histogram(keys, limit), expected)


def test_public_functions_equal_with_kernels_on_and_off(monkeypatch):
    trace = workloads.mix([(workloads.zipf(3_000, 0.8, 20_000, seed=1), 3.0),
                           (workloads.loop(900, 20_000) + 10**5, 1.0)], 20_000, seed=2)
    sizes = np.array([1, 2, 10, 899, 900, 901, 3_000, 10**6])

    def everything():
        return (simulate.miss_ratio_curve(trace, "lru", sizes), simulate.reuse_distances(trace),
                simulate.shards_mrc(trace, sizes, rate=0.2), simulate.reuse_histogram(trace, bins=9)[0])

    monkeypatch.setattr(compiled, "_KERNELS", None)
    on = everything()
    monkeypatch.setattr(compiled, "_KERNELS", False)
    off = everything()
    for a, b in zip(on, off, strict=True):
        assert np.array_equal(a, b)


def _best_time(fn, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_bytes(fn) -> int:
    return memory.measure(fn)[1].peak


def test_compiled_curve_is_faster_and_its_memory_does_not_grow_with_the_trace():
    trace = workloads.zipf(20_000, 0.8, 400_000, seed=6)
    half = trace[:200_000]
    sizes = np.unique(np.geomspace(1, 20_000, 100).astype(np.int64))
    stack_distance.lru_hits(half[:100], sizes)  # compiled (or loaded from numba's cache) before timing
    compiled_time = _best_time(lambda: stack_distance.lru_hits(half, sizes))
    numpy_time = _best_time(lambda: curves._hits_below(curves._stack_distances(half), sizes))
    assert compiled_time < numpy_time
    peak_half = _peak_bytes(lambda: stack_distance.lru_hits(half, sizes))
    peak_full = _peak_bytes(lambda: stack_distance.lru_hits(trace, sizes))
    assert peak_full < 1.1 * peak_half  # sized by the keys and the largest size, not the requests
    assert peak_half < _peak_bytes(lambda: curves._stack_distances(half)) / 10
