"""Notebook 00's computing (lessons.welcome) and its live plot: the maxsize slider redraws the
running hit ratio."""

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import plots, workloads  # noqa: E402
from hotcache_lab.lessons import welcome as lesson  # noqa: E402
from hotcache_lab.plots import basics as basic_plots  # noqa: E402

pytest.importorskip("ipywidgets")
CALLS = workloads.zipf(n_keys=1_000, alpha=1.0, n_requests=10_000, seed=0)


@pytest.mark.parametrize("maxsize", [100, 1, 1000])  # the slider's default and its two ends
def test_running_hit_ratio_counts_like_lru_cache(maxsize):
    result = lesson.running_hit_ratio(CALLS, maxsize)
    probe = functools.lru_cache(maxsize=maxsize)(lambda k: k)
    for k in CALLS.tolist():
        probe(k)
    assert tuple(result.info) == tuple(probe.cache_info())
    assert result.running[-1] == pytest.approx(result.hit_ratio) and result.running[0] == 0.0
    assert np.all((result.running >= 0) & (result.running <= 1)) and len(result.running) == len(CALLS)


def test_replay_rejects_a_bad_maxsize():
    with pytest.raises(ValueError, match="maxsize"):
        lesson.replay(CALLS, 0)


def test_maxsize_slider_redraws():
    compute = functools.partial(lesson.running_hit_ratio, CALLS)
    plot = plots.live(compute, basic_plots.draw_running_hit_ratio,
                      maxsize=plots.slider("maxsize", 1, 1000, value=100))
    plot.update()
    plot.controls["maxsize"].value = 300
    assert plot.updates == 2
    expected = compute(**plot.values)
    assert plot.last.maxsize == expected.maxsize == 300 and plot.last.info == expected.info
    assert np.array_equal(plot.last.running, expected.running)
    assert plot.last.hit_ratio > lesson.running_hit_ratio(CALLS, 100).hit_ratio
    plt.close("all")
