"""Notebook 08's self-checks (lessons.invalidation_and_consistency.judge_exercise_1 and 2) judge behaviour:
each calls the submitted function on a real SQLite database and the lab's Redis, through the forced race the
exercise is about, so a right answer passes however it is spelled and each classic mistake is named."""

import pytest

from hotcache_lab.distributed import start_redis
from hotcache_lab.distributed.redis_cache import make_client
from hotcache_lab.lessons import invalidation_and_consistency as lesson


@pytest.fixture(scope="module")
def client():
    with start_redis() as server:
        c = make_client(server.url)
        yield c
        c.close()


# --- exercise 1: a cache-aside read the stale-set race cannot fool --------------------------------------

def read_versioned(db, store, key):
    entry = store.get(key)
    if entry is not None:
        return entry.value
    row = db.read(key)
    store.versioned_set(key, row.value, row.version)
    return row.value


def read_with_a_lease(db, store, key):
    entry, token = store.lease_get(key)
    if entry is not None:
        return entry.value
    row = db.read(key)
    if token is not None:
        store.lease_set(key, row.value, row.version, token)
    return row.value


def read_then_check_again(db, store, key):
    """Fill, then read the row again and drop the entry if it changed meanwhile: slower, and it closes
    the race too."""
    entry = store.get(key)
    if entry is not None:
        return entry.value
    row = db.read(key)
    store.set(key, row.value, row.version)
    if db.read(key).version != row.version:
        store.delete(key)
    return row.value


def read_plain(db, store, key):  # cache-aside as written everywhere: the race puts the old row back
    entry = store.get(key)
    if entry is not None:
        return entry.value
    row = db.read(key)
    store.set(key, row.value, row.version)
    return row.value


def read_with_a_ttl(db, store, key):  # a short TTL only shortens the stale value's life
    entry = store.get(key)
    if entry is not None:
        return entry.value
    row = db.read(key)
    store.set(key, row.value, row.version, ttl_ms=5_000)
    return row.value


def read_check_then_set(db, store, key):  # the check from the client: the race is between check and set
    entry = store.get(key)
    if entry is not None:
        return entry.value
    row = db.read(key)
    if store.get(key) is None:
        store.set(key, row.value, row.version)
    return row.value


def read_never_caching(db, store, key):  # never stale, and never a hit
    return db.read(key).value


def read_the_version(db, store, key):
    return db.read(key).version


def read_that_fails(db, store, key):
    raise KeyError(key)


@pytest.mark.parametrize("answer", [read_versioned, read_with_a_lease, read_then_check_again])
def test_exercise_1_accepts_every_read_that_refuses_the_late_fill(client, answer):
    assert lesson.judge_exercise_1(answer, client) is True


@pytest.mark.parametrize(("answer", "says"), [
    (read_plain, "after the race"), (read_with_a_ttl, "after the race"),
    (read_check_then_set, "after the race"),
    (read_never_caching, "second read went to the database"), (read_the_version, "the row's value"),
    (read_that_fails, "raised KeyError"), ("versioned_set", "give a function"),
])
def test_exercise_1_names_the_mistake(client, answer, says):
    verdict = lesson.judge_exercise_1(answer, client)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_1_not_answered_yet(client):
    assert lesson.judge_exercise_1(None, client) is None


# --- exercise 2: a write-through two concurrent writers cannot leave wrong ------------------------------

def write_versioned(db, store, key, value):
    store.versioned_set(key, value, db.write(key, value))


def write_plain(db, store, key, value):  # the update-order race leaves the older value
    store.set(key, value, db.write(key, value))


def write_then_delete(db, store, key, value):  # right under races, but the next read misses
    db.write(key, value)
    store.delete(key)


def write_cache_first(db, store, key, value):  # a failed database write leaves a value never committed
    row = db.peek(key)
    store.versioned_set(key, value, (row.version if row else 0) + 1)
    db.write(key, value)


def write_one_version(db, store, key, value):  # set-if-newer with a version that never grows
    db.write(key, value)
    store.versioned_set(key, value, 1)


def write_the_cache_only(db, store, key, value):
    store.set(key, value, 1)


def write_version_zero(db, store, key, value):
    db.write(key, value)
    store.set(key, value, 0)


@pytest.mark.parametrize(("answer", "says"), [
    (write_plain, "two writers"), (write_then_delete, "holds nothing"),
    (write_cache_first, "database write failed"), (write_one_version, "second write"),
    (write_the_cache_only, "write the database"), (write_version_zero, "version the database gave"),
    (42, "give a function"),
])
def test_exercise_2_names_the_mistake(client, answer, says):
    verdict = lesson.judge_exercise_2(answer, client)
    assert isinstance(verdict, str) and says in verdict


def test_exercise_2_accepts_set_if_newer_after_the_write(client):
    assert lesson.judge_exercise_2(write_versioned, client) is True


def test_exercise_2_not_answered_yet(client):
    assert lesson.judge_exercise_2(None, client) is None


# --- the one-line verdicts ------------------------------------------------------------------------------

def test_self_check_prints_one_line_per_verdict(capsys):
    lesson.self_check("exercise 1", None, None, hint="a hint")
    lesson.self_check("exercise 1", read_versioned, True)
    lesson.self_check("exercise 1", read_plain, "after the race: refuse the late fill")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[ ] exercise 1: not answered yet. Hint: a hint"
    assert lines[1] == "[x] exercise 1: right."
    assert lines[2] == ("[ ] exercise 1: not yet (got 'read_plain'). "
                        "Hint: after the race: refuse the late fill")
