"""Trace files and the bundled real traces: what a recorded request stream looks like on disk.

Trace files are plain text, one request a line: `key`, or `timestamp key`. Lines starting with `#`
are comments and blank lines are ignored, except `#!cost key seconds bytes` lines, which
`hotcache_lab.record` writes after a key's first call (its computation's duration and result size).
Two more formats are read with `read_trace(path, format=...)`: "csv" (a header row, keys in the
column named by `key_column`) and "oracle", libCacheSim's oracleGeneral binary format.

Keys are integers by default; real traces whose keys are strings (URLs, object names) are read
with `string_keys=True`, which maps each distinct string to an integer id in order of first
appearance and keeps the strings in `Trace.names`, so nothing is
dropped and ids are stable for a given file.

The bundled traces are package data (`hotcache_lab/workloads/traces/`), so `load("re_compile")`
works from an installed wheel; data/README.md in the repository says where each came from.
"""

from __future__ import annotations

import csv
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
class Costs:
    """Per recorded key: its first call's duration (seconds) and its result's deep size (bytes)."""

    keys: np.ndarray
    seconds: np.ndarray
    bytes: np.ndarray


@dataclass(frozen=True, eq=False)
class Trace:
    """A request stream with optional per-request timestamps (seconds) and original key names.

    Behaves as its key array where numpy expects an array (`np.asarray(trace)`, `len(trace)`), so it
    can be passed straight to `hotcache_lab.simulate`.
    """

    keys: np.ndarray
    timestamps: np.ndarray | None = None
    names: list[str] | None = None  # names[i] is the original token of key id i (string_keys=True)
    costs: Costs | None = None  # what recorded first calls cost (hotcache_lab.record), if the file says
    sizes: np.ndarray | None = None  # per-request object size in bytes (oracleGeneral traces)

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


_COST_MARK = "#!cost"  # `#!cost key seconds bytes`: a recorded first call (hotcache_lab.record)


def _cost_line(path: Path, lineno: int, fields: list[str], names: dict | None, costs: list) -> None:
    """Parse one `#!cost key seconds bytes` line into costs (key token, seconds, bytes)."""
    if len(fields) != 4:
        got = " ".join(fields)
        raise _parse_error(path, lineno, f"expected '{_COST_MARK} key seconds bytes', got {got!r}")
    try:
        key = names.setdefault(fields[1], len(names)) if names is not None else int(fields[1])
        seconds, size = float(fields[2]), int(fields[3])
    except ValueError:
        raise _parse_error(path, lineno, f"expected an integer key, a duration in seconds and a size in "
                           f"bytes after {_COST_MARK}, got {' '.join(fields[1:])!r}") from None
    if not (math.isfinite(seconds) and seconds >= 0 and size >= 0):
        raise _parse_error(path, lineno, f"cost must be a duration >= 0 and a size >= 0, got {fields[2:]}")
    costs.append((key, seconds, size))


def _parse_chunk(path: Path, first_lineno: int, lines: list[str], columns: int | None,
                 names: dict | None, costs: list) -> tuple[list, list | None, int | None]:
    """Parse one chunk of lines; `columns` (1 or 2) is fixed by the first data line of the file."""
    keys: list = []
    times: list | None = [] if columns == 2 else None
    for lineno, line in enumerate(lines, first_lineno):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            if fields and fields[0] == _COST_MARK:
                _cost_line(path, lineno, fields, names, costs)
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
    path: str | os.PathLike, *, string_keys: bool = False, full: bool = False, format: str = "text",
    key_column: str = "key",
) -> np.ndarray | Trace:
    """Read a trace file: the int64 key array, or with full=True a Trace (keys, timestamps, names, costs).

    format "text" (the lab's own, module docstring), "csv" (header row required; keys are the column
    `key_column`, numbered in order of first appearance, the strings kept in Trace.names) or "oracle"
    (libCacheSim's oracleGeneral binary records). The text reader streams the file in chunks of lines,
    so memory stays about the size of the result. A bad file raises ValueError naming the file and,
    for text and CSV, the line number.
    """
    path = Path(path)
    _check.one_of("format", format, TRACE_FORMATS)
    if format == "csv":
        trace = _read_csv(path, _check.text("key_column", key_column))
    elif format == "oracle":
        trace = _read_oracle(path)
    else:
        trace = _read_text(path, string_keys)
    return trace if full else trace.keys


