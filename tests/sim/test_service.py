"""The simulated service drives the real caches: memory, hit ratio and staleness per strategy."""

import numpy as np
import pytest

from hotcache_lab import caches, workloads
from hotcache_lab.sim import service as sv

N_KEYS = 500
DURATION = 300.0


@pytest.fixture(scope="module")
def stream():
    """A stationary Zipf-like stream over N_KEYS keys, Poisson arrivals, keys changing every ~60 s."""
    rng = np.random.default_rng(7)
    n = 20_000
    ts = workloads.arrivals(n, DURATION, seed=3)
    ranks = np.arange(1, N_KEYS + 1)
    p = 1.0 / ranks
    keys = rng.choice(N_KEYS, size=n, p=p / p.sum())
    changes = workloads.random_changes(N_KEYS, DURATION, change_every=60.0, seed=5)
    return ts, keys, changes


def run(stream, strategy, **kw):
    ts, keys, changes = stream
    return sv.simulate_service(ts, keys, strategy, changes=changes, duration=DURATION, **kw)


SETTINGS = [
    ("lru", {"maxsize": 50}), ("lru", {"maxsize": 200}), ("ttl", {"ttl": 5.0}), ("ttl", {"ttl": 40.0}),
    ("ttl", {"ttl": 40.0, "maxsize": 50}), ("clear", {"clear_every": 30.0}),
    ("clear", {"clear_every": 30.0, "maxsize": 50}),
]


def test_unbounded_never_evicts_and_has_the_highest_hit_ratio(stream):
    ts, keys, _ = stream
    u = run(stream, "unbounded")
    assert u.evictions == 0 and u.expirations == 0 and u.clears == 0
    # every first request of a key misses, every later one hits
    assert u.misses == len(np.unique(keys))
    assert u.peak_entries == u.final_entries == len(np.unique(keys))
    assert np.all(np.diff(u.series["entries"]) >= 0)  # memory only grows
    for strategy, kw in SETTINGS:
        r = run(stream, strategy, **kw)
        assert r.hit_ratio < u.hit_ratio, (strategy, kw)
        assert r.peak_entries <= u.peak_entries


def test_totals_agree_with_the_real_cache_and_the_series(stream):
    for strategy, kw in [("unbounded", {}), *SETTINGS]:
        r = run(stream, strategy, **kw)
        assert r.hits == r.cache_stats.hits and r.misses == r.cache_stats.misses
        assert r.requests == len(stream[0])
        assert r.series["requests"].sum() == r.requests
        assert r.series["hits"].sum() == r.hits
        assert r.series["stale_reads"].sum() == r.stale_reads <= r.hits
        assert r.series["entries"][-1] == r.final_entries
        assert r.series["peak_entries"].max() == r.peak_entries
        assert np.all(r.series["entries"] <= r.series["peak_entries"])
        assert r.max_age == pytest.approx(r.series["max_age"].max())


def test_lru_never_exceeds_maxsize_and_matches_functools(stream):
    import functools

    ts, keys, _ = stream
    for maxsize in (1, 50, 200):
        r = run(stream, "lru", maxsize=maxsize)
        assert r.peak_entries == maxsize
        assert r.series["peak_entries"].max() <= maxsize
        assert r.evictions == r.misses - maxsize

        @functools.lru_cache(maxsize=maxsize)
        def fetch(key):
            return key

        for k in keys.tolist():
            fetch(k)
        info = fetch.cache_info()
        assert (r.hits, r.misses) == (info.hits, info.misses)


def test_ttl_without_maxsize_serves_nothing_older_than_ttl(stream):
    for ttl in (1.0, 5.0, 40.0):
        r = run(stream, "ttl", ttl=ttl)
        assert 0 < r.max_age < ttl
        assert r.max_stale_for < ttl  # a stale value was fetched less than ttl ago, so stale for less
        assert np.all(r.series["max_age"] < ttl)
        assert r.expirations > 0 and r.evictions == 0
    lru = run(stream, "lru", maxsize=200)
    assert lru.max_age > 40.0  # a bounded LRU keeps hot keys for as long as they stay hot


