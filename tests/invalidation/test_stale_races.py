import pytest

from hotcache_lab.invalidation import races


@pytest.mark.parametrize("strategy, stale", [("delete", True), ("delete+ttl", True),
                                             ("lease", False), ("versioned", False)])
def test_the_forced_stale_set_race_and_the_fixes_that_close_it(db, store, strategy, stale):
    race = races.forced_stale_set(db, store, strategy)
    assert race.stale is stale
    if stale:
        assert race.cached_version == race.db_version - 1  # the old row went back into the cache
    else:
        assert race.next_read_version == race.db_version


def test_a_ttl_only_bounds_how_long_the_stale_value_lives(db, store):
    import time

    race = races.forced_stale_set(db, store, "delete+ttl")
    assert race.stale
    time.sleep(0.12)  # the Reader's TTL is 50 ms
    assert races.Reader(db, store, "delete+ttl").read("race") == race.db_version


def test_counted_under_real_threads_leases_and_versions_give_exactly_zero(db, store):
    counts = {s: races.count_stale_reads(db, store, s, reads=100, writes=40) for s in races.STRATEGIES}
    assert counts["delete"].stale_reads > 0 and counts["delete+ttl"].stale_reads > 0  # a TTL mitigates only
    assert counts["lease"].stale_reads == counts["versioned"].stale_reads == 0
    assert counts["lease"].refused_fills > 0 and counts["versioned"].refused_fills > 0


@pytest.mark.parametrize("mode, wrong", [("update", True), ("delete", False), ("versioned", False)])
def test_update_on_write_can_leave_the_older_value_forever(db, store, mode, wrong):
    race = races.forced_update_order(db, store, mode)
    assert race.db_value == "B" and race.wrong is wrong


def test_counted_only_update_on_write_leaves_keys_wrong(db, store):
    assert races.count_wrong_rounds(db, store, "update", rounds=20) > 0
    assert races.count_wrong_rounds(db, store, "delete", rounds=20) == 0
    assert races.count_wrong_rounds(db, store, "versioned", rounds=20) == 0


def test_bad_input_is_named(db, store):
    with pytest.raises(ValueError, match="strategy"):
        races.Reader(db, store, "hope")
    with pytest.raises(ValueError, match="mode"):
        races.forced_update_order(db, store, "upsert")


def test_a_racing_database_lets_the_writer_in_once_right_after_the_first_read(db):
    db.write("k", "old")
    calls = []
    racing = races.RacingDatabase(db, lambda: calls.append(db.write("k", "new")))
    assert racing.read("k").value == "old" and calls == [2]  # the row read before the writer committed
    assert racing.read("k").value == "new" and calls == [2]  # the writer ran once
    assert racing.peek("k").version == 2 and racing.path == db.path  # everything else is the database's


def test_forced_order_judges_any_writer_function(db, store):
    def plain(d, s, key, value):
        s.set(key, value, d.write(key, value))

    def newer_only(d, s, key, value):
        s.versioned_set(key, value, d.write(key, value))

    assert races.forced_order(plain, db, store, "o1").wrong
    race = races.forced_order(newer_only, db, store, "o2")
    assert not race.wrong and (race.db_value, race.cached_value) == ("B", "B")
    nothing = races.forced_order(lambda d, s, key, value: None, db, store, "o3", timeout=2.0)
    assert nothing.db_value is None and nothing.next_read_value is None  # a writer that never wrote: no hang
