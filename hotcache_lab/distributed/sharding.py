"""Which server holds a key: modulo hashing, a consistent-hash ring, rendezvous hashing.

A client of several cache servers must send every request for a key to the same server, with no
directory to ask: it hashes the key. The three classic answers differ in what happens when a server
joins or leaves:

* **modulo**: `hash(key) % N`. Balanced, but changing N moves almost every key (about (N-1)/N of them
  when one node joins), so a resize is a cold cache.
* **a consistent-hash ring** (Karger et al., STOC 1997): each node is hashed to `vnodes` points on a
  circle; a key belongs to the first point clockwise of its hash. A join or leave moves only the keys
  of the arcs that node gains or loses, about 1/N. Virtual nodes even out the arcs' lengths.
* **rendezvous, or highest random weight** (Thaler & Ravishankar, IEEE/ACM ToN 1998): every node scores
  `hash(node, key)` and the highest score wins. Also about 1/N moved, no ring to keep, O(N) per lookup.
  pymemcache's HashClient uses it by default (`pymemcache/client/rendezvous.py`: it scores the string
  `f"{node}-{key}"` with murmur3_32 and breaks a tie by the larger node name); the lab follows the same
  rule with its own stable hash, so the placements are the lab's, not pymemcache's.

Hashes are a stable 64-bit BLAKE2b of the text, never Python's `hash()`, which is salted per process
(PYTHONHASHSEED) and would send a key to different servers from different workers.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence

from .. import _check

__all__ = ["SCHEMES", "stable_hash", "ModuloSharding", "HashRing", "Rendezvous", "make_sharding",
           "assign", "moved_share", "counts_per_node", "balance", "node_names", "CLUSTER_SLOTS", "crc16",
           "hash_tag", "key_slot"]

SCHEMES = ("modulo", "ring", "rendezvous")


def stable_hash(text: str) -> int:
    """A 64-bit hash of `text` that every process and every run agrees on."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def node_names(n: int) -> list[str]:
    """`n` node names, "node-0" ...: the lab's stand-ins for "host:port"."""
    return [f"node-{i}" for i in range(_check.integer("n", n))]


def _nodes(nodes: Iterable[Hashable]) -> list[str]:
    names = [str(node) for node in nodes]
    if not names:
        raise ValueError("nodes must name at least one node, got none")
    if len(set(names)) != len(names):
        raise ValueError(f"nodes must be distinct, got {names!r}")
    return names


class ModuloSharding:
    """`hash(key) % N`: the node at that index of `nodes`."""

    scheme = "modulo"

    def __init__(self, nodes: Iterable[Hashable]) -> None:
        self.nodes = _nodes(nodes)

    def node_for(self, key: Hashable) -> str:
        return self.nodes[stable_hash(str(key)) % len(self.nodes)]


class HashRing:
    """A consistent-hash ring: `vnodes` points a node, a key goes to the first point at or after its hash."""

    scheme = "ring"

    def __init__(self, nodes: Iterable[Hashable], vnodes: int = 100) -> None:
        self.nodes = _nodes(nodes)
        self.vnodes = _check.integer("vnodes", vnodes)
        points = sorted((stable_hash(f"{node}#{i}"), node) for node in self.nodes for i in range(self.vnodes))
        self._hashes = [h for h, _ in points]
        self._owners = [node for _, node in points]

    def node_for(self, key: Hashable) -> str:
        i = bisect.bisect_left(self._hashes, stable_hash(str(key)))
        return self._owners[i % len(self._owners)]  # past the last point: wrap round to the first

    def arc_shares(self) -> dict[str, float]:
        """The share of the hash circle each node owns (what its keys' share tends to)."""
        full = 2 ** 64
        shares = dict.fromkeys(self.nodes, 0.0)
        for i, h in enumerate(self._hashes):  # the arc (previous point, h] belongs to h's owner
            previous = self._hashes[i - 1] - (full if i == 0 else 0)
            shares[self._owners[i]] += (h - previous) / full
        return shares


class Rendezvous:
    """Highest random weight: each node scores `hash(f"{node}-{key}")`, the highest wins (ties: the larger
    name), as pymemcache's RendezvousHash decides. `hash_function=murmur3_32` (pymemcache's) gives
    HashClient's very placements."""

    scheme = "rendezvous"

    def __init__(self, nodes: Iterable[Hashable], *,
                 hash_function: Callable[[str], int] | None = None) -> None:
        self.nodes = _nodes(nodes)
        self.hash_function = _check.function("hash_function", hash_function or stable_hash,
                                             what="a function from str to int")

    def node_for(self, key: Hashable) -> str:
        score = self.hash_function
        return max(self.nodes, key=lambda node: (score(f"{node}-{key}"), node))


def make_sharding(scheme: str, nodes: Iterable[Hashable], *, vnodes: int = 100):
    """One of SCHEMES over `nodes` (`vnodes` is the ring's points per node, ignored by the others)."""
    _check.one_of("scheme", scheme, SCHEMES)
    if scheme == "modulo":
        return ModuloSharding(nodes)
    if scheme == "ring":
        return HashRing(nodes, vnodes)
    return Rendezvous(nodes)


def assign(sharding, keys: Iterable[Hashable]) -> list[str]:
    """The node of each key, in order."""
    return [sharding.node_for(key) for key in keys]


def moved_share(scheme: str, before: Sequence[Hashable], after: Sequence[Hashable],
                keys: Sequence[Hashable], *, vnodes: int = 100) -> float:
    """The share of `keys` whose node differs between the node lists `before` and `after` (a join, a
    leave): on a cache, the share that misses once the change is made."""
    if not keys:
        raise ValueError("keys must hold at least one key, got none")
    old = assign(make_sharding(scheme, before, vnodes=vnodes), keys)
    new = assign(make_sharding(scheme, after, vnodes=vnodes), keys)
    return sum(a != b for a, b in zip(old, new, strict=True)) / len(keys)


def counts_per_node(sharding, keys: Iterable[Hashable]) -> dict[str, int]:
    """How many of `keys` (or of a request stream's requests) each node gets; every node listed, 0 too."""
    counts = Counter(assign(sharding, keys))
    return {node: counts.get(node, 0) for node in sharding.nodes}


def balance(counts: dict[str, int]) -> float:
    """max/mean of the per-node counts: 1.0 is perfect balance; the busiest node sizes the fleet."""
    if not counts or sum(counts.values()) == 0:
        raise ValueError("counts must hold at least one node with a count above 0")
    return max(counts.values()) / (sum(counts.values()) / len(counts))


# --- Redis Cluster: 16384 hash slots ------------------------------------------------------------------

CLUSTER_SLOTS = 16384


def crc16(data: bytes) -> int:
    """CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection): the CRC16 Redis Cluster uses
    (cluster spec, "Key distribution model"; `crc16.c` in Redis's source). Bit by bit, for reading."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def hash_tag(key: str | bytes) -> bytes:
    """The part of `key` that is hashed: the text between the first "{" and the next "}" if that is not
    empty, else the whole key (cluster spec, "Hash tags")."""
    data = key.encode() if isinstance(key, str) else bytes(key)
    start = data.find(b"{")
    if start != -1:
        end = data.find(b"}", start + 1)
        if end > start + 1:
            return data[start + 1:end]
    return data


def key_slot(key: str | bytes) -> int:
    """The key's hash slot: CRC16 of its hash tag, mod 16384 (what CLUSTER KEYSLOT answers)."""
    return crc16(hash_tag(key)) % CLUSTER_SLOTS
