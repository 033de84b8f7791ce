"""Offline, deterministic replays: policies by name, compiled kernels, miss-ratio curves, OPT, SHARDS,
and the deterministic models the lessons run on a simulated clock (a service, the capstone).

`hotcache_lab.simulate` is this package under its old name. Where things live: `policies`
(`hit_ratio` and `replay` by policy name, and the readable Python replay of each policy), `kernels`
(the same replays compiled with numba), `curves` (miss-ratio curves, reuse distances, SHARDS,
working sets; `stack_distance` computes their stack distances compiled), `opt` (Belady's MIN), `stepper`
(a small cache step by step).
"""

from .curves import miss_ratio_curve, reuse_distances, reuse_histogram, shards_mrc, working_set
from .opt import opt_hit_ratio
from .policies import POLICY_NAMES, hit_ratio, replay

__all__ = [
    "POLICY_NAMES", "hit_ratio", "replay", "miss_ratio_curve", "reuse_distances", "reuse_histogram",
    "shards_mrc", "opt_hit_ratio", "working_set",
]
