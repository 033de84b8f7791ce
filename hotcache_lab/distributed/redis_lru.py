"""Redis's approximated LRU on a real server: replay a trace under maxmemory + allkeys-lru.

    out = redis_lru_replay(redis.Redis.from_url(start_redis().url), stream, capacity=600, samples=5)
    out["hit_ratio"], out["keys_held"]      # compare with sim.hit_ratio(stream, "lru", out["keys_held"])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _check
from .redis_cache import check_samples

__all__ = ["redis_lru_replay", "REPLAY_CLOCKS"]

REPLAY_CLOCKS = ("trace", "wall")


def redis_lru_replay(client: Any, trace: Sequence | np.ndarray, capacity: int, *, samples: int = 5,
                     value_bytes: int = 64, clock: str = "trace", batch: int = 200) -> dict:
    """Replay `trace` on a REAL Redis under maxmemory + allkeys-lru: GET each key, store it on a miss.

    DESTRUCTIVE: flushes the client's database and sets the server's maxmemory, maxmemory-policy and
    maxmemory-samples (restored to no limit / noeviction at the end): use a private server
    (`distributed.start_redis()`), never a shared one.

    `capacity` is the number of keys the memory limit is sized for: the function measures the bytes
    one key of `value_bytes` costs on this server and sets maxmemory = empty server + capacity × that.
    The server's count of keys actually held at the end (DBSIZE) is returned as `keys_held`: that is
    the size an exact LRU should be given to compare like with like.

    `clock`: Redis's LRU clock ticks once per second (LRU_CLOCK_RESOLUTION is 1000 ms in server.h),
    so in a replay that lasts about a second every key looks equally recent. With "trace" each
    request i stamps its key as last used (n - i) seconds ago (RESTORE ... REPLACE IDLETIME, a real
    Redis command), so Redis's sampling sees the trace's order; with "wall", plain GET + SET NX, and
    Redis sees its real 1-second clock. Commands are pipelined in batches of `batch` requests; the
    server runs them one by one, evicting before each write as it would for separate clients.
    """
    _check.one_of("clock", clock, REPLAY_CLOCKS)
    _check.maxsize(capacity, name="capacity")
    samples = check_samples(samples)
    value_bytes = _check.integer("value_bytes", value_bytes)
    batch = _check.integer("batch", batch)
    keys = [int(k) for k in np.asarray(trace).tolist()]
    if not keys:
        raise ValueError("trace must not be empty")
    value = b"x" * value_bytes
    maxmemory, per_key, payload = _size_maxmemory(client, capacity, value)
    client.config_set("maxmemory-policy", "allkeys-lru")
    client.config_set("maxmemory-samples", samples)
    client.config_set("maxmemory", maxmemory)
    evicted_before = int(client.info("stats")["evicted_keys"])
    try:
        hits = _replay(client, keys, value, payload, clock, batch)
        held = int(client.dbsize())
        evicted = int(client.info("stats")["evicted_keys"]) - evicted_before
    finally:
        client.config_set("maxmemory", 0)
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory-samples", 5)
    n = len(keys)
    return {"requests": n, "hits": hits, "hit_ratio": hits / n, "keys_held": held, "evicted": evicted,
            "maxmemory": maxmemory, "bytes_per_key": per_key, "samples": samples, "clock": clock}


def _size_maxmemory(client: Any, capacity: int, value: bytes) -> tuple[int, float, bytes]:
    """Measure one key's bytes on this server; return the maxmemory that holds `capacity` keys, the bytes
    per key, and one key's DUMP payload (for RESTORE). Leaves the database empty."""
    client.config_set("maxmemory", 0)
    client.flushdb()
    base = int(client.info("memory")["used_memory"])
    probe = min(capacity, 2_000)
    pipe = client.pipeline(transaction=False)
    for k in range(probe):
        pipe.set(f"k:{k}", value)
    pipe.execute()
    per_key = (int(client.info("memory")["used_memory"]) - base) / probe
    payload = client.dump("k:0")
    client.flushdb()
    base = int(client.info("memory")["used_memory"])
    return int(base + capacity * per_key), per_key, payload


def _replay(client: Any, keys: list[int], value: bytes, payload: bytes, clock: str, batch: int) -> int:
    """GET every key (and store it again, stamped by the trace's clock or set if absent); the hits."""
    n, hits = len(keys), 0
    for start in range(0, n, batch):
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(n, start + batch)):
            name = f"k:{keys[i]}"
            pipe.get(name)
            if clock == "trace":
                pipe.execute_command("RESTORE", name, 0, payload, "REPLACE", "IDLETIME", n - i)
            else:
                pipe.set(name, value, nx=True)
        replies = pipe.execute()
        hits += sum(reply is not None for reply in replies[0::2])
    return hits
