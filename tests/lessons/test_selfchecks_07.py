"""Notebook 07's self-checks (lessons.beyond_functools.judge_exercise_1 and 2) give the right verdicts:
exercise 2's TTL is judged by what a real Redis answered, so a unit mistake (a thousand times off) fails."""

import numpy as np
import pytest

from hotcache_lab import workloads
from hotcache_lab.distributed import start_redis
from hotcache_lab.lessons import beyond_functools as lesson

STREAM = workloads.zipf(n_keys=500, alpha=0.9, n_requests=2_000, seed=7)


# --- exercise 1: computations of 4 private unbounded caches ---------------------------------------------

def test_exercise_1_accepts_the_sum_of_each_workers_distinct_keys():
    right = sum(len(set(STREAM[i::4].tolist())) for i in range(4))  # round robin, counted another way
    assert lesson.judge_exercise_1(right, STREAM) is True
    assert lesson.judge_exercise_1(np.int64(right), STREAM) is True  # what a numpy sum gives


@pytest.mark.parametrize(("wrong", "says"), [
    (lambda s: len(np.unique(s)), "shared cache"),  # one cache for all
    (lambda s: sum(len(set(s[i::3].tolist())) for i in range(3)), "3 workers"),
    (lambda s: len(s) - sum(len(set(s[i::4].tolist())) for i in range(4)), "hits"),
    (lambda s: float(sum(len(set(s[i::4].tolist())) for i in range(4))), "int"),
])
def test_exercise_1_names_the_mistake(wrong, says):
    verdict = lesson.judge_exercise_1(wrong(STREAM), STREAM)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_1_not_answered_yet():
    assert lesson.judge_exercise_1(None, STREAM) is None


# --- exercise 2: a 2-second TTL, in milliseconds, read back with PTTL ----------------------------------

@pytest.fixture(scope="module")
def client():
    import redis

    server = start_redis()
    c = redis.Redis.from_url(server.url)
    yield c
    c.close()
    server.stop()


def pttl_after(client, **ttl):
    """PTTL right after the SET, in one MULTI/EXEC: a px=2 key must not expire between the two on a
    busy machine (it did, and PTTL said -2)."""
    client.delete("cart:42")
    with client.pipeline(transaction=True) as pipe:
        pipe.set("cart:42", "3 items", **ttl)
        pipe.pttl("cart:42")
        return pipe.execute()[1]


def test_exercise_2_accepts_what_pttl_answers_after_px_2000(client):
    assert lesson.judge_exercise_2(pttl_after(client, px=2_000)) is True
    assert lesson.judge_exercise_2(pttl_after(client, ex=2)) is True  # the same TTL, set in seconds


def test_exercise_2_rejects_the_unit_mistakes(client):
    assert "2 ms or 2 s" in lesson.judge_exercise_2(pttl_after(client, px=2))  # seconds given as ms
    assert "longer" in lesson.judge_exercise_2(pttl_after(client, ex=2_000))  # ms given as seconds
    pttl_after(client, ex=2)
    assert "2 ms or 2 s" in lesson.judge_exercise_2(client.ttl("cart:42"))  # read in seconds, not ms
    assert "no TTL" in lesson.judge_exercise_2(pttl_after(client))  # PTTL -1
    client.delete("cart:42")
    assert "no such key" in lesson.judge_exercise_2(client.pttl("cart:42"))  # PTTL -2
    assert "int" in lesson.judge_exercise_2("2000")


def test_exercise_2_not_answered_yet():
    assert lesson.judge_exercise_2(None) is None
