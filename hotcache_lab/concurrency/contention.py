"""What locking costs and buys: caches under threads, side by side (notebook 06).

Every race here is FORCED so its counts are the same every run: threads are released together
at a `threading.Barrier` (`races.run_together`, or a barrier per round) and the computation
sleeps long enough that every caller of a key arrives while the first is still computing.
Counts (computations, duplicates) are therefore deterministic; timings are measured and real.

    stampede(8, compute_ms=40)             # a real functools.lru_cache, 8 threads, one key
    hammer_unsafe(UnsafeLRUCache(16))      # a hand-written cache with no lock, under threads
    sweep(STRATEGIES, (1, 2, 4, 8, 16))    # throughput, p50/p99 latency, duplicates per strategy
    hit_ratio_by_workers(keys, (1, 2, 4), maxsize=200)  # one private cache per worker process
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..caches import LRUCache
from ..memo.decorator import memoize
from . import observe, races
from .observe import Computation

# --- a computation worth caching --------------------------------------------------------------


def nth_prime(n: int) -> int:
    """The n-th prime (nth_prime(1) == 2), by trial division: honest CPU work that grows with n."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    primes: list[int] = []
    candidate = 2
    while len(primes) < n:
        for p in primes:
            if p * p > candidate:
                primes.append(candidate)
                break
            if candidate % p == 0:
                break
        else:
            primes.append(candidate)
        candidate += 1
    return primes[-1]


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _check_seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return float(value)


def slow_prime_fn(delay: float, prime_n: int = 300) -> Callable[[int], int]:
    """A function of one argument k: sleep `delay` seconds (the I/O part), then the (prime_n + k)-th prime.

    The sleep releases the GIL, so callers that arrive together really overlap; the prime is
    the CPU part. Different k give different results, so keys are distinguishable.
    """
    delay = _check_seconds("delay", delay)
    _check_positive_int("prime_n", prime_n)

    def slow_prime(k: int) -> int:
        time.sleep(delay)
        return nth_prime(prime_n + k)

    return slow_prime


class ArrivalGate:
    """Opens once `n` callers have arrived: holds a computation until every caller has asked.

    The barrier releases the threads together, but on a busy machine the operating system may
    wake the last of them a few milliseconds late. A computation that first waits at the gate
    (at most `timeout` seconds) cannot finish before every caller has arrived, so the count of
    callers who find the key missing does not depend on the scheduler.
    """

    def __init__(self, n: int, timeout: float = 2.0) -> None:
        self.n = _check_positive_int("n", n)
        self.timeout = _check_seconds("timeout", timeout)
        self._arrived = 0
        self._lock = threading.Lock()
        self._open = threading.Event()

    def arrive(self) -> None:
        with self._lock:
            self._arrived += 1
            if self._arrived >= self.n:
                self._open.set()

    def wait(self) -> bool:
        """Wait until everyone arrived (True) or the timeout passed (False)."""
        return self._open.wait(self.timeout)


# --- part 1 and 2: a forced stampede on a real functools.lru_cache ----------------------------


@dataclass
class Stampede:
    """N callers of one key on a real `functools.lru_cache`, released together."""

    n_threads: int
    typed: bool
    computations: list  # observe.Computation records: who ran the function, when
    calls: list  # observe.Computation records of every call
    duplicates: int
    wall: float  # release to the last caller's return, seconds
    cache_info: Any  # functools' CacheInfo after the race
    results: list

    @property
    def n_computations(self) -> int:
        return len(self.computations)


