"""Notebook 05's self-checks: each judge accepts the right answer, found here another way (solving the
latency equation, replaying caches size by size, simulating a long uniform run), and turns down the
mistakes the lesson warns about (forgetting t_store, the miss ratio for the hit ratio, an off-by-one
size, the knee for the 99% size, a warm-up-biased simulation)."""

import numpy as np
import pytest

from hotcache_lab import simulate, workloads
from hotcache_lab.lessons import hit_ratios as lesson
from hotcache_lab.lessons.exercises import check
from hotcache_lab.measure.latency import expected_latency


def solve_break_even(t0, t_hit, t_store):
    """Bisect E[latency](h) = t0: the latency falls as h grows."""
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if expected_latency(mid, t_hit, t0 + t_store) > t0 else (low, mid)
    return (low + high) / 2


RIGHT_1 = solve_break_even(lesson.EX1_T0, lesson.EX1_T_HIT, lesson.EX1_T_STORE)


def test_exercise_1_accepts_the_solved_break_even():
    assert lesson.judge_exercise_1(RIGHT_1) is True
    assert lesson.judge_exercise_1(np.float64(RIGHT_1)) is True
    assert lesson.judge_exercise_1(None) is None


@pytest.mark.parametrize(("answer", "says"), [
    (lesson.EX1_T_HIT / lesson.EX1_T0, "t_store"),  # the store forgotten
    ((lesson.EX1_T_HIT + lesson.EX1_T_STORE) / lesson.EX1_T0, "denominator"),
    (1 - RIGHT_1, "1 - h*"),
    (RIGHT_1 * 1.02, "solve"),  # 2% off: the tolerance is tighter than the mistakes above
    ("0.07", "number"),
])
def test_exercise_1_turns_down_the_mistakes(answer, says):
    verdict = lesson.judge_exercise_1(answer)
    assert verdict is not True and says in verdict


@pytest.fixture(scope="module")
def re_compile():
    trace = workloads.load("re_compile").keys
    best = 1 - len(np.unique(trace)) / len(trace)
    size = 1
    while simulate.hit_ratio(trace, "lru", size) < 0.99 * best:  # replayed size by size
        size += 1
    return trace, size


def test_exercise_2_accepts_the_smallest_size_reaching_99_percent(re_compile):
    _, right = re_compile
    assert lesson.judge_exercise_2(right) is True
    assert lesson.judge_exercise_2(np.int64(right)) is True
    assert lesson.judge_exercise_2(None) is None


def test_exercise_2_turns_down_the_mistakes(re_compile):
    _, right = re_compile
    sizes, curve, best = lesson.re_compile_profile()
    knee = int(sizes[np.nonzero(curve <= curve[-1] + 0.005)[0][0]])  # a size well past the 99% mark
    assert knee > right
    for wrong, says in [(right - 1, "off by one"), (512, "smaller one"), (knee, "smaller one"),
                        (1, "does not reach"), (float(right), "int")]:
        verdict = lesson.judge_exercise_2(wrong)
        assert verdict is not True and says in verdict, wrong


def test_exercise_3_accepts_maxsize_over_users_which_a_long_run_confirms():
    keys = workloads.uniform(lesson.N_USERS, 1_000_000, seed=1)
    steady = simulate.replay(keys, "lru", lesson.EX3_MAXSIZE)[200_000:].mean()  # warm-up left out
    right = lesson.EX3_MAXSIZE / lesson.N_USERS
    assert steady == pytest.approx(right, rel=0.02)
    assert lesson.judge_exercise_3(right) is True
    assert lesson.judge_exercise_3(None) is None


def test_exercise_3_turns_down_the_mistakes():
    short = simulate.hit_ratio(workloads.uniform(lesson.N_USERS, lesson.N_REQUESTS, seed=0), "lru",
                               lesson.EX3_MAXSIZE)  # the notebook's 50,000 requests, warm-up included
    right = lesson.EX3_MAXSIZE / lesson.N_USERS
    inverted = lesson.N_USERS / lesson.EX3_MAXSIZE
    for wrong, says in [(1 - right, "miss ratio"), (short, "warm-up"), (inverted, "holds"), (True, "number")]:
        verdict = lesson.judge_exercise_3(wrong)
        assert verdict is not True and says in verdict, wrong


def test_the_notebook_prints_one_line_per_verdict(capsys):
    check("h*", lesson.judge_exercise_1(None), True, hint="solve it")
    check("h*", lesson.judge_exercise_1(RIGHT_1), True, hint="solve it")
    check("h*", lesson.judge_exercise_1(0.025), True, hint="solve it")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[ ] h*: not answered yet. Hint: solve it", "[x] h*: right."]
    assert lines[2] == f"[ ] h*: not yet (got {lesson.judge_exercise_1(0.025)!r}). Hint: solve it"


# --- exercise 4: the trace that gains most from 1 to 64 entries ---------------------------------

def _gain(name):
    """Replayed here cache by cache, not read off the lesson's curve."""
    keys = workloads.load(name).keys
    return simulate.hit_ratio(keys, "lru", 64) - simulate.hit_ratio(keys, "lru", 1)


def test_exercise_4_accepts_the_trace_that_gains_most():
    gains = {name: _gain(name) for name in lesson.REAL_TRACES}
    right = max(gains, key=gains.get)
    assert lesson.judge_exercise_4(right) is True
    assert lesson.judge_exercise_4(None) is None
    for wrong in set(lesson.REAL_TRACES) - {right}:
        verdict = lesson.judge_exercise_4(wrong)
        assert isinstance(verdict, str) and f"{gains[wrong]:.3f}" in verdict


def test_exercise_4_turns_down_what_is_not_a_trace_name():
    assert "give one of" in lesson.judge_exercise_4("zipf")
    assert "give one of" in lesson.judge_exercise_4(3)
    assert "one entry" in lesson.judge_exercise_4("linecache_pydoc")  # already hits most with 1 entry
