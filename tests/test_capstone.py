"""The capstone's service model, its decision guide, and its checks against real servers."""

from __future__ import annotations

import dataclasses
import math
import time

import matplotlib
import numpy as np
import pytest

from hotcache_lab import capstone, workloads
from hotcache_lab.backends import start_redis
from hotcache_lab.caches import LRUCache
from hotcache_lab.capstone import Choice, Scenario

matplotlib.use("Agg")

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
    for backend, parts in (("redis", [keys]), ("in-process", capstone.split_round_robin(keys, sc.processes))):
        hits = 0
        for part in parts:
            cache = LRUCache(200)
            for k in part.tolist():
                if cache.get(k) is None:
                    cache.put(k, 1)
                else:
                    hits += 1
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


def test_a_widget_update_is_fast_and_moves_the_plot():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    start = time.perf_counter()
    small = capstone.draw_score(ax, maxsize=100, backend="redis", lock="per-key", ttl=10.0)
    elapsed = time.perf_counter() - start
    ax.clear()
    big = capstone.draw_score(ax, maxsize=5_000, backend="redis", lock="per-key", ttl=10.0)
    plt.close(fig)
    assert elapsed < 2.0  # the budget is 0.5 s; this machine is shared, so the margin is wide
    assert big["hit ratio"] > small["hit ratio"]
    assert big["passed"] and not small["passed"]
    assert small["failures"]


def test_split_round_robin():
    parts = capstone.split_round_robin(np.arange(10), 3)
    assert [p.tolist() for p in parts] == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    with pytest.raises(ValueError, match="processes"):
        capstone.split_round_robin(np.arange(10), 0)


def test_the_decision_guide_is_a_tree_whose_every_answer_is_reachable():
    nodes, edges = capstone.DECISION_NODES, capstone.DECISION_EDGES
    questions = [n for n, v in nodes.items() if v[3] == "question"]
    for q in questions:
        assert sorted(lab for src, _, lab in edges if src == q) == ["no", "yes"]
    reached = set()
    for bits in range(1 << len(questions)):
        answers = {q: bool(bits >> i & 1) for i, q in enumerate(questions)}
        reached.add(capstone.advise(answers)[1])
    assert reached == {n for n, v in nodes.items() if v[3] == "answer"}


def test_advise_follows_the_answers():
    path, answer = capstone.advise({"stale": True, "pays": True, "procs": True, "shared": True})
    assert path == ["stale", "pays", "procs", "shared"] and answer == "redis"
    assert capstone.advise({"stale": False})[1] == "no_cache"
    answers = {"stale": True, "pays": True, "procs": False, "threads": True}
    assert capstone.advise(answers)[1] == "single_flight"
    with pytest.raises(KeyError, match="pays"):
        capstone.advise({"stale": True})
    with pytest.raises(TypeError, match="stale"):
        capstone.advise({"stale": "yes"})


def test_draw_flowchart_draws_every_box():
    import matplotlib.pyplot as plt

    from hotcache_lab import viz

    fig, ax = plt.subplots()
    viz.draw_flowchart(ax, capstone.DECISION_NODES, capstone.DECISION_EDGES, note=capstone.ALWAYS)
    texts = [t.get_text() for t in ax.texts]
    plt.close(fig)
    for _, _, text, _ in capstone.DECISION_NODES.values():
        assert text in texts


# --- against a real Redis -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_server():
    with start_redis() as server:
        yield server


def test_shared_redis_across_real_processes_recovers_the_hits(redis_server):
    trace = workloads.zipf(n_keys=2_000, alpha=0.9, n_requests=3_000, seed=5)
    results = capstone.measure_processes(trace, 3, redis_server.url, namespace="t-procs")
    assert sum(r["requests"] for r in results) == len(trace)
    parts = capstone.split_round_robin(trace, 3)
    private = sum(r["private_hits"] for r in results)
    assert private == sum(len(p) - len(np.unique(p)) for p in parts)  # unbounded: only cold misses
    shared = sum(r["shared_hits"] for r in results)
    best = len(trace) - len(np.unique(trace))
    assert shared <= best  # every distinct key misses at least once
    assert shared > private + (best - private) // 2  # most lost hits come back (races cost a few)


def test_redis_lru_replay_on_the_real_server(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    trace = workloads.zipf(n_keys=3_000, alpha=0.9, n_requests=6_000, seed=2)
    out = capstone.redis_lru_replay(client, trace, 400, samples=10, clock="trace")
    assert 300 <= out["keys_held"] <= 500  # the byte budget holds about the keys it was sized for
    assert out["evicted"] > 0
    exact = LRUCache(out["keys_held"])
    hits = 0
    for k in trace.tolist():
        if exact.get(k) is None:
            exact.put(k, 1)
        else:
            hits += 1
    assert out["hit_ratio"] > hits / len(trace) - 0.05  # sampling 10 with a pool is close to exact LRU
    assert client.config_get("maxmemory")["maxmemory"] == "0"  # restored
    with pytest.raises(ValueError, match="clock"):
        capstone.redis_lru_replay(client, trace, 400, clock="cpu")
    with pytest.raises(ValueError, match="samples"):
        capstone.redis_lru_replay(client, trace, 400, samples=0)
    client.close()


def test_draw_score_shows_an_invalid_choice_instead_of_raising():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = capstone.draw_score(ax, policy="sieve", backend="redis")
    plt.close(fig)
    assert "policy" in out["error"]