def stampede(n_threads: int, compute_ms: float = 40.0, *, typed: bool = False, key: Any = 7,
             prime_n: int = 300, timeout: float = 30.0) -> Stampede:
    """Release `n_threads` callers of `key` together on a fresh `functools.lru_cache`.

    The wrapped function waits at an ArrivalGate until all callers have asked, sleeps
    `compute_ms` and then computes a prime. Returns what `observe.watch` saw: every
    computation (a miss that really ran the function), the duplicates (computations beyond
    the first per key) and the calls.
    """
    _check_positive_int("n_threads", n_threads)
    if not isinstance(typed, bool):
        raise TypeError(f"typed must be a bool, got {typed!r}")
    slow_prime = slow_prime_fn(_check_seconds("compute_ms", compute_ms) / 1e3, prime_n)
    gate = ArrivalGate(n_threads)

    def gated_slow_prime(k):
        gate.wait()
        return slow_prime(k)

    functools.update_wrapper(gated_slow_prime, slow_prime)
    watched = observe.watch(gated_slow_prime, maxsize=128, typed=typed)

    def caller(k):
        gate.arrive()
        return watched(k)

    watched.reset()  # t0 = now: the timeline starts at (about) the release
    race = races.run_together(caller, n_threads, args_for=lambda i: (key,), timeout=timeout)
    if race.errors:
        raise RuntimeError(f"a caller failed: {race.errors[0][1]!r}") from race.errors[0][1]
    return Stampede(n_threads=n_threads, typed=typed, computations=list(watched.computations),
                    calls=list(watched.calls), duplicates=watched.duplicates(), wall=race.wall,
                    cache_info=watched.cache_info(), results=race.results)


def typed_keys_demo(pairs: Sequence[tuple] = ((1, 1.0), (3.0, "Decimal('3.0')"))) -> dict:
    """What `typed` really does: how many cache entries two equal arguments of different types take.

    Each pair (a, b) is called as f(a) then f(b) on a fresh lru_cache, with typed=False and True.
    A string "Decimal('3.0')" stands for decimal.Decimal("3.0") (so the pair prints readably).
    Returns {(repr(a), repr(b)): {False: entries, True: entries}}.
    """
    from decimal import Decimal

    def arg(x):
        return Decimal(x[len("Decimal('"):-2]) if isinstance(x, str) and x.startswith("Decimal(") else x

    out = {}
    for a, b in pairs:
        row = {}
        for typed in (False, True):
            f = functools.lru_cache(maxsize=128, typed=typed)(lambda x: x)
            f(arg(a))
            f(arg(b))
            row[typed] = f.cache_info().currsize
        out[(repr(arg(a)), repr(arg(b)))] = row
    return out


def slow_query_fn(delay: float, prime_n: int = 200) -> Callable[[Hashable], tuple]:
    """A function of any hashable key: sleep `delay` seconds (I/O), compute a small prime (CPU).

    Stands for a database query or a remote call; returns (key, prime).
    """
    delay = _check_seconds("delay", delay)
    _check_positive_int("prime_n", prime_n)

    def slow_query(key):
        time.sleep(delay)
        return key, nth_prime(prime_n)

    return slow_query


def _thread_counts_up_to(threads: int) -> list[int]:
    counts = [1]
    while counts[-1] * 2 < threads:
        counts.append(counts[-1] * 2)
    if counts[-1] != threads:
        counts.append(threads)
    return counts


def draw_stampede(axes, threads: int = 8, compute_ms: float = 40.0) -> dict:
    """The live plot of part 3: a timeline of one race, and duplicates/wall time as threads grow.

    `axes` is a pair of matplotlib axes (the notebook makes them; this module imports no
    matplotlib). Returns the numbers drawn, so a test can check that a slider changes them.
    """
    from ..plots import live as viz

    left, right = axes
    race = stampede(threads, compute_ms)
    viz.draw_timeline(left, race.computations,
                      title=f"{threads} threads, one key: {race.n_computations} computations")
    counts = _thread_counts_up_to(threads)
    dups, walls = [], []
    for n in counts:
        r = race if n == threads else stampede(n, compute_ms)
        dups.append(r.duplicates)
        walls.append(r.wall * 1e3)
    right.plot(counts, dups, "o-", color="#d62728", label="duplicate computations")
    right.set_xlabel("threads released together")
    right.set_ylabel("duplicates", color="#d62728")
    right.set_xscale("log", base=2)
    right.set_xticks(counts, [str(n) for n in counts])
    twin = right.twinx()
    twin.plot(counts, walls, "s--", color="#1f77b4", label="wall time")
    twin.set_ylabel("wall time (ms)", color="#1f77b4")
    twin.set_ylim(0, max(walls) * 1.3 + 1)
    twin.grid(False)
    right.set_title(f"compute time {compute_ms:.0f} ms")
    return {"threads": threads, "compute_ms": compute_ms, "duplicates": race.duplicates,
            "computations": race.n_computations, "wall_ms": race.wall * 1e3,
            "counts": counts, "duplicates_by_threads": dups, "wall_ms_by_threads": walls}


