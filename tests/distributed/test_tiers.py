"""Two tiers on a real Redis: a write by another client invalidates the in-process L1 through CLIENT
TRACKING (redirect mode, RESP2), with no invalidation L1 stays stale until its TTL, and the L1 hit is
faster than a Redis round trip (a ratio measured in the same run)."""

from __future__ import annotations

import time

import pytest

from hotcache_lab.caches import LRUCache
from hotcache_lab.distributed import RedisCache
from hotcache_lab.distributed.tiers import TwoTierCache, stale_window


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture(scope="module")
def l2():
    with RedisCache(namespace="tiers") as cache:
        yield cache


def _until(check, within: float = 2.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.001)
    return False


def _put_and_hear_it(tiers: TwoTierCache, other: RedisCache, key: str, value) -> None:
    """`other` writes; wait until its invalidation reached L1 (BCAST tracking announces every write), so
    that a late one cannot evict what the reads that follow put in L1."""
    heard = tiers.invalidations
    other.put(key, value)
    assert _until(lambda: tiers.invalidations > heard)


def test_a_write_by_another_client_invalidates_l1(l2):
    other = RedisCache(l2.server.url, namespace="tiers")
    with TwoTierCache(LRUCache(16), l2) as tiers, other:
        _put_and_hear_it(tiers, other, "k", "old")
        assert tiers.get("k") == "old" and tiers.get("k") == "old"
        assert tiers.l1_hits == 1 and tiers.l2_reads == 1
        other.put("k", "new")
        assert _until(lambda: tiers.get("k") == "new")
        assert tiers.invalidations >= 1 and tiers.coherent
        other.delete("k")
        assert _until(lambda: tiers.get("k", "gone") == "gone")


def test_without_invalidation_l1_serves_the_old_value_until_its_ttl(l2):
    from hotcache_lab.caches import TTLCache

    other = RedisCache(l2.server.url, namespace="tiers")
    with TwoTierCache(TTLCache(16, ttl=0.3), l2, invalidation=None) as tiers, other:
        other.put("t", "old")
        assert tiers.get("t") == "old"
        other.put("t", "new")
        time.sleep(0.05)
        assert tiers.get("t") == "old"  # nothing told L1
        assert _until(lambda: tiers.get("t") == "new", within=2.0)


def test_stale_window_is_short_with_tracking_and_l1_hits_are_faster(l2):
    tracked = stale_window(l2, writes=10, hit_repeats=200)
    assert len(tracked.stale_seconds) == 10 and tracked.median <= tracked.max
    ttl_only = stale_window(l2, invalidation=None, l1_ttl=0.2, writes=3, hit_repeats=200)
    assert tracked.median < ttl_only.median  # measured in the same run
    assert ttl_only.median >= 0.1  # an entry is served until the TTL is (mostly) over
    assert tracked.gain > 1 and tracked.l1_hit_seconds < tracked.l2_hit_seconds


def test_a_broken_invalidation_link_bypasses_l1_then_reconnects(l2):
    other = RedisCache(l2.server.url, namespace="tiers")
    with TwoTierCache(LRUCache(16), l2) as tiers, other:
        _put_and_hear_it(tiers, other, "r", 1)
        assert tiers.get("r") == 1 and tiers.get("r") == 1 and tiers.l1_hits == 1
        for link in ("subscriber_id", "tracker_id"):  # the server drops one link, then the other
            before = getattr(tiers, link)
            l2.client.client_kill_filter(_id=before)
            assert _until(lambda link=link, before=before: getattr(tiers, link) != before and tiers.coherent,
                          within=3.0), link
            value = ["after", link]
            other.put("r", value)  # invalidations flow again on the new links
            assert _until(lambda value=value: tiers.get("r") == value), link


def test_bad_arguments_are_named(l2):
    with pytest.raises(TypeError, match="l1 must be one of the lab's caches"):
        TwoTierCache({}, l2)
    with pytest.raises(TypeError, match="l2 must be a RedisCache"):
        TwoTierCache(LRUCache(4), object())
    with pytest.raises(ValueError, match="invalidation must be one of"):
        TwoTierCache(LRUCache(4), l2, invalidation="pubsub")
