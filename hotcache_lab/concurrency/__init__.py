"""Races on cue (barriers, forced interleavings), watching a real functools cache from outside,
locking strategies side by side, and one cache per worker process."""
