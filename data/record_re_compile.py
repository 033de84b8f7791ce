"""Record the lookups that reach CPython's `re` compile cache while part of CPython's test suite runs.

Every `re.match`, `re.search`, `re.sub`, `re.compile`, ... call goes through `re._compile`, which
first looks `(type(pattern), pattern, flags)` up in the module's cache dict `re._cache` (in CPython
3.11 a 512-entry dict evicted in insertion order, i.e. FIFO; 3.12 and later use an LRU). We swap
that dict for a subclass that appends each looked-up key to a list, and otherwise behaves the same,
then run unmodified test modules of CPython's own regression suite (`Lib/test`) in this process.
Recording at the dict, not by wrapping `_compile`, adds no stack frame, so warnings and pickling in
the tests behave as without the recorder. Each distinct key becomes an integer id in order of first
appearance.

Lookups with an already compiled `Pattern` object are not recorded: `_compile` looks them up, misses,
and returns the object without storing it, so no cache could ever serve them. They are counted.

The interpreter is re-started with PYTHONHASHSEED=0 so that set and dict orders inside the tests,
and hence the trace, repeat from run to run.

Usage (from the repository root):
    python data/record_re_compile.py            # writes hotcache_lab/workloads/traces/re_compile.trace
    python data/record_re_compile.py --check    # re-records and compares with the committed file
"""

from __future__ import annotations

import io
import platform
import re
import sys
import time
import unittest
import warnings
from pathlib import Path

import rerecord  # data/rerecord.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent.parent / "hotcache_lab" / "workloads" / "traces" / "re_compile.trace"

# CPython regression-test modules, run in this order (alphabetical, like regrtest): real library code
# (argparse, email, tarfile, lib2to3, doctest, unittest, importlib, ...) matching `re` patterns on
# real inputs, plus test_re itself, which brings thousands of one-off patterns (the long tail).
MODULES = [
    "test.test_argparse",
    "test.test_ast",
    "test.test_configparser",
    "test.test_csv",
    "test.test_dataclasses",
    "test.test_doctest",
    "test.test_email",
    "test.test_enum",
    "test.test_fnmatch",
    "test.test_glob",
    "test.test_htmlparser",
    "test.test_http_cookiejar",
    "test.test_importlib",
    "test.test_inspect",
    "test.test_ipaddress",
    "test.test_lib2to3",
    "test.test_mailbox",
    "test.test_pprint",
    "test.test_pydoc",
    "test.test_re",
    "test.test_smtplib",
    "test.test_sqlite3",
    "test.test_strptime",
    "test.test_tarfile",
    "test.test_time",
    "test.test_typing",
    "test.test_unittest",
]


class RecordingDict(dict):
    """A dict that remembers every key looked up with `d[key]`; `re._compile` uses nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict = {}
        self.keys: list[int] = []
        self.skipped = 0

    def __getitem__(self, key):
        if isinstance(key[1], (str, bytes)):
            self.keys.append(self.ids.setdefault(key, len(self.ids)))
        else:
            self.skipped += 1
        return super().__getitem__(key)


def record(modules: list[str]) -> tuple[RecordingDict, unittest.TestResult, float]:
    suite = unittest.defaultTestLoader.loadTestsFromNames(modules)
    recording = RecordingDict()
    original = re._cache
    re._cache = recording
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    finally:
        re._cache = original
    return recording, result, time.perf_counter() - start


def main() -> None:
    args = rerecord.arguments(__doc__.splitlines()[0], OUT)
    from hotcache_lab.workloads import write_trace

    recording, result, seconds = record(MODULES)
    keys = recording.keys
    rerecord.exit_if_checked(args, keys)
    header = [
        "hotcache-lab trace: keys looked up in CPython's re compile cache (re._cache, via re._compile)",
        f"recorded by data/record_re_compile.py on CPython {platform.python_version()}"
        f" ({platform.python_implementation()}, {sys.platform}), PYTHONHASHSEED=0",
        "workload: unittest, in one process, over CPython's " + " ".join(MODULES),
        f"tests run: {result.testsRun}, failures: {len(result.failures)}, errors: {len(result.errors)},"
        f" skipped: {len(result.skipped)}",
        f"requests: {len(keys)}, distinct keys: {len(recording.ids)},"
        f" lookups of compiled Pattern objects not recorded: {recording.skipped}",
        "column: key = id of (type(pattern), pattern, flags), numbered in order of first appearance",
        "licence: CC0-1.0; see data/README.md",
    ]
    write_trace(args.out, keys, comment="\n".join(header))
    print("\n".join(header))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) after {seconds:.0f} s of tests")


if __name__ == "__main__":
    main()
