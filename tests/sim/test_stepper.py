"""The step-through recording agrees with replaying the cache by hand and with its on_evict hook."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotcache_lab import caches
from hotcache_lab.caches.base import MISSING
from hotcache_lab.caches.opt import BeladyOPT, next_uses
from hotcache_lab.sim.stepper import frame, record

POLICIES = ["lru", "fifo", "lfu", "rr", "sieve", "s3fifo"]
DETERMINED = ["lru", "fifo", "lfu", "sieve", "opt"]  # policies that name their next victim

traces = st.lists(st.integers(0, 9), min_size=0, max_size=60)
sizes = st.integers(1, 6)


def replay(trace, policy, maxsize):
    """Serve the trace through a fresh cache by hand; (contents, evicted) after every request."""
    cls = caches.POLICIES[policy]
    cache = cls(maxsize)
    out = []
    gone = []
    cache.on_evict(lambda k, v: gone.append(k))
    for key in trace:
        gone.clear()
        if cache.get(key, MISSING) is MISSING:
            cache.put(key, key)
        out.append((tuple(cache), tuple(gone)))
    return out, cache.stats


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=60, deadline=None)
@given(trace=traces, maxsize=sizes)
def test_contents_and_evictions_match_a_replay(policy, trace, maxsize):
    rec = record(trace, policy, maxsize)
    expected, stats = replay(trace, policy, maxsize)
    assert len(rec) == len(trace)
    assert [(s.contents, s.evicted) for s in rec] == expected
    assert rec.hits == stats.hits and rec.misses == stats.misses
    assert len(rec.evictions) == stats.evictions


@pytest.mark.parametrize("policy", [*POLICIES, "opt"])
@settings(max_examples=60, deadline=None)
@given(trace=traces, maxsize=sizes)
def test_slots_are_stable_boxes(policy, trace, maxsize):
    rec = record(trace, policy, maxsize)
    previous = (None,) * maxsize
    for s in rec:
        assert len(s.slots) == maxsize
        assert {k for k in s.slots if k is not None} == set(s.contents)
        assert len([k for k in s.slots if k is not None]) == len(s.contents) <= maxsize
        for i, k in enumerate(previous):  # a key that stays keeps its box
            if k is not None and k in s.contents:
                assert s.slots[i] == k
        if not s.hit and s.evicted:  # the newcomer takes the box its victim left
            assert s.slots[previous.index(s.evicted[0])] == s.key
        assert s.hit == (s.key in previous)
        previous = s.slots


@pytest.mark.parametrize("policy", DETERMINED)
@settings(max_examples=60, deadline=None)
@given(trace=traces, maxsize=sizes)
def test_next_victim_is_the_next_key_evicted(policy, trace, maxsize):
    rec = record(trace, policy, maxsize)
    for before, now in zip(rec.steps, rec.steps[1:], strict=False):
        if now.evicted:
            assert not now.hit
            assert now.evicted[0] == before.next_victim


@settings(max_examples=100, deadline=None)
@given(trace=traces, maxsize=sizes)
def test_opt_is_an_upper_bound(trace, maxsize):
    opt = record(trace, "opt", maxsize).hits
    for policy in POLICIES:
        assert record(trace, policy, maxsize).hits <= opt


def test_opt_matches_simulate_when_available():
    from hotcache_lab import simulate

    rng = np.random.default_rng(3)
    trace = rng.zipf(1.3, 3000) % 200
    for size in (5, 20, 60):
        ours = record(trace, "opt", size).hit_ratio
        assert ours == pytest.approx(simulate.opt_hit_ratio(trace, size), abs=1e-12)


def test_loop_over_maxsize_plus_one_keys_starves_lru_not_opt():
    trace = list(range(5)) * 20
    assert record(trace, "lru", 4).hits == 0
    assert record(trace, "fifo", 4).hits == 0
    assert record(trace, "opt", 4).hits > 50


def test_worked_example_lru():
    rec = record([1, 2, 3, 1, 4, 1, 5], "lru", 3)
    assert rec.hit_string() == "...H.H."
    assert rec[4].evicted == (2,)
    assert rec[4].contents == (3, 1, 4)
    assert rec[4].slots == (1, 4, 3)
    assert rec.evictions == [(4, 2), (6, 3)]
    assert rec.policy == "lru" and rec.maxsize == 3


def test_marks():
    rec = record([1, 2, 1, 1, 3], "lfu", 3)
    assert rec[-1].marks == {1: "f=3", 2: "f=1", 3: "f=1"}
    rec = record([1, 2, 1, 3], "sieve", 3)
    assert rec[-1].marks[1].startswith("v=1") and rec[-1].marks[2] == "v=0"
    assert rec[-1].next_victim == 2
    rec = record([1, 2, 1, 3, 9], "opt", 3)
    assert rec[2].marks == {1: "never", 2: "never"}
    rec = record([1, 2, 3, 1], "s3fifo", 3)
    assert all(m.split()[0] in "SM" for m in rec[-1].marks.values())


def test_numpy_trace_and_class_policy():
    rec = record(np.array([3, 3, 4]), caches.LRUCache, 2)
    assert rec.hit_string() == ".H."
    assert all(type(k) is int for k in rec[-1].contents)


def test_rr_kwargs_and_seed_repeat():
    trace = [1, 2, 3, 4, 1, 2, 3, 4, 5, 1]
    a = record(trace, "rr", 3, seed=7)
    b = record(trace, "rr", 3, seed=7)
    assert a.steps == b.steps


def test_next_uses():
    assert next_uses([1, 2, 1, 3]) == [2, 4, 4, 4]
    assert next_uses([]) == []


def test_frame():
    rec = record([1, 2, 3, 1, 4], "lru", 3)
    f = frame(rec, 4)
    assert f["evicted"] == (2,)
    assert [b[1] for b in f["boxes"]] == ["kept", "new", "next"]
    assert f["hits_so_far"] == 1
    assert frame(record([1], "lru", 3), 0)["boxes"][1] == ("", "empty", "")
    with pytest.raises(IndexError):
        frame(rec, 5)
    with pytest.raises(TypeError):
        frame(rec, 1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown policy"):
        record([1], "arc", 2)
    with pytest.raises(TypeError, match="policy"):
        record([1], dict, 2)
    with pytest.raises(ValueError, match="maxsize"):
        record([1], "lru", 0)
    with pytest.raises(TypeError, match="maxsize"):
        record([1], "opt", 2.5)
    with pytest.raises(TypeError, match="hashable"):
        record([1, [2]], "lru", 2)
    with pytest.raises(TypeError, match="string"):
        record("abc", "lru", 2)


def test_opt_must_follow_its_trace():
    opt = BeladyOPT(2, [1, 2])
    opt.get(1)
    with pytest.raises(ValueError, match="expected request 1"):
        opt.get(3)
    opt.get(2)
    with pytest.raises(ValueError, match="past the end"):
        opt.get(1)


def test_an_empty_recording_has_no_hit_ratio_to_report():
    import math

    rec = record([], "lru", 3)
    assert len(rec) == 0 and rec.hits == 0 and math.isnan(rec.hit_ratio)  # not a made-up 0.0
    assert record([1, 1], "lru", 3).hit_ratio == 0.5
