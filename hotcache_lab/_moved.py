"""Old import paths of modules that moved when the package was cut by concept, kept working.

`import hotcache_lab.simulate` or `from hotcache_lab.backends import RedisCache` still work: a
finder on `sys.meta_path` answers each old name with the module that now holds it, so the old
and new paths give the very same objects (one class, not two copies). An old module whose names
were split between several new homes becomes a small module that looks each name up in them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types

PACKAGE = "hotcache_lab"

#: old module (under hotcache_lab) -> its new home, or the homes its names were split between
MOVED: dict[str, tuple[str, ...]] = {
    "simulate": ("sim",),
    "replay_kernels": ("sim.kernels",),
    "stepper": ("sim.stepper",),
    "service": ("sim.service",),
    "capstone": ("sim.capstone", "distributed.processes", "distributed.redis_lru",
                 "lessons.choosing_a_cache"),
    "races": ("concurrency.races",),
    "observe": ("concurrency.observe",),
    "contention": ("concurrency.stampede", "concurrency.unsafe", "concurrency.strategies",
                   "concurrency.processes", "sim.workers"),
    "async_memo": ("memo.async_memo",),
    "refresh": ("expiry.refresh",),
    "hotkey_sim": ("expiry.hotkey_sim", "expiry.intervals"),
    "redis_refresh": ("distributed.redis_refresh", "distributed.redis_refresh_processes"),
    "backends": ("distributed",),
    "backends._common": ("distributed.base",),
    "memory": ("measure.memory",),
    "latency": ("measure.latency", "lessons.hit_ratios"),
    "ladder": ("distributed.ladder", "measure.timing"),
    "viz": ("plots",),
    "exercises": ("lessons.exercises",),
}
#: old packages whose submodules kept their names under the new package
MOVED_PACKAGES = {"backends": "distributed"}


def new_homes(old: str) -> tuple[str, ...] | None:
    """The full names of the modules that hold what `hotcache_lab.<old>` held, or None."""
    if old in MOVED:
        return tuple(f"{PACKAGE}.{home}" for home in MOVED[old])
    package, _, rest = old.partition(".")
    if rest and package in MOVED_PACKAGES:
        return (f"{PACKAGE}.{MOVED_PACKAGES[package]}.{rest}",)
    return None


class _Split(types.ModuleType):
    """An old module whose names now live in several modules: each attribute is looked up in them."""

    def __init__(self, name: str, homes: tuple[str, ...]) -> None:
        super().__init__(name, f"Moved: the names of {name} now live in {', '.join(homes)}.")
        self.__homes = homes

    def __getattr__(self, attr: str):
        for home in self.__homes:
            module = importlib.import_module(home)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"{self.__name__}.{attr} is not in its new homes {self.__homes}")

    def __dir__(self) -> list[str]:
        return sorted({n for h in self.__homes for n in dir(importlib.import_module(h))})


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(PACKAGE + ".") and new_homes(fullname[len(PACKAGE) + 1:]):
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return types.ModuleType(spec.name)

    def exec_module(self, module) -> None:
        homes = new_homes(module.__name__[len(PACKAGE) + 1:])
        # the import system reads sys.modules back after exec_module: the old name is the new module
        sys.modules[module.__name__] = (importlib.import_module(homes[0]) if len(homes) == 1
                                        else _Split(module.__name__, homes))


def install() -> None:
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.insert(0, _OldPaths())
