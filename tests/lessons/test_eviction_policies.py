"""Notebook 04's computing (lessons.eviction_policies) and its live plots: the time slider redraws the
boxes from the recordings; the skew and size sliders redraw the miss-ratio curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import caches, plots, simulate, workloads  # noqa: E402
from hotcache_lab.lessons import eviction_policies as lesson  # noqa: E402
from hotcache_lab.plots import eviction as eviction_plots  # noqa: E402
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
                      size=plots.log_slider("size", 1, 3.4, value=100))
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
