"""Notebook 01's computing (lessons.memoization_basics) and its live plot: sizing an lru_cache."""

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import plots, workloads  # noqa: E402
from hotcache_lab.lessons import memoization_basics as lesson  # noqa: E402
from hotcache_lab.plots import basics as basic_plots  # noqa: E402

pytest.importorskip("ipywidgets")
STREAM = workloads.zipf(n_keys=5_000, alpha=1.0, n_requests=20_000, seed=2024).tolist()
HIT_TIME = 1e-7


@pytest.mark.parametrize(("maxsize", "compute_ms"), [(100.0, 1.0), (1000.0000000000007, 31.622776601683793)])
def test_sizing_at_the_slider_values(maxsize, compute_ms):
    s = lesson.sizing(maxsize, compute_ms, keys=STREAM, hit_time=HIT_TIME)
    info = lesson.replay(round(maxsize), STREAM)
    assert (s.maxsize, s.hits, s.misses) == (round(maxsize), info.hits, info.misses)
    assert s.without_s == pytest.approx(len(STREAM) * compute_ms / 1e3)
    assert s.with_cache_s == pytest.approx(info.misses * compute_ms / 1e3 + len(STREAM) * HIT_TIME)
    assert 0 < s.saved_s < s.without_s
    assert list(s.curve) == sorted(s.curve) and s.curve[-1] <= s.unbounded_hit_ratio
    assert s.unbounded_entries == len(set(STREAM))


def test_sizing_rejects_bad_values():
    with pytest.raises(ValueError, match="compute_ms"):
        lesson.sizing(100.0, 0.0, keys=STREAM, hit_time=HIT_TIME)
    with pytest.raises(ValueError, match="hit_time"):
        lesson.sizing(100.0, 1.0, keys=STREAM, hit_time=-1.0)


def test_replay_is_functools():
    info = lesson.replay(2, [1, 2, 1, 3, 2, 1])
    assert tuple(info) == (1, 5, 2, 2)


def test_rank_products_hands_out_a_fresh_list_and_counts_its_runs():
    before = lesson.RANKINGS["test-rank"]
    first, second = lesson.rank_products("test-rank"), lesson.rank_products("test-rank")
    assert first == second == ["test-rank-0", "test-rank-1", "test-rank-2"] and first is not second
    assert lesson.RANKINGS["test-rank"] == before + 2
    with pytest.raises(TypeError, match="category"):
        lesson.rank_products(3)


def test_sliders_redraw():
    compute = functools.partial(lesson.sizing, keys=STREAM, hit_time=HIT_TIME)
    plot = plots.live(compute, basic_plots.draw_sizing, ncols=2,
                      maxsize=plots.log_slider("maxsize", 0, 3.7, value=100),
                      compute_ms=plots.log_slider("compute per miss (ms)", -1, 2, value=1))
    plot.update()
    plot.controls["maxsize"].value = 1000
    assert plot.updates == 2 and plot.last == compute(**plot.values)
    assert plot.last.maxsize == 1000 and plot.last.hits > compute(maxsize=100, compute_ms=1).hits
    ax1, ax2 = plot.figure.axes
    assert [t.get_text() for t in ax1.get_xticklabels()] == ["1", "10", "100", "1,000"]
    assert ax1.get_ylim() == (0, 1) and ax2.get_xlim()[0] == 0
    plt.close("all")
