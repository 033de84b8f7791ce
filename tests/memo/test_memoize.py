"""memoize: the functools surface, keys like functools, lock modes, single-flight, bad input."""

import functools
import threading
import time

import pytest
from hotcache_lab.memoize import make_key

from hotcache_lab import caches, memoize
from hotcache_lab.concurrency import races


@pytest.mark.parametrize("lock", [None, "global", "per-key"])
def test_same_counts_as_functools_on_the_same_calls(lock):
    calls = [1, 2, 1, 3, 4, 1, 5, 2, 2, "a", "a", (1, 2), 1.0, 3]
    ours = memoize(caches.LRUCache(3), lock=lock)(lambda x: x)
    theirs = functools.lru_cache(maxsize=3)(lambda x: x)
    for x in calls:
        assert ours(x) == theirs(x)
    assert ours.cache_info() == tuple(theirs.cache_info())
    assert ours.cache_info()._fields == theirs.cache_info()._fields


def test_functools_surface():
    def double(x):
        """Twice x."""
        return 2 * x

    f = memoize(caches.LRUCache(8), lock="global")(double)
    assert f.__wrapped__ is double and f.__name__ == "double" and f.__doc__ == "Twice x."
    f(1), f(1), f(2)
    assert f.cache_info() == (1, 2, 8, 2)
    params = f.cache_parameters()
    assert {k: params[k] for k in ("maxsize", "typed")} == {"maxsize": 8, "typed": False}
    f.cache_clear()
    assert f.cache_info() == (0, 0, 8, 0)


def test_keys_follow_functools():
    ours = memoize(caches.LRUCache(32))(lambda *a, **k: (a, k))
    theirs = functools.lru_cache(32)(lambda *a, **k: (a, k))
    # f(1) is keyed by the int itself (functools' fast path), f(1.0) and f(True) by an equal
    # one-item sequence: two entries, not one. Keyword order is significant too.
    for f in (ours, theirs):
        f(1), f(1.0), f(True), f(a=1, b=2), f(b=2, a=1), f(1, a=1)
    assert tuple(ours.cache_info()) == tuple(theirs.cache_info()) == (1, 5, 32, 5)
    g = memoize(caches.LRUCache(32), typed=True)(lambda x: x)
    g(1), g(1.0)
    assert g.cache_info().currsize == 2
    assert make_key((1,), {}) == 1 and make_key(("s",), {}) == "s"
    assert make_key((1, 2), {}) == make_key((1, 2), {}) and hash(make_key((1, 2), {})) == hash((1, 2))


@pytest.mark.parametrize("lock", [None, "global", "per-key"])
def test_unhashable_arguments_raise_like_functools(lock):
    f = memoize(caches.LRUCache(4), lock=lock)(lambda x: x)
    with pytest.raises(TypeError, match="unhashable"):
        f([1, 2])
    with pytest.raises(TypeError, match="unhashable"):
        functools.lru_cache(4)(lambda x: x)([1, 2])
    assert f((1, 2)) == (1, 2)  # and nothing is left locked or in flight


@pytest.mark.parametrize("lock", [None, "global", "per-key"])
def test_exceptions_are_not_cached(lock):
    n = [0]

    @memoize(caches.LRUCache(4), lock=lock)
    def flaky(x):
        n[0] += 1
        if n[0] == 1:
            raise RuntimeError("first call fails")
        return x

    with pytest.raises(RuntimeError):
        flaky(1)
    assert flaky(1) == 1 and flaky(1) == 1 and n[0] == 2


def test_any_policy_works():
    for cls in caches.POLICIES.values():
        f = memoize(cls(2), lock="per-key")(lambda x: x * 2)
        assert [f(i % 3) for i in range(9)] == [2 * (i % 3) for i in range(9)]
        info = f.cache_info()
        assert info.hits + info.misses == 9 and info.currsize <= 2
    f = memoize(caches.UnboundedCache())(lambda x: x)
    assert f.cache_parameters()["maxsize"] is None


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(cache=caches.LRUCache(2), lock="mutex"), ValueError, "lock"),
    (dict(cache=caches.LRUCache(2), lock=True), ValueError, "lock"),
    (dict(cache=caches.LRUCache(2), typed="yes"), TypeError, "typed"),
    (dict(cache=128), TypeError, "cache"),
    (dict(cache={}), TypeError, "cache"),
])
def test_bad_arguments_name_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=name):
        memoize(**kwargs)


def test_not_callable():
    with pytest.raises(TypeError, match="callable"):
        memoize(caches.LRUCache(2))(42)


# --- single-flight -------------------------------------------------------------------------------


def test_per_key_computes_once_for_simultaneous_callers():
    runs = []

    @memoize(caches.LRUCache(8), lock="per-key")
    def slow(x):
        runs.append(x)
        time.sleep(0.05)
        return object()  # a fresh object: everyone must get this very one

    result = races.run_together(slow, 16, lambda i: (7,))
    assert not result.errors
    assert runs == [7]
    assert len({id(r) for r in result.results}) == 1
    info = slow.cache_info()
    assert info.hits + info.misses == 16


def test_global_lock_lets_simultaneous_callers_all_compute():
    runs = []

    @memoize(caches.LRUCache(8), lock="global")
    def slow(x):
        runs.append(x)
        time.sleep(0.05)
        return x

    races.run_together(slow, 8, lambda i: (7,))
    assert len(runs) == 8  # the stampede functools also has


def test_per_key_other_keys_do_not_wait():
    release = threading.Event()
    finished = {}

    @memoize(caches.LRUCache(8), lock="per-key")
    def f(x):
        if x == "slow":
            release.wait(5)
        return x

    t = threading.Thread(target=lambda: finished.setdefault("slow", f("slow")))
    t.start()
    time.sleep(0.02)
    assert f("fast") == "fast"  # returns while "slow" is still being computed
    assert "slow" not in finished
    release.set()
    t.join(5)
    assert finished["slow"] == "slow"


def test_per_key_exception_reaches_every_waiter_and_is_not_cached():
    runs = []

    @memoize(caches.LRUCache(8), lock="per-key")
    def boom(x):
        runs.append(x)
        time.sleep(0.05)
        if len(runs) == 1:
            raise ValueError("backend down")
        return "ok"

    result = races.run_together(boom, 8, lambda i: (1,))
    assert len(runs) == 1
    assert len(result.errors) == 8 and all(isinstance(e, ValueError) for _, e in result.errors)
    assert boom(1) == "ok" and len(runs) == 2
    assert not boom._flights


# --- thread stress ---------------------------------------------------------------------------------


@pytest.mark.stress
@pytest.mark.parametrize("lock", ["global", "per-key"])
@pytest.mark.parametrize("policy", sorted(caches.POLICIES))
def test_thread_stress(lock, policy):
    maxsize = 16
    cache = caches.POLICIES[policy](maxsize)
    f = memoize(cache, lock=lock)(lambda x: x * 3)
    n_threads, per_thread = 12, 1500
    biggest = [0]

    def worker(i):
        for j in range(per_thread):
            k = (i * 7919 + j * 31) % 40
            assert f(k) == 3 * k
            biggest[0] = max(biggest[0], len(cache))
        return True

    with races.switch_often():
        result = races.run_together(worker, n_threads, lambda i: (i,), timeout=60)
    assert result.errors == []
    info = f.cache_info()
    assert info.hits + info.misses == n_threads * per_thread
    assert biggest[0] <= maxsize and info.currsize <= maxsize
    assert info.hits > 0
