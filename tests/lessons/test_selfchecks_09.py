"""Notebook 09's self-checks (lessons.distributed_caches.judge_exercise_1 and 2) judge behaviour: the
submitted function is called on keys of the judge's own, so a right answer passes however it is spelled
and each classic mistake is named."""

import functools
import random

from hotcache_lab.distributed import sharding
from hotcache_lab.lessons import distributed_caches as lesson

# --- exercise 1: a placement that moves few keys ---------------------------------------------------------


def rendezvous(key, nodes):
    return max(nodes, key=lambda node: sharding.stable_hash(f"{node}-{key}"))


@functools.cache
def _ring(nodes: tuple, points: int) -> sharding.HashRing:  # built once per set of nodes, not per key
    return sharding.HashRing(list(nodes), points)


def ring(key, nodes):  # a consistent-hash ring passes too
    return _ring(tuple(nodes), 100).node_for(key)


def modulo(key, nodes):  # the classic: balanced, and a leave moves almost everything
    return nodes[sharding.stable_hash(key) % len(nodes)]


def random_node(key, nodes):
    return random.choice(nodes)


def first_node(key, nodes):
    return nodes[0]


def ring_one_point(key, nodes):  # a ring with one point a node: too uneven
    return _ring(tuple(nodes), 1).node_for(key)


def not_a_node(key, nodes):
    return "node-99"


def broken(key, nodes):
    raise KeyError(key)


def test_exercise_1_accepts_rendezvous_and_a_ring():
    assert lesson.judge_exercise_1(rendezvous) is True
    assert lesson.judge_exercise_1(ring) is True


def test_exercise_1_names_each_mistake():
    assert "modulo" in lesson.judge_exercise_1(modulo)
    assert "same node every time" in lesson.judge_exercise_1(random_node)
    assert "not spread" in lesson.judge_exercise_1(first_node)
    assert "not spread" in lesson.judge_exercise_1(ring_one_point)
    assert "one of the nodes" in lesson.judge_exercise_1(not_a_node)
    assert "raised" in lesson.judge_exercise_1(broken)
    assert lesson.judge_exercise_1(None) is None
    assert "function" in lesson.judge_exercise_1(42)


# --- exercise 2: one user's keys in one slot ----------------------------------------------------------------

def tagged(user_id, field):
    return f"{{user:{user_id}}}:{field}"


def tagged_other_order(user_id, field):
    return f"{field}@{{{user_id}}}"


def untagged(user_id, field):
    return f"user:{user_id}:{field}"


def constant_tag(user_id, field):
    return f"{{user}}:{user_id}:{field}"


def field_tag(user_id, field):
    return f"{{{field}}}:{user_id}"


def same_name(user_id, field):
    return f"{{user:{user_id}}}"


def test_exercise_2_accepts_any_tag_by_user():
    assert lesson.judge_exercise_2(tagged) is True
    assert lesson.judge_exercise_2(tagged_other_order) is True


def test_exercise_2_names_each_mistake():
    assert "CROSSSLOT" in lesson.judge_exercise_2(untagged)
    assert "CROSSSLOT" in lesson.judge_exercise_2(field_tag)
    assert "share only 1 slots" in lesson.judge_exercise_2(constant_tag)
    assert "same key name" in lesson.judge_exercise_2(same_name)
    assert "str" in lesson.judge_exercise_2(lambda u, f: (u, f))
    assert lesson.judge_exercise_2(None) is None


def test_self_check_prints_not_answered_yet_for_a_student_copy(capsys):
    lesson.self_check("exercise 1", None, lesson.judge_exercise_1(None))
    assert "not answered yet" in capsys.readouterr().out
    lesson.self_check("exercise 1", modulo, lesson.judge_exercise_1(modulo))
    out = capsys.readouterr().out
    assert "not yet" in out and "modulo" in out
