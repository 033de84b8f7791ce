"""memoize's call path: no global-name lookups (a memoized builtin may replace it), values too large."""

import builtins
import dis

import pytest

from hotcache_lab import caches, memoize
from hotcache_lab.memo import decorator

LOCKS = [None, "global", "per-key"]
GLOBAL_OPS = {"LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "STORE_NAME", "DELETE_GLOBAL", "DELETE_NAME"}
ATTRIBUTE_OPS = {"LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_METHOD"}


def names_used(code, ops):
    """The names `code` (and the code nested in it: comprehensions) uses through instructions `ops`."""
    found = {ins.argval for ins in dis.get_instructions(code) if ins.opname in ops}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            found |= names_used(const, ops)
    return found


def assert_no_global_lookups(code):
    assert names_used(code, GLOBAL_OPS) == set(), code.co_name
    # every name the code object lists is an attribute name: none is read from globals or builtins
    assert set(code.co_names) <= names_used(code, ATTRIBUTE_OPS), code.co_name


@pytest.mark.parametrize("typed", [False, True])
@pytest.mark.parametrize("cache_class", [caches.LRUCache, caches.FIFOCache])  # LRU+global: inlined get
@pytest.mark.parametrize("lock", LOCKS)
def test_wrappers_look_up_no_global_names(lock, cache_class, typed):
    f = memoize(cache_class(4), lock=lock, typed=typed)(lambda x: x)
    assert_no_global_lookups(f.__code__)
    assert f(3) == 3 and f(3) == 3 and f.cache_info().hits == 1  # and it still works


def test_the_key_builder_looks_up_no_global_names():
    assert_no_global_lookups(decorator.make_key.__code__)
    assert_no_global_lookups(decorator._Key.__init__.__code__)


def _with_len_replaced(memo_len, calls):
    """Put the memoized len in builtins, make `calls`, always restore the real one."""
    real_len = builtins.len
    builtins.len = memo_len
    try:
        return [memo_len(*args) for args in calls]
    except Exception as error:  # noqa: BLE001 - the test looks at it
        return error
    finally:
        builtins.len = real_len


@pytest.mark.parametrize("make_cache", [caches.UnboundedCache, lambda: caches.LRUCache(64),
                                        lambda: caches.LFUCache(64), lambda: caches.FIFOCache(64)],
                         ids=["unbounded", "lru", "lfu", "fifo"])
@pytest.mark.parametrize("lock", LOCKS)
def test_a_memoized_len_can_replace_builtins_len(lock, make_cache):
    """Before the fix the wrapper's own `len(args)` called itself: RecursionError (and a bounded
    cache's own `len(data)` on a put called the memoized len with an unhashable dict)."""
    memo_len = memoize(make_cache(), lock=lock)(len)
    calls = [("abc",), ("abc",), ((1, 2),), ((),), (b"xy",), ((1, 2),), ("",)]
    got = _with_len_replaced(memo_len, calls)
    assert builtins.len is not memo_len
    assert got == [len(*args) for args in calls]
    assert memo_len.cache_info()[:2] == (2, 5)  # hits, misses: "abc" and (1, 2) came back
    error = _with_len_replaced(memo_len, [([4, 5, 6],)])
    assert isinstance(error, TypeError) and "unhashable" in str(error)  # as functools, not recursion


# --- values too large for the whole cache -------------------------------------------------------


def sized_lru(maxsize):
    return caches.LRUCache(maxsize=maxsize, getsizeof=len)


@pytest.mark.parametrize("lock", LOCKS)
def test_a_value_too_large_for_the_cache_is_returned_and_not_kept(lock):
    cache = sized_lru(10)
    runs = []

    @memoize(cache, lock=lock)
    def text(n):
        runs.append(n)
        return "x" * n

    assert text(3) == "xxx"
    before = text.cache_info()
    assert text(20) == "x" * 20  # larger than the whole cache: the put refuses it
    after = text.cache_info()
    assert after.misses == before.misses + 1 and after.hits == before.hits
    assert after.currsize == before.currsize and 20 not in cache
    assert text(20) == "x" * 20 and runs == [3, 20, 20]  # a miss again: it was never kept
    assert text(3) == "xxx" and text.cache_info().hits == 1 and runs == [3, 20, 20]
    if lock == "per-key":
        assert not text._flights
