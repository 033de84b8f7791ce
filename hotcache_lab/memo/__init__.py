"""A cache in front of a function: `memoize` (threads, three lock modes) and its asyncio twins."""

from .decorator import LOCK_MODES, CacheInfo, make_key, memoize

__all__ = ["memoize", "CacheInfo", "make_key", "LOCK_MODES"]
