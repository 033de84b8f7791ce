"""concurrency.strategies: forced duplicates per locking strategy are exact; timings only as wide ratios."""

import time

import pytest

from hotcache_lab.concurrency import strategies as c


def test_make_strategy_caches_and_rejects_unknown_names():
    for name in c.LOCK_STRATEGIES:
        calls = []

        def f(key, calls=calls):
            calls.append(key)
            return key * 2

        cached = c.make_strategy(name, f, maxsize=8)
        assert [cached(k) for k in (1, 2, 1, 2)] == [2, 4, 2, 4]
        assert calls == [1, 2], name
    with pytest.raises(ValueError, match="strategy"):
        c.make_strategy("spinlock", lambda k: k)


@pytest.mark.parametrize("strategy", c.LOCK_STRATEGIES)
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

