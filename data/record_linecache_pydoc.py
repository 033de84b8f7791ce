"""Record the lookups in CPython's `linecache` while `pydoc` renders the documentation of stdlib packages.

`linecache.getlines(filename, module_globals)` serves a module's source lines from the dict
`linecache.cache`, keyed by file name, reading the file on a miss. `inspect` goes through it to find
an object's source (`inspect.findsource`, `getcomments`), and `pydoc` asks `inspect` about every
class and function it documents. We replace the module attribute `linecache.getlines` (which
`inspect` looks up at each call) by a function that hands `module_globals` through and calls a
`hotcache_lab.record` wrapper of the original, keyed by the file name alone: the cache's own key.
Then pydoc renders, as text, every module of the packages below (`pydoc.render_doc`, unmodified),
one after another, in this process. Modules that do not import here (Windows-only, missing
libraries) are skipped and counted.

Keys are ids in order of first appearance (`hash_keys=False`; file names are not committed). Each
file's first lookup is timed (reading and splitting the file) and its lines measured (`#!cost`);
durations are machine-dependent, `--check` compares keys only. PYTHONHASHSEED=0, fixed order.

Usage (from the repository root):
    python data/record_linecache_pydoc.py   # writes hotcache_lab/workloads/traces/linecache_pydoc.trace
    python data/record_linecache_pydoc.py --check  # re-records, compares the keys with the committed file
"""

from __future__ import annotations

import importlib
import linecache
import pkgutil
import platform
import pydoc
import sys
import tempfile
import time
import warnings
from pathlib import Path

import rerecord  # data/rerecord.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "hotcache_lab" / "workloads" / "traces" / "linecache_pydoc.trace"

PACKAGES = ["email", "json", "http", "xml", "asyncio", "concurrent", "importlib", "unittest", "logging",
            "urllib", "html", "collections", "sqlite3", "multiprocessing", "ctypes", "wsgiref", "xmlrpc",
            "dbm", "curses", "tomllib"]


def module_names() -> list[str]:
    """Each package and its submodules (tests left out), in pkgutil's order."""
    names = []
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [m.name for m in pkgutil.walk_packages(path, package + ".") if "test" not in m.name]
    return names


def record(path: Path, names: list[str]) -> tuple[int, int, float]:
    from hotcache_lab.record import record as recorder

    rec = recorder(path, hash_keys=False)
    original = linecache.getlines
    passing = {}

    @rec
    def lines_of(filename):
        return original(filename, passing.get("globals"))

    def getlines(filename, module_globals=None):
        passing["globals"] = module_globals
        return lines_of(filename)

    skipped = 0
    linecache.getlines = getlines
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in names:
                try:
                    pydoc.render_doc(name, renderer=pydoc.plaintext)
                except pydoc.ErrorDuringImport:
                    skipped += 1
    finally:
        linecache.getlines = original
        rec.close()
    return skipped, rec.calls, time.perf_counter() - start


def main() -> None:
    args = rerecord.arguments(__doc__.splitlines()[0], OUT)
    from hotcache_lab.workloads import read_trace

    names = module_names()
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "linecache.trace"
        skipped, calls, seconds = record(raw, names)
        trace = read_trace(raw, full=True)
        body = raw.read_text(encoding="utf-8").split("\n", 1)[1]  # without the recorder's own header line
    rerecord.exit_if_checked(args, trace.keys)
    header = [
        "hotcache-lab trace: file names looked up in CPython's linecache (linecache.getlines)",
        f"recorded by data/record_linecache_pydoc.py with hotcache_lab.record on CPython "
        f"{platform.python_version()} ({platform.python_implementation()}, {sys.platform}), PYTHONHASHSEED=0",
        f"workload: pydoc.render_doc (plain text) of {len(names)} modules of the stdlib packages "
        + " ".join(PACKAGES) + f", in pkgutil order; {skipped} did not import here and were skipped",
        f"requests: {len(trace)}, distinct keys: {len(set(trace.keys.tolist()))}",
        "column: key = id of the file name, numbered in order of first appearance",
        "#!cost lines: key, seconds of its first lookup, deep size in bytes of its lines (machine-dependent)",
        "licence: CC0-1.0; see data/README.md",
    ]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("".join(f"# {line}\n" for line in header) + body)
    print("\n".join(header))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) after {seconds:.0f} s, {calls} calls")


if __name__ == "__main__":
    main()
