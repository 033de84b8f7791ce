"""Time and memory of real calls: deep sizes, tracemalloc, RSS, expected latency and break-even."""
