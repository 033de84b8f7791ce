from hotcache_lab.invalidation.stores import Entry


def test_plain_get_set_delete_and_logical_expiry(store):
    assert store.get("k") is None
    store.set("k", "v", 3, expires=10)
    assert store.get("k", now=9) == Entry("v", 3, 10) and store.get("k", now=10) is None
    store.delete("k")
    assert store.get("k", now=0) is None
    assert (store.hits, store.misses) == (1, 3)


def test_a_delete_invalidates_a_lease(store):
    entry, token = store.lease_get("k")
    assert entry is None and token is not None
    assert store.lease_get("k") == (None, None)  # a second reader: someone else fills
    store.delete("k")
    assert not store.lease_set("k", "old", 1, token)  # refused: a write came since the token
    entry, fresh = store.lease_get("k")
    assert fresh != token and store.lease_set("k", "new", 2, fresh)
    assert store.lease_get("k") == (Entry("new", 2), None) and store.refused == 1


def test_versioned_sets_only_newer_and_tombstones_refuse_older_fills(store):
    assert store.versioned_set("k", "v2", 2) and not store.versioned_set("k", "v1", 1)
    assert not store.versioned_set("k", "again", 2)  # equal to a live entry: nothing new
    assert store.invalidate("k", 3) and store.get("k") is None
    assert not store.versioned_set("k", "v2", 2)  # the older fill after the invalidation
    assert store.versioned_set("k", "v3", 3)  # the fill of the version that invalidated
    assert not store.invalidate("k", 1)  # an older writer's invalidation changes nothing
    assert store.get("k").value == "v3" and store.refused == 3


def test_clear_removes_only_its_prefix(store, redis_client):
    redis_client.set("other-key", "x")
    store.set("a", "1")
    store.lease_get("b")
    assert store.clear() == 3  # the entry, the lease and the token counter
    assert redis_client.get("other-key") == b"x"


def test_a_store_under_a_name_shares_the_server_and_no_key(store, redis_client):
    side = store.under("side")
    assert side.prefix == store.prefix + "side:" and side.lease_ms == store.lease_ms
    side.set("k", "side", 1)
    store.set("k", "main", 1)
    assert side.get("k").value == "side" and store.get("k").value == "main"
    assert side.clear() == 1 and store.get("k").value == "main"
