"""The switch between the compiled kernels (`sim.kernels`, numba) and the pure-Python replays.

numba is a required dependency, so the kernels always run; `_KERNELS = False` (what the tests set)
runs the readable Python replays instead, which the tests compare the kernels with.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

_KERNELS: object = None  # sim.kernels once imported; False: use the Python replays


def kernels():
    """The compiled replay kernels, or None when a test switched them off (`_KERNELS = False`)."""
    global _KERNELS
    if _KERNELS is None:
        try:
            from . import kernels as compiled_kernels
        except ImportError as missing:  # required, not optional: a silent slow path would hide it
            raise ImportError("hotcache_lab.sim needs numba for its replay kernels (a dependency in "
                              "pyproject.toml): reinstall the project, e.g. `make lab`") from missing
        _KERNELS = compiled_kernels
    return _KERNELS or None


def prepare(kernels, keys: np.ndarray, policy: str) -> tuple:
    """What every size of one replay shares: dense key ids, their count and (OPT) the next uses."""
    ids, nkeys = kernels.dense_ids(keys)
    return ids, nkeys, kernels.next_uses(ids, nkeys) if policy == "opt" else None


def run(kernels, prepared: tuple, policy: str, maxsize: int, progress: bool | None,
        options: dict) -> tuple[int, np.ndarray]:
    """(hits, per-request uint8 hit flags) from the kernel; prepared = prepare(kernels, keys, policy)."""
    ids, nkeys, next_use = prepared
    maxsize = min(maxsize, nkeys + 1)  # the same replay (more room than keys never evicts), in an int64
    flags = np.zeros(len(ids), dtype=np.uint8)
    # a kernel replays a million requests in tens of milliseconds: a bar only when asked for
    bar = tqdm(total=len(ids), desc=policy, unit="req", unit_scale=True, disable=not progress, leave=False)
    with bar:
        if policy == "opt":
            hits = kernels.opt(ids, next_use, nkeys, maxsize, flags)
        else:
            hits = kernels.KERNELS[policy](ids, nkeys, maxsize, flags, **options)
        bar.update(len(ids))
    return int(hits), flags
