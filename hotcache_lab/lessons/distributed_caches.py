"""Notebook 09 (distributed caches): what its live plots and checked cells compute, and the exercises'
verdicts.

    lesson.moved_shares(8)                  # share of keys moved by a join and a leave, per scheme
    lesson.balance_view(vnodes=100)         # keys per node for each scheme, for draw_balance
    lesson.hot_view(l1_size=0, copies=1)    # requests per node under Zipf, for draw_hot_keys
    lesson.fallback_view(limit=8)           # the origin's load over time per strategy, for draw_fallback
    lesson.judge_exercise_1(ex1_node_for)   # True, None (not answered yet), or what is wrong
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .. import _check
from ..distributed import fallback, hotkeys, sharding
from .invalidation_and_consistency import self_check

__all__ = ["N_NODES", "KEYS", "MovedShares", "moved_shares", "VNODES", "BalanceView", "balance_view",
           "pool_agreement", "POOL_SETTINGS", "pool_runs", "pool_view", "per_second", "Redirect",
           "moved_redirect", "cross_slot",
           "L1_SIZES", "COPIES", "HotView", "hot_view", "LIMITS", "FallbackView", "fallback_view",
           "judge_exercise_1", "judge_exercise_2", "self_check"]

N_NODES = 8
KEYS = tuple(f"user:{i}" for i in range(5_000))


# --- 1. sharding -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MovedShares:
    """The share of KEYS whose node changes when a node joins (n -> n+1) and leaves (n -> n-1)."""

    n: int
    join: dict[str, float]
    leave: dict[str, float]


def moved_shares(n: int = N_NODES, *, vnodes: int = 100) -> MovedShares:
    n = _check.integer("n", n, minimum=2)
    nodes = sharding.node_names(n + 1)
    def moved(after: list[str]) -> dict[str, float]:
        return {s: sharding.moved_share(s, nodes[:n], after, KEYS, vnodes=vnodes) for s in sharding.SCHEMES}

    join, leave = moved(nodes), moved(nodes[:n - 1])
    return MovedShares(n, join, leave)


#: the virtual-nodes slider's stops
VNODES = (1, 2, 5, 10, 20, 50, 100, 200)


@dataclass(frozen=True)
class BalanceView:
    """KEYS per node under each scheme (the ring with `vnodes` points a node), and max/mean for each."""

    vnodes: int
    nodes: tuple[str, ...]
    counts: dict[str, tuple[int, ...]]

    def max_over_mean(self, scheme: str) -> float:
        return sharding.balance(dict(zip(self.nodes, self.counts[scheme], strict=True)))


@functools.cache
def _fixed_counts(scheme: str, n: int) -> tuple[int, ...]:
    """Modulo's and rendezvous's counts, which no slider changes: computed once."""
    placement = sharding.make_sharding(scheme, sharding.node_names(n))
    return tuple(sharding.counts_per_node(placement, KEYS).values())


def balance_view(vnodes: int = 100, *, n: int = N_NODES) -> BalanceView:
    nodes = sharding.node_names(n)
    ring = tuple(sharding.counts_per_node(sharding.HashRing(nodes, vnodes), KEYS).values())
    return BalanceView(vnodes, tuple(nodes), {"modulo": _fixed_counts("modulo", n), "ring": ring,
                                              "rendezvous": _fixed_counts("rendezvous", n)})


def pool_agreement(cache: Any, keys: Any) -> int:
    """How many of `keys` the lab's own rendezvous code, given pymemcache's murmur3 hash and the pool's
    node names, sends to the node the real HashClient of `cache` (a MemcachedCache on a pool) uses."""
    from pymemcache.client.murmur3 import murmur3_32

    from ..distributed.keys import memcached_key

    ours = sharding.Rendezvous(cache.pool.names, hash_function=murmur3_32)
    index = {name: i for i, name in enumerate(cache.pool.names)}
    return sum(index[ours.node_for(memcached_key(cache.namespace, key))] == cache.node_for(key)
               for key in keys)


# --- 2. a memcached pool loses a node ---------------------------------------------------------------------

#: HashClient's dead-node settings compared in section 4.2 (over its defaults, see `distributed.pool`)
POOL_SETTINGS = {"HashClient's defaults": {}, "ignore_exc=True": {"ignore_exc": True},
                 "retry_attempts=0": {"retry_attempts": 0}}


def pool_runs(pool: Any, *, duration: float = 1.6, kill_at: float = 0.3, **options: Any) -> dict[str, Any]:
    """`failures.memcached_failure_timeline` once per POOL_SETTINGS entry, node 1 killed at `kill_at`:
    real runs, measured once, that the live plot then selects from."""
    from ..distributed import failures

    return {name: failures.memcached_failure_timeline(pool, kill_node=1, duration=duration, kill_at=kill_at,
                                                      **options, **settings)
            for name, settings in POOL_SETTINGS.items()}


def pool_view(runs: dict[str, Any], setting: str = "HashClient's defaults") -> Any:
    """The run of `setting` (a key of POOL_SETTINGS) among the measured `runs`."""
    return runs[_check.one_of("setting", setting, tuple(runs))]


def per_second(counts: list[int], bucket: float, since: float, until: float | None = None) -> float:
    """The mean rate a second of per-bucket `counts` over buckets starting in [since, until)."""
    end = float("inf") if until is None else until
    chosen = [c for i, c in enumerate(counts) if since <= i * bucket < end]
    return sum(chosen) / (len(chosen) * bucket) if chosen else 0.0


# --- 3. Redis Cluster ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Redirect:
    """What a master that does not own `key`'s slot answered: MOVED <slot> <host:port of the owner>."""

    key: str
    slot: int
    to_port: int
    owner_port: int


