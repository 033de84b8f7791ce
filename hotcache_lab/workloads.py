"""Request streams for cache experiments: seeded synthetic generators, trace files, bundled traces.

Every generator returns an int64 numpy array of keys (or a `Trace` when requests also have
timestamps), and the same arguments with the same `seed` give the same array, so notebook outputs
can be checked. Keys are small non-negative integers; their meaning is up to the experiment.

Trace files are plain text, one request a line: `key`, or `timestamp key`. Lines starting with `#`
are comments and blank lines are ignored. Keys are integers by default; real traces whose keys are
strings (URLs, object names) are read with `string_keys=True`, which maps each distinct string to
an integer id in order of first appearance and keeps the strings in `Trace.names`, so nothing is
dropped and ids are stable for a given file.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Trace", "uniform", "zipf", "scan", "loop", "shifting_hotset", "bursts", "diurnal", "mix",
    "write_trace", "read_trace", "load", "available",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_CHUNK_LINES = 1 << 16  # lines parsed per chunk: memory stays ~ the final array, not a 10M-item list


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


# --- parameter checks: every message names the parameter ---------------------------------------

def _int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def _real(name: str, value: object, low: float, high: float = math.inf, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value!r}")
    return float(value)


def _rng(seed: object) -> np.random.Generator:
    if seed is not None:
        _int("seed", seed, minimum=0)
    return np.random.default_rng(seed)


# --- synthetic streams -------------------------------------------------------------------------

def uniform(n_keys: int, n_requests: int, seed: int | None = 0) -> np.ndarray:
    """Every key equally likely: no locality at all, so hit ratio ~ maxsize / n_keys for any policy."""
    n_keys, n_requests = _int("n_keys", n_keys), _int("n_requests", n_requests)
    return _rng(seed).integers(0, n_keys, size=n_requests, dtype=np.int64)


def zipf(
    n_keys: int = 10_000, alpha: float = 1.0, n_requests: int = 100_000, seed: int | None = 0
) -> np.ndarray:
    """Bounded Zipf: key r-1 has probability proportional to 1 / r**alpha (key 0 is the hottest).

    Unlike `np.random.zipf` this has a finite key space and allows any alpha >= 0 (0 is uniform),
    which is what web and key-value caches see (Breslau et al., INFOCOM 1999: alpha ~ 0.6-1.0).
    """
    n_keys, n_requests = _int("n_keys", n_keys), _int("n_requests", n_requests)
    alpha = _real("alpha", alpha, 0.0, 10.0)
    weights = np.arange(1, n_keys + 1, dtype=np.float64) ** -alpha
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    u = _rng(seed).random(n_requests)
    # side="right": u == cdf[k] belongs to k+1; the clip guards u just below 1 against rounding in cdf
    return np.minimum(np.searchsorted(cdf, u, side="right"), n_keys - 1).astype(np.int64)


def scan(n_requests: int, start: int = 0) -> np.ndarray:
    """Keys start, start+1, ...: each requested once (a table scan, a backup, a crawler)."""
    n_requests, start = _int("n_requests", n_requests), _int("start", start, minimum=0)
    return np.arange(start, start + n_requests, dtype=np.int64)


def loop(k: int, n_requests: int) -> np.ndarray:
    """0, 1, ..., k-1, 0, 1, ...: LRU's and FIFO's worst case (hit ratio 0) whenever k > maxsize."""
    k, n_requests = _int("k", k), _int("n_requests", n_requests)
    return np.arange(n_requests, dtype=np.int64) % k


def shifting_hotset(
    n_keys: int = 10_000,
    hot_size: int = 100,
    period: int = 10_000,
    n_requests: int = 100_000,
    hot_fraction: float = 0.9,
    seed: int | None = 0,
) -> np.ndarray:
    """A hot set of `hot_size` keys gets `hot_fraction` of requests; it moves every `period` requests.

    Epoch e (requests e*period ...) uses the hot keys e*hot_size ... (e+1)*hot_size - 1, modulo
    n_keys, so consecutive hot sets are disjoint: yesterday's favourites go cold (LFU's weakness).
    The other requests are uniform over all n_keys keys.
    """
    n_keys, hot_size = _int("n_keys", n_keys), _int("hot_size", hot_size)
    period, n_requests = _int("period", period), _int("n_requests", n_requests)
    hot_fraction = _real("hot_fraction", hot_fraction, 0.0, 1.0)
    if hot_size > n_keys:
        raise ValueError(f"hot_size must be at most n_keys ({n_keys}), got {hot_size}")
    rng = _rng(seed)
    epoch = np.arange(n_requests, dtype=np.int64) // period
    hot = (epoch * hot_size + rng.integers(0, hot_size, size=n_requests)) % n_keys
    cold = rng.integers(0, n_keys, size=n_requests, dtype=np.int64)
    return np.where(rng.random(n_requests) < hot_fraction, hot, cold).astype(np.int64)


def _arrival_times(rate: Callable[[np.ndarray], np.ndarray], n: int, step: float, cycle: float,
                   rng: np.random.Generator) -> np.ndarray:
    """n arrival times of a Poisson process with a periodic time-varying rate (requests/s).

    Time rescaling: unit-rate arrivals u_1 < u_2 < ... are mapped through the inverse of
    Lambda(t) = integral of the rate over [0, t], tabulated on a grid of width `step` (the rate is
    taken as constant within a step) that is extended until it covers the last arrival.
    """
    u = np.cumsum(rng.exponential(1.0, size=n))
    per_cycle = float(rate(np.arange(0.0, cycle, step)).sum() * step)
    horizon = cycle * (math.ceil(u[-1] / per_cycle) + 1)
    while True:
        grid = np.arange(0.0, horizon + step, step)
        lam = np.concatenate([[0.0], np.cumsum(rate(grid[:-1]) * step)])
        if lam[-1] >= u[-1]:
            return np.interp(u, lam, grid)
        horizon *= 2


def bursts(
    n_keys: int = 10_000,
    n_requests: int = 100_000,
    base_rate: float = 1_000.0,
    burst_rate: float = 10_000.0,
    burst_every: float = 10.0,
    burst_length: float = 1.0,
    alpha: float = 1.0,
    seed: int | None = 0,
) -> Trace:
    """Zipf keys arriving at `base_rate` req/s, with `burst_rate` req/s for `burst_length` s every
    `burst_every` s (a flash crowd, a retry storm). Returns a Trace with timestamps in seconds.
    """
    n_keys, n_requests = _int("n_keys", n_keys), _int("n_requests", n_requests)
    base_rate = _real("base_rate", base_rate, 0.0, low_open=True)
    burst_rate = _real("burst_rate", burst_rate, 0.0, low_open=True)
    burst_every = _real("burst_every", burst_every, 0.0, low_open=True)
    burst_length = _real("burst_length", burst_length, 0.0, burst_every)
    rng = _rng(seed)

    def rate(t: np.ndarray) -> np.ndarray:
        return np.where(t % burst_every < burst_length, burst_rate, base_rate)

    step = (burst_length if burst_length > 0 else burst_every) / 100
    times = _arrival_times(rate, n_requests, step, burst_every, rng)
    keys = zipf(n_keys, alpha, n_requests, seed=int(rng.integers(2**32)))
    return Trace(keys, times)


def diurnal(
    n_keys: int = 10_000,
    n_requests: int = 100_000,
    mean_rate: float = 0.5,
    amplitude: float = 0.8,
    period: float = 86_400.0,
    alpha: float = 1.0,
    seed: int | None = 0,
) -> Trace:
    """Zipf keys whose arrival rate follows a day: mean_rate * (1 - amplitude * cos(2 pi t / period)),
    so the trough is at t = 0 (night) and the peak at period / 2. Returns a Trace with timestamps.
    """
    n_keys, n_requests = _int("n_keys", n_keys), _int("n_requests", n_requests)
    mean_rate = _real("mean_rate", mean_rate, 0.0, low_open=True)
    amplitude = _real("amplitude", amplitude, 0.0, 1.0)
    period = _real("period", period, 0.0, low_open=True)
    rng = _rng(seed)

    def rate(t: np.ndarray) -> np.ndarray:
        return mean_rate * (1.0 - amplitude * np.cos(2 * np.pi * t / period))

    times = _arrival_times(rate, n_requests, period / 1000, period, rng)
    keys = zipf(n_keys, alpha, n_requests, seed=int(rng.integers(2**32)))
    return Trace(keys, times)


def mix(streams: Sequence[tuple[object, float]], n_requests: int, seed: int | None = 0) -> np.ndarray:
    """Interleave streams: each request comes from stream i with probability weight_i / sum(weights).

    Each stream is consumed in its own order (a scan stays a scan inside the mix). A stream that is
    too short for its share raises ValueError rather than being silently repeated. Streams share one
    key space: offset them (e.g. `scan(n, start=10**9)`) if their keys should not collide.
    """
    n_requests = _int("n_requests", n_requests)
    if isinstance(streams, (str, bytes)) or not isinstance(streams, Sequence) or not streams:
        raise TypeError("streams must be a non-empty list of (keys, weight) pairs")
    arrays, weights = [], []
    for i, pair in enumerate(streams):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"streams[{i}] must be a (keys, weight) pair, got {type(pair).__name__}")
        keys = np.asarray(pair[0])
        if keys.ndim != 1 or keys.dtype.kind not in "iu":
            raise TypeError(f"streams[{i}] keys must be a 1-d integer array, got {keys.dtype} {keys.shape}")
        arrays.append(keys.astype(np.int64, copy=False))
        weights.append(_real(f"streams[{i}] weight", pair[1], 0.0))
    total = sum(weights)
    if total <= 0:
        raise ValueError("streams weights must sum to more than 0")
    choice = _rng(seed).choice(len(arrays), size=n_requests, p=np.asarray(weights) / total)
    out = np.empty(n_requests, dtype=np.int64)
    for i, keys in enumerate(arrays):
        where = np.flatnonzero(choice == i)
        if len(where) > len(keys):
            raise ValueError(
                f"streams[{i}] has {len(keys)} requests but the mix draws {len(where)} from it; "
                "pass a longer stream"
            )
        out[where] = keys[: len(where)]
    return out


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


# --- bundled traces (data/) ---------------------------------------------------------------------

def available() -> list[str]:
    """Names of the traces bundled in data/ (see data/README.md for where each came from)."""
    return sorted(p.name.removesuffix(".trace") for p in DATA_DIR.glob("*.trace"))


def load(name: str) -> Trace:
    """A bundled real-world trace by name, e.g. load("re_compile"): keys and timestamps if recorded."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {name!r}")
    path = DATA_DIR / f"{name}.trace"
    if not path.is_file():
        raise ValueError(f"name must be one of {available()}, got {name!r}")
    return read_trace(path, full=True)

