"""The latency ladder against real servers: only wide-margin inequalities measured in one run."""

from __future__ import annotations

import shutil

import pytest
from server_support import needs_memcached

from hotcache_lab.distributed import RedisCache, ladder, running_servers
from hotcache_lab.distributed.codecs import JsonCodec


@pytest.fixture(scope="module")
def redis_cache():
    cache = RedisCache(namespace="test-ladder")
    yield cache
    cache.close()


@pytest.fixture(scope="module")
def measured(redis_cache):
    return ladder.measure_ladder(1_000, redis=redis_cache, repeat=5)


def test_in_process_hits_are_far_faster_than_a_server_round_trip(measured):
    assert measured.ratio("redis GET", "lru_cache hit") > 10
    assert measured.ratio("redis GET", "memoize hit") > 10
    assert measured.median("memoize hit") > measured.median("lru_cache hit")  # C beats Python


def test_the_computation_costs_more_than_an_in_process_hit(measured):
    assert measured.ratio("computation", "lru_cache hit") > 100


def test_every_rung_has_its_batches_and_a_positive_median(measured):
    for rung in measured.rungs:
        assert len(rung.samples) == 5
        assert rung.median > 0 and rung.number >= 1
        low, high = rung.spread
        assert low <= rung.median <= high
    assert [r.name for r in measured.rungs] == [n for n in ladder.RUNGS if n in measured]


@needs_memcached
def test_memcached_rung_is_measured_and_its_server_stopped():
    before = set(running_servers())
    result = ladder.measure_ladder(200, rungs=("lru_cache hit", "memcached GET"), repeat=3)
    assert "memcached GET" in result and not result.skipped
    assert result.ratio("memcached GET", "lru_cache hit") > 10
    assert set(running_servers()) == before


def test_a_server_that_cannot_start_is_skipped_with_its_reason(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # no memcached on PATH
    result = ladder.measure_ladder(100, rungs=("lru_cache hit", "memcached GET"), repeat=2)
    assert "memcached GET" not in result
    assert "memcached" in result.skipped["memcached GET"]
    with pytest.raises(KeyError, match="skipped"):
        result["memcached GET"]


def test_a_bigger_value_costs_more_to_fetch_from_redis(redis_cache):
    small = ladder.measure_ladder(100, redis=redis_cache, rungs=("redis GET",), repeat=5)
    big = ladder.measure_ladder(300_000, redis=redis_cache, rungs=("redis GET",), repeat=5)
    assert big.median("redis GET") > 2 * small.median("redis GET")
    assert big.value_size > 1_000 * small.value_size


def test_make_value_sizes_and_codec_times():
    for size in (50, 1_000, 10_000):
        assert abs(len(JsonCodec().dumps(ladder.make_value(size))) - size) < 10
    times = ladder.codec_times(ladder.make_value(5_000), repeat=2)
    assert set(times) == {"json", "pickle"}
    assert times["pickle"]["bytes"] < times["json"]["bytes"]  # ints pack tighter than decimal text
    assert all(t["dumps"] > 0 and t["loads"] > 0 for t in times.values())


def test_recommend_is_deterministic():
    assert ladder.recommend(3) == ladder.recommend(3)
    assert ladder.recommend(3) != ladder.recommend(4)
    assert len(ladder.recommend(3)) == 10


@pytest.mark.parametrize("kwargs, match", [
    ({"value_size": 0}, "value_size"),
    ({"repeat": 0}, "repeat"),
    ({"min_time": -1}, "min_time"),
    ({"rungs": ("disk GET",)}, "rungs"),
    ({"rungs": ()}, "rungs"),
])
def test_bad_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ladder.measure_ladder(**{"rungs": ("lru_cache hit",), **kwargs})


def test_a_cache_with_another_codec_lends_its_server(redis_cache):
    before = set(running_servers())
    result = ladder.measure_ladder(2_000, codec="pickle", redis=redis_cache, rungs=("redis GET",), repeat=2)
    assert result.codec == "pickle" and "redis GET" in result
    assert redis_cache.codec.name == "json" and not redis_cache.closed
    assert set(running_servers()) == before  # measured on the given server, no private one started
