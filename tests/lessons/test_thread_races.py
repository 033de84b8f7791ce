"""Notebook 06's computations (lessons.thread_races) and its live plots, built as the notebook builds them."""

import matplotlib

matplotlib.use("Agg")

import dataclasses  # noqa: E402

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import plots, workloads  # noqa: E402
from hotcache_lab.concurrency import strategies  # noqa: E402
from hotcache_lab.lessons import thread_races as lesson  # noqa: E402
from hotcache_lab.measure import MEASURED  # noqa: E402
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


def test_forced_races_run_once_per_setting_and_timings_are_declared_measured():
    assert lesson.forced_race(4, 10) is lesson.forced_race(4, 10.0)  # a slider coming back shows that race
    assert lesson.forced_race(4, 10) is not lesson.forced_race(4, 20)
    sweep = lesson.stampede_sweep(threads=4, compute_ms=10)
    assert sweep.timeline == lesson.forced_race(4, 10).computations and len(sweep.calls) == 4
    measured = {f.name for f in dataclasses.fields(sweep) if f.metadata == MEASURED}
    assert measured == {"wall_ms", "wall_ms_by_threads", "timeline", "calls"}


def _choice(options, value):
    return widgets.SelectionSlider(options=options, value=value, continuous_update=False)


def _stampede_plot():  # as the notebook builds it
    return plots.live(lesson.stampede_sweep, race_plots.draw_stampede, ncols=2, figsize=(9, 3.4),
                      threads=_choice((1, 2, 4, 8, 16), 8), compute_ms=_choice((10, 20, 40, 80), 40))


def test_the_stampede_live_plot_follows_its_sliders():
    plot = _stampede_plot()
    plot.update()
    assert plot.last.counted() == lesson.stampede_sweep(**plot.values).counted()
    before = plot.updates
    plot.controls["threads"].value = 4  # what moving the slider does
    assert plot.updates == before + 1
    assert plot.last.counted() == lesson.stampede_sweep(threads=4, compute_ms=40).counted()
    assert plot.last.duplicates_by_threads == [0, 1, 3]
    plot.controls["compute_ms"].value = 20
    assert plot.last.compute_ms == 20 and all(w >= 20 for w in plot.last.wall_ms_by_threads)
    assert plot.warm(images=False) == 20  # 5 x 4 stops, the notebook runs them all ahead


def test_draw_stampede_and_strategy_races_share_colours_and_legends():
    fig, axes = plt.subplots(1, 2)
    race_plots.draw_stampede(axes, lesson.stampede_sweep(threads=4, compute_ms=10))
    bars = {tuple(round(c, 3) for c in patch.get_facecolor()) for patch in axes[0].patches}
    assert len(bars) == 2  # calls and runs, in the notebook's two colours
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a call: asking, waiting, answered",
                                                                  "the function running"]
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["duplicate computations",
                                                                        "wall time (ms)"]
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    races = [strategies.strategy_race(s, 3, compute_ms=5) for s in ("lru_cache alone", "memoize per-key")]
    race_plots.draw_strategy_races(axes, races)
    colours = {tuple(round(c, 3) for c in patch.get_facecolor()) for ax in axes for patch in ax.patches}
    assert colours == bars and len(fig.legends) == 1
    assert len(axes[1].patches) == 3 + 1  # three calls, one run of the function
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
    assert all(a.get_ylim()[0] == 0 for a in axes)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    race_plots.draw_workers(axes, curves)
    assert [len(a.lines) for a in axes] == [2, 2]
    for ax in axes:  # the two curves meet at K = 1: both must stay visible
        first, second = ax.lines
        assert (first.get_linestyle(), first.get_marker()) != (second.get_linestyle(), second.get_marker())
        assert ax.get_ylim()[0] == 0 and ax.get_legend() is not None
    plt.close(fig)


def test_strategies_with_equal_counts_are_drawn_distinguishably():
    styles = {s: race_plots.STRATEGY_STYLES[s] for s in strategies.LOCK_STRATEGIES}
    assert len(set(styles.values())) == len(styles)
    for pair in (strategies.STAMPEDING, ("memoize per-key", "cachetools condition")):  # equal computations
        a, b = (styles[s] for s in pair)
        assert a[0] != b[0] and (a[1], a[2]) != (b[1], b[2])


def test_whole_call_cap_and_the_sentence_come_from_the_reports():
    reports = strategies.sweep(strategies.LOCK_STRATEGIES, (1, 4), rounds=1, delay=0.005)
    locked = next(r for r in reports if r.strategy == "one lock around the call" and r.n_threads == 4)
    cap = lesson.whole_call_cap(locked, delay=0.005)
    assert cap == pytest.approx(locked.calls / (locked.computations * 0.005))
    assert locked.throughput <= cap  # its computations ran one at a time
    text = lesson.sweep_sentence(reports)
    alone = next(r for r in reports if r.strategy == "lru_cache alone" and r.n_threads == 4)
    assert f"{alone.throughput:.0f} calls/s" in text and f"{locked.p99 * 1e3:.0f} ms" in text
    with pytest.raises(ValueError, match="delay"):
        lesson.whole_call_cap(locked, delay=0)