# --- part 5: a hand-written cache that is not thread-safe --------------------------------------


class UnsafeLRUCache:
    """What a hand-written LRU cache often looks like: a dict, recency moves, evictions, counters.

    No lock, and check-then-act sequences that another thread can cut in the middle:
    - a hit pops the key and puts it back, to move it to the recent end: in between, the
      entry is missing, so another thread sees room, inserts without evicting, and the size
      goes over maxsize;
    - an insert checks `len(data) >= maxsize`, then evicts the oldest key: two evictors that
      pick the same oldest key make the second `del` raise KeyError; another thread inserting
      between `iter(data)` and `next(...)` raises RuntimeError "dictionary changed size during
      iteration";
    - counters read, add and write back (`stats["hits"] = stats.get("hits", 0) + 1`): two
      threads that read the same value lose one update.
    The GIL makes single bytecodes atomic, not these sequences: CPython may switch threads
    after a call returns, at function entry and on loop back-edges.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = _check_positive_int("maxsize", maxsize)
        self.data: dict = {}
        self.stats: dict = {"hits": 0, "misses": 0}

    def get_or_compute(self, key: Hashable, compute: Callable[[Hashable], Any]) -> Any:
        data = self.data
        if key in data:
            value = data.pop(key)  # move to the most recent end: take it out...
            data[key] = value  # ...and put it back
            self.stats["hits"] = self.stats.get("hits", 0) + 1
            return value
        self.stats["misses"] = self.stats.get("misses", 0) + 1
        value = compute(key)
        if len(data) >= self.maxsize:  # room for one more?
            oldest = next(iter(data))
            del data[oldest]
        data[key] = value
        return value

    def __len__(self) -> int:
        return len(self.data)


class LockedLRUCache(UnsafeLRUCache):
    """The same code with one lock around each call: correct (the computation here is tiny)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[Hashable], Any]) -> Any:
        with self._lock:
            return super().get_or_compute(key, compute)


@dataclass
class HammerReport:
    """What went wrong when threads shared one cache."""

    calls: int
    counted: int  # hits + misses as the cache counted them
    errors: Counter  # "KeyError", "RuntimeError: <message>", ... -> how many
    max_size_seen: int
    final_size: int
    maxsize: int

    @property
    def lost_counts(self) -> int:
        return self.calls - self.counted

    @property
    def over_maxsize(self) -> bool:
        return self.max_size_seen > self.maxsize or self.final_size > self.maxsize

    @property
    def problems(self) -> list[str]:
        found = []
        if self.errors:
            found.append("exceptions")
        if self.lost_counts:
            found.append("lost counts")
        if self.over_maxsize:
            found.append("size over maxsize")
        return found


