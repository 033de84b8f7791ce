"""Notebook 03's self-checks (lessons.cache_management.judge_exercise_1..3) replay the service with the
answer and judge what it did: the right settings pass, and the trade-offs the lesson is about (a longer
ttl breaks the age rule, a shorter one the hit ratio, a bigger maxsize the memory budget) fail."""

import pytest

from hotcache_lab.lessons import cache_management as lesson

# --- exercise 1: a ttl with nothing older than 60 s and a hit ratio >= 0.60 -------------------------


def test_exercise_1_accepts_the_longest_ttl_the_age_rule_allows():
    assert lesson.judge_exercise_1(60.0) is True
    assert lesson.judge_exercise_1(60) is True  # an int is a number of seconds too


@pytest.mark.parametrize(("ttl", "says"), [
    (120.0, "older than 60"),  # more hits, but values up to two minutes old
    (30.0, "hit ratio"),  # fresh, but too few hits
    (-5, "positive number"),
    ("60", "positive number"),
])
def test_exercise_1_rejects_each_broken_rule(ttl, says):
    verdict = lesson.judge_exercise_1(ttl)
    assert isinstance(verdict, str) and says in verdict


# --- exercise 2: a TTL cache with a maxsize: <= 1,500 entries, nothing older than 60 s, hits >= 0.59 --


def test_exercise_2_accepts_spending_both_limits():
    assert lesson.judge_exercise_2({"maxsize": 1500, "ttl": 60.0}) is True


@pytest.mark.parametrize(("settings", "says"), [
    ({"maxsize": 2000, "ttl": 60.0}, "over 1,500"),  # more hits, over the memory budget
    ({"maxsize": 1000, "ttl": 60.0}, "hit ratio"),  # within budget, too few hits
    ({"maxsize": 1500, "ttl": 120.0}, "older than 60"),  # the age rule broken
    ({"maxsize": 1500}, "dict"),
    ((1500, 60.0), "dict"),
    ({"maxsize": 1500.0, "ttl": 60.0}, "whole number"),
])
def test_exercise_2_rejects_each_broken_rule(settings, says):
    verdict = lesson.judge_exercise_2(settings)
    assert isinstance(verdict, str) and says in verdict


# --- exercise 3: ttl(60) against clear(every 60 s) ----------------------------------------------------


def test_exercise_3_follows_the_runs():
    ttl, clear = lesson.run("ttl", ttl=60.0), lesson.run("clear", clear_every=60.0)
    assert clear.stale_reads < ttl.stale_reads and ttl.hit_ratio > clear.hit_ratio  # what the lesson claims
    assert lesson.judge_exercise_3("clear", "fewer stale") is True
    assert lesson.judge_exercise_3("ttl", "more hits") is True


@pytest.mark.parametrize(("answer", "which", "says"), [
    ("ttl", "fewer stale", "say otherwise"),  # "a TTL is the fresher one"
    ("clear", "more hits", "say otherwise"),  # "clearing keeps the cache small, so ..."
    ("TTL", "more hits", '"ttl" or "clear"'),
])
def test_exercise_3_rejects_the_plausible_mix_ups(answer, which, says):
    verdict = lesson.judge_exercise_3(answer, which)
    assert isinstance(verdict, str) and says in verdict


def test_not_answered_yet():
    assert lesson.judge_exercise_1(None) is None
    assert lesson.judge_exercise_2(None) is None
    assert lesson.judge_exercise_3(None, "more hits") is None
