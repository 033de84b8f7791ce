"""Time and memory of real calls: deep sizes, tracemalloc, RSS, expected latency and break-even."""

#: Metadata for a dataclass field that holds a real measurement (a timing, a tracemalloc reading):
#: `field(metadata=MEASURED)`. No second run repeats it to the byte, so the live plots' cache check
#: (`hotcache_lab.plots.probe.same`) compares such a field by type, not by value.
MEASURED = {"measured": True}
