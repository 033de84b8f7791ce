"""Trace files and the bundled real traces: what a recorded request stream looks like on disk.

Trace files are plain text, one request a line: `key`, or `timestamp key`. Lines starting with `#`
are comments and blank lines are ignored. Keys are integers by default; real traces whose keys are
strings (URLs, object names) are read with `string_keys=True`, which maps each distinct string to
an integer id in order of first appearance and keeps the strings in `Trace.names`, so nothing is
dropped and ids are stable for a given file.

The bundled traces are package data (`hotcache_lab/workloads/traces/`), so `load("re_compile")`
works from an installed wheel; data/README.md in the repository says where each came from.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .. import _check

_CHUNK_LINES = 1 << 16  # lines parsed per chunk: memory stays ~ the final array, not a 10M-item list
_TRACE_SUFFIX = ".trace"

@dataclass(frozen=True, eq=False)
class Trace:
    """A request stream with optional per-request timestamps (seconds) and original key names.

    Behaves as its key array where numpy expects an array (`np.asarray(trace)`, `len(trace)`), so it
    can be passed straight to `hotcache_lab.simulate`.
    """

    keys: np.ndarray
    timestamps: np.ndarray | None = None
    names: list[str] | None = None  # names[i] is the original token of key id i (string_keys=True)

    def __len__(self) -> int:
        return len(self.keys)

    def __array__(self, dtype=None, copy=None):
        return self.keys if dtype is None else self.keys.astype(dtype)



# --- trace files --------------------------------------------------------------------------------

def write_trace(path: str | os.PathLike, keys: object, timestamps: object = None, comment: str = "") -> Path:
    """Write a plain-text trace: `key` per line, or `timestamp key` when timestamps are given.

    Keys are integers, or strings without whitespace (read them back with string_keys=True).
    `comment` lines go first, each prefixed with `# `. Returns the path.
    """
    path = Path(path)
    if isinstance(keys, Trace):
        timestamps = keys.timestamps if timestamps is None else timestamps
        keys = keys.keys if keys.names is None else [keys.names[k] for k in keys.keys.tolist()]
    key_list = keys.tolist() if isinstance(keys, np.ndarray) else list(keys)
    for i, key in enumerate(key_list):
        if isinstance(key, bool) or not isinstance(key, (int, str)):
            raise TypeError(f"keys[{i}] must be an int or a str, got {key!r}")
        if isinstance(key, str) and (not key or key.startswith("#") or len(key.split()) != 1):
            raise ValueError(f"keys[{i}] must be a str without whitespace or a leading #, got {key!r}")
    times = None
    if timestamps is not None:
        times = np.asarray(timestamps, dtype=np.float64)
        if times.shape != (len(key_list),):
            raise ValueError(f"timestamps must have one entry per key ({len(key_list)}), got {times.shape}")
        if not np.isfinite(times).all():
            raise ValueError("timestamps must be finite numbers")
    with open(path, "w", encoding="utf-8") as f:
        for line in comment.splitlines():
            f.write(f"# {line}\n" if line else "#\n")
        for start in range(0, len(key_list), _CHUNK_LINES):
            chunk = key_list[start : start + _CHUNK_LINES]
            if times is None:
                lines = map(str, chunk)
            else:
                ts = times[start : start + _CHUNK_LINES].tolist()
                lines = (f"{t!r} {k}" for t, k in zip(ts, chunk, strict=True))
            f.write("\n".join(lines))
            f.write("\n")
    return path


def _parse_error(path: Path, lineno: int, message: str) -> ValueError:
    return ValueError(f"{path.name} line {lineno}: {message}")


def _parse_chunk(path: Path, first_lineno: int, lines: list[str], columns: int | None,
                 names: dict | None) -> tuple[list, list | None, int | None]:
    """Parse one chunk of lines; `columns` (1 or 2) is fixed by the first data line of the file."""
    keys: list = []
    times: list | None = [] if columns == 2 else None
    for lineno, line in enumerate(lines, first_lineno):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if columns is None:
            if len(fields) not in (1, 2):
                raise _parse_error(path, lineno, f"expected 'key' or 'timestamp key', got {line.strip()!r}")
            columns = len(fields)
            times = [] if columns == 2 else None
        if len(fields) != columns:
            expected = "'key'" if columns == 1 else "'timestamp key'"
            got = line.strip()
            raise _parse_error(path, lineno, f"expected {expected} like the first request line, got {got!r}")
        token = fields[-1]
        if names is not None:
            keys.append(names.setdefault(token, len(names)))
        else:
            try:
                key = int(token)
            except ValueError:
                raise _parse_error(path, lineno, f"expected an integer key, got {token!r} "
                                   "(read string keys with string_keys=True)") from None
            if not -(2**63) <= key < 2**63:
                raise _parse_error(path, lineno, f"key {token} does not fit in int64 (use string_keys=True)")
            keys.append(key)
        if columns == 2:
            try:
                t = float(fields[0])
            except ValueError:
                raise _parse_error(path, lineno, f"expected a numeric timestamp, got {fields[0]!r}") from None
            if not math.isfinite(t):
                raise _parse_error(path, lineno, f"timestamp must be finite, got {fields[0]!r}")
            times.append(t)
    return keys, times, columns


def read_trace(
    path: str | os.PathLike, *, string_keys: bool = False, full: bool = False
) -> np.ndarray | Trace:
    """Read a trace file: the int64 key array, or with full=True a Trace (keys, timestamps, names).

    Streams the file in chunks of lines, so memory stays about the size of the result. A line that
    is not `key` or `timestamp key` raises ValueError naming the file and the line number.
    """
    path = Path(path)
    names: dict | None = {} if string_keys else None
    key_chunks: list[np.ndarray] = []
    time_chunks: list[np.ndarray] = []
    columns = None
    with open(path, encoding="utf-8") as f:
        lineno = 1
        while lines := list(itertools.islice(f, _CHUNK_LINES)):
            keys, times, columns = _parse_chunk(path, lineno, lines, columns, names)
            key_chunks.append(np.array(keys, dtype=np.int64))
            if times is not None:
                time_chunks.append(np.array(times, dtype=np.float64))
            lineno += len(lines)
    if columns is None:
        raise ValueError(f"{path.name}: no requests in the file")
    keys_arr = np.concatenate(key_chunks)
    if not full:
        return keys_arr
    return Trace(
        keys_arr,
        np.concatenate(time_chunks) if columns == 2 else None,
        list(names) if names is not None else None,
    )


# --- bundled traces (package data) -------------------------------------------------------------

def _bundled():
    return resources.files(__package__) / "traces"


def available() -> list[str]:
    """Names of the bundled traces (data/README.md in the repository says where each came from)."""
    return sorted(p.name.removesuffix(_TRACE_SUFFIX) for p in _bundled().iterdir()
                  if p.name.endswith(_TRACE_SUFFIX))


def load(name: str) -> Trace:
    """A bundled real-world trace by name, e.g. load("re_compile"): keys and timestamps if recorded."""
    _check.one_of("name", _check.text("name", name), available())
    with resources.as_file(_bundled() / f"{name}{_TRACE_SUFFIX}") as path:
        return read_trace(path, full=True)

