"""What RedisCache and MemcachedCache share: the Cache base wiring, codecs, ttl, lifetime."""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterator
from typing import Any

from .. import _check
from ..caches.base import Cache, CacheStats, check_maxsize
from .codecs import Codec, get_codec

USE_DEFAULT: Any = object()  # put(..., ttl=USE_DEFAULT): the cache's own ttl


def close_client(client: Any, server: Any) -> None:
    """Disconnect `client`, then stop `server` if the cache started one (a finalizer of either cache)."""
    try:
        client.close()
    finally:
        if server is not None:
            server.stop()


class ServerCache(Cache):
    """A Cache whose entries live in a server: same get/put/stats, different fine print.

    - hits and misses are counted by this object (per instance, per process);
    - evictions are the server's count since this object was created or `reset_stats()`, for the
      whole server (every namespace and client), because that is what the server reports;
    - `maxsize` in `stats` is the server's memory limit in bytes (None: unlimited), because servers
      bound memory, not entries; `currsize` is a number of entries;
    - `on_evict` is not supported: the server evicts without telling the client;
    - iterating is not supported: the server holds the keys' text form, not the Python keys.
    """

    policy = "server"

    def __init__(self, *, namespace: str, ttl: float | None, codec: str | Codec) -> None:
        super().__init__(None)
        self.namespace = _check.text("namespace", namespace)
        self.ttl = _check.seconds("ttl", ttl, allow_none=True)
        self.codec = get_codec(codec)
        self.server = None  # the ServerHandle this cache started, if it started one
        self._closer: weakref.finalize | None = None
        self._eviction_base = 0

    def _check_maxsize(self, maxsize: object) -> int | None:
        return check_maxsize(maxsize, allow_none=True)

    def _ttl_for(self, ttl: Any) -> float | None:
        return self.ttl if ttl is USE_DEFAULT else _check.seconds("ttl", ttl, allow_none=True)

    # --- what each server implements ---------------------------------------------------------
    def _server_evictions(self) -> int:
        raise NotImplementedError

    def _server_maxbytes(self) -> int | None:
        raise NotImplementedError

    def _put(self, key: Hashable, value: Any, ttl: float | None) -> None:
        raise NotImplementedError

    def _delete(self, key: Hashable) -> bool:
        raise NotImplementedError

    # --- the Cache interface -------------------------------------------------------------------
    def _store(self, key: Hashable, value: Any) -> None:
        self._put(key, value, self.ttl)

    def put(self, key: Hashable, value: Any, *, ttl: Any = USE_DEFAULT) -> None:
        """Store `value` under `key`; `ttl` (seconds, or None for no expiry) overrides the cache's ttl."""
        self._put(key, value, self._ttl_for(ttl))

    def delete(self, key: Hashable) -> bool:
        """Remove `key`; True if it was there."""
        return self._delete(key)

    def _remove(self, key: Hashable) -> Any:
        if not self._delete(key):
            raise KeyError(key)

    @property
    def stats(self) -> CacheStats:
        evictions = max(0, self._server_evictions() - self._eviction_base)
        return CacheStats(self._hits, self._misses, evictions, len(self), self._server_maxbytes())

    @property
    def maxsize(self) -> int | None:
        """The server's memory limit in bytes, None if unlimited."""
        return self._server_maxbytes()

    def reset_stats(self) -> None:
        super().reset_stats()
        self._eviction_base = self._server_evictions()

    def on_evict(self, callback):
        raise NotImplementedError(
            f"{type(self).__name__} cannot call on_evict hooks: the server evicts entries without telling "
            f"its clients. Poll `.stats.evictions` instead"
        )

    def __iter__(self) -> Iterator:
        raise TypeError(
            f"{type(self).__name__} cannot iterate over its keys: the server stores their text form, "
            f"not the Python objects"
        )

    def _keys(self) -> list:
        raise TypeError(f"{type(self).__name__} cannot list its keys")

    # --- lifetime ------------------------------------------------------------------------------
    def close(self) -> None:
        """Disconnect, and stop the server if this cache started it. Safe to call twice."""
        if self._closer is not None:
            self._closer()

    @property
    def closed(self) -> bool:
        return self._closer is None or not self._closer.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

