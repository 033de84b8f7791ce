"""memoize called from inside itself: same-key recursion, re-entrant keys and hooks, waits that must end.

Every scenario that used to hang runs in a daemon thread joined with a timeout, so a regression fails
instead of hanging the suite.
"""

import functools
import threading
import time

import pytest

from hotcache_lab import caches, memoize
from hotcache_lab.memo import flights

LOCKS = [None, "global", "per-key"]
TIMEOUT = 5.0


def finishes(call, timeout=TIMEOUT):
    """Run `call()` in a daemon thread; fail if it is still running after `timeout` seconds."""
    box = {}

    def target():
        try:
            box["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s: a deadlock"
    return box


def wait_until(condition, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.001)


# --- per-key: recursion ------------------------------------------------------------------------


def test_same_key_recursion_raises_at_once_naming_function_and_key():
    @memoize(caches.LRUCache(8), lock="per-key")
    def again(x):
        return again(x)

    box = finishes(lambda: again(42))
    error = box["error"]
    assert isinstance(error, RuntimeError)
    assert "again" in str(error) and "42" in str(error) and "same key" in str(error)
    assert not again._flights  # the failed flight was dropped
    assert again.cache_info().currsize == 0


def test_same_key_recursion_through_another_key_and_a_long_key():
    @memoize(caches.LRUCache(8), lock="per-key")
    def ping(x, tag):
        return pong(x, tag)

    @memoize(caches.LRUCache(8), lock="per-key")
    def pong(x, tag):
        return ping(x, tag)

    long_tag = "t" * 500
    error = finishes(lambda: ping(1, long_tag))["error"]
    assert isinstance(error, RuntimeError) and "ping" in str(error)
    assert "ttt..." in str(error) and len(str(error)) < 300  # the key's repr is cut short


def test_fib_recurses_on_other_keys_under_per_key():
    @memoize(caches.LRUCache(64), lock="per-key")
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    @functools.lru_cache(maxsize=64)
    def reference(n):
        return n if n < 2 else reference(n - 1) + reference(n - 2)

    assert finishes(lambda: fib(40))["value"] == reference(40)
    assert fib.cache_info() == tuple(reference.cache_info())


def test_threads_computing_keys_each_other_needs_get_an_error_not_a_hang():
    started = {1: threading.Event(), 2: threading.Event()}

    @memoize(caches.LRUCache(8), lock="per-key")
    def f(x):
        other = 3 - x
        started[x].set()  # our flight is registered: it is, before the function runs
        started[other].wait(TIMEOUT)
        return f(other) + 1

    boxes = [{}, {}]

    def run(i, x):
        boxes[i].update(finishes(lambda: f(x)))

    threads = [threading.Thread(target=run, args=(i, x), daemon=True) for i, x in enumerate((1, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2 * TIMEOUT)
    errors = [box.get("error") for box in boxes]
    assert all(isinstance(e, RuntimeError) for e in errors), boxes
    assert any("waits for a thread" in str(e) for e in errors)
    assert not f._flights


def test_waiters_get_the_error_when_the_leaders_put_fails():
    cache = caches.LRUCache(1)
    cache.put("old", 0)
    release = threading.Event()

    @cache.on_evict
    def broken_hook(key, value):
        raise OSError("hook failed")

    @memoize(cache, lock="per-key")
    def slow(x):
        release.wait(TIMEOUT)
        return x

    leader = {}
    thread = threading.Thread(target=lambda: leader.update(finishes(lambda: slow(1))), daemon=True)
    thread.start()
    wait_until(lambda: slow._flights)

    def release_once_followed():
        try:
            wait_until(lambda: flights._waiting)
        finally:
            release.set()

    threading.Thread(target=release_once_followed, daemon=True).start()
    follower = finishes(lambda: slow(1))  # waits on the leader's flight
    thread.join(TIMEOUT)
    assert isinstance(leader["error"], OSError) and isinstance(follower["error"], OSError)
    assert not slow._flights
    assert finishes(lambda: slow(1))["value"] == 1  # a later call is not stuck either


# --- keys and hooks that call the memoized function -----------------------------------------------


class CallingKey:
    """A key whose __eq__ (and, if asked, __hash__) calls the memoized function in `box[0]`, once per
    key object, as a key comparing a lazily computed canonical form would. (A key calling it on every
    comparison recurses without end through C OrderedDict's re-lookups, with or without a lock.)"""

    def __init__(self, n, box, in_hash=False, calls=None):
        self.n, self.box, self.in_hash = n, box, in_hash
        self.calls = n + 2000 if calls is None else calls  # the argument __eq__ calls box[0] with
        self.canonical = None

    def __hash__(self):
        if self.in_hash:
            self.box[0](self.n + 1000)
        return 7  # every CallingKey collides, so a lookup compares them with __eq__

    def __eq__(self, other):
        if self.canonical is None:
            self.canonical = self.box[0](self.calls)
        return isinstance(other, CallingKey) and self.n == other.n


@pytest.mark.parametrize("in_hash", [False, True], ids=["__eq__", "__hash__"])
@pytest.mark.parametrize("lock", LOCKS)
def test_a_key_that_calls_the_function_does_not_deadlock(lock, in_hash):
    box = []
    calls = []

    def double(x):
        calls.append(x)
        return 2 * x.n if isinstance(x, CallingKey) else 2 * x

    f = memoize(caches.LRUCache(16), lock=lock)(double)
    box.append(f)
    keys = [CallingKey(n, box, in_hash) for n in (1, 2, 1, 3)]
    results = finishes(lambda: [f(k) for k in keys])
    assert results.get("value") == [2, 4, 2, 6], results
    assert [c.n for c in calls if isinstance(c, CallingKey)] == [1, 2, 3]  # CallingKey(1) was a hit
    assert f(2000 + 1) == 4002 and 2001 in calls and calls.count(2001) == 1  # nested results cached


@pytest.mark.parametrize("lock", LOCKS)
def test_an_eviction_hook_that_calls_the_function_does_not_deadlock(lock):
    cache = caches.LRUCache(2)
    f = memoize(cache, lock=lock)(lambda x: x * 10)
    seen = []
    cache.on_evict(lambda key, value: seen.append(f(0)))
    assert finishes(lambda: [f(i) for i in (0, 1, 2, 3)])["value"] == [0, 10, 20, 30]
    assert seen and all(v == 0 for v in seen)


def test_per_key_call_from_a_key_eq_does_not_wait_for_another_threads_flight():
    """Waiting there would keep the structure lock that the flight's owner needs to finish."""
    release = threading.Event()
    owner = {}
    box = []

    def compute(x):
        if type(x) is int and x == 2005 and threading.current_thread().name == "owner":
            release.wait(TIMEOUT)  # the other thread's flight stays in the air
        return x.n if isinstance(x, CallingKey) else x

    f = memoize(caches.LRUCache(16), lock="per-key")(compute)
    box.append(f)
    f(CallingKey(4, box, calls=2005))  # an entry for the next key's lookup to compare with
    owner["thread"] = threading.Thread(target=lambda: owner.update(value=f(2005)), daemon=True, name="owner")
    owner["thread"].start()
    wait_until(lambda: 2005 in f._flights)
    threading.Timer(0.2, release.set).start()
    assert finishes(lambda: f(CallingKey(5, box, calls=2005)))["value"] == 5  # __eq__ calls f(2005)
    owner["thread"].join(TIMEOUT)
    assert owner["value"] == 2005 and not f._flights


@pytest.mark.parametrize("state, expected", [("pending", RuntimeError), ("value", "in flight"),
                                             ("error", KeyError)])
def test_a_call_that_finds_its_own_threads_flight(state, expected):
    """Pending: recursion, refused. Finished (a key's __eq__ in the leader's put): its outcome."""
    f = memoize(caches.LRUCache(4), lock="per-key")(lambda x: "computed")
    flight = flights.Flight(owner=-1)
    if state == "value":
        flight.value = "in flight"
    elif state == "error":
        flight.error = KeyError("from the leader")
    f._flights[5] = flight

    def call_as_owner():
        flight.owner = threading.get_ident()
        return f(5)

    box = finishes(call_as_owner)
    if isinstance(expected, str):
        assert box["value"] == expected
    else:
        assert isinstance(box["error"], expected)