def _error_name(error: BaseException) -> str:
    """The kind of an error and the source line that raised it, e.g. "KeyError at `del data[oldest]`"."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" at `{frames[-1].line}`" if frames and frames[-1].line else ""
    if isinstance(error, RuntimeError):
        return f"RuntimeError: {error}{where}"
    return f"{type(error).__name__}{where}"


def hammer(cache: UnsafeLRUCache, n_threads: int = 4, n_calls: int = 2000, n_keys: int = 32,
           seed: int = 0, switch_interval: float = 1e-6, timeout: float = 30.0) -> HammerReport:
    """Let `n_threads` threads call `cache.get_or_compute` on seeded random keys, all at once.

    Every thread keeps calling (cycling through its keys) until EVERY thread has made at least
    `n_calls` calls, so the threads really overlap even when the operating system starts some
    of them late on a busy machine. Runs inside `races.switch_often(switch_interval)` so the
    interpreter switches threads often. Exceptions are counted by kind (the thread carries on),
    the size is watched after every call, and the cache's own counters are compared with the
    number of calls really made.
    """
    _check_positive_int("n_threads", n_threads)
    _check_positive_int("n_calls", n_calls)
    _check_positive_int("n_keys", n_keys)
    rng = random.Random(seed)
    streams = [[rng.randrange(n_keys) for _ in range(n_calls)] for _ in range(n_threads)]
    errors: Counter = Counter()
    sizes = [0] * n_threads
    made = [0] * n_threads  # calls made by each thread, published every 50 calls
    record = threading.Lock()
    deadline = time.monotonic() + timeout

    def compute(key):
        return key * key

    def worker(i: int) -> None:
        biggest = calls = 0
        get_or_compute = cache.get_or_compute
        stream = streams[i]
        while True:
            try:
                get_or_compute(stream[calls % n_calls], compute)
            except Exception as error:  # counted and shown: the point of the experiment
                with record:
                    errors[_error_name(error)] += 1
            calls += 1
            size = len(cache)
            if size > biggest:
                biggest = size
            if calls % 50 == 0 or calls == n_calls:
                made[i] = calls
                if calls >= n_calls and min(made) >= n_calls or time.monotonic() > deadline:
                    break
        made[i] = calls
        sizes[i] = biggest

    with races.switch_often(switch_interval):
        races.run_together(worker, n_threads, args_for=lambda i: (i,), timeout=timeout)
    counted = cache.stats.get("hits", 0) + cache.stats.get("misses", 0)
    return HammerReport(calls=sum(made), counted=counted, errors=errors,
                        max_size_seen=max(sizes), final_size=len(cache), maxsize=cache.maxsize)


def hammer_trials(cache_factory: Callable[[], UnsafeLRUCache], trials: int = 20, **kwargs) -> list:
    """`hammer` a fresh cache `trials` times with seeds 0..trials-1; one HammerReport each."""
    _check_positive_int("trials", trials)
    return [hammer(cache_factory(), seed=seed, **kwargs) for seed in range(trials)]


def first_problem(cache_factory: Callable[[], UnsafeLRUCache], max_trials: int = 30,
                  **kwargs) -> tuple[int, HammerReport] | None:
    """`hammer` fresh caches (seeds 0, 1, ...) until a trial shows a problem: (trial, report), or None.

    Each trial lasts a few tens of milliseconds and shows a problem more often than not on an
    unsafe cache, so max_trials=30 makes "no problem seen" astronomically unlikely for it, while a
    correct cache runs all the trials and returns None.
    """
    _check_positive_int("max_trials", max_trials)
    for seed in range(max_trials):
        report = hammer(cache_factory(), seed=seed, **kwargs)
        if report.problems:
            return seed, report
    return None


def summarize_trials(reports: Sequence[HammerReport]) -> dict:
    """How many trials showed each kind of problem, and the error kinds seen overall."""
    errors: Counter = Counter()
    for r in reports:
        errors.update(r.errors)
    return {
        "trials": len(reports),
        "with any problem": sum(bool(r.problems) for r in reports),
        "with exceptions": sum(bool(r.errors) for r in reports),
        "with lost counts": sum(r.lost_counts > 0 for r in reports),
        "with size over maxsize": sum(r.over_maxsize for r in reports),
        "error kinds": dict(errors),
    }


# --- part 6: the fixes side by side -------------------------------------------------------------

STRATEGIES = (
    "lru_cache alone",
    "one lock around the call",
    "memoize global lock",
    "memoize per-key",
    "cachetools condition",
)


def make_strategy(name: str, func: Callable, maxsize: int = 1024) -> Callable:
    """Wrap `func` (one hashable argument) with a caching strategy from STRATEGIES."""
    _check_positive_int("maxsize", maxsize)
    if name == "lru_cache alone":
        return functools.lru_cache(maxsize=maxsize)(func)
    if name == "one lock around the call":
        cached = functools.lru_cache(maxsize=maxsize)(func)
        lock = threading.Lock()

        def whole_call_locked(key):
            with lock:  # lookup, computation and store: one caller at a time, for every key
                return cached(key)

        return whole_call_locked
    if name == "memoize global lock":
        return memoize(LRUCache(maxsize), lock="global")(func)
    if name == "memoize per-key":
        return memoize(LRUCache(maxsize), lock="per-key")(func)
    if name == "cachetools condition":
        import cachetools

        # condition alone: cachetools then uses it as the lock too (see the notebook)
        return cachetools.cached(cachetools.LRUCache(maxsize), condition=threading.Condition())(func)
    raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")


class Recorder:
    """Wrap a function and record every run of it (a Computation per call), thread-safely."""

    def __init__(self, func: Callable) -> None:
        self.func = func
        self.computations: list[Computation] = []
        self._lock = threading.Lock()
        self.t0 = time.perf_counter()

    def __call__(self, key):
        start = time.perf_counter()
        try:
            return self.func(key)
        finally:
            end = time.perf_counter()
            with self._lock:
                self.computations.append(Computation(key, threading.current_thread().name,
                                                     start - self.t0, end - self.t0))

    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(c.key for c in self.computations).values())


@dataclass
class RunReport:
    """One strategy at one thread count: counts (deterministic) and timings (measured)."""

    strategy: str
    n_threads: int
    rounds: int
    calls: int
    computations: int
    duplicates: int
    wall: float
    latencies: list = field(repr=False)
    timeline: list = field(repr=False)

    @property
    def throughput(self) -> float:
        """Calls per second."""
        return self.calls / self.wall if self.wall > 0 else float("inf")

    @property
    def p50(self) -> float:
        return races.percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return races.percentile(self.latencies, 99)


@dataclass
class StrategyRace:
    """N callers of one key through one strategy, released together: every call and computation."""

    strategy: str
    n_threads: int
    calls: list  # Computation records with key "call": from entering the cache to getting the value
    computations: list  # Computation records of the function's runs
    duplicates: int
    wall: float


def strategy_race(strategy: str, n_threads: int, compute_ms: float = 60.0, key: Hashable = 7,
                  prime_n: int = 300, timeout: float = 30.0) -> StrategyRace:
    """Release `n_threads` callers of `key` together through `strategy`; record calls and computations.

    For timelines: a call bar spans waiting (or computing) until the value is back; a
    computation bar is a run of the function itself.
    """
    _check_positive_int("n_threads", n_threads)
    slow_prime = slow_prime_fn(_check_seconds("compute_ms", compute_ms) / 1e3, prime_n)
    gate = ArrivalGate(n_threads)

    def gated_slow_prime(k):
        gate.wait()
        return slow_prime(k)

    recorder = Recorder(gated_slow_prime)
    cached = make_strategy(strategy, recorder)
    calls: list[Computation] = []
    record = threading.Lock()

    def call(k):
        start = time.perf_counter()
        gate.arrive()
        try:
            return cached(k)
        finally:
            end = time.perf_counter()
            with record:
                calls.append(Computation("call", threading.current_thread().name,
                                         start - recorder.t0, end - recorder.t0))

    recorder.t0 = time.perf_counter()
    race = races.run_together(call, n_threads, args_for=lambda i: (key,), timeout=timeout)
    if race.errors:
        raise RuntimeError(f"{strategy}: a caller failed: {race.errors[0][1]!r}") from race.errors[0][1]
    return StrategyRace(strategy, n_threads, calls, list(recorder.computations), recorder.duplicates(),
                        race.wall)


def contention_run(strategy: str, n_threads: int, rounds: int = 2, delay: float = 0.02,
                   prime_n: int = 200, timeout: float = 60.0) -> RunReport:
    """Run the hot-key workload through one strategy with `n_threads` threads.

    Each round, every thread waits at a barrier, then asks for the round's hot key (the same
    key for everyone: a forced stampede, whose computation waits at an ArrivalGate until every
    thread has asked) and then for a key of its own. The function sleeps
    `delay` (I/O) and computes a small prime (CPU). Per round, a strategy that lets callers of
    one key compute together does n_threads - 1 duplicate computations; one that makes them
    wait does none.
    """
    _check_positive_int("n_threads", n_threads)
    _check_positive_int("rounds", rounds)
    slow_query = slow_query_fn(delay, prime_n)
    gates = [ArrivalGate(n_threads) for _ in range(rounds)]

    def query(key):
        if key[0] == "hot":  # the forced stampede: wait until every thread has asked
            gates[key[1]].wait()
        return slow_query(key)

    recorder = Recorder(query)
    cached = make_strategy(strategy, recorder)
    barrier = threading.Barrier(n_threads, timeout=timeout)
    latencies: list[list[float]] = [[] for _ in range(n_threads)]

    def worker(i: int) -> None:
        clock = time.perf_counter
        mine = latencies[i]
        for r in range(rounds):
            barrier.wait()
            start = clock()
            gates[r].arrive()
            cached(("hot", r))
            mine.append(clock() - start)
            start = clock()
            cached(("own", i, r))
            mine.append(clock() - start)

    recorder.t0 = time.perf_counter()
    race = races.run_together(worker, n_threads, args_for=lambda i: (i,), timeout=timeout)
    if race.errors:
        raise RuntimeError(f"{strategy}: a thread failed: {race.errors[0][1]!r}") from race.errors[0][1]
    return RunReport(strategy=strategy, n_threads=n_threads, rounds=rounds, calls=2 * rounds * n_threads,
                     computations=len(recorder.computations), duplicates=recorder.duplicates(),
                     wall=race.wall, latencies=[x for per in latencies for x in per],
                     timeline=list(recorder.computations))


def sweep(strategies: Sequence[str] = STRATEGIES, thread_counts: Sequence[int] = (1, 2, 4, 8, 16),
          **kwargs) -> list[RunReport]:
    """`contention_run` for every strategy and thread count, in order."""
    return [contention_run(s, n, **kwargs) for s in strategies for n in thread_counts]


def expected_duplicates(strategy: str, n_threads: int, rounds: int = 2) -> int:
    """What the forced workload must give: stampeding strategies duplicate every hot key."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    stampedes = strategy in ("lru_cache alone", "memoize global lock")
    return rounds * (n_threads - 1) if stampedes else 0


