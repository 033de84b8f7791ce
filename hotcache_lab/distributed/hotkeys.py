"""A hot key's load lands on one shard: Zipf traffic over a consistent-hash ring, and two mitigations.

Sharding balances *keys*, not *requests*. Under Zipf traffic the hottest key alone can take a large share
of all requests, and every one of them goes to the one node that owns it: that node saturates while the
others idle, and adding nodes does not help. Two mitigations, simulated here on a seeded stream:

* **an in-process L1** in each worker (an LRU of a few hundred entries in front of the shared cache): the
  hottest keys hit in the worker and never reach the network. Its price is staleness: an L1 copy is not
  invalidated by a write to the shared cache unless something tells it (two tiers, CLIENT TRACKING).
* **copies of the hot keys**: the hottest `hot_keys` keys are stored under `copies` names (`key#0`,
  `key#1`, ...), which hash to different nodes, and each read picks one copy at random. Every write (and
  every invalidation) of such a key must reach all its copies.

Copies are what Facebook's memcache does for keys one server cannot serve alone: it replicates them over
every server of a pool (Nishtala et al., NSDI 2013, section 3.2.4, "Replication within pools").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import _check
from ..caches import LRUCache
from ..workloads import zipf
from .sharding import HashRing, node_names

__all__ = ["NodeLoad", "hot_key_load"]


@dataclass(frozen=True)
class NodeLoad:
    """Requests that reached each node of the shared cache (`load`, in `nodes` order)."""

    nodes: tuple[str, ...]
    load: tuple[int, ...]
    requests: int  # all requests, including the L1's hits
    l1_hits: int
    l1_size: int
    copies: int
    hot_keys: int
    hottest_node: str
    hottest_key_share: float  # the share of all requests asking for the hottest key

    @property
    def max_over_mean(self) -> float:
        """The busiest node's load over the mean node's: 1.0 is perfect balance."""
        return max(self.load) / (sum(self.load) / len(self.load)) if sum(self.load) else 1.0

    @property
    def busiest_share(self) -> float:
        """The busiest node's share of all requests (L1 hits included in the whole)."""
        return max(self.load) / self.requests


def hot_key_load(n_nodes: int = 8, alpha: float = 1.1, *, l1_size: int = 0, copies: int = 1,
                 hot_keys: int = 10, n_keys: int = 10_000, n_requests: int = 40_000, workers: int = 4,
                 vnodes: int = 100, seed: int = 0) -> NodeLoad:
    """Replay a seeded Zipf stream over `n_nodes` ring nodes, dealt round-robin to `workers` workers,
    each with an LRU L1 of `l1_size` entries (0: none), the `hot_keys` hottest keys stored as `copies`
    copies. Key 0 is the hottest."""
    n_nodes, workers = _check.integer("n_nodes", n_nodes), _check.integer("workers", workers)
    l1_size = _check.integer("l1_size", l1_size, minimum=0)
    copies, hot_keys = _check.integer("copies", copies), _check.integer("hot_keys", hot_keys, minimum=0)
    stream = zipf(n_keys, alpha, n_requests, seed)
    home, spread = _placement(n_nodes, vnodes, n_keys, min(hot_keys, n_keys), copies)
    target = home[stream]
    hot = stream < len(spread)
    pick = np.random.default_rng(seed + 1).integers(0, copies, size=n_requests)
    target[hot] = spread[stream[hot], pick[hot]]  # a hot key's read goes to one of its copies
    l1_hits = 0
    if l1_size:
        l1s = [LRUCache(l1_size) for _ in range(workers)]
        reached = np.array([not l1s[i % workers].request(key) for i, key in enumerate(stream.tolist())])
        l1_hits = int(n_requests - reached.sum())  # answered inside the worker: no network, no node
        target = target[reached]
    load = np.bincount(target, minlength=n_nodes)
    nodes = node_names(n_nodes)
    hottest = max(range(n_nodes), key=lambda i: (load[i], -i))
    return NodeLoad(tuple(nodes), tuple(int(x) for x in load), n_requests, l1_hits, l1_size, copies,
                    hot_keys, nodes[hottest], float(np.mean(stream == 0)))


@functools.lru_cache(maxsize=16)
def _placement(n_nodes: int, vnodes: int, n_keys: int, hot_keys: int,
               copies: int) -> tuple[np.ndarray, np.ndarray]:
    """Each key's node index on the ring, and each hot key's copies' node indices (cached: pure)."""
    ring = HashRing(node_names(n_nodes), vnodes)
    index = {node: i for i, node in enumerate(ring.nodes)}
    home = np.array([index[ring.node_for(f"user:{k}")] for k in range(n_keys)], dtype=np.int64)
    spread = np.array([[index[ring.node_for(f"user:{k}#{c}")] for c in range(copies)]
                       for k in range(hot_keys)], dtype=np.int64).reshape(hot_keys, copies)
    home.setflags(write=False)
    spread.setflags(write=False)
    return home, spread
