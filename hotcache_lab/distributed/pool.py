"""A pool of memcached servers the lab starts, and the pymemcache HashClient that shards keys over them.

Each node is a `MemcachedServer` on a unix socket in its own 0700 folder, as `start_memcached` makes:
pymemcache's HashClient takes a socket path as a server (`normalize_server_spec` in
pymemcache/client/base.py keeps a str that starts with "/" as a path, and `Client._connect` opens an
AF_UNIX socket for it), so a pool needs no TCP port and only this user can reach it.

How HashClient places and fails over keys (pymemcache 4.0, pymemcache/client/hash.py and rendezvous.py):
- placement is rendezvous (highest random weight) hashing: for each live node it scores
  murmur3_32(f"{node}-{key}") and picks the highest, so removing a node moves only its own keys;
- the node's name in that score is its client key: the socket path or "host:port". The lab's socket
  paths are random temp folders, so the pool names its nodes "memcached-0", "memcached-1", ... for the
  score instead (`NamedRendezvous`): the same keys land on the same node index in every run;
- a call that raises OSError (refused, reset, broken pipe) marks the node failed. For the next
  `retry_timeout` seconds calls to it return the default (a get: None, a miss; a set: False) WITHOUT
  raising, even with ignore_exc=False; after it fails `retry_attempts` times it is removed from the
  hash, its keys go to the other nodes, and after `dead_timeout` seconds it is added back;
- other errors (pymemcache's MemcacheUnexpectedCloseError when a killed server closes the socket)
  are raised unless `ignore_exc=True`, and do not count as a failure;
- the failure bookkeeping is plain dicts with no lock: one HashClient per thread if threads share a pool.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Iterator, Sequence
from typing import Any

from pymemcache.client.base import normalize_server_spec
from pymemcache.client.hash import HashClient
from pymemcache.client.rendezvous import RendezvousHash

from .. import _check
from .servers import MemcachedServer, start_memcached

#: HashClient's own dead-node defaults (pymemcache 4.0, HashClient.__init__)
HASH_CLIENT_DEFAULTS = {"retry_attempts": 2, "retry_timeout": 1.0, "dead_timeout": 60.0, "ignore_exc": False}


class NamedRendezvous(RendezvousHash):
    """pymemcache's rendezvous hash, scored on stable node names rather than the nodes' client keys.

    `names` maps a client key (socket path or "host:port") to the name used in the score. Everything
    else, the hash function and the tie rule, is pymemcache's own.
    """

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self._names = dict(names)
        self._keys = {name: key for key, name in self._names.items()}

    def add_node(self, node: str) -> None:
        super().add_node(self._names.get(node, node))

    def remove_node(self, node: str) -> None:
        super().remove_node(self._names.get(node, node))

    def get_node(self, key: str) -> str | None:
        name = super().get_node(key)
        return None if name is None else self._keys.get(name, name)


def client_key(address: str | tuple[str, int]) -> str:
    """The name HashClient gives a server: its socket path, or "host:port"."""
    spec = normalize_server_spec(address)
    return f"{spec[0]}:{spec[1]}" if isinstance(spec, tuple) else spec


def check_client_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """HashClient's dead-node settings, checked, over its defaults."""
    unknown = set(settings) - set(HASH_CLIENT_DEFAULTS)
    if unknown:
        raise TypeError(
            f"unknown HashClient setting(s) {sorted(unknown)}; known: {sorted(HASH_CLIENT_DEFAULTS)}"
        )
    merged = {**HASH_CLIENT_DEFAULTS, **settings}
    merged["retry_attempts"] = _check.integer("retry_attempts", merged["retry_attempts"], minimum=0)
    merged["retry_timeout"] = _check.seconds("retry_timeout", merged["retry_timeout"], allow_zero=True)
    merged["dead_timeout"] = _check.seconds("dead_timeout", merged["dead_timeout"], allow_zero=True)
    merged["ignore_exc"] = _check.flag("ignore_exc", merged["ignore_exc"])
    return merged


def make_hash_client(addresses: Sequence[str | tuple[str, int]], names: Sequence[str], *,
                     connect_timeout: float, timeout: float, **settings: Any) -> HashClient:
    """A HashClient over `addresses` placing keys by `names`, every wait bounded, replies awaited."""
    keys = [client_key(a) for a in addresses]
    hasher = functools.partial(NamedRendezvous, dict(zip(keys, names, strict=True)))
    return HashClient(
        list(addresses), hasher=hasher, connect_timeout=connect_timeout, timeout=timeout,
        no_delay=True, use_pooling=True, default_noreply=False, **check_client_settings(settings),
    )


class MemcachedPool:
    """Several memcached servers the lab started, one unix socket each: `addresses` is HashClient's list.

    `kill(i)` crashes node i (SIGKILL), `stop(i)` shuts it down cleanly (SIGTERM); both keep the
    handle, and `restart(i)` brings it back, empty, on the same socket. `stop_all()` (or leaving the
    `with` block, or exit, or the watchdog after a SIGKILL of this process) ends them all for good.
    """

    def __init__(self, nodes: Sequence[MemcachedServer]) -> None:
        self.nodes: list[MemcachedServer] = list(nodes)

    @property
    def addresses(self) -> list[str]:
        """What `HashClient(servers)` and `MemcachedCache(servers=...)` take: one socket path a node."""
        return [node.address for node in self.nodes]

    @property
    def names(self) -> list[str]:
        """The stable names keys are hashed against: "memcached-0", "memcached-1", ..."""
        return [f"memcached-{i}" for i in range(len(self.nodes))]

    def node(self, i: int) -> MemcachedServer:
        """Node i, checked."""
        i = _check.integer("i", i, minimum=0)
        if i >= len(self.nodes):
            raise ValueError(f"i must be a node index from 0 to {len(self.nodes) - 1}, got {i}")
        return self.nodes[i]

    def kill(self, i: int) -> None:
        """Crash node i (SIGKILL) and wait until it exited; its entries are gone."""
        self.node(i).kill()

    def stop(self, i: int) -> None:
        """Shut node i down cleanly (SIGTERM) and wait until it exited; `restart(i)` brings it back."""
        self.node(i).kill(signal.SIGTERM)

    def restart(self, i: int, timeout: float = 10.0) -> MemcachedServer:
        """Start node i again on the same socket, empty."""
        return self.node(i).restart(timeout=timeout)

    @property
    def running(self) -> list[bool]:
        return [node.running for node in self.nodes]

    def stop_all(self) -> None:
        """Stop every node for good and remove their folders. Safe to call twice."""
        for node in self.nodes:
            node.stop()

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[MemcachedServer]:
        return iter(self.nodes)

    def __enter__(self) -> MemcachedPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_all()

    def __repr__(self) -> str:
        up = sum(self.running)
        return f"<MemcachedPool {len(self.nodes)} nodes, {up} running>"


def start_memcached_pool(n: int, *, memory_mb: int = 16, timeout: float = 10.0) -> MemcachedPool:
    """Start `n` private memcached servers (unix sockets in 0700 folders), `memory_mb` each.

    A node that fails to start stops the ones already started, so nothing is left behind.
    """
    n = _check.integer("n", n)
    memory_mb = _check.integer("memory_mb", memory_mb)
    timeout = _check.seconds("timeout", timeout)
    nodes: list[MemcachedServer] = []
    try:
        for _ in range(n):
            nodes.append(start_memcached(memory_mb=memory_mb, timeout=timeout))
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return MemcachedPool(nodes)
