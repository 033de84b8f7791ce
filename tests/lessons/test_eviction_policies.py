"""Notebook 04's computing (lessons.eviction_policies) and its figures: the time slider redraws the
boxes from the recordings; the skew and size sliders redraw the miss-ratio curves, read off curves
computed at exactly the size slider's stops; every series of every figure can be told apart."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import caches, plots, simulate, workloads  # noqa: E402
from hotcache_lab.lessons import eviction_policies as lesson  # noqa: E402
from hotcache_lab.plots import eviction as eviction_plots  # noqa: E402
from hotcache_lab.plots.sliders import stops  # noqa: E402
from hotcache_lab.sim.stepper import frame, record  # noqa: E402

pytest.importorskip("ipywidgets")


@pytest.mark.parametrize("t", [10, 15])  # the slider's default, and the step after the scan
def test_step_is_every_policy_at_step_t(t):
    view = lesson.step(t)
    assert view.t == t and view.request == lesson.TRACE[t]
    assert [row["label"].split()[0] for row in view.rows] == list(lesson.POLICIES)
    for policy, row in zip(lesson.POLICIES, view.rows, strict=True):
        rec = record(lesson.TRACE, policy, 4)
        assert row == frame(rec, t)
        assert view.hit[policy] == rec[t].hit and view.evicted[policy] == rec[t].evicted


def test_time_slider_changes_the_boxes():
    plot = plots.live(lesson.step, eviction_plots.draw_step, t=plots.slider("time step", 0, 19, value=3))
    first = plot.update()
    assert first.t == 3 and plot.updates == 1
    plot.controls["t"].value = 15  # what moving the slider does
    assert plot.updates == 2 and plot.last == lesson.step(15)
    rows = dict(zip(lesson.POLICIES, plot.last.rows, strict=True))
    # after the scan, LRU lost key 1 (a miss, inserted again) while SIEVE and OPT hit it
    assert ("1", "new", "") in rows["lru"]["boxes"]
    assert any(text == "1" and state == "hit" for text, state, _ in rows["sieve"]["boxes"])
    assert any(text == "1" and state == "hit" for text, state, _ in rows["opt"]["boxes"])
    assert rows["lru"]["evicted"] == (11,) and rows["sieve"]["evicted"] == ()
    plt.close("all")


@pytest.mark.parametrize(("alpha", "size"), [(0.8, 100.0), (1.2000000000000002, 501.18723362727224)])
def test_mrc_rounds_the_slider_values_and_orders_the_policies(alpha, size):
    result = lesson.mrc(alpha, size)
    assert result.alpha == round(alpha, 2) and result.size == round(size)
    trace = workloads.zipf(n_keys=5_000, alpha=result.alpha, n_requests=10_000, seed=lesson.SEED)
    assert result.miss["lru"] == pytest.approx(1 - simulate.hit_ratio(trace, "lru", result.size))
    assert result.order[0] == "opt"  # nothing misses less than OPT
    assert [result.miss[p] for p in result.order] == sorted(result.miss.values())
    for p in lesson.POLICIES:
        assert np.all(result.curves[p] >= result.curves["opt"] - 1e-12)


def test_skew_slider_redraws_the_curves():
    plot = plots.live(lesson.mrc, eviction_plots.draw_mrc,
                      alpha=plots.slider("skew", 0.0, 1.6, value=0.8, step=0.1),
                      size=plots.log_slider("size", *lesson.SIZE_EXPONENTS, value=100))
    plot.update()
    plot.controls["alpha"].value = 1.2
    assert plot.updates == 2
    expected = lesson.mrc(**plot.values)
    assert (plot.last.alpha, plot.last.size, plot.last.miss, plot.last.order) == (
        expected.alpha, expected.size, expected.miss, expected.order)
    assert plot.last.alpha == 1.2 and plot.last.miss["lru"] < lesson.mrc(0.8, 100).miss["lru"]
    plt.close("all")


def test_served_is_request_by_request_and_counts_the_hot_keys():
    hot = workloads.zipf(n_keys=200, alpha=1.2, n_requests=5_000, seed=0)
    for policy in ("lru", "s3fifo"):
        cache = lesson.served(policy, hot, 100)
        by_hand = caches.POLICIES[policy](100)
        hits = sum(by_hand.request(k) for k in hot.tolist())
        assert cache.stats.hits == hits and set(cache) == set(by_hand)
        assert lesson.hot_keys_kept(cache) == sum(k in by_hand for k in range(50))
    flushed = lesson.served("lru", np.concatenate([hot, np.arange(10**6, 10**6 + 100)]), 100)
    assert lesson.hot_keys_kept(flushed) == 0


def test_miss_at_agrees_with_the_curves_at_their_sizes():
    _, curves = lesson.miss_curves(1.0)
    size = int(lesson.MRC_SIZES[3])
    assert lesson.miss_at(1.0, size)["sieve"] == pytest.approx(curves["sieve"][3])
    assert all(len(c) == len(lesson.MRC_SIZES) for c in curves.values())


def test_draw_boxes_draws_one_patch_per_box_and_evicted_key():
    rec = record([1, 2, 3, 4], "lru", 3)
    fig, ax = plt.subplots()
    plots.draw_boxes(ax, [frame(rec, 3)])
    assert len(ax.patches) == 3 + 1  # three slots and the evicted key
    texts = {t.get_text() for t in ax.texts}
    assert {"2", "3", "4", "1"} <= texts
    plt.close(fig)


def test_the_curves_are_computed_at_every_stop_of_the_size_slider():
    slider = plots.log_slider("size", *lesson.SIZE_EXPONENTS, value=100)
    assert sorted({round(v) for v in stops(slider)}) == lesson.MRC_SIZES.tolist()
    assert lesson.MRC_SIZES[-1] > lesson.MRC_KEYS  # the slider reaches "everything fits"


@pytest.mark.parametrize("size", [100.0, 10 ** 3.7, 101.0])  # two stops of the slider, and a size off them
def test_mrc_at_a_size_is_the_replay_at_that_size(size):
    result = lesson.mrc(1.0, size)
    trace, _ = lesson.miss_curves(1.0)
    for p in lesson.POLICIES:
        assert result.miss[p] == pytest.approx(1 - simulate.hit_ratio(trace, p, result.size), abs=1e-12)


def test_hot_traffic_is_shared_read_only():
    hot = lesson.hot_traffic()
    assert hot is lesson.hot_traffic() and len(hot) == 20_000 and not hot.flags.writeable
    with pytest.raises(ValueError):
        hot[0] = 1


def test_windowed_is_the_replay_averaged_per_window():
    trace = workloads.shifting_hotset(n_keys=2_000, hot_size=50, period=2_000, n_requests=6_000, seed=1)
    result = lesson.windowed(trace, ["lru", "lfu"], 50, window=500, period=2_000)
    assert result.ends.tolist() == list(range(500, 6_001, 500)) and result.shifts == (2_000, 4_000)
    for p in ("lru", "lfu"):
        hits = simulate.replay(trace, p, 50)
        assert result.ratios[p][3] == pytest.approx(hits[1_500:2_000].mean())
    with pytest.raises(ValueError, match="window"):
        lesson.windowed(trace, ["lru"], 50, window=700, period=2_000)


def test_lfu_counts_are_the_cache_entries_counts():
    keys = [1, 1, 1, 2, 2, 3, 4]  # a cache of 3: 4 evicts the one-count 3
    assert lesson.lfu_counts(keys, 3, range(10)) == {1: 3, 2: 2, 4: 1}
    assert lesson.lfu_counts(keys, 3, [1, 3]) == {1: 3}


def _style(line):
    return (str(line.get_linestyle()), line.get_marker(), line.get_color())


def test_draw_mrc_tells_every_policy_apart_even_where_curves_coincide():
    result = lesson.mrc(0.0, 100)  # uniform keys: the online curves lie on top of each other
    fig, ax = plt.subplots()
    eviction_plots.draw_mrc(ax, result)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(result.sizes)]
    assert len(lines) == len(lesson.POLICIES)
    assert len({_style(ln)[:2] for ln in lines}) == len(lines)  # a style and a marker of its own
    assert len({ln.get_markevery()[0] for ln in lines[:4]}) == 4  # markers at staggered points
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [label.split()[0] for label in labels] == list(result.order)
    assert labels[0] == f"opt {result.miss['opt']:.3f}"
    plt.close(fig)


def test_draw_shapes_labels_every_bar_zeros_included():
    results = {"loop": {p: 0.0 for p in lesson.POLICIES}, "scan": {p: 0.5 for p in lesson.POLICIES}}
    fig, axes = plt.subplots(1, 2)
    eviction_plots.draw_shapes(axes, results, list(lesson.POLICIES), maxsize=100)
    texts = [t.get_text() for t in axes[0].texts]
    assert texts == ["0"] * len(lesson.POLICIES)
    assert axes[0].get_ylim()[0] == 0
    plt.close(fig)


def test_draw_windowed_draws_one_styled_line_per_policy():
    trace = workloads.shifting_hotset(n_keys=2_000, hot_size=50, period=2_000, n_requests=4_000, seed=1)
    result = lesson.windowed(trace, ["lru", "lfu", "sieve", "s3fifo", "opt"], 50, window=500, period=2_000)
    fig, ax = plt.subplots()
    eviction_plots.draw_windowed(ax, result)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(result.ends)]
    assert len({_style(ln) for ln in lines}) == 5
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(result.ratios)
    plt.close(fig)
