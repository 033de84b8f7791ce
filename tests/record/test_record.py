"""hotcache_lab.record: the key stream it writes is exact, stable, complete under threads, and cheap."""

from __future__ import annotations

import functools
import threading
import time

import numpy as np
import pytest

from hotcache_lab import caches, memoize, record, simulate, workloads
from hotcache_lab.measure.memory import deep_size
from hotcache_lab.memo.decorator import make_key
from hotcache_lab.record import Recorder, stable_hash

STREAM = workloads.zipf(n_keys=400, alpha=0.8, n_requests=3000, seed=7).tolist()


def _square(x, scale=1):
    return [x * scale] * (x % 5)


def _echo(*args, **kwds):
    return args, kwds


@pytest.mark.parametrize("policy,cache_class", [("lru", caches.LRUCache), ("fifo", caches.FIFOCache),
                                                ("sieve", caches.SIEVECache)])
def test_recorded_trace_replays_to_the_live_caches_hits(tmp_path, policy, cache_class):
    path = tmp_path / "t.trace"
    live = memoize(cache_class(32))(_square)
    with record(path) as rec:
        f = rec(live)
        for k in STREAM:
            f(k)
    keys = workloads.read_trace(path)
    assert len(keys) == len(STREAM)
    replayed = round(simulate.hit_ratio(keys, policy, 32) * len(keys))
    assert replayed == live.cache_info().hits > 0


def test_functools_lru_cache_replays_too(tmp_path):
    live = functools.lru_cache(maxsize=50)(_square)
    f = record(tmp_path / "t.trace")(live)
    for k in STREAM:
        f(k, scale=2)
    f.recorder.close()
    keys = workloads.read_trace(tmp_path / "t.trace")
    assert round(simulate.hit_ratio(keys, "lru", 50) * len(keys)) == live.cache_info().hits


def test_keys_are_stable_hashes_of_make_keys_form(tmp_path):
    calls = [((1,), {}), ((1,), {"scale": 2}), (("a",), {}), ((1, 2), {}), ((2, 1), {})]
    paths = [tmp_path / "a.trace", tmp_path / "b.trace"]
    for path in paths:
        with record(path) as rec:
            f = rec(_echo)
            for args, kwds in calls:
                f(*args, **kwds)
    a, b = (workloads.read_trace(p) for p in paths)
    expected = [stable_hash(make_key(args, kwds)) for args, kwds in calls]
    assert a.tolist() == b.tolist() == expected
    assert len(set(expected)) == len(calls)  # keyword and order matter, as in functools
    text = paths[0].read_text()
    assert "'scale'" not in text and "'a'" not in text  # no argument leaves in clear


def test_typed_keys_tell_int_from_float(tmp_path):
    with record(tmp_path / "t.trace", typed=True) as rec:
        f = rec(_echo)
        f(1), f(1.0), f(1)
    keys = workloads.read_trace(tmp_path / "t.trace")
    assert keys[0] == keys[2] != keys[1]


def test_hash_keys_false_writes_ids_and_a_names_file(tmp_path):
    path = tmp_path / "t.trace"
    with record(path, hash_keys=False) as rec:
        f = rec(_echo)
        for x in [3, "a\nb", 3, (4, 5), "a\nb"]:
            f(x)
    assert workloads.read_trace(path).tolist() == [0, 1, 0, 2, 1]
    names = (tmp_path / "t.trace.names").read_text().splitlines()
    assert names == [repr(3), repr("a\nb"), repr(make_key(((4, 5),), {}))]


def test_first_calls_record_duration_and_deep_size(tmp_path):
    def slow(x):
        time.sleep(0.05 if x == 9 else 0)
        return list(range(x))

    path = tmp_path / "t.trace"
    with record(path) as rec:
        f = rec(slow)
        for x in [9, 1, 9, 2, 1, 9]:
            f(x)
    costs = workloads.read_trace(path, full=True).costs
    assert costs.keys.tolist() == [stable_hash(x) for x in (9, 1, 2)]  # first calls only
    assert costs.bytes.tolist() == [deep_size(list(range(x))) for x in (9, 1, 2)]
    assert costs.seconds[0] >= 0.05 > costs.seconds[1]  # the sleep is timed, inside the first call


def test_threads_lose_and_tear_no_line(tmp_path):
    threads, per_thread = 8, 1500
    path = tmp_path / "t.trace"
    rec = record(path, flush_every=64)
    f = rec(memoize(caches.LRUCache(100), lock="global")(_square))
    barrier = threading.Barrier(threads)

    def work(t):
        barrier.wait(timeout=10)
        for i in range(per_thread):
            f(t * 10_000 + i % 200)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=30)
        assert not th.is_alive()
    rec.close()
    trace = workloads.read_trace(path, full=True)  # a torn line would be a parse error
    assert len(trace) == threads * per_thread == rec.calls
    for t in range(threads):
        own = [stable_hash(t * 10_000 + i % 200) for i in range(per_thread)]
        mine = trace.keys[np.isin(trace.keys, own)]
        assert mine.tolist() == own  # each thread's calls, complete and in its order
    assert len(trace.costs.keys) == len(np.unique(trace.keys)) == threads * 200


def test_close_flushes_and_later_calls_still_run(tmp_path):
    path = tmp_path / "t.trace"
    rec = Recorder(path, flush_every=1000)
    f = rec(_square)
    f(3)
    assert str(stable_hash(3)) not in path.read_text()  # still buffered
    rec.close()
    assert rec.closed and workloads.read_trace(path).tolist() == [stable_hash(3)]
    assert f(4) == _square(4)  # unrecorded after close
    assert workloads.read_trace(path).tolist() == [stable_hash(3)]


def test_a_recorded_function_may_call_itself_even_after_close(tmp_path):
    rec = record(tmp_path / "t.trace")

    @rec
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    assert fib(12) == 144
    calls = rec.calls
    rec.close()
    assert fib(8) == 21  # runs unrecorded, and no lock is held around the call
    keys = workloads.read_trace(tmp_path / "t.trace", full=True)
    assert len(keys) == calls == 465 and len(keys.costs.keys) == 13  # fib(0) ... fib(12), once each


def test_bad_arguments_name_the_parameter(tmp_path):
    with pytest.raises(TypeError, match="hash_keys"):
        record(tmp_path / "t", hash_keys="yes")
    with pytest.raises(ValueError, match="flush_every"):
        record(tmp_path / "t", flush_every=0)
    with pytest.raises(TypeError, match="func"):
        record(tmp_path / "t")(42)


def _per_call(f, keys, repeat=5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for k in keys:
            f(k)
        best = min(best, time.perf_counter() - start)
    return best / len(keys)


def test_a_recorded_call_costs_a_few_microseconds_more_than_a_bare_memoized_call(tmp_path):
    keys = list(range(100)) * 20
    bare = functools.lru_cache(maxsize=None)(_square)
    with record(tmp_path / "t.trace") as rec:
        recorded = rec(functools.lru_cache(maxsize=None)(_square))
        extra = _per_call(recorded, keys) - _per_call(bare, keys)
    assert extra < 20e-6, f"{extra * 1e6:.1f} µs more per call"