def table(reports: Sequence[RunReport], value: Callable[[RunReport], Any]) -> dict:
    """{strategy: {n_threads: value(report)}} for printing or plotting."""
    out: dict = {}
    for r in reports:
        out.setdefault(r.strategy, {})[r.n_threads] = value(r)
    return out


# --- part 7: one cache per worker process ------------------------------------------------------


def _as_list(keys: Sequence) -> list:
    """Plain Python keys (a numpy array from workloads.zipf becomes a list of ints: faster to hash)."""
    tolist = getattr(keys, "tolist", None)
    return tolist() if callable(tolist) else list(keys)


def split_stream(keys: Sequence, k: int, how: str = "round-robin", seed: int = 0) -> list[list]:
    """Deal a request stream to `k` workers: in turn ("round-robin") or at random ("random", seeded)."""
    _check_positive_int("k", k)
    keys = _as_list(keys)
    if how == "round-robin":
        return [keys[i::k] for i in range(k)]
    if how == "random":
        rng = random.Random(seed)
        parts: list[list] = [[] for _ in range(k)]
        for key in keys:
            parts[rng.randrange(k)].append(key)
        return parts
    raise ValueError(f"how must be 'round-robin' or 'random', got {how!r}")


def lru_replay(keys: Sequence, maxsize: int) -> dict:
    """Replay a stream through an LRU cache of `maxsize` entries: hits, misses, keys held at the end."""
    _check_positive_int("maxsize", maxsize)
    keys = _as_list(keys)
    data: OrderedDict = OrderedDict()
    hits = 0
    for key in keys:
        if key in data:
            data.move_to_end(key)
            hits += 1
        else:
            data[key] = True
            if len(data) > maxsize:
                data.popitem(last=False)
    return {"requests": len(keys), "hits": hits, "misses": len(keys) - hits, "held": list(data)}


