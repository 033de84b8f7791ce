"""The capstone's service model: deterministic scores, the model's assumptions, the checks on a choice."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hotcache_lab.caches import LRUCache
from hotcache_lab.sim import capstone
from hotcache_lab.sim.capstone import Choice, Scenario
from hotcache_lab.sim.workers import split_stream

# A smaller scenario keeps the tests fast; the model is the same.
SMALL = Scenario(n_users=2_000, n_requests=12_000, rate=2_000.0, processes=4, threads=8)


def test_the_score_is_deterministic():
    choice = Choice(policy="lru", maxsize=300, lock="global", ttl=2.0, backend="in-process")
    first = capstone.score(choice, SMALL)
    capstone._score.cache_clear()
    capstone.traffic.cache_clear()
    second = capstone.score(choice, SMALL)
    assert first == second
    assert first.summary() == second.summary()


@pytest.mark.parametrize("backend", capstone.BACKENDS)
def test_a_bigger_maxsize_never_lowers_the_lru_hit_ratio(backend):
    # Without a TTL, LRU's inclusion property holds: a bigger LRU holds everything a smaller one does.
    # (With a TTL it need not: the bigger cache may hold an older copy that expires first.)
    ratios = [capstone.score(Choice(maxsize=m, backend=backend), SMALL).hit_ratio
              for m in (10, 50, 100, 200, 400, 800, 1600, 3200)]
    assert ratios == sorted(ratios)
    assert ratios[-1] > ratios[0] + 0.2


def test_the_hit_ratio_matches_a_plain_replay_when_computations_are_instant():
    # With (almost) instant computations, no flights overlap: the model is the policy replay itself.
    sc = dataclasses.replace(SMALL, t_compute_ms=1e-6, compute_sigma=0.0, warmup=0.0)
    keys, _, _ = capstone.traffic(sc)
    for backend, parts in (("redis", [keys]), ("in-process", split_stream(keys, sc.processes))):
        hits = 0
        for part in parts:
            cache = LRUCache(200)
            hits += sum(cache.request(k) for k in list(part))
        assert capstone.score(Choice(maxsize=200, backend=backend), sc).hits == hits


def test_the_shared_backend_holds_one_copy_and_in_process_one_per_process():
    for k in (1, 2, 4):
        sc = dataclasses.replace(SMALL, processes=k)
        shared = capstone.score(Choice(maxsize=500, backend="redis"), sc)
        assert shared.memory_mb == pytest.approx(shared.entries * sc.entry_kb_redis / 1024 + sc.redis_base_mb)
        assert shared.entries <= 500
        local = capstone.score(Choice(maxsize=500, backend="in-process"), sc)
        assert local.memory_mb == pytest.approx(local.entries * sc.entry_kb_local / 1024)
        assert 500 * (k - 1) < local.entries <= 500 * k  # every process fills its own copy
    one = capstone.score(Choice(maxsize=500, backend="redis"), dataclasses.replace(SMALL, processes=1))
    four = capstone.score(Choice(maxsize=500, backend="redis"), dataclasses.replace(SMALL, processes=4))
    assert one.memory_mb == four.memory_mb


@pytest.mark.parametrize("backend", capstone.BACKENDS)
@pytest.mark.parametrize("ttl", [None, 0.5])
def test_per_key_lock_has_no_duplicate_computations(backend, ttl):
    single = capstone.score(Choice(maxsize=200, lock="per-key", ttl=ttl, backend=backend), SMALL)
    assert single.duplicates == 0
    assert single.waits > 0  # the overlapping requests waited instead
    stampede = capstone.score(Choice(maxsize=200, lock="global", ttl=ttl, backend=backend), SMALL)
    assert stampede.duplicates == single.waits  # the same overlaps, computed again
    assert stampede.computations == single.computations + stampede.duplicates


def test_one_thread_in_one_process_has_no_duplicates():
    sc = dataclasses.replace(SMALL, processes=1, threads=1)
    assert capstone.score(Choice(maxsize=200, lock=None), sc).duplicates == 0


def test_requirements_fail_for_the_right_reasons():
    unlocked = capstone.score(Choice(maxsize=200, lock=None), SMALL)
    assert not unlocked.requirements["thread-safe"]
    assert any("lock=None" in why for why in unlocked.failures)
    assert capstone.score(Choice(maxsize=200, lock=None, backend="redis"), SMALL).requirements["thread-safe"]
    no_ttl = capstone.score(Choice(maxsize=200), SMALL)
    assert math.isinf(no_ttl.staleness_s) and any("TTL" in why for why in no_ttl.failures)
    huge = capstone.score(Choice(maxsize=3_000), dataclasses.replace(SMALL, memory_budget_mb=1.0))
    assert any("memory" in why for why in huge.failures)
    assert not huge.passed


def test_the_default_scenario_separates_good_and_bad_choices():
    naive = capstone.score(Choice())
    assert not naive.passed
    best_local = max((capstone.score(Choice(policy=p, maxsize=500, lock="per-key", ttl=10.0))
                      for p in ("lru", "lfu", "s3fifo", "sieve")), key=lambda s: s.hit_ratio)
    assert not best_local.passed  # 8 copies of the hot set do not fit the budget at a useful size
    shared = capstone.score(Choice(policy="lru", maxsize=5_000, lock="per-key", ttl=10.0, backend="redis"))
    assert shared.passed and shared.hit_ratio > best_local.hit_ratio + 0.1
    assert shared.p50_ms > best_local.p50_ms  # the price: a round trip on every hit


@pytest.mark.parametrize("changes, name", [
    ({"policy": "mru"}, "policy"),
    ({"maxsize": 0}, "maxsize"),
    ({"maxsize": 2.5}, "maxsize"),
    ({"lock": "rw"}, "lock"),
    ({"ttl": -1}, "ttl"),
    ({"ttl": "10"}, "ttl"),
    ({"backend": "disk"}, "backend"),
    ({"backend": "redis", "policy": "sieve"}, "policy"),
    ({"colour": "red"}, "colour"),
])
def test_bad_choices_raise_errors_naming_the_parameter(changes, name):
    with pytest.raises((ValueError, TypeError), match=name):
        capstone.score(scenario=SMALL, **changes)


@pytest.mark.parametrize("changes, name", [
    ({"processes": 0}, "processes"), ({"threads": 1.5}, "threads"), ({"rate": 0}, "rate"),
    ({"warmup": 1.0}, "warmup"), ({"alpha": -1}, "alpha"), ({"memory_budget_mb": float("nan")}, "memory"),
])
def test_bad_scenarios_raise_errors_naming_the_field(changes, name):
    with pytest.raises((ValueError, TypeError), match=name):
        Scenario(**changes)


def test_the_percentiles_are_requests_really_observed():
    # nearest rank: p50 and p99 are latencies some request had (a hit's t_hit, or a miss's full time)
    s = capstone.score(Choice(maxsize=200, backend="redis", lock="per-key", ttl=2.0), SMALL)
    assert s.p50_ms <= s.p99_ms
    hit_ms = SMALL.t_hit_redis_us / 1e3
    assert s.p50_ms == pytest.approx(hit_ms) or s.p50_ms > 2 * hit_ms
