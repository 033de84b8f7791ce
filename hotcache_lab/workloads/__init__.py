"""Request streams: seeded synthetic generators, arrival and change times, trace files and the bundled traces.

The bottom layer: it knows nothing of caches. Every stream is an int64 numpy array of keys (or a
`Trace` with timestamps), the same for the same seed.
"""

from .arrivals import Changes, arrivals, random_changes
from .streams import bursts, diurnal, loop, mix, scan, shifting_hotset, uniform, zipf
from .traces import TRACE_FORMATS, Costs, Trace, available, load, read_trace, write_trace

__all__ = [
    "Trace", "Costs", "TRACE_FORMATS",
    "uniform", "zipf", "scan", "loop", "shifting_hotset", "bursts", "diurnal", "mix",
    "arrivals", "random_changes", "Changes", "write_trace", "read_trace", "load", "available",
]
