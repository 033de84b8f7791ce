"""Record the lookups in `typing`'s generic-alias caches while real libraries are imported.

`typing._tp_cache` puts a `functools.lru_cache` in front of the `__getitem__` of the special forms
and generic classes (CPython 3.11, Lib/typing.py: `functools.lru_cache(typed=typed)(func)`, so
functools' default maxsize of 128 entries, one cache per decorated method): every `List[int]`,
`Optional[str]`, `Generic[T]`, `Callable[..., Any]` evaluated at import time goes through one of
them. We find those lru_cache wrappers (each is the `cached` free variable of a `_tp_cache` wrapper
in `typing`'s namespace), swap each for `hotcache_lab.record`'s wrapper around it (keys as
functools builds them, `typed` as the cache's
own), then import, unmodified, a list of installed libraries in this fresh process.

Keys are written as ids in order of first appearance (`hash_keys=False`): typing keys hold
TypeVars, and two distinct TypeVars named T have the same repr, so a hash of the repr would merge
them; ids follow the keys' own equality, as the cache does. The names side file is written to a
temporary folder and deleted: only ids are committed. Each key's first call is timed and its result
measured (`#!cost` lines); durations vary from machine to machine, `--check` compares keys only.

The interpreter is re-started with PYTHONHASHSEED=0 and the modules are imported in a fixed order.

Usage (from the repository root):
    python data/record_typing_cache.py            # writes hotcache_lab/workloads/traces/typing_cache.trace
    python data/record_typing_cache.py --check    # re-records and compares the keys with the committed file
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
import types
from pathlib import Path

import rerecord  # data/rerecord.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "hotcache_lab" / "workloads" / "traces" / "typing_cache.trace"

# Installed, widely used libraries that evaluate many typing subscriptions at import time.
MODULES = ["IPython", "jupyter_server.serverapp", "nbconvert", "httpx", "jsonschema", "jupyterlab_server",
           "hypothesis", "anyio", "matplotlib.pyplot", "numba", "pygments.lexers"]


def _patch(func, rec) -> int:
    """Swap the lru_cache in `func`'s closure (a `_tp_cache` wrapper) for a recorded one."""
    func = getattr(func, "__func__", func)
    if not isinstance(func, types.FunctionType) or not func.__closure__:
        return 0
    for name, cell in zip(func.__code__.co_freevars, func.__closure__, strict=True):
        cached = cell.cell_contents
        if name == "cached" and hasattr(cached, "cache_parameters") and not hasattr(cached, "recorder"):
            cell.cell_contents = rec(cached, typed=cached.cache_parameters()["typed"])
            return 1
    return 0


def record(path: Path) -> tuple[int, int, float, list]:
    import typing

    from hotcache_lab.record import record as recorder

    rec = recorder(path, hash_keys=False)
    patched = 0
    for obj in list(vars(typing).values()):
        patched += _patch(obj, rec)
        if isinstance(obj, type):
            patched += sum(_patch(v, rec) for v in vars(obj).values())
    start = time.perf_counter()
    for name in MODULES:
        __import__(name)
    seconds = time.perf_counter() - start
    rec.close()
    from importlib import metadata  # after the recording: it evaluates typing subscriptions too

    dists = metadata.packages_distributions()
    versions = [f"{d} {metadata.version(d)}" for name in MODULES
                for d in dists.get(name.split(".")[0], [])[:1]]
    return patched, rec.calls, seconds, versions


def main() -> None:
    args = rerecord.arguments(__doc__.splitlines()[0], OUT)
    from hotcache_lab.workloads import read_trace

    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "typing.trace"
        patched, calls, seconds, versions = record(raw)
        trace = read_trace(raw, full=True)
        body = raw.read_text(encoding="utf-8").split("\n", 1)[1]  # without the recorder's own header line
    rerecord.exit_if_checked(args, trace.keys)
    header = [
        "hotcache-lab trace: lookups in typing's generic-alias caches (typing._tp_cache's lru_caches)",
        "recorded by data/record_typing_cache.py with hotcache_lab.record on CPython "
        f"{platform.python_version()} ({platform.python_implementation()}, {sys.platform}), PYTHONHASHSEED=0",
        f"workload: importing, in one fresh process, {' '.join(MODULES)}",
        f"library versions: {', '.join(versions)}",
        f"caches recorded: {patched}; requests: {len(trace)}, distinct keys: {len(set(trace.keys.tolist()))}",
        "column: key = id of the functools key of the call, numbered in order of first appearance",
        "#!cost lines: key, seconds of its first call, deep size in bytes of its result (machine-dependent)",
        "licence: CC0-1.0; see data/README.md",
    ]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("".join(f"# {line}\n" for line in header) + body)
    print("\n".join(header))
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size} bytes) after {seconds:.0f} s of imports, {calls} calls")


if __name__ == "__main__":
    main()
