"""Notebook 10's self-checks (lessons.choosing_a_cache.judge_exercise_1 and 2) give the right verdicts:
a design is judged by scoring it on the model, and the mistakes the lesson is about are named."""

import dataclasses

import pytest

from hotcache_lab.lessons import choosing_a_cache as lesson
from hotcache_lab.sim.capstone import Choice

# --- exercise 1: a design that passes every requirement ------------------------------------------------


def test_exercise_1_accepts_a_passing_design():
    assert lesson.judge_exercise_1(lesson.SOLUTION) is True
    bigger = dataclasses.replace(lesson.SOLUTION, maxsize=8_000)  # any design that passes, not one spelling
    assert lesson.judge_exercise_1(bigger) is True


@pytest.mark.parametrize(("answer", "says"), [
    (Choice(), "memory"),  # the naive design: lru_cache-style caches in every process
    (Choice(policy="s3fifo", maxsize=500, lock="per-key", ttl=10.0, invalidation="lease",
            fallback="default"), "p99"),  # in-process, sized to the budget: too few hits
    (dataclasses.replace(lesson.SOLUTION, invalidation="ttl"), "stale reads"),  # the TTL alone
    (dataclasses.replace(lesson.SOLUTION, invalidation="delete"), "stale reads"),  # the stale-set race
    (dataclasses.replace(lesson.SOLUTION, fallback="origin"), "database"),  # the outage hits the database
    (dataclasses.replace(lesson.SOLUTION, ttl=None), "staleness"),
    (dataclasses.replace(lesson.SOLUTION, policy="sieve"), "cannot run"),  # Redis has no SIEVE
    ({"backend": "redis", "maxsize": 5_000}, "capstone.Choice"),
])
def test_exercise_1_names_the_mistake(answer, says):
    verdict = lesson.judge_exercise_1(answer)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_1_not_answered_yet():
    assert lesson.judge_exercise_1(None) is None


# --- exercise 2: the smallest shared maxsize, in steps of 250, that still passes -----------------------

def test_exercise_2_accepts_the_smallest_passing_size():
    right = lesson.smallest_passing_shared(step=250, largest=10_000)
    scanned = next(m for m in range(250, 10_001, 250) if lesson.shared_design_passes(m))
    assert right == scanned
    assert lesson.judge_exercise_2(right) is True


def test_exercise_2_names_the_mistake():
    right = lesson.smallest_passing_shared(step=250, largest=10_000)
    assert "does not pass" in lesson.judge_exercise_2(right - 250)  # one step too small
    assert "look smaller" in lesson.judge_exercise_2(right + 250)  # passes, but is not the smallest
    assert "look smaller" in lesson.judge_exercise_2(10_000)  # every user: no need
    assert "multiple of 250" in lesson.judge_exercise_2(right + 1)
    assert "int" in lesson.judge_exercise_2(float(right))
    assert "more than" in lesson.judge_exercise_2(20_000)


def test_exercise_2_not_answered_yet():
    assert lesson.judge_exercise_2(None) is None



def test_the_notebooks_check_prints_one_line_in_the_house_style(capsys):
    from hotcache_lab.lessons.exercises import check

    for answer in (None, lesson.SOLUTION, Choice()):
        check("your design", lesson.judge_exercise_1(answer), True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[ ] your design: not answered yet")
    assert lines[1] == "[x] your design: right."
    assert lines[2].startswith("[ ] your design: not yet") and "memory" in lines[2]
