"""The old import paths of the server caches, the ladder and the capstone still give the same objects."""

from __future__ import annotations

import importlib


def test_backends_is_the_distributed_package():
    from hotcache_lab.backends import (  # noqa: I001
        MemcachedCache,
        RedisCache,
        ServerUnavailable,
        start_memcached,
        start_redis,
    )

    from hotcache_lab import distributed

    assert (RedisCache, MemcachedCache, ServerUnavailable, start_redis, start_memcached) == (
        distributed.RedisCache, distributed.MemcachedCache, distributed.ServerUnavailable,
        distributed.start_redis, distributed.start_memcached)
    assert importlib.import_module("hotcache_lab.backends.codecs") is importlib.import_module(
        "hotcache_lab.distributed.codecs")
    from hotcache_lab.backends._common import ServerCache

    from hotcache_lab.distributed.base import ServerCache as New

    assert ServerCache is New


def test_ladder_and_capstone_names_are_found_in_their_new_homes():
    from hotcache_lab import capstone, ladder
    from hotcache_lab.distributed.ladder import measure_ladder
    from hotcache_lab.distributed.processes import measure_processes
    from hotcache_lab.lessons.choosing_a_cache import advise
    from hotcache_lab.measure.timing import time_per_call
    from hotcache_lab.sim.capstone import score

    assert ladder.measure_ladder is measure_ladder and ladder.time_per_call is time_per_call
    assert capstone.score is score and capstone.measure_processes is measure_processes
    assert capstone.advise is advise
