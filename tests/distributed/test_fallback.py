"""The origin's load under a dead cache, per strategy (distributed.fallback): a deterministic model."""

import pytest

from hotcache_lab.distributed import fallback


@pytest.fixture(scope="module")
def runs():
    return fallback.compare_fallbacks()


def test_every_request_is_counted_once(runs):
    for run in runs.values():
        total = sum(run.total(o) for o in ("origin", "hits", "peer", "shed", "failed"))
        assert total == 500 * 16


def test_timeouts_hold_the_workers_and_the_breaker_frees_them(runs):
    no, br = runs["no breaker"], runs["breaker"]
    assert no.total("failed") > 10 * max(1, br.total("failed"))
    down = [i for i, t in enumerate(no.times) if no.down_at + 1 <= t < no.up_at]
    assert min(no.mean_latency_ms[i] for i in down) > 2 * max(br.mean_latency_ms[i] for i in down)
    assert any(br.open_buckets) and not any(no.open_buckets)


def test_an_open_breaker_alone_sends_everything_to_the_origin_and_a_limit_caps_it(runs):
    br, lim = runs["breaker"], runs["breaker + limit"]
    assert br.peak_origin > br.capacity and br.seconds_over_capacity > 0
    assert lim.seconds_over_capacity == 0 and lim.total("shed") > 0
    assert lim.peak_origin <= 8 / 0.04 * 1.05  # limit / origin_latency a second, and a bucket's rounding


def test_warming_from_a_peer_lowers_the_origin_load_after_the_restart(runs):
    lim, warm = runs["breaker + limit"], runs["breaker + limit + warm-up"]
    after = [i for i, t in enumerate(lim.times) if t >= lim.up_at]
    assert warm.total("peer") > 0
    assert sum(warm.origin[i] for i in after) < sum(lim.origin[i] for i in after)


def test_the_breaker_probes_and_closes_once_the_cache_is_back(runs):
    transitions = runs["breaker"].breaker_transitions
    assert transitions[0][1:] == ("closed", "open")
    assert transitions[-1][1:] == ("half-open", "closed") and transitions[-1][0] >= runs["breaker"].up_at


def test_deterministic_and_checked():
    assert fallback.origin_load("breaker", duration=4.0, down_at=1.0, up_at=2.0) == fallback.origin_load(
        "breaker", duration=4.0, down_at=1.0, up_at=2.0)
    with pytest.raises(ValueError, match="strategy"):
        fallback.origin_load("retry forever")
    with pytest.raises(ValueError, match="up_at"):
        fallback.origin_load("breaker", down_at=5.0, up_at=4.0)
