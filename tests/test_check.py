"""The argument checks every public function uses: what they accept, and messages that name the parameter."""

import math

import numpy as np
import pytest

from hotcache_lab import _check


def test_integer_accepts_ints_and_numpy_ints_and_rejects_bools_and_floats():
    assert _check.integer("n", 3) == 3 and type(_check.integer("n", np.int64(3))) is int
    assert _check.integer("n", None, allow_none=True) is None
    for bad in (True, 3.0, "3", None):
        with pytest.raises(TypeError, match=r"^n must be a positive int"):
            _check.integer("n", bad)
    with pytest.raises(ValueError, match=r"^n must be a positive int, got 0$"):
        _check.integer("n", 0)
    with pytest.raises(ValueError, match=r"^seed must be a non-negative int, got -1$"):
        _check.integer("seed", -1, minimum=0)


def test_number_ranges_and_open_ends():
    assert _check.number("x", 2) == 2.0 and _check.fraction("h", 1) == 1.0
    assert _check.seconds("ttl", 0, allow_zero=True) == 0.0
    with pytest.raises(ValueError, match=r"^ttl must be a positive finite number of seconds, got 0.0$"):
        _check.seconds("ttl", 0)
    with pytest.raises(ValueError, match=r"^h must be a number in \[0, 1\], got 1.5$"):
        _check.fraction("h", 1.5)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        _check.fraction("p", 0, low_open=True, high_open=True)
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="^x must be"):
            _check.positive("x", bad)
    with pytest.raises(TypeError, match=r"^x must be a number, got True \(bool\)$"):
        _check.number("x", True)


def test_choices_text_flags_and_callables():
    assert _check.one_of("policy", "lru", ("lru", "fifo")) == "lru"
    with pytest.raises(ValueError, match=r"^policy must be one of 'lru', 'fifo'; got 'lfu'$"):
        _check.one_of("policy", "lfu", ("lru", "fifo"))
    with pytest.raises(ValueError, match="policy must be one of"):
        _check.one_of("policy", ["unhashable"], {"lru"})
    with pytest.raises(TypeError, match="^namespace must be a non-empty str"):
        _check.text("namespace", "")
    assert _check.flag("typed", False) is False
    with pytest.raises(TypeError, match=r"^typed must be True or False, got 1 \(int\)$"):
        _check.flag("typed", 1)
    assert _check.function("clock", len) is len
    with pytest.raises(TypeError, match="^clock must be a callable returning seconds, got 3$"):
        _check.function("clock", 3, what="a callable returning seconds")


def test_int_array_and_seed():
    assert _check.int_array("sizes", [3, 1]).dtype == np.int64
    with pytest.raises(ValueError, match="^sizes must not be empty$"):
        _check.int_array("sizes", [])
    with pytest.raises(TypeError, match="^trace must hold integers"):
        _check.int_array("trace", [1.5])
    with pytest.raises(ValueError, match="^sizes must be positive ints, got 0$"):
        _check.int_array("sizes", [3, 0], positive_values=True)
    assert np.array_equal(_check.seed(5).integers(0, 100, 4), np.random.default_rng(5).integers(0, 100, 4))
    with pytest.raises(ValueError, match="^seed must be a non-negative int or None"):
        _check.seed(-2)
