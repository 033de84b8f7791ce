"""Notebook 02: the memory-growth live plot computes what its sliders ask for and redraws on a move."""

import matplotlib
import pytest

from hotcache_lab import plots
from hotcache_lab.lessons import memory_growth as lesson
from hotcache_lab.plots.memory import draw_growth

matplotlib.use("Agg")


def test_the_stream_is_the_notebooks():
    s = lesson.stream()
    assert len(s.calls) == 15_000 and s.calls[0] == (s.keys[0],)
    assert s.distinct == len(set(s.keys)) and s.first_seen[0] == 1
    assert s.first_seen == sorted(s.first_seen)


@pytest.mark.parametrize(("result_bytes", "maxsize"), [(1024.0, 300.0), (3980.0, 10 ** 3.7), (31.6, 10.0)])
def test_growth_at_slider_values(result_bytes, maxsize):
    g = lesson.growth(result_bytes, maxsize)
    s = lesson.stream()
    assert (g.result_bytes, g.maxsize) == (round(result_bytes), round(maxsize))
    assert g.unbounded_info.currsize == s.distinct
    assert g.bounded_info.currsize == min(g.maxsize, s.distinct)
    assert g.bounded_info.hits + g.bounded_info.misses == len(s.calls)
    assert g.full_at == (s.first_seen[g.maxsize - 1] if g.maxsize <= s.distinct else None)
    assert g.unbounded.done[-1] == len(s.calls) and len(g.unbounded.done) == 41
    if g.maxsize * 10 < s.distinct:  # a small LRU holds far less than the unbounded cache
        assert g.bounded.final * 5 < g.unbounded.final


def test_bigger_results_hold_more_memory_with_the_same_entries():
    small, big = lesson.growth(256, 300), lesson.growth(2048, 300)
    assert small.summary()["cache_entries"] == big.summary()["cache_entries"]
    assert big.unbounded.final > 3 * small.unbounded.final


def test_the_live_plot_redraws_when_a_slider_moves():
    plot = plots.live(lesson.growth, draw_growth, figsize=(7.5, 3.6),
                      result_bytes=plots.log_slider("result size (bytes)", 1.5, 3.6, value=1024),
                      maxsize=plots.log_slider("maxsize", 1, 3.7, value=300))
    plot.update()
    before = plot.updates
    plot.controls["result_bytes"].value = 2048
    assert plot.updates == before + 1
    expected = lesson.growth(**plot.values)
    got = plot.last.summary()
    for name in ("result_bytes", "maxsize", "cache_entries", "lru_entries"):
        assert got[name] == expected.summary()[name]
    assert got["result_bytes"] == 2048
