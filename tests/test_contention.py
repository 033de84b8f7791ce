"""hotcache_lab.contention: forced races give the same counts every run; timings only as wide ratios.

Every threaded test is bounded in time: run_together raises TimeoutError if a thread hangs,
and the tests assert an upper bound on their own wall time.
"""

import functools
import time

import pytest

from hotcache_lab import contention as c
from hotcache_lab import workloads


def test_nth_prime():
    assert [c.nth_prime(n) for n in range(1, 11)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert c.nth_prime(1000) == 7919
    with pytest.raises(ValueError, match="at least 1"):
        c.nth_prime(0)
    with pytest.raises(TypeError, match="must be an int"):
        c.nth_prime(2.0)


def test_slow_functions_validate_and_compute():
    assert c.slow_prime_fn(0.0, prime_n=10)(0) == 29
    assert c.slow_query_fn(0.0, prime_n=10)(("k", 1)) == (("k", 1), 29)
    with pytest.raises(ValueError, match="delay"):
        c.slow_prime_fn(-1)
    with pytest.raises(TypeError, match="delay"):
        c.slow_query_fn("1")


def test_typed_only_separates_argument_types():
    demo = c.typed_keys_demo()
    # a lone int or str is its own key in CPython's lru_cache: 1 and 1.0 are apart even untyped
    assert demo[("1", "1.0")] == {False: 2, True: 2}
    # the docs' example: 3.0 and Decimal('3.0') share one entry unless typed=True
    assert demo[("3.0", "Decimal('3.0')")] == {False: 1, True: 2}


@pytest.mark.parametrize("typed", [False, True])
def test_stampede_duplicates_are_forced_and_typed_does_not_change_them(typed):
    start = time.perf_counter()
    race = c.stampede(8, compute_ms=40, typed=typed)
    assert race.n_computations == 8
    assert race.duplicates == 7
    assert race.cache_info.misses == 8 and race.cache_info.currsize == 1
    assert len(set(race.results)) == 1  # every caller got the same (equal) value
    assert {comp.thread for comp in race.computations} == {f"T{i}" for i in range(8)}
    assert time.perf_counter() - start < 10


@pytest.mark.stress
def test_stampede_count_is_the_same_twenty_times_in_a_row():
    start = time.perf_counter()
    counts = [c.stampede(16, compute_ms=40).duplicates for _ in range(20)]
    assert counts == [15] * 20
    assert time.perf_counter() - start < 30


def test_stampede_with_one_thread_has_no_duplicate():
    race = c.stampede(1, compute_ms=1)
    assert (race.n_computations, race.duplicates) == (1, 0)


def test_stampede_rejects_bad_input():
    with pytest.raises(ValueError, match="n_threads"):
        c.stampede(0)
    with pytest.raises(TypeError, match="typed"):
        c.stampede(2, typed="yes")


def test_thread_counts_up_to():
    assert c._thread_counts_up_to(1) == [1]
    assert c._thread_counts_up_to(8) == [1, 2, 4, 8]
    assert c._thread_counts_up_to(12) == [1, 2, 4, 8, 12]


# --- the hand-written cache without a lock ------------------------------------------------------


def test_unsafe_cache_is_a_correct_lru_in_one_thread():
    cache = c.UnsafeLRUCache(2)
    calls = []

    def compute(key):
        calls.append(key)
        return key * 10

    assert [cache.get_or_compute(k, compute) for k in (1, 2, 1, 3, 2, 1)] == [10, 20, 10, 30, 20, 10]
    assert calls == [1, 2, 3, 2, 1]  # 3 evicted 2 (1 was more recent), then 2 evicted 1
    assert cache.stats == {"hits": 1, "misses": 5}
    assert len(cache) == 2
    with pytest.raises(ValueError, match="maxsize"):
        c.UnsafeLRUCache(0)


def test_hammer_with_one_thread_finds_no_problem():
    report = c.hammer(c.UnsafeLRUCache(16), n_threads=1, n_calls=3000)
    assert report.problems == []
    assert report.lost_counts == 0 and report.max_size_seen == 16


def notebook_cell_unsafe():
    """What the checked cell of notebook 06 prints, as a boolean."""
    return c.first_problem(lambda: c.UnsafeLRUCache(16), max_trials=30) is not None


@pytest.mark.stress
def test_unsafe_cache_problems_show_every_time_the_cell_runs():
    start = time.perf_counter()
    seen = [notebook_cell_unsafe() for _ in range(20)]
    assert seen == [True] * 20
    assert time.perf_counter() - start < 120


def test_unsafe_cache_shows_each_kind_of_problem_over_trials():
    summary = c.summarize_trials(c.hammer_trials(lambda: c.UnsafeLRUCache(16), trials=30))
    assert summary["with any problem"] > 0
    assert summary["with lost counts"] > 0  # the most frequent kind
    allowed = {"KeyError at `del data[oldest]`",
               "RuntimeError: dictionary changed size during iteration at `oldest = next(iter(data))`"}
    assert set(summary["error kinds"]) <= allowed


def test_locked_cache_never_has_a_problem():
    reports = c.hammer_trials(lambda: c.LockedLRUCache(16), trials=5)
    assert [r.problems for r in reports] == [[]] * 5
    assert all(r.max_size_seen <= 16 and r.lost_counts == 0 for r in reports)
    assert c.first_problem(lambda: c.LockedLRUCache(16), max_trials=3) is None


def test_hammer_threads_overlap_and_count_every_call():
    report = c.hammer(c.LockedLRUCache(8), n_threads=3, n_calls=500)
    assert report.calls >= 3 * 500 and report.counted == report.calls
    with pytest.raises(ValueError, match="n_threads"):
        c.hammer(c.UnsafeLRUCache(8), n_threads=0)


def test_hammer_report_problem_kinds():
    from collections import Counter

    ok = c.HammerReport(calls=10, counted=10, errors=Counter(), max_size_seen=4, final_size=4, maxsize=4)
    assert ok.problems == []
    bad = c.HammerReport(calls=10, counted=8, errors=Counter({"KeyError": 1}), max_size_seen=5,
                         final_size=4, maxsize=4)
    assert bad.problems == ["exceptions", "lost counts", "size over maxsize"]
    assert bad.lost_counts == 2


# --- the strategies side by side -----------------------------------------------------------------


def test_make_strategy_caches_and_rejects_unknown_names():
    for name in c.STRATEGIES:
        calls = []

        def f(key, calls=calls):
            calls.append(key)
            return key * 2

        cached = c.make_strategy(name, f, maxsize=8)
        assert [cached(k) for k in (1, 2, 1, 2)] == [2, 4, 2, 4]
        assert calls == [1, 2], name
    with pytest.raises(ValueError, match="strategy"):
        c.make_strategy("spinlock", lambda k: k)


@pytest.mark.parametrize("strategy", c.STRATEGIES)
def test_forced_duplicates_match_the_expectation(strategy):
    start = time.perf_counter()
    for n in (1, 4, 8):
        report = c.contention_run(strategy, n, rounds=2, delay=0.02)
        assert report.duplicates == c.expected_duplicates(strategy, n, rounds=2), (strategy, n)
        assert report.calls == 4 * n and len(report.latencies) == 4 * n
        assert report.computations == 2 * (1 + n) + report.duplicates
    assert time.perf_counter() - start < 20


def test_one_lock_around_the_call_serializes_independent_work():
    # 8 threads, 2 rounds: the whole-call lock runs (1 + 8) computations one after another per
    # round (~9 x 20 ms); per-key single-flight about two in a row. A 2x margin is very wide.
    whole = c.contention_run("one lock around the call", 8, rounds=2, delay=0.02)
    single = c.contention_run("memoize per-key", 8, rounds=2, delay=0.02)
    assert whole.throughput * 2 < single.throughput
    assert whole.p99 > single.p99


@pytest.mark.parametrize("strategy, computations", [("lru_cache alone", 6), ("memoize per-key", 1),
                                                     ("cachetools condition", 1)])
def test_strategy_race_records_calls_and_computations(strategy, computations):
    race = c.strategy_race(strategy, 6, compute_ms=40)
    assert len(race.computations) == computations and race.duplicates == computations - 1
    assert len(race.calls) == 6 and {r.key for r in race.calls} == {"call"}
    # every call ends after the (first) computation started: nobody got the value earlier
    first_start = min(r.start for r in race.computations)
    assert all(r.end >= first_start for r in race.calls)


def test_run_report_percentiles_and_table():
    r = c.RunReport("memoize per-key", 2, 1, 4, 3, 0, 0.5, latencies=[0.1, 0.2, 0.3, 0.4], timeline=[])
    assert r.throughput == 8 and r.p50 == 0.2 and r.p99 == 0.4
    assert c.table([r], lambda x: x.duplicates) == {"memoize per-key": {2: 0}}
    with pytest.raises(ValueError):
        c.expected_duplicates("nope", 2)


def test_recorder_counts_duplicates():
    rec = c.Recorder(lambda k: k)
    for k in (1, 1, 2, 1):
        rec(k)
    assert rec.duplicates() == 2 and len(rec.computations) == 4


# --- one cache per worker -------------------------------------------------------------------------


def zipf(n_keys, alpha, n_requests, seed):
    return workloads.zipf(n_keys=n_keys, alpha=alpha, n_requests=n_requests, seed=seed)


def test_split_stream_keeps_every_request():
    assert c.split_stream(zipf(10, 1.0, 7, 0), 2)[0] == zipf(10, 1.0, 7, 0).tolist()[0::2]
    keys = list(range(10))
    assert c.split_stream(keys, 3) == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    parts = c.split_stream(keys, 3, how="random", seed=1)
    assert sorted(k for p in parts for k in p) == keys
    assert parts == c.split_stream(keys, 3, how="random", seed=1)
    with pytest.raises(ValueError, match="how"):
        c.split_stream(keys, 2, how="hash")
    with pytest.raises(ValueError, match="k must"):
        c.split_stream(keys, 0)


def test_lru_replay_matches_functools():
    keys = zipf(300, 0.9, 4000, seed=1).tolist()
    sim = c.lru_replay(keys, 50)
    real = c.worker_replay(keys, 50, payload_bytes=8)
    assert (sim["hits"], sim["misses"], len(sim["held"])) == (real["hits"], real["misses"], real["entries"])

    @functools.lru_cache(maxsize=50)
    def f(k):
        return k

    for k in keys:
        f(k)
    before = f.cache_info()
    for k in sim["held"]:  # every key the simulation holds is a hit in functools' cache
        f(k)
    after = f.cache_info()
    assert (after.hits - before.hits, after.misses) == (len(sim["held"]), before.misses)


def test_hit_ratio_by_workers():
    keys = zipf(2000, 1.0, 20000, seed=0)
    per_worker = c.hit_ratio_by_workers(keys, (1, 2, 4), maxsize=200)
    total = c.hit_ratio_by_workers(keys, (1, 2, 4), maxsize=200, budget="total")
    assert per_worker[0]["hit_ratio"] == c.lru_replay(keys, 200)["hits"] / len(keys)
    assert [r["entries_held"] for r in per_worker] == [200, 400, 800]  # memory multiplies
    assert all(r["distinct_entries"] < r["entries_held"] for r in per_worker[1:])  # copies
    ratios = [r["hit_ratio"] for r in total]
    assert ratios == sorted(ratios, reverse=True) and ratios[2] < ratios[0] - 0.1
    assert per_worker[2]["hit_ratio"] < per_worker[0]["hit_ratio"]  # more cold misses
    with pytest.raises(ValueError, match="budget"):
        c.hit_ratio_by_workers(keys, (1,), 10, budget="shared")
    with pytest.raises(ValueError, match="less than one entry"):
        c.hit_ratio_by_workers(keys, (4,), 3, budget="total")
    with pytest.raises(ValueError, match="empty"):
        c.hit_ratio_by_workers([], (1,), 3)


def test_worker_processes_match_the_simulation():
    keys = zipf(500, 1.0, 3000, seed=2)
    start = time.perf_counter()
    measured = c.run_worker_processes(keys, (1, 2), maxsize=50, payload_bytes=16)
    assert time.perf_counter() - start < 60
    for k, reports in measured.items():
        sims = [c.lru_replay(part, 50) for part in c.split_stream(keys, k)]
        assert [(r["hits"], r["misses"]) for r in reports] == [(s["hits"], s["misses"]) for s in sims]
        assert all(r["cached_bytes"] == r["entries"] * 16 for r in reports)
    assert len({r["pid"] for r in measured[2]}) == 2  # two workers, two processes
    with pytest.raises(ValueError, match="empty"):
        c.run_worker_processes(keys, (), 10)
    with pytest.raises(ValueError, match="at most 4"):
        c.run_worker_processes(keys, (8,), 10)


def test_arrival_gate_opens_when_everyone_arrived_or_times_out():
    gate = c.ArrivalGate(2, timeout=0.05)
    gate.arrive()
    start = time.perf_counter()
    assert gate.wait() is False and time.perf_counter() - start >= 0.04
    gate.arrive()
    assert gate.wait() is True
    with pytest.raises(ValueError, match="n must"):
        c.ArrivalGate(0)
