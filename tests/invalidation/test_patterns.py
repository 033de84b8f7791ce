import pytest

from hotcache_lab.invalidation import patterns


def by_name(runs):
    return {run.pattern: run for run in runs}


def test_the_patterns_trade_database_load_staleness_and_durability(store):
    runs = by_name(patterns.compare(store, 0.2, ops=300, keys=30))
    aside, through, wt, wb, ra = (runs[p] for p in patterns.PATTERNS)
    # read-through moves the loading into the cache layer: the database sees the very same traffic
    assert (aside.db_reads, aside.db_writes, aside.hit_ratio) == (through.db_reads, through.db_writes,
                                                                   through.hit_ratio)
    assert aside.stale_reads == wt.stale_reads == 0 and aside.lost_on_crash == wt.lost_on_crash == 0
    assert wt.db_reads < aside.db_reads and wt.hit_ratio > aside.hit_ratio  # a write fills the cache
    assert wb.db_writes < wt.db_writes  # the queue coalesces repeated writes to a key
    assert wb.lost_on_crash > 0  # acknowledged writes still in the queue at the end
    assert ra.stale_reads > 0 and 0 < ra.max_stale_ticks <= 100  # no invalidation: stale up to the TTL


def test_without_writes_only_refresh_ahead_reads_more(store):
    runs = by_name(patterns.compare(store, 0.0, ops=200, keys=20))
    assert {r.db_writes for r in runs.values()} == {0}
    assert len({runs[p].db_reads for p in patterns.PATTERNS[:4]}) == 1
    assert runs["refresh-ahead"].db_reads > runs["cache-aside"].db_reads
    assert runs["refresh-ahead"].hit_ratio > runs["cache-aside"].hit_ratio


def test_the_same_workload_gives_the_same_counts(store):
    assert patterns.compare(store, 0.3, ops=150, keys=10) == patterns.compare(store, 0.3, ops=150, keys=10)


def test_bad_input_is_named(store):
    with pytest.raises(ValueError, match="write_share"):
        patterns.compare(store, 1.5)
    with pytest.raises(ValueError, match="pattern"):
        patterns.replay(store, "write-around", [], keys=1)


def test_side_by_side_the_patterns_count_what_separate_replays_count(store):
    work = patterns.requests(120, 12, 0.3, 0)
    alone = tuple(patterns.replay(store.under(f"alone-{p}"), p, work, keys=12) for p in patterns.PATTERNS)
    assert patterns.compare(store, 0.3, ops=120, keys=12) == alone
