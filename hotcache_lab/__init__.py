"""hotcache_lab: the helper package behind the hotcache-lab notebooks.

    from hotcache_lab import caches, workloads, simulate, memoize

`memoize` here is the decorator (hotcache_lab.memoize.memoize); the other names are modules.
"""

from . import caches, observe, races
from .memoize import CacheInfo, memoize

__all__ = ["caches", "memoize", "CacheInfo", "observe", "races", "workloads", "simulate"]
__version__ = "0.1.0"


def __getattr__(name):
    # workloads and simulate pull in numpy: load them when first asked for
    if name in ("workloads", "simulate", "memory"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hotcache_lab' has no attribute {name!r}")
