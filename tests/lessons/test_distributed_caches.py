"""Notebook 09's pure computations (lessons.distributed_caches): what its live plots and checked cells show,
and that each slider stop draws without error."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab.lessons import distributed_caches as lesson  # noqa: E402
from hotcache_lab.plots import distributed_caches as dist_plots  # noqa: E402


def test_moved_shares_follow_theory():
    moved = lesson.moved_shares(8)
    for scheme in ("ring", "rendezvous"):
        assert 0.5 / 9 < moved.join[scheme] < 2 / 9 and 0.5 / 8 < moved.leave[scheme] < 2 / 8
    assert moved.join["modulo"] > 0.8 and moved.leave["modulo"] > 0.8
    with pytest.raises(ValueError, match="n must"):
        lesson.moved_shares(1)


def test_balance_improves_with_virtual_nodes_and_counts_every_key():
    few, many = lesson.balance_view(1), lesson.balance_view(200)
    assert few.max_over_mean("ring") > 2 * (many.max_over_mean("ring") - 1) + 1
    for view in (few, many):
        assert all(sum(c) == len(lesson.KEYS) for c in view.counts.values())
    assert few.counts["modulo"] == many.counts["modulo"]  # no slider changes modulo


def test_hot_view_keeps_the_plain_run_fixed_and_the_l1_lowers_the_busiest_node():
    base, fixed = lesson.hot_view(0, 1), lesson.hot_view(100, 1)
    assert base.plain == fixed.plain == base.mitigated
    assert fixed.mitigated.busiest_share < base.plain.busiest_share / 2


def test_fallback_view_varies_only_the_limited_strategies():
    low, high = lesson.fallback_view(4), lesson.fallback_view(16)
    assert low.runs["breaker"] == high.runs["breaker"]
    assert low.runs["breaker + limit"].peak_origin < high.runs["breaker + limit"].peak_origin
    assert low.runs["breaker + limit"].total("shed") > high.runs["breaker + limit"].total("shed")


def test_per_second_means_the_chosen_buckets():
    assert lesson.per_second([1, 2, 3, 4], 0.5, 1.0) == pytest.approx((3 + 4) / 1.0)
    assert lesson.per_second([1, 2, 3, 4], 0.5, 0.0, 1.0) == pytest.approx((1 + 2) / 1.0)
    assert lesson.per_second([1], 0.5, 5.0) == 0.0


def test_pool_view_selects_a_run_by_name():
    runs = {"a": 1, "b": 2}
    assert lesson.pool_view(runs, "b") == 2
    with pytest.raises(ValueError, match="setting"):
        lesson.pool_view(runs, "c")


@pytest.mark.parametrize("draw, compute, shape", [
    (dist_plots.draw_balance, lambda: lesson.balance_view(10), (1, 2)),
    (dist_plots.draw_hot_keys, lambda: lesson.hot_view(10, 4), (1, 2)),
    (dist_plots.draw_fallback, lambda: lesson.fallback_view(8), (1, 2)),
    (dist_plots.draw_moved, lambda: lesson.moved_shares(4), (1, 1)),
])
def test_each_figure_draws_labelled_series(draw, compute, shape):
    fig, axes = plt.subplots(*shape)
    draw(axes, compute())
    for ax in (axes if shape != (1, 1) else [axes]):
        assert ax.get_title()
    assert any(ax.get_legend() is not None for ax in (axes if shape != (1, 1) else [axes]))
    plt.close(fig)

