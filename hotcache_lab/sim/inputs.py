"""What every replay accepts (a trace of integer keys, a cache size, a policy by name and its options)
and the one fact about a trace that curves and OPT both read: where each key was last requested.

The checks go through `hotcache_lab._check`, so a bad argument reads the same as everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from tqdm.auto import tqdm

from .. import _check

POLICY_NAMES = ("lru", "fifo", "lfu", "rr", "sieve", "s3fifo", "opt")
OPTIONS = {"rr": {"seed"}, "s3fifo": {"small_ratio"}}  # policy keyword arguments, as the classes take
CHUNK = 1 << 16
PROGRESS_MIN = 1_000_000  # requests: below this a replay takes about a second or less, so no bar


def trace_keys(trace: object) -> np.ndarray:
    """The trace (an array, a list or a workloads.Trace) as a non-empty 1-d int64 array."""
    return _check.int_array("trace", trace)


def cache_size(maxsize: object) -> int:
    return _check.maxsize(maxsize)


def cache_sizes(sizes: object) -> np.ndarray:
    sizes = np.asarray(sizes)
    if sizes.ndim != 1:
        raise ValueError(f"sizes must be a non-empty 1-d sequence of positive ints, got shape {sizes.shape}")
    return _check.int_array("sizes", sizes, positive_values=True)


def policy_name(policy: object, options: dict) -> str:
    """The policy, checked against POLICY_NAMES, with the options its class takes and nothing else."""
    _check.one_of("policy", policy, POLICY_NAMES)
    unknown = set(options) - OPTIONS.get(policy, set())
    if unknown:
        allowed = sorted(OPTIONS.get(policy, ())) or "none"
        raise TypeError(f"policy {policy!r} got unknown options {sorted(unknown)}; it takes: {allowed}")
    if "small_ratio" in options:
        _check.fraction("small_ratio", options["small_ratio"], low_open=True, high_open=True)
    if "seed" in options:
        _check.integer("seed", options["seed"], minimum=0, allow_none=True)
    return policy


def chunks(keys: np.ndarray, progress: bool | None, desc: str) -> Iterator[list]:
    """The trace as lists of Python ints (fast to hash), with a progress bar on long runs only."""
    show = len(keys) >= PROGRESS_MIN if progress is None else bool(progress)
    with tqdm(total=len(keys), desc=desc, unit="req", unit_scale=True, disable=not show, leave=False) as bar:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK].tolist()
            yield chunk
            bar.update(len(chunk))


def previous_uses(keys: np.ndarray) -> np.ndarray:
    """prev[i] = position of the previous request for keys[i], or -1 for its first request."""
    order = np.argsort(keys, kind="stable")
    same = keys[order[1:]] == keys[order[:-1]]
    prev = np.full(len(keys), -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    return prev
