"""Instrumented caches: one replacement policy a module, one shared base (`Cache`)."""

from .base import MISSING, Cache, CacheStats, check_maxsize
from .fifo import FIFOCache
from .lfu import LFUCache
from .lru import LRUCache
from .rr import RRCache
from .s3fifo import S3FIFOCache
from .sieve import SIEVECache
from .ttl import TTLCache
from .unbounded import UnboundedCache

#: Policy name -> class, for code that picks a policy by name (simulate, widgets).
POLICIES = {
    cls.policy: cls
    for cls in (LRUCache, FIFOCache, LFUCache, RRCache, SIEVECache, S3FIFOCache)
}

__all__ = [
    "MISSING", "Cache", "CacheStats", "check_maxsize", "POLICIES",
    "LRUCache", "FIFOCache", "LFUCache", "RRCache", "TTLCache", "UnboundedCache",
    "SIEVECache", "S3FIFOCache",
]