def _plain_ints(lines: list[str]) -> np.ndarray | None:
    """A chunk of one integer key a line, parsed by numpy (the common case, ~5x faster); None when the
    chunk holds anything else (comments, blank lines, two fields, a bad token), for the exact parser."""
    text = "".join(lines)
    if "#" in text or " " in text or "\t" in text:
        return None
    tokens = text.split()
    if len(tokens) != len(lines):  # a blank line
        return None
    try:
        return np.array(tokens, dtype=np.int64)
    except (ValueError, OverflowError):  # the exact parser names the line
        return None


def _read_text(path: Path, string_keys: bool) -> Trace:
    names: dict | None = {} if string_keys else None
    key_chunks: list[np.ndarray] = []
    time_chunks: list[np.ndarray] = []
    costs: list = []
    columns = None
    with _open_text(path) as f:
        lineno = 1
        while lines := list(itertools.islice(f, _CHUNK_LINES)):
            fast = _plain_ints(lines) if names is None and columns in (None, 1) else None
            if fast is not None:
                key_chunks.append(fast)
                columns = 1
                lineno += len(lines)
                continue
            keys, times, columns = _parse_chunk(path, lineno, lines, columns, names, costs)
            key_chunks.append(np.array(keys, dtype=np.int64))
            if times is not None:
                time_chunks.append(np.array(times, dtype=np.float64))
            lineno += len(lines)
    if columns is None:
        raise ValueError(f"{path.name}: no requests in the file")
    cost = None
    if costs:
        k, sec, size = zip(*costs, strict=True)
        cost = Costs(np.array(k, dtype=np.int64), np.array(sec, dtype=np.float64),
                     np.array(size, dtype=np.int64))
    return Trace(
        np.concatenate(key_chunks),
        np.concatenate(time_chunks) if columns == 2 else None,
        list(names) if names is not None else None,
        cost,
    )


TRACE_FORMATS = ("text", "csv", "oracle")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: libCacheSim's oracleGeneral record, packed little-endian, 24 bytes (oracleGeneralBin.h)
ORACLE_RECORD = np.dtype([("timestamp", "<u4"), ("obj_id", "<u8"), ("obj_size", "<u4"),
                          ("next_access_vtime", "<i8")])


def _refuse_zstd(path: Path, head: bytes) -> None:
    if head.startswith(_ZSTD_MAGIC):
        raise ValueError(f"{path.name}: a zstd-compressed file; decompress it first (zstd -d {path.name})")


def _open_text(path: Path):
    with open(path, "rb") as f:
        head = f.read(4096)
    _refuse_zstd(path, head)
    if b"\0" in head:
        raise ValueError(f"{path.name} line 1: binary data, not a text trace (an oracleGeneral file? "
                         "use format='oracle')")
    return open(path, encoding="utf-8")


def _read_csv(path: Path, key_column: str) -> Trace:
    names: dict = {}
    keys: list[int] = []
    with _open_text(path) as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if not header:
            raise ValueError(f"{path.name}: empty file, expected a CSV header row")
        if key_column not in header:
            raise ValueError(f"{path.name} line 1: no column named {key_column!r} in the header "
                             f"{header!r} (choose one with key_column)")
        col, width = header.index(key_column), len(header)
        for row in rows:
            if not row:
                continue
            if len(row) != width or not row[col]:
                raise ValueError(f"{path.name} line {rows.line_num}: expected {width} fields with a "
                                 f"{key_column!r} value like the header, got {','.join(row)!r}")
            keys.append(names.setdefault(row[col], len(names)))
    if not keys:
        raise ValueError(f"{path.name}: no requests in the file (a header row only)")
    return Trace(np.array(keys, dtype=np.int64), None, list(names))


def _read_oracle(path: Path) -> Trace:
    data = path.read_bytes()
    _refuse_zstd(path, data[:4])
    if not data:
        raise ValueError(f"{path.name}: empty file, no requests")
    if len(data) % ORACLE_RECORD.itemsize:
        raise ValueError(f"{path.name}: {len(data)} bytes is not a whole number of {ORACLE_RECORD.itemsize}"
                         "-byte oracleGeneral records (a text trace? use format='text')")
    rec = np.frombuffer(data, dtype=ORACLE_RECORD)
    return Trace(rec["obj_id"].view(np.int64).copy(), rec["timestamp"].astype(np.float64), None, None,
                 rec["obj_size"].astype(np.int64))


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

