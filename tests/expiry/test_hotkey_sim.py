"""expiry.hotkey_sim: counts derived by hand from the arrival times, for every strategy."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotcache_lab.expiry import hotkey_sim as hs

RATE, R, TTL, PERIODS = 100, 0.2, 10.0, 3
R_US, TTL_US = hs.to_us(R), hs.to_us(TTL)


def arrivals(**kw):
    params = {"rate": RATE, "duration": PERIODS * TTL + TTL / 2, **kw}
    return hs.arrival_times(params["rate"], params["duration"], jitter=kw.get("jitter", 0.0),
                            seed=kw.get("seed", 0))


def expected_stampede(times, ttl_us, r_us):
    """Plain expiry without single-flight, by hand: the first request at or after expiry computes, and
    so does every request before its value lands (r_us later); the last of them sets the next expiry."""
    per_episode, expiry, i = [], ttl_us, 0
    while True:
        while i < len(times) and times[i] < expiry:
            i += 1
        if i == len(times):
            return per_episode
        first = times[i]
        group = [t for t in times[i:] if t < first + r_us]
        per_episode.append(len(group))
        i += len(group)
        expiry = group[-1] + r_us + ttl_us


def expiry_starts(times, ttl_us, r_us):
    """With one computation per expiry (single-flight, SWR): (first request after expiry, requests in
    the next r_us after it) for each expiry."""
    out, expiry, i = [], ttl_us, 0
    while True:
        while i < len(times) and times[i] < expiry:
            i += 1
        if i == len(times):
            return out
        first = times[i]
        others = [t for t in times[i + 1:] if t < first + r_us]
        out.append((first, others))
        expiry = first + r_us + ttl_us


@pytest.mark.parametrize("jitter", [0.0, 0.7])
def test_plain_expiry_without_single_flight_stampedes_exactly_as_counted_from_arrivals(jitter):
    times = arrivals(jitter=jitter, seed=3)
    expected = expected_stampede(times, TTL_US, R_US)
    run = hs.simulate_hot_key("expire", single_flight=False, rate=RATE, recompute=R, ttl=TTL, periods=PERIODS,
                              jitter=jitter, seed=3)
    assert len(expected) == PERIODS
    assert run.per_episode == expected
    assert run.computations == sum(expected)
    if jitter == 0.0:
        assert expected == [round(RATE * R)] * PERIODS  # rate x recompute time, here 20
    assert run.peak_load == max(expected)
    assert run.waits == 0
    assert run.longest_wait == R


def test_single_flight_one_computation_per_expiry_and_the_others_wait():
    times = arrivals()
    starts = expiry_starts(times, TTL_US, R_US)
    run = hs.simulate_hot_key("expire", single_flight=True, rate=RATE, recompute=R, ttl=TTL, periods=PERIODS)
    assert run.per_episode == [1] * PERIODS == [1] * len(starts)
    assert run.waits == sum(len(others) for _, others in starts)
    assert run.longest_wait == R  # the request that computes
    assert run.stale_served == 0
    assert run.peak_load == 1


@pytest.mark.parametrize("background", [True, False])
def test_stale_while_revalidate_one_per_expiry_no_waits(background):
    times = arrivals()
    starts = expiry_starts(times, TTL_US, R_US)
    run = hs.simulate_hot_key("stale-while-revalidate", background=background, grace=1.0, rate=RATE,
                              recompute=R, ttl=TTL, periods=PERIODS)
    assert run.per_episode == [1] * PERIODS
    assert run.waits == 0
    assert run.longest_wait == (0.0 if background else R)
    stale = sum(len(others) + background for _, others in starts)
    assert run.stale_served == stale
    # the last stale answer of an expiry is the last request before the refresh lands
    expiry = TTL_US
    worst = 0
    for first, others in starts:
        worst = max(worst, (others[-1] if others else first) - expiry)
        expiry = first + R_US + TTL_US
    assert run.max_staleness == worst / hs.US


def test_stale_is_never_served_beyond_grace_even_when_grace_is_shorter_than_the_recompute():
    run = hs.simulate_hot_key("stale-while-revalidate", background=True, grace=0.05, rate=RATE, recompute=R,
                              ttl=TTL, periods=PERIODS)
    assert run.max_staleness < 0.05
    assert run.waits > 0  # after the grace period the rest wait for the refresh (single-flight)
    assert run.per_episode == [1] * PERIODS


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(5, 400), recompute=st.floats(0.01, 1.0), ttl=st.floats(0.5, 5.0),
       grace=st.floats(0.001, 2.0), background=st.booleans(), single_flight=st.booleans(),
       jitter=st.floats(0, 0.99), seed=st.integers(0, 1000))
def test_simulated_staleness_stays_inside_grace(rate, recompute, ttl, grace, background, single_flight,
                                                 jitter, seed):
    run = hs.simulate_hot_key("stale-while-revalidate", rate=rate, recompute=recompute, ttl=ttl, grace=grace,
                              background=background, single_flight=single_flight, jitter=jitter, seed=seed,
                              periods=2)
    assert run.max_staleness < grace + 1e-6  # microsecond rounding of grace
    assert run.computations >= 1


def test_xfetch_recomputes_before_expiry_in_most_periods():
    early_periods = 0
    total_periods = 0
    for seed in range(10):
        run = hs.simulate_hot_key("xfetch", beta=1.0, rate=RATE, recompute=R, ttl=TTL, periods=PERIODS,
                                  seed=seed)
        total_periods += run.expiries
        early_periods += run.early_episodes  # the episode's first computation started before expiry
        assert run.early_episodes >= 1
    assert early_periods >= 0.8 * total_periods


def test_xfetch_with_single_flight_is_one_per_expiry_and_no_request_waits():
    for seed in range(5):
        run = hs.simulate_hot_key("xfetch", single_flight=True, beta=1.0, rate=RATE, recompute=R, ttl=TTL,
                                  periods=PERIODS, seed=seed)
        assert run.per_episode == [1] * PERIODS
        assert run.early == PERIODS
        assert run.waits == 0


def test_xfetch_is_seeded():
    a = hs.simulate_hot_key("xfetch", single_flight=False, seed=4)
    b = hs.simulate_hot_key("xfetch", single_flight=False, seed=4)
    assert a.intervals == b.intervals and a.summary() == b.summary()


def test_compare_runs_the_four_configurations_on_the_same_traffic():
    runs = hs.compare(rate=RATE, recompute=R, ttl=TTL, periods=PERIODS, grace=1.0)
    assert list(runs) == list(hs.CONFIGS)
    assert {r.requests for r in runs.values()} == {len(arrivals())}
    assert runs["expire"].per_expiry == RATE * R
    assert runs["expire+single-flight"].per_expiry == 1
    assert runs["stale-while-revalidate"].longest_wait == 0
    assert runs["expire"].peak_load > runs["xfetch"].peak_load >= 1
    table = hs.summary_table(runs)
    assert table.splitlines()[0].split()[0] == "strategy" and len(table.splitlines()) == 5


def test_arrival_times_and_parameters():
    assert hs.arrival_times(4, 1.0) == [0, 250_000, 500_000, 750_000]
    jittered = hs.arrival_times(4, 1.0, jitter=0.5, seed=1)
    assert jittered == sorted(jittered) and jittered != [0, 250_000, 500_000, 750_000]
    assert jittered == hs.arrival_times(4, 1.0, jitter=0.5, seed=1)
    cases = [({"rate": 0}, ValueError, "rate"), ({"rate": "5"}, TypeError, "rate"),
             ({"recompute": -1}, ValueError, "recompute"), ({"ttl": 0}, ValueError, "ttl"),
             ({"periods": 1.5}, TypeError, "periods"), ({"jitter": 1.0}, ValueError, "jitter"),
             ({"beta": 0}, ValueError, "beta"), ({"strategy": "lfu"}, ValueError, "strategy"),
             ({"strategy": "stale-while-revalidate", "grace": -1}, ValueError, r"grace .*got -1(\.0)?$"),
             ({"grace": 1.0}, ValueError, "grace"), ({"bucket": 0}, ValueError, "bucket")]
    for bad, error, word in cases:
        with pytest.raises(error, match=word):
            hs.simulate_hot_key(**{"strategy": "expire", **bad})


class _DecideEveryRequest(hs._Replay):
    """The replay without its shortcut: every request goes through RefreshCore.decide."""

    def serve(self, arrivals):
        for now in arrivals:
            self.request(now)
        self.finish_until(float("inf"))


@pytest.mark.parametrize("strategy, options", [
    ("expire", {"single_flight": False}), ("expire", {"single_flight": True}),
    ("stale-while-revalidate", {"background": True}), ("stale-while-revalidate", {"grace": 0.05}),
    ("xfetch", {"single_flight": False, "beta": 0.5})])
@pytest.mark.parametrize("jitter, seed", [(0.0, 0), (0.6, 3)])
def test_counting_runs_of_plain_hits_at_once_changes_nothing(monkeypatch, strategy, options, jitter, seed):
    params = dict(rate=150, recompute=0.3, ttl=2.0, periods=4, jitter=jitter, seed=seed, **options)
    fast = hs.simulate_hot_key(strategy, **params)
    monkeypatch.setattr(hs, "_Replay", _DecideEveryRequest)
    slow = hs.simulate_hot_key(strategy, **params)
    assert fast.summary() == slow.summary() and fast.intervals == slow.intervals and fast.load == slow.load
    assert fast.leads == slow.leads and fast.requests == slow.requests


def test_fresh_until_only_where_every_call_is_a_plain_hit():
    from hotcache_lab.expiry.refresh import HIT, RefreshCore

    core = RefreshCore(10, "expire")
    assert core.fresh_until("k") is None  # nothing stored
    core.prime("k", "v", stored=0)
    assert core.fresh_until("k") == 10
    assert all(core.decide("k", t).action is HIT for t in (0, 5, 9.999))
    before = core.stats.calls, core.stats.hits
    core.count_hits(7)
    assert (core.stats.calls, core.stats.hits) == (before[0] + 7, before[1] + 7)
    xfetch = RefreshCore(10, "xfetch")
    xfetch.prime("k", "v", stored=0, delta=1)
    assert xfetch.fresh_until("k") is None  # every call draws its own number


def test_arrival_times_are_kept_but_handed_out_as_new_lists():
    first = hs.arrival_times(10, 1.0)
    first.append(-1)
    assert hs.arrival_times(10, 1.0) == [i * 100_000 for i in range(10)]
