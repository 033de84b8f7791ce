"""Notebook 02's self-checks (lessons.memory_growth.judge_exercise_1..3) give the right verdicts: the
right answers pass, and the mistakes the lesson is about (keying on the whole profile, forgetting the
cycle, sizing a cache from its payload) do not."""

import functools
import gc
import weakref

import pytest

from hotcache_lab.lessons import memory_growth as lesson
from hotcache_lab.measure.memory import per_entry_cost

MiB = 2**20

# --- exercise 1: entries when keyed on (age_band, country, device) ------------------------------------

PROFILES = [(1_000_000 + i, 20 + 10 * (i % 3), ("DE", "FR")[i % 2], ("ios", "web")[i % 5 == 0],
             (i, i + 1, i + 2)) for i in range(60)]
SEGMENTS = len({p[1:4] for p in PROFILES})


def test_exercise_1_accepts_the_number_of_segments():
    assert SEGMENTS < len(PROFILES)
    assert lesson.judge_exercise_1(SEGMENTS, PROFILES) is True


@pytest.mark.parametrize(("answer", "says"), [
    (len(PROFILES), "whole-profile key"),  # one entry per profile: keyed on everything
    (SEGMENTS - 1, "not the number"),  # miscounted
    (3 * 2, "not the number"),  # age bands x countries: forgot the device
    (float(SEGMENTS), "whole number"),
    (True, "whole number"),
])
def test_exercise_1_rejects_the_plausible_mistakes(answer, says):
    verdict = lesson.judge_exercise_1(answer, PROFILES)
    assert isinstance(verdict, str) and says in verdict


# --- exercise 2: is fix 1's instance freed by `del` alone? ------------------------------------------


class PerInstance:
    def __init__(self):
        self.payload = bytearray(1024)
        self.price = functools.lru_cache(maxsize=16)(self._price)

    def _price(self, sku):
        return sku * 2


def freed_by_refcount_alone():
    gc.disable()
    try:
        book = PerInstance()
        book.price(3)
        probe = weakref.ref(book)
        del book
        return probe() is None
    finally:
        gc.enable()
        gc.collect()


def test_exercise_2_is_judged_against_the_experiment():
    observed = freed_by_refcount_alone()
    assert observed is False  # the lesson's claim: the instance -> cache -> bound method -> instance cycle
    assert lesson.judge_exercise_2(False, observed) is True
    assert "survives" in lesson.judge_exercise_2(True, observed)  # the mistake: "del frees it"
    assert "True or False" in lesson.judge_exercise_2("no", observed)
    assert lesson.judge_exercise_2(True, True) is True  # the verdict follows the observation


# --- exercise 3: the largest maxsize within 64 MiB at the measured per-entry cost --------------------


@pytest.fixture(scope="module")
def per_entry():
    cached = functools.lru_cache(maxsize=10**6)(lambda key: bytes(1024))
    return per_entry_cost(cached, lambda i: (10**6 + i,), 3_000).per_entry


def test_exercise_3_accepts_budget_over_the_measured_cost(per_entry):
    right = int(64 * MiB / per_entry)
    assert lesson.judge_exercise_3(right, per_entry, 64 * MiB) is True
    assert lesson.judge_exercise_3(int(0.97 * right), per_entry, 64 * MiB) is True  # a little room to spare


@pytest.mark.parametrize(("wrong", "says"), [
    (65_536, "over"),  # 64 MiB / 1024: the payload alone
    (63_490, "over"),  # 64 MiB / 1057: the bytes object alone, no key, link or dict slot
    (70_000, "over"),  # a round guess
    (40_000, "unused"),  # far too careful
])
def test_exercise_3_rejects_sizing_by_the_payload(per_entry, wrong, says):
    assert per_entry > 1100  # the payload, its header, key, link and dict slot
    verdict = lesson.judge_exercise_3(wrong, per_entry, 64 * MiB)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_3_not_answered_and_bad_answers():
    assert lesson.judge_exercise_3(None, 1194.0) is None
    assert "whole number" in lesson.judge_exercise_3(56_192.5, 1194.0)
    assert lesson.judge_exercise_1(None, PROFILES) is None and lesson.judge_exercise_2(None, False) is None
