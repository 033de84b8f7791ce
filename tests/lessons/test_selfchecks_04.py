"""Notebook 04's self-checks: each judge accepts the right answer, computed here another way, and
turns down the plausible mistakes the lesson is about (swapped counts, misses for hits, LRU for FIFO,
the number of hot keys for the cache size, a scan-resistant S3-FIFO taken for a flushed one)."""

from collections import OrderedDict, deque

import numpy as np
import pytest

from hotcache_lab.lessons import eviction_policies as lesson
from hotcache_lab.lessons.exercises import check


def fifo_hits(trace, slots):
    """FIFO by hand: a queue of keys, the oldest out."""
    queue, hits = deque(), 0
    for key in trace:
        if key in queue:
            hits += 1
            continue
        if len(queue) == slots:
            queue.popleft()
        queue.append(key)
    return hits


def lru_hits(trace, slots):
    """LRU by hand: an OrderedDict, the least recent first."""
    cache, hits = OrderedDict(), 0
    for key in trace:
        if key in cache:
            hits += 1
            cache.move_to_end(key)
            continue
        if len(cache) == slots:
            cache.popitem(last=False)
        cache[key] = None
    return hits


RIGHT_1 = (fifo_hits(lesson.BELADY_TRACE, 3), fifo_hits(lesson.BELADY_TRACE, 4))


def test_exercise_1_accepts_the_fifo_hits_and_they_show_the_anomaly():
    assert RIGHT_1[0] > RIGHT_1[1]  # more slots, fewer hits: Belady's anomaly
    assert lesson.judge_exercise_1(RIGHT_1) is True
    assert lesson.judge_exercise_1(list(np.array(RIGHT_1))) is True  # numpy ints, a list: the same answer
    assert lesson.judge_exercise_1(None) is None


@pytest.mark.parametrize(("answer", "says"), [
    (RIGHT_1[::-1], "which is which"),  # expecting more slots to hit more
    (tuple(len(lesson.BELADY_TRACE) - h for h in RIGHT_1), "misses"),  # the classic page-fault counts
    ((lru_hits(lesson.BELADY_TRACE, 3), lru_hits(lesson.BELADY_TRACE, 4)), "LRU"),
    ((RIGHT_1[0], RIGHT_1[0]), "count"),
    ((True, 2), "two ints"),
    (3, "pair"),
])
def test_exercise_1_turns_down_the_mistakes(answer, says):
    verdict = lesson.judge_exercise_1(answer)
    assert verdict is not True and says in verdict


def kept_after(policy, length):
    """Hot keys left after hot_traffic()[:10_000] and a scan of `length` new keys, in a fresh cache."""
    scan = np.arange(lesson.SCAN_START, lesson.SCAN_START + length)
    keys = np.concatenate([lesson.hot_traffic()[:10_000], scan])
    return lesson.hot_keys_kept(lesson.served(policy, keys, lesson.SIZE))


def shortest_lru_flush():
    """Bisect on fresh caches: fewer hot keys are kept the longer the scan."""
    low, high = 1, lesson.LONGEST_SCAN
    while low < high:
        mid = (low + high) // 2
        low, high = (low, mid) if kept_after("lru", mid) == 0 else (mid + 1, high)
    return low


def test_exercise_2_accepts_the_shortest_lru_flush():
    right = shortest_lru_flush()
    assert kept_after("lru", right) == 0 < kept_after("lru", right - 1)
    assert lesson.judge_exercise_2_length(right) is True
    assert lesson.judge_exercise_2_length(np.int64(right)) is True
    assert lesson.judge_exercise_2_length(None) is None
    for wrong, says in [(len(lesson.HOT_KEYS), "number of hot keys"), (right + 1, "shorter"),
                        (2_000, "shorter"), (right - 1, "still cached"), (100.0, "int"), (True, "int")]:
        verdict = lesson.judge_exercise_2_length(wrong)
        assert verdict is not True and says in verdict, wrong


def test_exercise_2_s3fifo_is_judged_by_what_the_longest_scan_leaves():
    flushed = kept_after("s3fifo", lesson.LONGEST_SCAN) == 0  # a hot key once evicted never returns
    assert lesson.judge_exercise_2_s3fifo(flushed) is True
    assert lesson.judge_exercise_2_s3fifo(np.bool_(flushed)) is True
    assert lesson.judge_exercise_2_s3fifo(not flushed) is not True
    assert "True or False" in lesson.judge_exercise_2_s3fifo("no")
    assert lesson.judge_exercise_2_s3fifo(None) is None


def test_the_notebook_prints_one_line_per_verdict(capsys):
    check("ex", lesson.judge_exercise_1(None), True, hint="look")
    check("ex", lesson.judge_exercise_1(RIGHT_1), True, hint="look")
    check("ex", lesson.judge_exercise_1(RIGHT_1[::-1]), True, hint="look")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[ ] ex: not answered yet. Hint: look", "[x] ex: right."]
    assert lines[2] == f"[ ] ex: not yet (got {lesson.judge_exercise_1(RIGHT_1[::-1])!r}). Hint: look"
