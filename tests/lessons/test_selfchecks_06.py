"""Notebook 06's self-checks judge what matters: right answers pass, the lesson's own mistakes fail.

Exercise 3's check calls the submitted function: 10 concurrent callers for each of two users, then one
later caller. `functools.lru_cache` on the coroutine function passes the concurrent part (asyncio.gather
awaits the one cached coroutine object once for all ten) and must fail the later await.
"""

import asyncio
import functools

import pytest

from hotcache_lab import workloads
from hotcache_lab.lessons import thread_races as lesson
from hotcache_lab.memo import async_memo
from hotcache_lab.sim import workers

# --- exercise 1: duplicates with 12 threads and 3 rounds, (global, per-key)


@pytest.mark.parametrize("answer", [(33, 0), [33, 0]])
def test_exercise_1_accepts_the_counts_of_the_forced_workload(answer):
    assert lesson.judge_exercise_1(answer)


@pytest.mark.parametrize("answer", [
    (0, 0),  # "a global lock makes it safe": it guards the structure, not the call
    (11, 0),  # one round instead of three
    (36, 3),  # computations of the hot key instead of duplicates
    (33, 33),  # per-key single-flight taken for another stampede
    (0, 33),  # swapped
    None,
])
def test_exercise_1_rejects_the_usual_mistakes(answer):
    assert not lesson.judge_exercise_1(answer)


def test_exercise_1_self_check_prints_one_line(capsys):
    lesson.self_check_1(None)
    lesson.self_check_1((33, 0))
    lesson.self_check_1((0, 0))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[ ] Exercise 1: not answered yet.")
    assert lines[1] == "[x] Exercise 1: right."
    assert lines[2].startswith("[ ] Exercise 1: not yet (got (0, 0)).")


# --- exercise 2: 1 x 400 entries against 8 workers x 50, on the stream of 4.5

@pytest.fixture(scope="module")
def stream():
    return workloads.zipf(n_keys=2_000, alpha=1.0, n_requests=20_000, seed=6)


@pytest.fixture(scope="module")
def right_2(stream):
    rows = workers.hit_ratio_by_workers(stream, (1, 8), maxsize=400, budget="total")
    return tuple(r["hit_ratio"] for r in rows)


def test_exercise_2_accepts_the_total_budget_rounded_or_not(stream, right_2):
    assert lesson.judge_exercise_2(tuple(round(x, 2) for x in right_2), stream)
    assert lesson.judge_exercise_2(list(right_2), stream)  # unrounded: rounded by the check


def test_exercise_2_rejects_the_usual_mistakes(stream, right_2):
    per_worker = tuple(r["hit_ratio"] for r in workers.hit_ratio_by_workers(stream, (1, 8), maxsize=400))
    assert per_worker[1] - right_2[1] > 0.2  # the mistake the exercise is about is a big one
    assert not lesson.judge_exercise_2(per_worker, stream)  # 400 entries for each of the 8 workers
    assert not lesson.judge_exercise_2(right_2[::-1], stream)  # swapped
    assert not lesson.judge_exercise_2((right_2[0], right_2[0]), stream)  # "splitting changes nothing"
    assert not lesson.judge_exercise_2((right_2[0], right_2[1] + 0.01), stream)  # one point off
    assert not lesson.judge_exercise_2(right_2[1], stream)  # one number
    assert not lesson.judge_exercise_2(None, stream)


# --- exercise 3: a cached async fetch_user, called and observed

class FetchUser:
    """The exercise's fetch_user (an `async def` function, `.fetch_user`), with its own run counter."""

    def __init__(self):
        self.runs = 0

        async def fetch_user(user_id):
            self.runs += 1
            await asyncio.sleep(0.01)
            return {"id": user_id}

        self.fetch_user = fetch_user


def coroutine_cache(func):
    """A hand-written mistake: store the coroutine object, as lru_cache does."""
    cache = {}

    def wrapper(user_id):
        if user_id not in cache:
            cache[user_id] = func(user_id)
        return cache[user_id]

    return wrapper


def task_cache(func):
    """A right hand-written answer: one Task per key, created by the first caller."""
    tasks = {}

    async def wrapper(user_id):
        if user_id not in tasks:
            tasks[user_id] = asyncio.ensure_future(func(user_id))
        return await asyncio.shield(tasks[user_id])

    return wrapper


def single_flight_only(func):
    """Concurrent callers share one run, but nothing is kept once it is done."""
    running = {}

    async def wrapper(user_id):
        if user_id not in running:
            running[user_id] = asyncio.ensure_future(func(user_id))
        task = running[user_id]
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                running.pop(user_id, None)

    return wrapper


def verdict(make):
    fetch = FetchUser()
    answer = make(fetch.fetch_user)
    return asyncio.run(lesson.observe_exercise_3(answer, runs=lambda: fetch.runs))


@pytest.mark.parametrize("make", [async_memo.async_memoize(maxsize=1024), async_memo.async_lock_memoize(1024),
                                  task_cache], ids=["async_memoize", "async_lock_memoize", "task cache"])
def test_exercise_3_accepts_a_cache_that_runs_once_per_user(make):
    assert verdict(make) == lesson.EXERCISE_3_RIGHT


def test_exercise_3_rejects_lru_cache_on_the_coroutine_function():
    observed = verdict(functools.lru_cache(maxsize=1024))
    assert observed.startswith("RuntimeError") and "awaited" in observed


@pytest.mark.parametrize("make, words", [
    (coroutine_cache, "RuntimeError"),  # the coroutine object cached by hand
    (lambda f: f, "20 runs"),  # no caching at all
    (async_memo.naive_async_cache, "20 runs"),  # results stored after the await: concurrent callers all miss
    (single_flight_only, "not kept"),
    (lambda f: (lambda user_id: f(1)), "wrong values"),  # a key that ignores the argument
])
def test_exercise_3_rejects_the_other_mistakes(make, words):
    observed = verdict(make)
    assert observed != lesson.EXERCISE_3_RIGHT and words in observed


def test_exercise_3_not_a_function_and_a_hang_are_verdicts_not_crashes():
    assert asyncio.run(lesson.observe_exercise_3(42, runs=lambda: 0)).startswith("not a function")

    def hangs(user_id):
        return asyncio.sleep(60)

    observed = asyncio.run(lesson.observe_exercise_3(hangs, runs=lambda: 0, timeout=0.05))
    assert "did not finish" in observed


def test_exercise_3_judge_and_self_check_agree(capsys):
    fetch = FetchUser()
    right = async_memo.async_memoize(maxsize=1024)(fetch.fetch_user)
    assert asyncio.run(lesson.judge_exercise_3(right, runs=lambda: fetch.runs))
    wrong = functools.lru_cache(maxsize=1024)(FetchUser().fetch_user)
    assert not asyncio.run(lesson.judge_exercise_3(wrong, runs=lambda: 0))
    asyncio.run(lesson.self_check_3(None, runs=lambda: 0))
    asyncio.run(lesson.self_check_3(right, runs=lambda: fetch.runs))  # asked again: fresh users, still right
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[ ] Exercise 3: not answered yet.")
    assert lines[1] == "[x] Exercise 3: right."
