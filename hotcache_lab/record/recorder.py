"""Record the cache keys a real function is called with, to a trace file the lab can analyse.

    @record("trace.txt")                 # a decorator: every call's key goes to trace.txt
    def render(page, lang="en"): ...

    with record("trace.txt") as rec:     # or a context manager: the file is closed at the end
        fast = rec(slow_function)        # rec(f) wraps f, like the decorator
        ...
    render.recorder.close()              # a decorated function's file is also closed at exit

What is written. Each call appends its key in `memo.make_key`'s form (functools' key rules:
positional and keyword arguments, keyword order significant, `typed=True` adds the types), one line
per call, in call order: the lab's plain-text trace, so `workloads.read_trace` and
`python -m hotcache_lab analyze` read it. A key's first call is timed (`time.perf_counter` around the
call) and its result measured with `measure.deep_size` (the result and everything it holds, not
`sys.getsizeof`); after that call returns a `#!cost key seconds bytes` line follows. The first call
of a key is a miss in any cache that starts empty, so these are the computation's duration and the
entry's size a cache would pay per miss. Record from a cold cache: a function already memoized and
warm would show its hit time instead.

What leaves the process. By default (`hash_keys=True`) a key is written as a stable 64-bit hash:
BLAKE2b (digest_size=8) of `repr(key)`, as a signed int64, so no argument value is written in clear
and the same key hashes the same in every run, for keys whose repr is canonical (ints, strs, bytes,
floats, tuples and frozen dataclasses of them; not objects whose repr shows a memory address, nor
sets of strs, whose order follows PYTHONHASHSEED; and unequal keys with equal reprs, such as two
TypeVars both named T, share a hash). With `hash_keys=False` keys are written as ids 0, 1, 2, ...
in order of first appearance (by the key's own equality: exact) and `repr(key)` of each id goes,
one a line, to a side file `<trace>.names` (a newline in a repr written as `\\n`): the key text
is then on disk, in clear.

Cost. The recorder keeps a dict from each distinct key to its hash (so a key is hashed once, and
first calls are known): its memory grows like an unbounded cache of the keys. Lines are buffered
and written `flush_every` at a time under one lock, so threads never tear or lose a line; the order
of two threads' calls is the order they took the lock. No user code runs under that lock (the key's
repr, its first call and the function all run outside it), so a recorded function may call itself.
A first call that raises records its key but no cost line. benchmarks/bench_record.py measures the cost
per call against a bare memoized call.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from functools import update_wrapper
from pathlib import Path
from typing import Any

from .. import _check
from ..measure.memory import deep_size
from ..memo.decorator import make_key

FORMAT_LINE = "# hotcache-lab record v1"
COST_MARK = "#!cost"  # the marker workloads.read_trace reads costs from

_open_recorders: weakref.WeakSet = weakref.WeakSet()


def stable_hash(key: Any, text: str | None = None) -> int:
    """BLAKE2b-64 of repr(key) (or of `text`, its repr already made), as a signed int64: the same key
    gives the same id in every run."""
    text = repr(key) if text is None else text
    digest = hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class Recorder:
    """Writes the key stream of the functions it wraps to one trace file (module docstring)."""

    def __init__(self, path: str | Path, *, hash_keys: bool = True, typed: bool = False,
                 flush_every: int = 4096, append: bool = False) -> None:
        self.path = Path(path)
        self.hash_keys = _check.flag("hash_keys", hash_keys)
        self.typed = _check.flag("typed", typed)
        self.flush_every = _check.integer("flush_every", flush_every)
        _check.flag("append", append)
        self._flushed_calls = 0
        self._state = [True]  # [open]: read by the wrappers on every call, cheaper than file.closed
        self._ids: dict = {}  # key -> the int written for it
        self._buffer: list = []
        self._lock = threading.Lock()
        self._file = open(self.path, "a" if append else "w", encoding="utf-8")
        self._names = None
        if not hash_keys:
            self._names = open(self.path.with_name(self.path.name + ".names"), "a" if append else "w",
                               encoding="utf-8")
        if not append:
            self._file.write(f"{FORMAT_LINE}; keys: {'blake2b-64 of repr(key)' if hash_keys else 'ids'}"
                             f"; typed={typed}\n")
        _open_recorders.add(self)

    # --- writing -------------------------------------------------------------------------------

    def _new_id(self, key: Any, text: str) -> int:
        """The int written for a key seen for the first time (under the lock; `text` is its repr)."""
        if self.hash_keys:
            return stable_hash(key, text)
        key_id = len(self._ids)
        self._names.write(text.replace("\n", "\\n") + "\n")  # a custom repr may span lines
        return key_id

    def _flush_locked(self) -> None:
        if self._buffer:
            self._flushed_calls += sum(type(line) is int for line in self._buffer)
            self._file.write("\n".join(map(str, self._buffer)))
            self._file.write("\n")
            self._buffer.clear()

    @property
    def calls(self) -> int:
        """Calls recorded so far."""
        with self._lock:
            return self._flushed_calls + sum(type(line) is int for line in self._buffer)

    def flush(self) -> None:
        """Write the buffered lines to the file now."""
        with self._lock:
            if not self._file.closed:
                self._flush_locked()
                self._file.flush()

    def close(self) -> None:
        """Flush and close the file(s); later calls of a wrapped function still run, unrecorded."""
        with self._lock:
            if self._file.closed:
                return
            self._flush_locked()
            self._state[0] = False
            self._file.close()
            if self._names is not None:
                self._names.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- wrapping ------------------------------------------------------------------------------

    def __call__(self, func: Callable, *, typed: bool | None = None) -> Callable:
        """Wrap `func` so each call's key is recorded; the wrapper has `.recorder` (this object).

        `typed` overrides the recorder's for this function (match the cache it stands in front of)."""
        _check.function("func", func, what="a function to record")
        typed = self.typed if typed is None else _check.flag("typed", typed)
        ids, buffer, lock, state = self._ids, self._buffer, self._lock, self._state
        get, append, flush_every = ids.get, buffer.append, self.flush_every
        perf_counter = time.perf_counter

        def first_call(key, args, kwds):
            text = repr(key)  # user code: outside the lock, like the call itself
            with lock:
                key_id = get(key)
                first = key_id is None  # else another thread's first call got here first
                if first and state[0]:
                    key_id = ids[key] = self._new_id(key, text)
                if state[0]:
                    append(key_id)
            if not first or not state[0]:
                return func(*args, **kwds)
            start = perf_counter()
            result = func(*args, **kwds)
            seconds = perf_counter() - start
            size = deep_size(result)
            with lock:
                if state[0]:
                    append(f"{COST_MARK} {key_id} {seconds!r} {size}")
            return result

        def recorded(*args, **kwds):
            key = make_key(args, kwds, typed)
            key_id = get(key)  # a dict read is atomic in CPython; writes happen under the lock
            if key_id is None:
                return first_call(key, args, kwds)
            with lock:
                if state[0]:
                    append(key_id)
                    if len(buffer) >= flush_every:
                        self._flush_locked()
            return func(*args, **kwds)

        recorded.recorder = self
        return update_wrapper(recorded, func)


def record(path: str | Path, *, hash_keys: bool = True, typed: bool = False, flush_every: int = 4096,
           append: bool = False) -> Recorder:
    """A Recorder writing to `path`: use it as a decorator, or as a context manager (module docstring)."""
    return Recorder(path, hash_keys=hash_keys, typed=typed, flush_every=flush_every, append=append)


@atexit.register
def _close_all() -> None:
    for recorder in list(_open_recorders):
        recorder.close()