def hit_ratio_by_workers(keys: Sequence, worker_counts: Sequence[int], maxsize: int,
                         budget: str = "per-worker", how: str = "round-robin", seed: int = 0) -> list[dict]:
    """Simulate K workers, each with a private LRU cache, for each K in `worker_counts`.

    budget="per-worker": every worker gets `maxsize` entries (memory grows with K);
    budget="total": the `maxsize` entries are split between the workers (maxsize // K each).
    Returns one dict a K: overall hit ratio, entries held in all caches together, and the
    distinct keys among them (the rest are copies).
    """
    if budget not in ("per-worker", "total"):
        raise ValueError(f"budget must be 'per-worker' or 'total', got {budget!r}")
    keys = _as_list(keys)
    if not keys:
        raise ValueError("keys is empty: nothing to replay")
    rows = []
    for k in worker_counts:
        size = maxsize if budget == "per-worker" else maxsize // k
        if size < 1:
            raise ValueError(f"maxsize {maxsize} split between {k} workers leaves less than one entry each")
        parts = split_stream(keys, k, how=how, seed=seed)
        results = [lru_replay(part, size) for part in parts]
        held = [set(r["held"]) for r in results]
        hits = sum(r["hits"] for r in results)
        rows.append({"workers": k, "cache_entries_each": size, "hit_ratio": hits / len(keys),
                     "entries_held": sum(len(h) for h in held),
                     "distinct_entries": len(set().union(*held))})
    return rows


