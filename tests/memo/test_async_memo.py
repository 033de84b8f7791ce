"""hotcache_lab.async_memo: lru_cache breaks on coroutines; Task and lock caches are single-flight."""

import asyncio
import functools

import pytest

from hotcache_lab.memo import async_memo as am


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=10))


def test_lru_cache_on_a_coroutine_function_fails_on_the_second_await():
    lines = run(am.lru_cache_on_coroutine_demo())
    assert lines[0] == "first await of double(21): 42"
    assert lines[1] == "second await of double(21): RuntimeError: cannot reuse already awaited coroutine"
    assert "hits=1, misses=1" in lines[2]


@pytest.mark.parametrize("decorator, computations", [
    (am.naive_async_cache, 20),  # everybody misses while the first is still awaiting
    (am.async_memoize(64), 2),
    (am.async_lock_memoize(64), 2),
])
def test_concurrent_callers(decorator, computations):
    report = run(am.concurrent_callers(decorator, n_callers=10, keys=(1, 2)))
    assert report["calls"] == 20
    assert report["computations"] == computations
    assert report["hits"] + report["misses"] == 20


@pytest.mark.parametrize("make", [am.async_memoize, am.async_lock_memoize])
def test_later_calls_hit_and_lru_evicts(make):
    runs = []

    @make(maxsize=2)
    async def f(x):
        runs.append(x)
        await asyncio.sleep(0)
        return x * 3

    async def main():
        return [await f(k) for k in (1, 2, 1, 3, 2)]

    assert run(main()) == [3, 6, 3, 9, 6]
    assert runs == [1, 2, 3, 2]  # 3 evicted 2 (1 was used more recently)
    info = f.cache_info()
    assert (info.hits, info.misses, info.maxsize, info.currsize) == (1, 4, 2, 2)
    f.cache_clear()
    assert f.cache_info().currsize == 0 and f.computations() == 0


@pytest.mark.parametrize("make", [am.async_memoize, am.async_lock_memoize])
def test_failures_are_shared_by_waiters_but_not_cached(make):
    attempts = []

    @make(maxsize=8)
    async def flaky(x):
        attempts.append(x)
        await asyncio.sleep(0.01)
        if len(attempts) == 1:
            raise ConnectionError("database away")
        return x

    async def main():
        first = await asyncio.gather(*(flaky(5) for _ in range(3)), return_exceptions=True)
        second = await flaky(5)
        return first, second

    first, second = run(main())
    assert second == 5
    assert any(isinstance(r, ConnectionError) for r in first)
    if make is am.async_memoize:  # the waiters share the one failed Task
        assert all(isinstance(r, ConnectionError) for r in first) and len(attempts) == 2


def test_a_cancelled_caller_does_not_cancel_the_shared_task():
    @am.async_memoize(maxsize=8)
    async def slow(x):
        await asyncio.sleep(0.05)
        return x

    async def main():
        impatient = asyncio.ensure_future(slow(1))
        patient = asyncio.ensure_future(slow(1))
        await asyncio.sleep(0.01)
        impatient.cancel()
        value = await patient
        return value, impatient.cancelled()

    assert run(main()) == (1, True)
    assert slow.computations() == 1


def test_lock_memo_leaves_no_lock_behind():
    @am.async_lock_memoize(maxsize=8)
    async def f(x):
        await asyncio.sleep(0.01)
        return x

    async def main():
        await asyncio.gather(*(f(k) for k in (1, 2, 3) for _ in range(4)))

    run(main())
    assert f._locks == {}


def test_rejects_plain_functions_and_bad_sizes():
    with pytest.raises(TypeError, match="async def"):
        am.async_memoize()(lambda x: x)
    with pytest.raises(TypeError, match="async def"):
        am.naive_async_cache(functools.partial(print))

    async def f(x):
        return x

    with pytest.raises(ValueError, match="maxsize"):
        am.async_lock_memoize(0)(f)


def test_unhashable_arguments_raise_type_error():
    @am.async_memoize()
    async def f(x):
        return x

    with pytest.raises(TypeError):
        run(f([1]))


# --- awaits that could never end ---------------------------------------------------------------


@pytest.mark.parametrize("make", [am.async_memoize, am.async_lock_memoize])
def test_same_key_recursion_raises_instead_of_awaiting_forever(make):
    @make(maxsize=8)
    async def again(x):
        await asyncio.sleep(0)
        return await again(x)

    with pytest.raises(RuntimeError, match=r"again with key 7 awaited itself with the same key"):
        run(again(7))  # run() fails with TimeoutError after 10 s if it hangs


@pytest.mark.parametrize("make", [am.async_memoize, am.async_lock_memoize])
def test_recursion_on_other_keys_still_works(make):
    @make(maxsize=64)
    async def fib(n):
        return n if n < 2 else await fib(n - 1) + await fib(n - 2)

    @functools.cache
    def reference(n):
        return n if n < 2 else reference(n - 1) + reference(n - 2)

    assert run(fib(30)) == reference(30)
    assert fib.computations() == reference.cache_info().currsize  # each key computed once


@pytest.mark.parametrize("make", [am.async_memoize, am.async_lock_memoize])
def test_tasks_computing_keys_each_other_needs_get_an_error_not_a_hang(make):
    async def main():
        started = {1: asyncio.Event(), 2: asyncio.Event()}

        @make(maxsize=8)
        async def f(x):
            started[x].set()
            await started[3 - x].wait()
            return await f(3 - x) + 1

        return await asyncio.gather(f(1), f(2), return_exceptions=True)

    results = run(main())
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert any("awaits a task that awaits" in str(r) for r in results)
    assert not am._awaiting  # every await that was recorded was also forgotten
