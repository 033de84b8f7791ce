"""Fixtures of the server tests: one memcached pool per test module that asks for it."""

import pytest

from hotcache_lab.distributed import start_memcached_pool


@pytest.fixture(scope="module")
def pool():
    with start_memcached_pool(3, memory_mb=8) as p:
        yield p
