"""Notebook 06's computations (lessons.thread_races) and its live plots, built as the notebook builds them."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import plots, workloads  # noqa: E402
from hotcache_lab.concurrency import strategies  # noqa: E402
from hotcache_lab.lessons import thread_races as lesson  # noqa: E402
from hotcache_lab.plots import expiry as expiry_plots  # noqa: E402
from hotcache_lab.plots import races as race_plots  # noqa: E402


def test_entries_in_words():
    assert [lesson.entries(n) for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]


@pytest.mark.parametrize("threads, compute_ms, counts", [(8, 40, [1, 2, 4, 8]), (6, 20, [1, 2, 4, 6]),
                                                        (1, 10, [1])])
def test_stampede_sweep_counts_are_forced(threads, compute_ms, counts):
    result = lesson.stampede_sweep(threads=threads, compute_ms=compute_ms)
    assert result.counts == counts
    assert result.duplicates_by_threads == [n - 1 for n in counts]
    assert (result.computations, result.duplicates) == (threads, threads - 1)
    assert len(result.timeline) == threads
    assert all(w >= compute_ms for w in result.wall_ms_by_threads)  # a race lasts at least one computation


def _stampede_plot():
    return plots.live(lesson.stampede_sweep, race_plots.draw_stampede, ncols=2, figsize=(9, 3.4),
                      threads=plots.slider("threads", 1, 16, 8),
                      compute_ms=plots.slider("compute time (ms)", 10, 100, 40, step=10))


def test_the_stampede_live_plot_follows_its_sliders():
    plot = _stampede_plot()
    plot.update()
    assert plot.last.counted() == lesson.stampede_sweep(**plot.values).counted()
    before = plot.updates
    plot.controls["threads"].value = 4  # what moving the slider does
    assert plot.updates == before + 1
    assert plot.last.counted() == lesson.stampede_sweep(threads=4, compute_ms=40).counted()
    assert plot.last.duplicates_by_threads == [0, 1, 3]
    plot.controls["compute_ms"].value = 30
    assert plot.last.compute_ms == 30 and all(w >= 30 for w in plot.last.wall_ms_by_threads)


@pytest.mark.parametrize("rate, expected", [(100, 20), (200, 40), (50, 10)])
def test_backend_load_follows_the_rate(rate, expected):
    result = lesson.backend_load(rate=rate, recompute=0.2, ttl=10.0, beta=1.0)
    assert result.per_expiry["expire"] == expected  # rate x recompute per expiry without coordination
    assert result.per_expiry["expire+single-flight"] == 1
    assert result.top == max(result.peak.values()) == result.peak["expire"]
    times, levels = result.curves["expire"]
    assert max(levels) == result.peak["expire"] and times[-1] == pytest.approx(35.0)


def _backend_plot():
    return plots.live(lesson.backend_load, expiry_plots.draw_backend_load, ncols=4, figsize=(11, 3.0),
                      rate=plots.slider("load (requests/s)", 10, 1000, 100, step=10),
                      recompute=plots.slider("recompute time (s)", 0.05, 2.0, 0.2, step=0.05),
                      ttl=plots.slider("TTL (s)", 2, 30, 10),
                      beta=plots.slider("XFetch beta", 0.25, 4.0, 1.0, step=0.25))


def test_the_backend_load_live_plot_follows_its_sliders():
    plot = _backend_plot()
    plot.update()
    assert plot.last == lesson.backend_load(**plot.values)
    plot.controls["rate"].value = 200
    assert plot.updates == 2
    assert plot.last == lesson.backend_load(**plot.values)
    assert plot.last.per_expiry["expire"] == 40


def test_draw_backend_load_one_panel_per_strategy_or_all_on_one():
    result = lesson.backend_load(rate=50, recompute=0.2, ttl=5.0)
    fig, axes = plt.subplots(1, 4, sharey=True)
    expiry_plots.draw_backend_load(axes, result)
    assert [len(a.lines) for a in axes] == [1, 1, 1, 1]
    assert axes[0].get_ylim()[1] > result.top
    plt.close(fig)
    fig, ax = plt.subplots()
    expiry_plots.draw_backend_load(ax, result)
    assert len(ax.lines) == 4 and ax.get_title() == result.title
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="axes must be"):
        expiry_plots.draw_backend_load(axes, result)
    plt.close(fig)


def test_sweep_panels_and_worker_curves_arrange_what_is_drawn():
    reports = strategies.sweep(("memoize per-key", "lru_cache alone"), (1, 2), rounds=1, delay=0.001)
    panels = lesson.sweep_panels(reports, (1, 2))
    assert [title for title, _ in panels.panels][2] == "computations (backend load)"
    assert panels.panels[2][1] == {"memoize per-key": [2, 3], "lru_cache alone": [2, 4]}
    stream = workloads.zipf(n_keys=500, alpha=1.0, n_requests=4000, seed=1)
    curves = lesson.worker_curves(stream, (1, 2, 4), maxsize=50)
    assert curves.memory["entries held (all workers)"] == [50, 100, 200]
    assert curves.hit_ratios["50 entries per worker"][0] == curves.hit_ratios["50 entries split over K"][0]
    fig, axes = plt.subplots(1, 3)
    race_plots.draw_sweep(axes, panels)
    assert [len(a.lines) for a in axes] == [2, 2, 2]
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    race_plots.draw_workers(axes, curves)
    assert [len(a.lines) for a in axes] == [2, 2]
    plt.close(fig)


@pytest.mark.parametrize("strategy, at, options, recomputed", [
    ("expire", 10.05, {"single_flight": False}, 16), ("expire", 10.05, {}, 1),
    ("stale-while-revalidate", 10.5, {"grace": 2.0}, 1)])
def test_expiry_burst_counts(strategy, at, options, recomputed):
    stats, burst = lesson.expiry_burst(strategy, at, **options)
    assert stats.computations - 1 == recomputed and len(burst.results) == lesson.CALLERS
    assert set(burst.results) <= {"price v0", "price v1"}
