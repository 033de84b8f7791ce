"""Sharding schemes (distributed.sharding) and hot keys (distributed.hotkeys): a join or leave moves about
1/N of the keys on the ring and with rendezvous, about (N-1)/N with modulo; placements are deterministic;
virtual nodes even out the ring; a hot key loads one node and the L1 and copies spread it."""

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotcache_lab.distributed import hotkeys, sharding

KEYS = [f"user:{i}" for i in range(3000)]


@settings(max_examples=8, deadline=None)
@given(n=st.integers(3, 12), scheme=st.sampled_from(["ring", "rendezvous"]), join=st.booleans())
def test_a_join_or_leave_moves_about_one_nth_on_the_ring_and_rendezvous(n, scheme, join):
    before = sharding.node_names(n)
    after = sharding.node_names(n + 1) if join else before[:-1]
    changed = max(len(before), len(after))  # 1/(N+1) on a join, 1/N on a leave
    moved = sharding.moved_share(scheme, before, after, KEYS, vnodes=160)
    assert 0.4 / changed < moved < 1.8 / changed


@settings(max_examples=6, deadline=None)
@given(n=st.integers(3, 12))
def test_modulo_moves_most_keys_on_a_join(n):
    moved = sharding.moved_share("modulo", sharding.node_names(n), sharding.node_names(n + 1), KEYS)
    assert moved > 0.8 * n / (n + 1)
    assert moved > 3 * sharding.moved_share("ring", sharding.node_names(n), sharding.node_names(n + 1), KEYS)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(3, 10), scheme=st.sampled_from(sharding.SCHEMES))
def test_only_keys_of_the_leaving_node_move_with_ring_and_rendezvous(n, scheme):
    nodes = sharding.node_names(n)
    before = sharding.assign(sharding.make_sharding(scheme, nodes), KEYS[:800])
    after = sharding.assign(sharding.make_sharding(scheme, nodes[1:]), KEYS[:800])
    moved_from = {b for b, a in zip(before, after, strict=True) if a != b}
    if scheme == "modulo":
        assert len(moved_from) > 1  # modulo reshuffles keys of every node
    else:
        assert moved_from <= {nodes[0]}
        assert nodes[0] not in after


def test_placement_is_the_same_in_another_process_whatever_its_hash_seed():
    code = ("from hotcache_lab.distributed import sharding as s;"
            "print([s.make_sharding(x, s.node_names(5)).node_for('user:42') for x in s.SCHEMES])")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    here = str([sharding.make_sharding(x, sharding.node_names(5)).node_for("user:42")
                for x in sharding.SCHEMES])
    assert outs == {here + "\n"}


def test_virtual_nodes_even_out_the_ring():
    nodes = sharding.node_names(8)
    one, many = (sharding.balance(sharding.counts_per_node(sharding.HashRing(nodes, v), KEYS))
                 for v in (1, 200))
    assert one > 1.5 > 1.2 > many >= 1.0
    shares = sharding.HashRing(nodes, 50).arc_shares()
    assert sum(shares.values()) == pytest.approx(1.0)


def test_rendezvous_breaks_a_tie_by_the_larger_name_as_pymemcache_does(monkeypatch):
    monkeypatch.setattr(sharding, "stable_hash", lambda text: 7)
    assert sharding.Rendezvous(["a", "c", "b"]).node_for("k") == "c"


def test_rendezvous_agrees_with_pymemcache_given_pymemcache_s_hash():
    from pymemcache.client.murmur3 import murmur3_32
    from pymemcache.client.rendezvous import RendezvousHash

    nodes = [f"127.0.0.1:{11211 + i}" for i in range(5)]
    theirs = RendezvousHash(list(nodes))
    ours = sharding.Rendezvous(nodes, hash_function=murmur3_32)
    assert all(ours.node_for(k) == theirs.get_node(k) for k in KEYS[:500])


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="scheme"):
        sharding.make_sharding("crc", ["a"])
    with pytest.raises(ValueError, match="nodes"):
        sharding.HashRing([])
    with pytest.raises(ValueError, match="distinct"):
        sharding.Rendezvous(["a", "a"])
    with pytest.raises(ValueError, match="vnodes"):
        sharding.HashRing(["a"], vnodes=0)
    with pytest.raises(ValueError, match="keys"):
        sharding.moved_share("ring", ["a"], ["a", "b"], [])


def test_a_hot_key_loads_one_node_and_both_mitigations_spread_it():
    plain = hotkeys.hot_key_load(8, 1.1, n_requests=20_000)
    with_l1 = hotkeys.hot_key_load(8, 1.1, l1_size=100, n_requests=20_000)
    copied = hotkeys.hot_key_load(8, 1.1, copies=8, n_requests=20_000)
    assert sum(plain.load) == plain.requests and plain.l1_hits == 0
    assert sum(with_l1.load) + with_l1.l1_hits == with_l1.requests
    assert plain.max_over_mean > 1.5
    assert with_l1.busiest_share < plain.busiest_share / 2
    assert copied.max_over_mean < plain.max_over_mean
    assert hotkeys.hot_key_load(8, 1.1, n_requests=20_000) == plain  # seeded


def test_uniform_traffic_is_balanced_with_no_hot_key():
    assert hotkeys.hot_key_load(4, 0.0, n_requests=20_000).max_over_mean < 1.25


# --- Redis Cluster's hash slots ------------------------------------------------------------------------

def test_crc16_is_xmodem_with_its_check_value():
    assert sharding.crc16(b"123456789") == 0x31C3  # the CRC catalogue's check value for CRC-16/XMODEM
    assert sharding.crc16(b"") == 0


def test_hash_tags_follow_the_cluster_spec_examples():
    assert sharding.hash_tag("{user1000}.following") == b"user1000"
    assert sharding.hash_tag("foo{}{bar}") == b"foo{}{bar}"  # an empty tag: the whole key is hashed
    assert sharding.hash_tag("foo{{bar}}zap") == b"{bar"
    assert sharding.hash_tag("foo{bar}{zap}") == b"bar"
    assert sharding.key_slot("{user1000}.following") == sharding.key_slot("{user1000}.followers")


@settings(max_examples=200, deadline=None)
@given(key=st.binary(max_size=24) | st.text(max_size=12))
def test_key_slot_agrees_with_redis_py_s_own_implementation(key):
    from redis.crc import key_slot

    data = key.encode() if isinstance(key, str) else key
    assert sharding.key_slot(key) == key_slot(data)
    assert 0 <= sharding.key_slot(key) < sharding.CLUSTER_SLOTS
