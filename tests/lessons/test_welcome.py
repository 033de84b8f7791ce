"""Notebook 00's computing (lessons.welcome) and its live plot: the maxsize slider redraws the
running hit ratio, counted by a real functools.lru_cache exactly as the lab's memoize counts."""

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
def test_running_hit_ratio_counts_like_memoize(maxsize):
    result = lesson.running_hit_ratio(CALLS, maxsize)
    info, running = lesson.replay(CALLS, maxsize)  # the lab's memoize, every call
    assert tuple(result.info) == tuple(info)
    assert result.hit_ratio == pytest.approx(info.hits / len(CALLS))
    assert result.calls_so_far[0] == 1 and result.calls_so_far[-1] == len(CALLS)
    assert len(result.running) == len(result.calls_so_far) <= lesson.POINTS
    assert np.array_equal(result.running, running[result.calls_so_far - 1])  # the same curve, sampled


def test_lru_cache_hits_marks_the_calls_the_cache_answered():
    info, answered = lesson.lru_cache_hits([1, 2, 1, 3, 1, 2], 2)
    assert answered.tolist() == [False, False, True, False, True, False]
    assert tuple(info) == (2, 4, 2, 2)
    assert lesson.hit_ratio([1, 2, 1, 3, 1, 2], 2) == pytest.approx(2 / 6)


def test_replays_reject_a_bad_maxsize():
    for replay in (lesson.replay, lesson.lru_cache_hits, lesson.running_hit_ratio):
        with pytest.raises(ValueError, match="maxsize"):
            replay(CALLS, 0)


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
