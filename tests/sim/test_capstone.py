"""The capstone's service model: deterministic scores, the model's assumptions, the checks on a choice."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hotcache_lab.caches import LRUCache
from hotcache_lab.sim import capstone
from hotcache_lab.sim.capstone import Choice, Scenario
from hotcache_lab.sim.capstone_serve import HIT, MISS, NEVER, WAIT, Rules, serve
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
    shared = capstone.score(Choice(policy="lru", maxsize=5_000, lock="per-key", ttl=10.0, backend="redis",
                                   invalidation="lease", fallback="default"))
    assert shared.passed and shared.hit_ratio > best_local.hit_ratio + 0.1
    assert shared.p50_ms > best_local.p50_ms  # the price: a round trip on every hit
    # the same shared design, told nothing of writes or sending the outage to the database, fails
    assert not capstone.score(dataclasses.replace(shared.choice, invalidation="ttl")).passed
    assert not capstone.score(dataclasses.replace(shared.choice, fallback="origin")).passed


@pytest.mark.parametrize("changes, name", [
    ({"policy": "mru"}, "policy"),
    ({"maxsize": 0}, "maxsize"),
    ({"maxsize": 2.5}, "maxsize"),
    ({"lock": "rw"}, "lock"),
    ({"ttl": -1}, "ttl"),
    ({"ttl": "10"}, "ttl"),
    ({"backend": "disk"}, "backend"),
    ({"backend": "redis", "policy": "sieve"}, "policy"),
    ({"invalidation": "write-through"}, "invalidation"),
    ({"fallback": "retry"}, "fallback"),
    ({"colour": "red"}, "colour"),
])
def test_bad_choices_raise_errors_naming_the_parameter(changes, name):
    with pytest.raises((ValueError, TypeError), match=name):
        capstone.score(scenario=SMALL, **changes)


@pytest.mark.parametrize("changes, name", [
    ({"processes": 0}, "processes"), ({"threads": 1.5}, "threads"), ({"rate": 0}, "rate"),
    ({"warmup": 1.0}, "warmup"), ({"alpha": -1}, "alpha"), ({"memory_budget_mb": float("nan")}, "memory"),
    ({"write_rate": -1}, "write_rate"), ({"outage_s": -2}, "outage_s"),
    ({"stale_read_budget": 2}, "stale_read"), ({"outage_cold": "yes"}, "outage_cold"),
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


# --- consistency: how a write reaches the cache ------------------------------------------------------

def one_domain(invalidation, *, keys, times, compute, writes, wait=True, outage=NEVER, cold=False,
               fallback="origin"):
    """The request loop on a hand-made stream: one LRU cache of 10 entries, no TTL, instant hits."""
    rules = Rules(ttl=math.inf, t_hit=0.0, lock_cost=0.0, wait=wait, invalidation=invalidation,
                  outage=outage, cold=cold, fallback=fallback, t_timeout=0.001)
    latency, outcome, stale, _ = serve(lambda: LRUCache(10), [list(range(len(keys)))], keys, times, compute,
                                       writes, rules)
    return outcome.tolist(), stale.tolist(), latency.tolist()


# key 1 is computed from t=0 to t=1; its data changes at t=0.2; it is asked for again at 0.5 and 1.5
RACE = dict(keys=[1, 1, 1], times=[0.0, 0.5, 1.5], compute=[1.0, 1.0, 1.0], writes=([0.2], [1]))


def test_ttl_only_serves_the_old_result_until_it_expires():
    outcome, stale, _ = one_domain("ttl", **RACE)
    assert outcome == [MISS, WAIT, HIT] and stale == [False, True, True]


def test_delete_on_write_leaves_the_stale_set_race():
    # the computation that read the data before the write stores its result after the delete
    outcome, stale, _ = one_domain("delete", **RACE)
    assert outcome == [MISS, WAIT, HIT] and stale == [False, True, True]
    # a write with no computation running simply deletes: the next read computes afresh
    calm = dict(RACE, times=[0.0, 1.5, 2.0], writes=([1.2], [1]))
    outcome, stale, _ = one_domain("delete", **calm)
    assert outcome == [MISS, MISS, WAIT] and stale == [False, False, False]


def test_a_lease_refuses_the_late_store_and_later_readers_compute_afresh():
    outcome, stale, _ = one_domain("lease", **RACE)
    assert outcome == [MISS, MISS, HIT] and stale == [False, False, False]  # the hit is the fresh result


@pytest.mark.parametrize("backend", capstone.BACKENDS)
def test_stale_reads_fall_from_ttl_to_delete_to_lease(backend):
    sc = dataclasses.replace(SMALL, write_rate=20.0)
    stale = {how: capstone.score(Choice(maxsize=500, lock="per-key", ttl=5.0, backend=backend,
                                        invalidation=how), sc).stale_reads for how in capstone.INVALIDATIONS}
    assert stale["ttl"] > 10 * max(stale["delete"], 1) and stale["lease"] == 0 < stale["delete"]
    quiet = dataclasses.replace(SMALL, write_rate=0.0)
    assert {capstone.score(Choice(maxsize=500, invalidation=how), quiet).stale_reads
            for how in capstone.INVALIDATIONS} == {0}


def test_the_writes_are_seeded_and_sorted():
    times, keys = capstone.writes(SMALL)
    assert list(times) == sorted(times) and len(times) == len(keys) > 0
    assert times[-1] <= capstone.traffic(SMALL)[1][-1]
    again = capstone.writes(dataclasses.replace(SMALL, p99_target_ms=99.0))  # same streams, other limits
    assert (again[0] == times).all() and (again[1] == keys).all()


# --- failure: the shared cache is down -----------------------------------------------------------------

DOWN = dataclasses.replace(SMALL, outage_at_s=3.0, outage_s=1.0, write_rate=0.0)


def requests_in_outage(sc):
    times = capstone.traffic(sc)[1]
    scored = times[int(sc.warmup * sc.n_requests):]
    return int(((scored >= sc.outage_at_s) & (scored < sc.outage_at_s + sc.outage_s)).sum())


def test_falling_back_to_the_origin_sends_every_request_to_the_database():
    choice = Choice(maxsize=500, lock="per-key", ttl=5.0, backend="redis")
    calm = capstone.score(choice, dataclasses.replace(DOWN, outage_s=0.0))
    origin = capstone.score(choice, DOWN)
    default = capstone.score(dataclasses.replace(choice, fallback="default"), DOWN)
    down = requests_in_outage(DOWN)
    assert down > 1_000 and origin.degraded == 0 and default.degraded == down
    assert origin.computations >= calm.computations + down * 0.5
    assert origin.peak_db_load >= 0.9 * DOWN.rate > calm.peak_db_load
    assert default.peak_db_load < origin.peak_db_load
    assert any("shared cache was down" in why for why in origin.failures)
    # the hit ratio counts lookups only: none is made while the cache is down
    assert default.hit_ratio == pytest.approx(default.hits / (default.requests - down))


def test_in_process_caches_do_not_notice_the_outage():
    choice = Choice(maxsize=500, lock="per-key", ttl=5.0)
    assert capstone.score(choice, DOWN) == capstone.score(choice, dataclasses.replace(DOWN, outage_s=0.0))


def test_a_cold_restart_sends_a_second_wave_to_the_database():
    choice = Choice(maxsize=1_000, lock="per-key", backend="redis", fallback="default")
    warm = capstone.score(choice, DOWN)
    cold = capstone.score(choice, dataclasses.replace(DOWN, outage_cold=True))
    after = int(DOWN.outage_at_s + DOWN.outage_s)  # the first second after the outage
    assert cold.db_per_second[after] > 2 * warm.db_per_second[after]
    assert cold.computations > warm.computations


def test_the_load_per_second_adds_up_to_the_computations():
    s = capstone.score(Choice(maxsize=300, lock="global", ttl=1.0, backend="redis"), DOWN)
    times = capstone.traffic(DOWN)[1]
    first, last = math.ceil(times[int(DOWN.warmup * DOWN.n_requests)]), math.floor(times[-1])
    assert len(s.db_per_second) == last
    assert s.peak_db_load == max(s.db_per_second[first:last])
    assert sum(s.db_per_second) <= s.computations + sum(s.db_per_second[:first]) + s.requests
