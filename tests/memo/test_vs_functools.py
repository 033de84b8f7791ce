"""memoize over an LRUCache against functools.lru_cache itself, on random call sequences (hypothesis).

After every step both must agree on the result (the very cached object: compared by repr, so 1, 1.0
and True are told apart), on what was raised, on cache_info(), and on which calls reached the
function. functools' rules are matched, not restated: f(1, b=2) and f(1, 2) are different keys, as
are f(a=1, b=2) and f(b=2, a=1); 1, 1.0 and True share a key unless typed=True.
"""

import functools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotcache_lab import caches, memoize


class PlainLRU(caches.LRUCache):
    """An LRUCache memoize does not recognise as one: lock="global" takes its generic wrapper."""


MODES = {
    "None": lambda n, typed: memoize(caches.LRUCache(n), lock=None, typed=typed),
    "global": lambda n, typed: memoize(caches.LRUCache(n), lock="global", typed=typed),  # get inlined
    "global-generic": lambda n, typed: memoize(PlainLRU(n), lock="global", typed=typed),
    "per-key": lambda n, typed: memoize(caches.LRUCache(n), lock="per-key", typed=typed),
}

BOOM = "boom"  # an argument that makes the function raise: failures are not cached by either
EQUALS = [[1, 1.0, True], [0, 0.0, -0.0, False], [2, 2.0], [(1,), (1.0,), (True,)]]  # equal, and equal hash
values = st.sampled_from([v for group in EQUALS for v in group] + ["a", "", None, (), BOOM]) | st.just([])
kwarg_lists = st.lists(st.tuples(st.sampled_from("abc"), values), max_size=2, unique_by=lambda kv: kv[0])
base_calls = st.tuples(st.lists(values, max_size=2), kwarg_lists)


def _equal_twin(value):
    for group in EQUALS:
        for i, member in enumerate(group):
            if type(member) is type(value) and member == value:
                return group[(i + 1) % len(group)]
    return value


def twins(args, kwargs):
    """The call, and the calls functools' key rules tell from it or not: keywords in the other
    order, the keywords' values passed by position, names and values by position (what the marker
    between positional and keyword arguments keeps apart), values swapped for equal ones of another type."""
    found = [(args, kwargs)]
    if len(kwargs) > 1:
        found.append((args, kwargs[::-1]))
    if kwargs:
        found.append((args + [v for _, v in kwargs], []))
        found.append((args + [x for item in kwargs for x in item], []))
    found.append(([_equal_twin(v) for v in args], [(k, _equal_twin(v)) for k, v in kwargs]))
    return found


@st.composite
def sequences(draw):
    """Steps over a small vocabulary of calls and their twins, so repeats and near-repeats are common;
    a pick past the vocabulary is a cache_clear()."""
    vocabulary = [twin for args, kwargs in draw(st.lists(base_calls, min_size=1, max_size=2))
                  for twin in twins(args, kwargs)]
    picks = draw(st.lists(st.sampled_from(range(len(vocabulary) + 1)), min_size=1, max_size=30))
    return [("clear",) if p == len(vocabulary) else ("call", *vocabulary[p]) for p in picks]


# functools' key rules, each as a pair of calls it keeps apart or together; run in every mode.
RULES = [("call", [], [("a", 1), ("b", 2)]), ("call", [], [("b", 2), ("a", 1)]),
         ("call", [1], []), ("call", [1.0], []), ("call", [True], []), ("call", [1.0], []),
         ("call", [1, "a", 2], []), ("call", [1], [("a", 2)]), ("call", [1, 2], []),
         ("call", [], [("a", 1.0)]), ("call", [], [("a", 1)]), ("call", ["a"], []), ("call", [("a",)], []),
         ("clear",), ("call", [1], []), ("call", [1], [])]
RECENCY = [("call", [k], []) for k in (1, 2, 1, 3, 1, 2, 2, "a", 3)]  # a hit must make a key recent


def recording(log):
    def body(*args, **kwds):
        log.append(repr((args, kwds)))  # repr: order of kwds and types of values included
        if BOOM in args or BOOM in kwds.values():
            raise ValueError("boom")
        return (args, kwds)

    return body


def outcome(f, args, kwds):
    try:
        return repr(f(*args, **kwds))
    except (TypeError, ValueError) as error:
        return f"{type(error).__name__}: raised"


@pytest.mark.parametrize("mode", sorted(MODES))
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(maxsize=st.integers(1, 4), typed=st.booleans(), sequence=sequences())
@example(maxsize=16, typed=False, sequence=RULES)
@example(maxsize=16, typed=True, sequence=RULES)
@example(maxsize=2, typed=False, sequence=RULES)
@example(maxsize=2, typed=False, sequence=RECENCY)
def test_same_results_counts_and_computations_as_functools(mode, maxsize, typed, sequence):
    our_log, their_log = [], []
    ours = MODES[mode](maxsize, typed)(recording(our_log))
    theirs = functools.lru_cache(maxsize=maxsize, typed=typed)(recording(their_log))
    for i, step in enumerate(sequence):
        if step[0] == "clear":
            ours.cache_clear()
            theirs.cache_clear()
        else:
            _, args, kwargs = step
            kwds = dict(kwargs)
            assert outcome(ours, args, kwds) == outcome(theirs, args, kwds), (i, step)
        assert tuple(ours.cache_info()) == tuple(theirs.cache_info()), (i, step)
        assert our_log == their_log, (i, step)