def worker_replay(keys: Sequence, maxsize: int, payload_bytes: int = 1024) -> dict:
    """Run in a worker process: a real functools.lru_cache over a stream; report what it holds.

    Top-level (not a closure) so a 'spawn' pool can pickle it.
    """
    import os

    @functools.lru_cache(maxsize=maxsize)
    def render(key):
        return bytes(payload_bytes)  # stands for a rendered page, a parsed row...

    for key in keys:
        render(key)
    info = render.cache_info()
    return {"pid": os.getpid(), "requests": len(keys), "hits": info.hits, "misses": info.misses,
            "entries": info.currsize, "cached_bytes": info.currsize * payload_bytes}


def _worker_main(index: int, keys: list, maxsize: int, payload_bytes: int, queue) -> None:
    """The body of one worker process: replay its share of the stream, send back the report."""
    queue.put((index, worker_replay(keys, maxsize, payload_bytes)))


def run_worker_processes(keys: Sequence, worker_counts: Sequence[int], maxsize: int,
                         payload_bytes: int = 1024, context: str = "spawn", max_processes: int = 4,
                         timeout: float = 120.0) -> dict:
    """For each K in `worker_counts`, deal `keys` round-robin to K worker processes, one cache each.

    Every worker is its own `multiprocessing` Process (K processes for K workers, at most
    `max_processes`: the machine is small), builds its own functools.lru_cache over its share
    of the stream, as a gunicorn worker would, and sends back what it holds. 'spawn' (the
    default here) starts clean interpreters, safe from a threaded parent such as a Jupyter
    kernel; 'fork' is faster on Linux. Returns {K: [one report a worker, in worker order]}.
    """
    import multiprocessing
    import queue as queue_module

    counts = [_check_positive_int("worker count", k) for k in worker_counts]
    if not counts:
        raise ValueError("worker_counts is empty")
    limit = _check_positive_int("max_processes", max_processes)
    if max(counts) > limit:
        raise ValueError(f"at most {limit} worker processes on this machine, asked for {max(counts)}")
    ctx = multiprocessing.get_context(context)
    out: dict = {}
    for k in counts:
        results = ctx.Queue()
        workers = [ctx.Process(target=_worker_main, args=(i, part, maxsize, payload_bytes, results),
                               name=f"cache-worker-{i}", daemon=True)
                   for i, part in enumerate(split_stream(keys, k))]
        try:
            for w in workers:
                w.start()
            try:
                reports = [results.get(timeout=timeout) for _ in workers]
            except queue_module.Empty:
                codes = [w.exitcode for w in workers]
                raise RuntimeError(f"worker processes did not report within {timeout} s "
                                   f"(exit codes {codes})") from None
            for w in workers:
                w.join(timeout)
        finally:
            for w in workers:
                if w.is_alive():
                    w.terminate()
                    w.join(5)
            results.close()
        out[k] = [report for _, report in sorted(reports, key=lambda pair: pair[0])]
    return out
