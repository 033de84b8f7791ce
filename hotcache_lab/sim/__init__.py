"""Offline, deterministic replays: policies by name, compiled kernels, miss-ratio curves, OPT, SHARDS,
and the deterministic models the lessons run on a simulated clock (a service, the capstone).

`hotcache_lab.simulate` is this package under its old name.
"""

from .replay import (
    POLICY_NAMES,
    hit_ratio,
    miss_ratio_curve,
    opt_hit_ratio,
    replay,
    reuse_distances,
    reuse_histogram,
    shards_mrc,
    working_set,
)

__all__ = [
    "POLICY_NAMES", "hit_ratio", "replay", "miss_ratio_curve", "reuse_distances", "reuse_histogram",
    "shards_mrc", "opt_hit_ratio", "working_set",
]
