"""Notebook 01's self-checks (lessons.memoization_basics.judge_exercise_1..3) give the right
verdicts: every correct design is accepted, and the mistakes the lesson is about are named."""

import copy
import functools

import pytest

from hotcache_lab.lessons import memoization_basics as lesson


def lru_cache_info_after_the_calls():
    probe = functools.lru_cache(maxsize=lesson.EX1_MAXSIZE)(lambda x: x)
    for x in lesson.EX1_CALLS:
        probe(x)
    return probe.cache_info()


# --- exercise 1: cache_info() after 1, 2, 1, 3, 2, 1 on lru_cache(maxsize=2) ---------------------------

@pytest.mark.parametrize("form", [tuple, list, lambda info: info])  # a tuple, a list, the CacheInfo itself
def test_exercise_1_accepts_the_real_counts(form):
    assert lesson.judge_exercise_1(form(lru_cache_info_after_the_calls())) is True


@pytest.mark.parametrize(("answer", "says"), [
    ((2, 4, 2, 2), "lru_cache(maxsize=2) reports"),  # forgot that 3 evicts 2, so the second 2 misses
    ((3, 3, 2, 3), "never exceeds maxsize"),  # counted as if unbounded: three keys held
    ((1, 4, 2, 2), "hits + misses"),  # lost a call
    ((1, 5, 128, 2), "own maxsize"),  # the default maxsize, not this cache's
    ((1, 5, 2), "four"),
    ("1, 5, 2, 2", "four"),
])
def test_exercise_1_names_the_mistake(answer, says):
    verdict = lesson.judge_exercise_1(answer)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_1_not_answered_yet():
    assert lesson.judge_exercise_1(None) is None


# --- exercise 2: entries after 1, 1.0, True, "1" with typed=False and typed=True -----------------------

def test_exercise_2_accepts_the_real_counts():
    right = (lesson.cache_entries(False), lesson.cache_entries(True))
    assert right == (3, 4)  # the fast path keeps 1 apart from (1.0,) == (True,); typed keeps all four apart
    assert lesson.judge_exercise_2(right) is True and lesson.judge_exercise_2(list(right)) is True


@pytest.mark.parametrize(("answer", "says"), [
    ((2, 4), "typed=False"),  # 1, 1.0 and True all in one entry: the int fast path forgotten
    ((4, 4), "typed=False"),  # every argument apart: forgot that (1.0,) == (True,)
    ((3, 3), "typed=True"),  # thought bool and int share a type
    ((3,), "pair"),
    (3, "pair"),
])
def test_exercise_2_names_the_mistake(answer, says):
    verdict = lesson.judge_exercise_2(answer)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_2_not_answered_yet():
    assert lesson.judge_exercise_2(None) is None


# --- exercise 3: a cached top_products that no careless caller can corrupt -----------------------------

def tuple_design():
    @functools.lru_cache(maxsize=256)
    def top_products(category):
        return tuple(lesson.rank_products(category))
    return top_products


def copy_design():  # what the notebook's cell on fixes recommends: a wrapper handing out copies
    @functools.lru_cache(maxsize=256)
    def ranked(category):
        return lesson.rank_products(category)

    def top_products(category):
        return list(ranked(category))
    return top_products


def deepcopy_design():
    ranked = functools.lru_cache(maxsize=256)(lesson.rank_products)
    return lambda category: copy.deepcopy(ranked(category))


def memoize_design():  # the lab's own decorator is a cache too
    from hotcache_lab import caches, memoize

    return memoize(caches.LRUCache(16))(lambda category: tuple(lesson.rank_products(category)))


@pytest.mark.parametrize("design", [tuple_design, copy_design, deepcopy_design, memoize_design])
def test_exercise_3_accepts_every_correct_design(design):
    answer = design()
    assert lesson.judge_exercise_3(answer) is True
    assert lesson.judge_exercise_3(answer) is True  # checked twice (a re-run cell): still right


def test_exercise_3_rejects_the_cached_list_a_caller_can_corrupt():
    shared = functools.lru_cache(maxsize=256)(lesson.rank_products)  # the lesson's bestsellers mistake
    verdict = lesson.judge_exercise_3(shared)
    assert isinstance(verdict, str) and "next caller" in verdict


def test_exercise_3_rejects_a_function_that_is_not_cached():
    verdict = lesson.judge_exercise_3(lambda category: tuple(lesson.rank_products(category)))
    assert isinstance(verdict, str) and "not cached" in verdict


def test_exercise_3_rejects_wrong_ids():
    @functools.lru_cache(maxsize=256)
    def off_by_one(category):
        return tuple(lesson.rank_products(category))[1:] + (f"{category}-3",)
    verdict = lesson.judge_exercise_3(off_by_one)
    assert isinstance(verdict, str) and "returned" in verdict


def test_exercise_3_rejects_ids_made_without_rank_products():
    @functools.lru_cache(maxsize=256)
    def own_ids(category):
        return tuple(f"{category}-{i}" for i in range(3))
    verdict = lesson.judge_exercise_3(own_ids)
    assert isinstance(verdict, str) and "rank_products" in verdict


def test_exercise_3_reports_a_crash_instead_of_crashing():
    def broken(category):
        raise KeyError(category)
    verdict = lesson.judge_exercise_3(broken)
    assert isinstance(verdict, str) and "KeyError" in verdict
    assert lesson.judge_exercise_3(None) is None and "function" in lesson.judge_exercise_3("tuple")