def moved_redirect(cluster: Any, key: str) -> Redirect:
    """Ask a master that does NOT serve `key`'s slot for it, with a plain (non-cluster) connection."""
    import redis

    owner = cluster.master_for_key(key)
    other = next(m for m in cluster.masters if m.port != owner.port)
    try:
        other.connect().get(key)
    except redis.exceptions.MovedError as moved:
        return Redirect(key, moved.slot_id, int(moved.port), owner.port)
    raise AssertionError(f"node {other.port} served {key!r} without a redirect")


def cross_slot(cluster: Any, keys: tuple[str, ...]) -> str:
    """MGET of `keys` sent to the owner of the first key's slot: the values, or the server's error."""
    import redis

    owner = cluster.master_for_key(keys[0])
    try:
        return repr(owner.connect().execute_command("MGET", *keys))
    except redis.exceptions.ResponseError as error:
        return f"{type(error).__name__}: {error}"


# --- 4. hot keys ----------------------------------------------------------------------------------------

L1_SIZES = (0, 10, 100, 1000)
COPIES = (1, 4, 8)


@dataclass(frozen=True)
class HotView:
    """Requests per node with no mitigation (`plain`) and with the slider's L1 and copies (`mitigated`)."""

    plain: hotkeys.NodeLoad
    mitigated: hotkeys.NodeLoad


@functools.cache
def _hot(l1_size: int, copies: int, alpha: float) -> hotkeys.NodeLoad:
    return hotkeys.hot_key_load(N_NODES, alpha, l1_size=l1_size, copies=copies, n_requests=20_000)


def hot_view(l1_size: int = 0, copies: int = 1, *, alpha: float = 1.1) -> HotView:
    return HotView(_hot(0, 1, alpha), _hot(l1_size, copies, alpha))


# --- 6. a slow or dead cache ------------------------------------------------------------------------------

LIMITS = (4, 8, 16)


@dataclass(frozen=True)
class FallbackView:
    """Every strategy's run, the limited ones with the slider's concurrency limit."""

    limit: int
    runs: dict[str, fallback.FallbackRun]


@functools.cache
def _fallback_run(strategy: str, limit: int) -> fallback.FallbackRun:
    return fallback.origin_load(strategy, limit=limit)


def fallback_view(limit: int = 8) -> FallbackView:
    limit = _check.integer("limit", limit)
    runs = {s: _fallback_run(s, limit if "limit" in s else 8) for s in fallback.FALLBACK_STRATEGIES}
    return FallbackView(limit, runs)


# --- exercises --------------------------------------------------------------------------------------------

def _placements(node_for: Any, nodes: list[str], keys: list[str]) -> list[Any]:
    return [node_for(key, list(nodes)) for key in keys]


def judge_exercise_1(answer: Any) -> bool | str | None:
    """Exercise 1: `node_for(key, nodes)`, a placement that moves few keys when a node leaves or joins.

    Judged by behaviour on 2,000 keys: it returns one of `nodes`, the same node every time, spreads the
    keys (no node over 1.5 times the mean), and a leave moves only the leaving node's keys and a join
    moves at most twice 1/N."""
    if answer is None:
        return None
    if not callable(answer):
        return f"give a function node_for(key, nodes), got {answer!r}"
    keys = [f"order:{i}" for i in range(2000)]
    nodes = sharding.node_names(6)
    try:
        first = _placements(answer, nodes, keys)
        if any(node not in nodes for node in first):
            return "node_for must return one of the nodes it is given"
        if first != _placements(answer, nodes, keys):
            return "the same key must go to the same node every time (no randomness, no state)"
        counts = {node: first.count(node) for node in nodes}
        if sharding.balance(counts) > 1.5:
            return f"the keys are not spread: {counts}; score every node, or hash the key"
        leave = _placements(answer, nodes[:-1], keys)
        if any(a != b and a != nodes[-1] for a, b in zip(first, leave, strict=True)):
            return ("when a node leaves, keys on the other nodes moved too: that is modulo's flaw "
                    "(rank the nodes by a hash of node and key, and take the best)")
        join = _placements(answer, [*nodes, "node-6"], keys)
        moved = sum(a != b for a, b in zip(first, join, strict=True)) / len(keys)
        if moved > 2 / 7:
            return f"a join moved {moved:.0%} of the keys; about 1/7 should move"
    except Exception as error:  # the student's function failed: say so, never crash the notebook
        return f"your function raised {error!r}"
    return True


def judge_exercise_2(answer: Any) -> bool | str | None:
    """Exercise 2: `key_name(user_id, field)`, Redis Cluster key names so one user's fields share a slot
    (MGET, MULTI and Lua on them work) while different users spread over the slots."""
    if answer is None:
        return None
    if not callable(answer):
        return f"give a function key_name(user_id, field), got {answer!r}"
    fields = ("profile", "cart", "orders")
    try:
        names = {(u, f): answer(u, f) for u in range(200) for f in fields}
    except Exception as error:
        return f"your function raised {error!r}"
    if not all(isinstance(n, str) for n in names.values()):
        return "key_name must return a str"
    if len(set(names.values())) != len(names):
        return "two different (user, field) pairs got the same key name"
    if any(len({sharding.key_slot(names[u, f]) for f in fields}) > 1 for u in range(200)):
        return ("one user's keys land in different slots, so MGET across them fails with CROSSSLOT: "
                "put the user id in a hash tag, {...}")
    slots = {sharding.key_slot(names[u, fields[0]]) for u in range(200)}
    if len(slots) < 150:
        return (f"200 users share only {len(slots)} slots: the hash tag must hold what differs between "
                "users (the id), or every user lands on the same node")
    return True
