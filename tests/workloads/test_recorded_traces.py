"""The bundled traces recorded with hotcache_lab.record: ids in order, a cost per key, an agreeing header."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from hotcache_lab import workloads

RECORDED = ("typing_cache", "linecache_pydoc")


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_trace_is_consistent(name):
    t = workloads.load(name)
    distinct = np.unique(t.keys)
    assert np.array_equal(distinct, np.arange(len(distinct)))  # ids in order of first appearance
    firsts = np.flatnonzero(np.diff(np.maximum.accumulate(t.keys), prepend=-1) > 0)
    assert np.array_equal(t.keys[firsts], distinct)
    assert t.costs is not None and np.array_equal(np.sort(t.costs.keys), distinct)  # one cost a key
    assert (t.costs.seconds > 0).all() and (t.costs.bytes >= 0).all()
    assert (t.costs.bytes > 0).mean() > 0.9  # deep_size counts no class or module a result may be
    header = (resources.files("hotcache_lab.workloads") / "traces" / f"{name}.trace").read_text()[:3000]
    assert f"requests: {len(t)}, distinct keys: {len(distinct)}" in header and "CC0-1.0" in header


def test_three_real_traces_have_different_shapes():
    from hotcache_lab import simulate

    one_entry = {n: simulate.hit_ratio(workloads.load(n).keys, "lru", 1) for n in ("re_compile", *RECORDED)}
    ceilings = {n: 1 - len(np.unique(workloads.load(n).keys)) / len(workloads.load(n)) for n in one_entry}
    assert one_entry["linecache_pydoc"] > 0.8 > 0.5 > one_entry["re_compile"] > one_entry["typing_cache"]
    assert ceilings["typing_cache"] < 0.8 < ceilings["re_compile"]
