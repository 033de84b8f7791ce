"""Record a real function's cache keys to a trace file: `record(path)` decorates or wraps (recorder.py).

Above `memo` (it builds keys with `make_key`) and `measure` (deep sizes); the traces it writes are
read by `workloads.read_trace` and analysed by `hotcache_lab.analyze` or `python -m hotcache_lab analyze`.
"""

from .recorder import COST_MARK, FORMAT_LINE, Recorder, record, stable_hash

__all__ = ["record", "Recorder", "stable_hash", "COST_MARK", "FORMAT_LINE"]
