"""What RedisCache and MemcachedCache share: the Cache base wiring, codecs, ttl, lifetime, faults."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import _check
from ..caches.base import Cache, CacheStats, check_maxsize
from .codecs import Codec, get_codec
from .errors import CacheUnavailable

USE_DEFAULT: Any = object()  # put(..., ttl=USE_DEFAULT): the cache's own ttl
ON_ERROR = ("raise", "miss")
DEFAULT_TIMEOUT = 3.0  # seconds a command may take before it is a CacheUnavailable
DEFAULT_CONNECT_TIMEOUT = 1.0  # seconds to open a connection


@dataclass(frozen=True)
class ServerCacheStats(CacheStats):
    """CacheStats plus `errors`: calls that found the server unavailable and were answered as a miss
    (a get, `in`) or dropped (a put), with on_error="miss". Always 0 with on_error="raise"."""

    errors: int = 0


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

    When the server is gone (killed, restarting) or hangs past `timeout` seconds, a call raises
    CacheUnavailable naming the server: a dead server's get is not a miss. With on_error="miss", a get
    or `in` answers as a miss and a put is dropped instead, each counted in `stats.errors`; delete,
    clear, len and stats still raise, since any answer would be invented. The next call reconnects,
    so the cache works again as soon as the server is back.
    """

    policy = "server"
    kind = "server"
    _unavailable_errors: tuple[type[BaseException], ...] = (OSError,)  # what "the server is gone" looks like

    def __init__(self, *, namespace: str, ttl: float | None, codec: str | Codec, on_error: str = "raise",
                 timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
        super().__init__(None)
        self.namespace = _check.text("namespace", namespace)
        self.ttl = _check.seconds("ttl", ttl, allow_none=True)
        self.codec = get_codec(codec)
        self.on_error = _check.one_of("on_error", on_error, ON_ERROR)
        self.timeout = _check.seconds("timeout", timeout)
        self.connect_timeout = _check.seconds("connect_timeout", connect_timeout)
        self.server = None  # the ServerHandle this cache started, if it started one
        self._closer: weakref.finalize | None = None
        self._eviction_base = 0
        self._errors = 0

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

    @property
    def where(self) -> str:
        """The server's address for messages (no password)."""
        raise NotImplementedError

    # --- faults ----------------------------------------------------------------------------------
    def _call(self, operation: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)`, the client library's "server gone" errors raised as CacheUnavailable."""
        try:
            return fn(*args, **kwargs)
        except self._unavailable_errors as exc:
            raise self._unavailable(operation, exc) from exc

    def _unavailable(self, operation: str, exc: BaseException) -> CacheUnavailable:
        return CacheUnavailable(
            f"{self.kind} at {self.where} is unavailable: {operation} failed with {type(exc).__name__}: "
            f"{exc or 'no reply'} (timeout {self.timeout:g} s). The server is down, restarting or "
            f"overloaded; the next call reconnects. on_error='miss' answers gets as misses instead",
            address=self.where, operation=operation,
        )

    def _absorb(self, error: CacheUnavailable) -> None:
        """on_error="miss": count the failure and carry on; "raise": raise it."""
        if self.on_error == "raise":
            raise error
        self._errors += 1

    @property
    def errors(self) -> int:
        """Calls answered as a miss or dropped because the server was unavailable (on_error="miss")."""
        return self._errors

    # --- the Cache interface -------------------------------------------------------------------
    def get(self, key: Hashable, default: Any = None) -> Any:
        try:
            return super().get(key, default)
        except CacheUnavailable as error:
            self._absorb(error)
            self._misses += 1
            return default

    def __contains__(self, key: object) -> bool:
        try:
            return self._contains(key)
        except CacheUnavailable as error:
            self._absorb(error)
            return False

    def _store(self, key: Hashable, value: Any) -> None:
        self.put(key, value)

    def put(self, key: Hashable, value: Any, *, ttl: Any = USE_DEFAULT) -> None:
        """Store `value` under `key`; `ttl` (seconds, or None for no expiry) overrides the cache's ttl."""
        ttl = self._ttl_for(ttl)
        try:
            self._put(key, value, ttl)
        except CacheUnavailable as error:
            self._absorb(error)

    def delete(self, key: Hashable) -> bool:
        """Remove `key`; True if it was there."""
        return self._delete(key)

    def _remove(self, key: Hashable) -> Any:
        if not self._delete(key):
            raise KeyError(key)

    @property
    def stats(self) -> CacheStats:
        evictions = max(0, self._server_evictions() - self._eviction_base)
        return ServerCacheStats(self._hits, self._misses, evictions, len(self), self._server_maxbytes(),
                                self._errors)

    @property
    def maxsize(self) -> int | None:
        """The server's memory limit in bytes, None if unlimited."""
        return self._server_maxbytes()

    def reset_stats(self) -> None:
        super().reset_stats()
        self._errors = 0
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

