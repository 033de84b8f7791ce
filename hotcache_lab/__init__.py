"""hotcache_lab: the helper package behind the hotcache-lab notebooks.

    from hotcache_lab import caches, workloads, simulate, memoize, record

`memoize` is the decorator (its module is `hotcache_lab.memo.decorator`); `record` writes a
function's key stream to a trace file (`hotcache_lab.record`); `simulate` is the
`sim` package; the other names are subpackages, one concept each (docs/architecture.md).
"""

import sys

from . import _moved, caches
from .memo import CacheInfo, memoize
from .memo import decorator as _decorator
from .record import record

_moved.install()
# The old module path `hotcache_lab.memoize` keeps working for `from hotcache_lab.memoize import
# make_key`; registered here so that importing it never rebinds the attribute `memoize`.
sys.modules.setdefault(f"{__name__}.memoize", _decorator)

__all__ = ["caches", "memoize", "CacheInfo", "record", "workloads", "simulate"]
__version__ = "0.1.0"

_LAZY = ("workloads", "sim", "measure", "memo", "concurrency", "expiry", "distributed", "plots", "lessons",
         "analyze")


def __getattr__(name):
    # the subpackages that pull in numpy, redis or matplotlib load when first asked for
    import importlib

    if name in _LAZY or _moved.new_homes(name):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hotcache_lab' has no attribute {name!r}")
