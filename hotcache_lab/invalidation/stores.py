"""The cache side of the invalidation lessons: entries with versions on a real Redis server.

An entry is a Redis hash `{value, version[, expires][, tomb]}` under `prefix + key`. Values are
strings (nothing is unpickled). Besides plain get/set/delete, two protocols keep a slow reader from
putting an old value back after a writer invalidated it, each done atomically in a Lua script (Redis
runs a script with no other command in between: https://redis.io/docs/latest/develop/interact/programmability/eval-intro/):

- leases, as in "Scaling Memcache at Facebook" (Nishtala et al., NSDI 2013, section 3.2.1): a miss hands
  out a token; a delete invalidates it; a set with a token that is no longer current is refused.
- versions: a set is accepted only if its version is newer than what the cache holds, and an
  invalidation leaves a tombstone with the writer's version, so an older fill after it is refused.

Time is either Redis's own (`ttl_ms`, a real PEXPIRE) or the caller's logical clock (`expires`, a tick
count compared with `now`), which keeps a replay's counts the same on every run.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from .. import _check

FOREVER = 2**62  # a logical expiry that never comes
GET_SCRIPT = """
local e = redis.call('HMGET', KEYS[1], 'value', 'version', 'expires', 'tomb')
if not e[2] or e[4] then return false end
if e[3] and tonumber(e[3]) <= tonumber(ARGV[1]) then return false end
return {e[1], e[2], e[3] or ''}
"""
LEASE_GET_SCRIPT = """
local e = redis.call('HMGET', KEYS[1], 'value', 'version', 'tomb')
if e[2] and not e[3] then return {'hit', e[1], e[2]} end
local token = redis.call('INCR', KEYS[3])
if redis.call('SET', KEYS[2], token, 'NX', 'PX', ARGV[1]) then return {'lease', token} end
return {'wait'}
"""
LEASE_SET_SCRIPT = """
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'version', ARGV[2])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
"""
VERSIONED_SET_SCRIPT = """
local e = redis.call('HMGET', KEYS[1], 'version', 'tomb')
local v = tonumber(ARGV[2])
if e[1] and (tonumber(e[1]) > v or (tonumber(e[1]) == v and not e[2])) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'version', ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
"""
TOMBSTONE_SCRIPT = """
local old = redis.call('HGET', KEYS[1], 'version')
if old and tonumber(old) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'tomb', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class Entry(NamedTuple):
    value: str
    version: int
    expires: int = FOREVER  # the logical tick at which it expires (FOREVER: never, or Redis's own TTL)


class RedisStore:
    """Versioned entries under `prefix` on one Redis server (a redis-py client with timeouts)."""

    def __init__(self, client: Any, prefix: str = "inv:", *, lease_ms: int = 10_000,
                 tombstone_ms: int = 60_000) -> None:
        self.client = client
        self.prefix = _check.text("prefix", prefix)
        self.lease_ms = _check.integer("lease_ms", lease_ms)
        self.tombstone_ms = _check.integer("tombstone_ms", tombstone_ms)
        self._get, self._lease_get, self._lease_set, self._versioned_set, self._tombstone = (
            client.register_script(s) for s in (GET_SCRIPT, LEASE_GET_SCRIPT, LEASE_SET_SCRIPT,
                                                VERSIONED_SET_SCRIPT, TOMBSTONE_SCRIPT))
        self._lock = threading.Lock()
        self.hits = self.misses = self.refused = 0

    def under(self, name: str) -> RedisStore:
        """A store of its own on the same server, under `prefix + name + ":"`, with the same settings:
        what lets several replays run side by side without sharing a key."""
        return RedisStore(self.client, f"{self.prefix}{_check.text('name', name)}:", lease_ms=self.lease_ms,
                          tombstone_ms=self.tombstone_ms)

    def _keys(self, key: str) -> list[str]:
        return [self.prefix + key, self.prefix + "lease:" + key, self.prefix + "lease-tokens"]

    def _counted(self, entry: Entry | None) -> Entry | None:
        with self._lock:
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
        return entry

    def get(self, key: str, *, now: int = 0) -> Entry | None:
        """The live entry, or None (absent, a tombstone, or past its logical `expires` at tick `now`)."""
        found = self._get(keys=self._keys(key)[:1], args=[now])
        if not found:
            return self._counted(None)
        return self._counted(Entry(found[0].decode(), int(found[1]), int(found[2] or FOREVER)))

    def set(self, key: str, value: str, version: int = 0, *, ttl_ms: int = 0, expires: int = FOREVER) -> None:
        """Store unconditionally (the plain fill of cache-aside)."""
        name = self.prefix + key
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(name)
            pipe.hset(name, mapping={"value": value, "version": version, "expires": expires})
            if ttl_ms:
                pipe.pexpire(name, ttl_ms)
            pipe.execute()

    def delete(self, key: str) -> None:
        """Drop the entry and any lease on it (a delete invalidates the lease's token)."""
        self.client.delete(*self._keys(key)[:2])

    def lease_get(self, key: str) -> tuple[Entry | None, int | None]:
        """A hit, or a miss with a lease token to fill it, or a miss with None: another reader holds
        the lease (read the database, do not fill; Facebook's clients wait a little and retry)."""
        found = self._lease_get(keys=self._keys(key), args=[self.lease_ms])
        if found[0] == b"hit":
            return self._counted(Entry(found[1].decode(), int(found[2]))), None
        self._counted(None)
        return None, int(found[1]) if found[0] == b"lease" else None

    def lease_set(self, key: str, value: str, version: int, token: int, *, ttl_ms: int = 0) -> bool:
        """Fill with the lease's token: refused (False) if a delete came since the token was handed out."""
        return self._accepted(self._lease_set(keys=self._keys(key)[:2], args=[value, version, token, ttl_ms]))

    def versioned_set(self, key: str, value: str, version: int, *, ttl_ms: int = 0) -> bool:
        """Fill only if `version` is newer than the entry or the tombstone held: False if refused."""
        return self._accepted(self._versioned_set(keys=self._keys(key)[:1], args=[value, version, ttl_ms]))

    def invalidate(self, key: str, version: int) -> bool:
        """A writer's invalidation that remembers its version (a tombstone, kept `tombstone_ms`)."""
        return bool(self._tombstone(keys=self._keys(key)[:2], args=[version, self.tombstone_ms]))

    def _accepted(self, done: int) -> bool:
        if not done:
            with self._lock:
                self.refused += 1
        return bool(done)

    def clear(self) -> int:
        """Remove every key under the prefix (SCAN, not KEYS, so a big server is not blocked)."""
        names = list(self.client.scan_iter(match=self.prefix.replace("*", r"\*") + "*", count=500))
        if names:
            self.client.delete(*names)
        with self._lock:
            self.hits = self.misses = self.refused = 0
        return len(names)