def test_ttl_bounds_staleness_not_memory(stream):
    """Longer ttl: more hits and more entries; fewer stale reads with a shorter ttl."""
    short, long_ = run(stream, "ttl", ttl=2.0), run(stream, "ttl", ttl=60.0)
    assert short.stale_reads < long_.stale_reads
    assert short.hit_ratio < long_.hit_ratio
    assert short.peak_entries < long_.peak_entries
    both = run(stream, "ttl", ttl=60.0, maxsize=30)
    assert both.peak_entries == 30


def test_ttl_keeps_expired_entries_until_something_drops_them():
    """After traffic stops, entries stay held although their ttl is up: expired is not freed."""
    ts = workloads.arrivals(2_000, 100.0, seed=1, quiet=(50.0, 100.0))
    keys = np.arange(2_000) % 100
    r = sv.simulate_service(ts, keys, "ttl", ttl=5.0, duration=100.0, n_buckets=20)
    last = r.series["entries"][-1]
    assert last > 0 and r.series["expired_held"][-1] == last
    assert r.series["expired_held"][0] == 0


def test_periodic_clear_empties_at_each_interval(stream):
    ts, keys, _ = stream
    every = 30.0
    r = run(stream, "clear", clear_every=every, bucket_seconds=every)
    assert r.clears == int(DURATION // every) - 1  # at 30, 60, ..., 270 (the run ends at 300)
    # bucket b starts right after a clear: what it holds at its end is exactly the keys asked in it
    for b in range(len(r.bucket_starts)):
        in_bucket = (ts >= b * every) & (ts < (b + 1) * every)
        assert r.series["entries"][b] == len(np.unique(keys[in_bucket]))
    assert r.max_age < every


def test_clear_with_maxsize_is_bounded_twice(stream):
    r = run(stream, "clear", clear_every=30.0, maxsize=20)
    assert r.peak_entries == 20 and r.clears == 9 and r.evictions > 0


def test_stale_reads_are_counted_exactly():
    # key 0 fetched at t=0 (version 0), changes at t=1.5, read again at t=2 and t=3: two stale hits
    r = sv.simulate_service([0.0, 1.0, 2.0, 3.0], [0, 0, 0, 0], "unbounded",
                            change_times=[1.5], change_keys=[0], duration=4.0, n_buckets=4)
    assert (r.hits, r.misses, r.stale_reads) == (3, 1, 2)
    assert r.max_age == 3.0 and r.max_stale_for == 1.5
    assert r.series["stale_reads"].tolist() == [0, 0, 1, 1]
    # a TTL of 1.2 s refetches at t=2: only the read at t=3 is fresh again
    r = sv.simulate_service([0.0, 1.0, 2.0, 3.0], [0, 0, 0, 0], "ttl", ttl=1.2,
                            change_times=[1.5], change_keys=[0], duration=4.0)
    assert (r.hits, r.misses, r.stale_reads) == (2, 2, 0)


def test_no_changes_means_no_stale_reads(stream):
    ts, keys, _ = stream
    r = sv.simulate_service(ts, keys, "lru", maxsize=50)
    assert r.stale_reads == 0


def test_deterministic_with_a_seed(stream):
    ts, keys, _ = stream
    a = sv.simulate_service(ts, keys, "ttl", ttl=10.0, change_every=30.0, seed=11)
    b = sv.simulate_service(ts, keys, "ttl", ttl=10.0, change_every=30.0, seed=11)
    c = sv.simulate_service(ts, keys, "ttl", ttl=10.0, change_every=30.0, seed=12)
    assert a.summary() == b.summary()
    for name in sv.SERIES:
        assert np.array_equal(a.series[name], b.series[name])
    assert a.stale_reads != c.stale_reads


def test_bad_input_names_the_parameter(stream):
    ts, keys, _ = stream
    with pytest.raises(ValueError, match="strategy"):
        sv.simulate_service(ts, keys, "lfu")
    with pytest.raises(ValueError, match="ttl"):
        sv.simulate_service(ts, keys, "ttl", ttl=-1)
    with pytest.raises(ValueError, match="ttl"):
        sv.simulate_service(ts, keys, "ttl", ttl=0)
    with pytest.raises(ValueError, match="ttl"):
        sv.simulate_service(ts, keys, "ttl")
    with pytest.raises(ValueError, match="maxsize"):
        sv.simulate_service(ts, keys, "lru")
    with pytest.raises(ValueError, match="maxsize"):
        sv.simulate_service(ts, keys, "lru", maxsize=0)
    with pytest.raises(TypeError, match="maxsize"):
        sv.simulate_service(ts, keys, "lru", maxsize=2.5)
    with pytest.raises(ValueError, match="clear_every"):
        sv.simulate_service(ts, keys, "clear", clear_every=-5)
    with pytest.raises(ValueError, match="ttl= does not apply"):
        sv.simulate_service(ts, keys, "lru", maxsize=10, ttl=5)
    with pytest.raises(ValueError, match="maxsize= does not apply"):
        sv.simulate_service(ts, keys, "unbounded", maxsize=10)
    with pytest.raises(ValueError, match="same length"):
        sv.simulate_service(ts[:-1], keys, "unbounded")
    with pytest.raises(ValueError, match="sorted"):
        sv.simulate_service(ts[::-1], keys, "unbounded")
    with pytest.raises(ValueError, match="duration"):
        sv.simulate_service(ts, keys, "unbounded", duration=10.0)
    with pytest.raises(ValueError, match="pair up"):
        sv.simulate_service(ts, keys, "unbounded", change_times=[1.0, 2.0], change_keys=[1])
    with pytest.raises(ValueError, match="change_every"):
        sv.simulate_service([0.0], [0], "unbounded", change_every=0.0)
    with pytest.raises(ValueError, match="n_buckets"):
        sv.simulate_service(ts, keys, "unbounded", n_buckets=0)


def test_frontier_and_sweep(stream):
    ts, keys, changes = stream
    settings = [{"strategy": "unbounded"}, *sv.sweep("ttl", "ttl", [2.0, 20.0]),
                *sv.sweep("lru", "maxsize", [20, 100])]
    points = sv.frontier(ts, keys, settings, changes=changes, duration=DURATION)
    assert [p.label for p in points] == ["unbounded", "ttl(ttl=2)", "ttl(ttl=20)", "lru(maxsize=20)",
                                         "lru(maxsize=100)"]
    by = {p.label: p for p in points}
    assert by["lru(maxsize=20)"].hit_ratio < by["lru(maxsize=100)"].hit_ratio < by["unbounded"].hit_ratio
    assert by["ttl(ttl=2)"].stale_ratio < by["ttl(ttl=20)"].stale_ratio
    with pytest.raises(ValueError, match="strategy"):
        sv.frontier(ts, keys, [{"ttl": 3}])


def test_sim_clock_drives_a_real_ttl_cache():
    clock = sv.SimClock()
    c = caches.TTLCache(None, 10, timer=clock)
    c.put("a", 1)
    clock.now = 9.9
    assert c.get("a") == 1
    clock.now = 10.0
    assert c.get("a") is None and c.expirations == 1


def test_fast_enough():
    """~100k requests cost about as much as a few plain-Python dict updates per request (about 11-18x
    one `d[k] = d.get(k, 0) + 1` a request here), measured side by side so a busy machine slows both."""
    import time

    rng = np.random.default_rng(0)
    n = 100_000
    ts = workloads.arrivals(n, 600.0, seed=0)
    keys = rng.integers(0, 20_000, size=n)
    changes = workloads.random_changes(20_000, 600.0, 120.0, seed=1)
    sv.simulate_service(ts, keys, "ttl", ttl=30.0, changes=changes)  # compiled once, outside the timing
    model, floor = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        sv.simulate_service(ts, keys, "ttl", ttl=30.0, changes=changes)
        model.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        counts: dict = {}
        for k in keys.tolist():
            counts[k] = counts.get(k, 0) + 1
        floor.append(time.perf_counter() - t0)
    assert min(model) / min(floor) < 60


def test_bytes_per_entry_is_a_plausible_measurement():
    b = sv.bytes_per_entry(5_000)
    assert 50 < b < 2_000


def test_record_logs_every_request():
    r = sv.simulate_service([0.0, 1.0, 2.0, 3.0, 3.5], [0, 0, 0, 0, 1], "ttl", ttl=1.2,
                            change_times=[1.5, 2.5], change_keys=[0, 0], duration=4.0, record=True)
    assert r.log["outcome"].tolist() == [sv.MISS, sv.FRESH, sv.MISS, sv.STALE, sv.MISS]
    assert r.log["served_version"].tolist() == [0, 0, 1, 1, 0]
    assert r.log["origin_version"].tolist() == [0, 0, 1, 2, 0]
    assert r.log["age"].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert sv.simulate_service([0.0], [0], "unbounded").log is None


def test_windowed_hit_ratio(stream):
    r = run(stream, "lru", maxsize=50, n_buckets=10)
    one, three = r.hit_ratio_series(), r.hit_ratio_series(window=3)
    h, q = r.series["hits"], r.series["requests"]
    assert one[4] == pytest.approx(h[4] / q[4])
    assert three[4] == pytest.approx(h[2:5].sum() / q[2:5].sum())
    assert three[0] == pytest.approx(one[0])
    with pytest.raises(ValueError, match="window"):
        r.hit_ratio_series(window=0)


def test_string_keys_and_changes_to_unrequested_keys():
    """Any hashable keys work; changes to keys nobody asks for are irrelevant, not an error."""
    ts = [0.0, 1.0, 2.0, 3.0]
    r = sv.simulate_service(ts, ["a", "b", "a", "b"], "unbounded", change_times=[0.5, 1.5, 2.5],
                            change_keys=["zzz", "a", "b"], duration=4.0)
    assert (r.hits, r.stale_reads) == (2, 2)
    n = sv.simulate_service(ts, np.array([5, 6, 5, 6]), "unbounded", change_times=[0.5, 1.5, 2.5],
                            change_keys=[99, 5, 6], duration=4.0)
    assert (n.hits, n.stale_reads) == (2, 2)


def test_expired_held_matches_a_scan_of_the_real_cache(stream):
    """The cheap count of expired-but-held entries agrees with asking the TTLCache itself."""
    ts, keys, changes = stream
    cut = ts < 100.0
    r = sv.simulate_service(ts[cut], keys[cut], "ttl", ttl=8.0, changes=changes, duration=100.0,
                            n_buckets=1)
    clock = sv.SimClock()
    cache = caches.TTLCache(None, 8.0, timer=clock)
    for t, k in zip(ts[cut].tolist(), keys[cut].tolist(), strict=True):
        clock.now = t
        if cache.get(k) is None:
            cache.put(k, t)
    clock.now = 100.0
    held = cache.stats.expired_held
    assert len(cache) + held == r.final_entries  # len() counts the live; memory holds the expired too
    assert r.series["expired_held"][0] == held > 0


def _reference(ts, keys, ch_times, ch_keys, make_cache, clock, clear_every=None):
    """Plain, slow model: versions by counting changes, a real cache, clears when due."""
    hits = stale = 0
    next_clear = clear_every if clear_every else float("inf")
    cache = make_cache()
    for t, k in zip(ts, keys, strict=True):
        while t >= next_clear:
            cache.clear()
            next_clear += clear_every
        clock.now = t
        current = sum(1 for tc, kc in zip(ch_times, ch_keys, strict=True) if kc == k and tc <= t)
        v = cache.get(k)
        if v is None:
            cache.put(k, current)
        else:
            hits += 1
            stale += v != current
    return hits, stale


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_a_plain_reference_model(seed):
    rng = np.random.default_rng(seed)
    n, n_keys, duration = 400, 12, 50.0
    ts = np.sort(rng.uniform(0, duration, n))
    ts[10:14] = ts[10]  # simultaneous requests
    keys = rng.integers(0, n_keys, n)
    ch_times = np.sort(rng.uniform(0, duration, 60))
    ch_times[5] = ts[10]  # a change at the very instant of a request counts as before it
    ch_times.sort()
    ch_keys = rng.integers(0, n_keys + 3, 60)
    clock = sv.SimClock()
    cases = [
        ("unbounded", {}, caches.UnboundedCache, None),
        ("lru", {"maxsize": 4}, lambda: caches.LRUCache(4), None),
        ("ttl", {"ttl": 3.0}, lambda: caches.TTLCache(None, 3.0, timer=clock), None),
        ("ttl", {"ttl": 3.0, "maxsize": 4}, lambda: caches.TTLCache(4, 3.0, timer=clock), None),
        ("clear", {"clear_every": 7.0}, caches.UnboundedCache, 7.0),
    ]
    for strategy, kw, make, every in cases:
        r = sv.simulate_service(ts, keys, strategy, change_times=ch_times, change_keys=ch_keys,
                                duration=duration, **kw)
        expected = _reference(ts.tolist(), keys.tolist(), ch_times.tolist(), ch_keys.tolist(),
                              make, clock, every)
        assert (r.hits, r.stale_reads) == expected, (strategy, kw)


def test_remembered_versions_follow_the_arrays_contents():
    """Replays of one stream reuse the version bookkeeping; changing an array in place is noticed."""
    ts = np.array([0.0, 1.0, 2.0, 3.0])
    keys = np.array([0, 0, 1, 1])
    changes = workloads.Changes(np.array([0.5, 2.5]), np.array([0, 1]))
    first = sv.simulate_service(ts, keys, "unbounded", changes=changes, duration=4.0)
    again = sv.simulate_service(ts, keys, "unbounded", changes=changes, duration=4.0)
    assert (first.hits, first.stale_reads) == (again.hits, again.stale_reads) == (2, 2)
    changes.times[1] = 3.5  # after the last request: no stale read for key 1 any more
    moved = sv.simulate_service(ts, keys, "unbounded", changes=changes, duration=4.0)
    assert (moved.hits, moved.stale_reads) == (2, 1)


def test_management_strategies_and_the_old_path():
    """The strategies are named for what they are; the old module path and its stream helpers still work."""
    from hotcache_lab import service as old

    assert sv.MANAGEMENT_STRATEGIES == ("unbounded", "lru", "ttl", "clear")
    assert old.simulate_service is sv.simulate_service
    assert old.arrivals is workloads.arrivals and old.Changes is workloads.Changes
    for strategy in sv.MANAGEMENT_STRATEGIES:
        assert sv.sweep(strategy, "x", [1])[0]["strategy"] == strategy


def test_remembered_versions_stay_few():
    """The version bookkeeping of only the last few streams is kept (a bounded LRU cache)."""
    from hotcache_lab.sim import service_origin

    for seed in range(8):
        ts = workloads.arrivals(50, 10.0, seed=seed)
        sv.simulate_service(ts, np.arange(50) % 7, "unbounded", change_every=2.0, duration=10.0, seed=seed)
    remembered = service_origin._REMEMBERED
    assert len(remembered) == remembered.maxsize == 4
