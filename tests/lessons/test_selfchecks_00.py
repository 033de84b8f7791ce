"""Notebook 00's self-check (lessons.welcome.judge_smallest_size) gives the right verdicts: it
accepts the right answer and names what is wrong with the plausible wrong ones."""

import functools

import pytest

from hotcache_lab import workloads
from hotcache_lab.lessons import welcome as lesson

CALLS = workloads.zipf(n_keys=1_000, alpha=1.0, n_requests=10_000, seed=0)


def hit_ratio_of_lru_cache(maxsize):
    probe = functools.lru_cache(maxsize=maxsize)(lambda k: k)
    for k in CALLS.tolist():
        probe(k)
    return probe.cache_info().hits / len(CALLS)


@functools.cache
def smallest_reaching(target):
    """The answer found independently: a bisection over a plain functools.lru_cache replay."""
    lo, hi = 1, 1000
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if hit_ratio_of_lru_cache(mid) >= target else (mid + 1, hi)
    return lo


@pytest.mark.parametrize("target", [0.60, 0.5])
def test_the_right_answer_is_right(target):
    right = smallest_reaching(target)
    assert hit_ratio_of_lru_cache(right) >= target > hit_ratio_of_lru_cache(right - 1)
    assert lesson.judge_smallest_size(right, CALLS, target) is True


def test_not_answered_yet():
    assert lesson.judge_smallest_size(None, CALLS, 0.60) is None


@pytest.mark.parametrize(("offset", "says"), [(1, "look lower"), (50, "look lower"), (-1, "look higher"),
                                              (-40, "look higher")])
def test_a_size_that_is_not_the_smallest_or_does_not_reach_is_wrong(offset, says):
    verdict = lesson.judge_smallest_size(smallest_reaching(0.60) + offset, CALLS, 0.60)
    assert isinstance(verdict, str) and says in verdict


@pytest.mark.parametrize("answer", [0.6, "150", True, 0, -3])
def test_an_answer_that_is_not_a_maxsize_is_wrong(answer):
    verdict = lesson.judge_smallest_size(answer, CALLS, 0.60)
    assert isinstance(verdict, str) and "maxsize" in verdict


def test_the_largest_size_that_reaches_is_not_the_smallest():
    # a common slip: the ceiling (every distinct user fits) reaches 0.60, but far from the smallest size
    verdict = lesson.judge_smallest_size(1000, CALLS, 0.60)
    assert isinstance(verdict, str) and "look lower" in verdict
