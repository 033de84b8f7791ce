import pytest

from hotcache_lab.invalidation import keys, negative


def test_a_generation_bump_invalidates_a_family_at_once(redis_client):
    family = keys.GenerationalKeys(redis_client, "test-catalogue", schema=2)
    assert family.generation() == 1 and family.key("item") == "test-catalogue:s2:g1:item"
    for i in range(4):
        redis_client.set(family.key(f"item{i}"), "x", ex=60)
    assert family.bump() == 2 and family.bump() == 3
    assert all(redis_client.get(family.key(f"item{i}")) is None for i in range(4))
    assert family.stranded() == 4  # the old generation's entries wait for their TTL
    other = keys.GenerationalKeys(redis_client, "test-catalogue", schema=3)
    assert other.key("item", 3) != family.key("item", 3)  # a deploy never reads the old schema's values


def test_negative_caching_cuts_database_queries_and_costs_stale_absences(store):
    plain = negative.replay(store, negative_ttl=0)
    cached = negative.replay(store, negative_ttl=100)
    assert cached.db_queries < plain.db_queries and plain.absent_lookups == cached.absent_lookups > 0
    later = negative.replay(store, negative_ttl=100, create_at=300)
    assert later.stale_absent > 0 and negative.replay(store, negative_ttl=0, create_at=300).stale_absent == 0
    healed = negative.replay(store, negative_ttl=100, create_at=300, invalidate_on_create=True)
    assert healed.stale_absent == 0


def test_bad_input_is_named(redis_client, store):
    with pytest.raises(TypeError, match="namespace"):
        keys.GenerationalKeys(redis_client, 3)
    with pytest.raises(ValueError, match="absent_share"):
        negative.replay(store, negative_ttl=1, absent_share=2)
