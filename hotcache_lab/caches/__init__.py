"""Instrumented caches: one replacement policy a module, one shared base (`Cache`).

`POLICIES` holds the online policies; `BeladyOPT` (offline: it is built with its trace) is apart."""

from .base import MISSING, Cache, CacheStats, Entry, ValueTooLargeError, check_maxsize
from .fifo import FIFOCache
from .lfu import LFUCache, LFUEntry
from .lru import LRUCache
from .opt import BeladyOPT, OPTEntry
from .rr import RRCache
from .s3fifo import S3FIFOCache, S3FIFOEntry
from .sieve import SIEVECache, SIEVEEntry
from .ttl import TTLCache, TTLEntry
from .unbounded import UnboundedCache

#: Policy name -> class, for code that picks a policy by name (simulate, widgets).
POLICIES = {
    cls.policy: cls
    for cls in (LRUCache, FIFOCache, LFUCache, RRCache, SIEVECache, S3FIFOCache)
}

__all__ = [
    "MISSING", "Cache", "CacheStats", "ValueTooLargeError", "check_maxsize", "POLICIES",
    "LRUCache", "FIFOCache", "LFUCache", "RRCache", "TTLCache", "UnboundedCache",
    "SIEVECache", "S3FIFOCache", "BeladyOPT",
    "Entry", "LFUEntry", "SIEVEEntry", "S3FIFOEntry", "TTLEntry", "OPTEntry",
]
