"""Notebook 10: the decision guide, and the capstone widget's compute and live plot."""

from __future__ import annotations

import matplotlib
import pytest

from hotcache_lab import plots
from hotcache_lab.lessons import choosing_a_cache as lesson
from hotcache_lab.plots import capstone as capstone_plots
from hotcache_lab.sim import capstone

matplotlib.use("Agg")


def test_the_decision_guide_is_a_tree_whose_every_answer_is_reachable():
    nodes, edges = lesson.DECISION_NODES, lesson.DECISION_EDGES
    questions = [n for n, v in nodes.items() if v[3] == "question"]
    for q in questions:
        assert sorted(lab for src, _, lab in edges if src == q) == ["no", "yes"]
    reached = set()
    for bits in range(1 << len(questions)):
        answers = {q: bool(bits >> i & 1) for i, q in enumerate(questions)}
        reached.add(lesson.advise(answers)[1])
    assert reached == {n for n, v in nodes.items() if v[3] == "answer"}


def test_advise_follows_the_answers():
    path, answer = lesson.advise({"stale": True, "pays": True, "procs": True, "shared": True})
    assert path == ["stale", "pays", "procs", "shared"] and answer == "redis"
    assert lesson.advise({"stale": False})[1] == "no_cache"
    answers = {"stale": True, "pays": True, "procs": False, "threads": True}
    assert lesson.advise(answers)[1] == "single_flight"
    with pytest.raises(KeyError, match="pays"):
        lesson.advise({"stale": True})
    with pytest.raises(TypeError, match="stale"):
        lesson.advise({"stale": "yes"})


def test_draw_flowchart_draws_every_box():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plots.draw_flowchart(ax, lesson.DECISION_NODES, lesson.DECISION_EDGES, note=lesson.ALWAYS)
    texts = [t.get_text() for t in ax.texts]
    plt.close(fig)
    for _, _, text, _ in lesson.DECISION_NODES.values():
        assert text in texts


@pytest.mark.parametrize("values", [
    {},  # the widget's defaults
    {"backend": "redis", "maxsize": 5_000, "lock": "per-key", "ttl": 10, "invalidation": "lease",
     "fallback": "default"},
    {"backend": "in-process", "policy": "s3fifo", "maxsize": 500, "lock": None, "ttl": 3,
     "invalidation": "delete"},
])
def test_design_scores_what_the_widget_passes(values):
    result = lesson.design(**values)
    expected = capstone.score(capstone.Choice(**{**dict(policy="lru", maxsize=1_000, lock="global",
                                                        backend="in-process"), **values,
                                                 "ttl": values.get("ttl") or None}))
    assert result.score == expected and not result.error
    assert list(result.bars) == ["p99 latency", "memory", "staleness", "stale reads", "database, busiest s",
                                 "degraded answers", "thread use"]
    assert result.bars["memory"] == pytest.approx(expected.memory_mb / capstone.DEFAULT.memory_budget_mb)
    assert result.bars["stale reads"] == pytest.approx(
        min(expected.stale_fraction / capstone.DEFAULT.stale_read_budget, lesson.BAR_CAP))
    assert ("PASSES" in result.title) == expected.passed
    assert len(result.labels) == len(result.bars)
    assert result.load == expected.db_per_second and result.capacity == capstone.DEFAULT.db_capacity
    assert (result.outage is not None) == (expected.choice.backend == "redis")


def test_ttl_zero_from_the_slider_means_no_ttl():
    assert lesson.design(ttl=0).score.choice.ttl is None
    assert lesson.design(ttl=0).bars["staleness"] == lesson.BAR_CAP  # unbounded, drawn at the axis' end
    assert lesson.design(ttl=5).score.choice.ttl == 5


def test_a_bigger_shared_cache_passes_where_a_small_one_fails():
    design = dict(backend="redis", lock="per-key", ttl=10, invalidation="lease", fallback="default")
    small = lesson.design(maxsize=100, **design)
    big = lesson.design(maxsize=5_000, **design)
    assert big.score.hit_ratio > small.score.hit_ratio
    assert big.score.passed and not small.score.passed
    assert small.summary()["failures"] and small.summary()["passed"] is False


def test_an_invalid_choice_is_shown_not_raised():
    import matplotlib.pyplot as plt

    result = lesson.design(policy="sieve", backend="redis")
    assert result.score is None and "policy" in result.error
    assert result.summary() == {"error": result.error}
    fig, axes = plt.subplots(1, 2)
    capstone_plots.draw_score(axes, result)
    assert any("not a valid choice" in t.get_text() for t in axes[0].texts)
    plt.close(fig)


def test_the_score_figure_shows_the_load_the_capacity_and_the_outage():
    import matplotlib.pyplot as plt

    result = lesson.design(backend="redis", maxsize=2_000, lock="per-key", ttl=10, fallback="origin")
    fig, (left, right) = plt.subplots(1, 2)
    capstone_plots.draw_score((left, right), result)
    assert len(left.patches) == len(result.bars)
    labels = right.get_legend_handles_labels()[1]
    assert "shared cache down" in labels and any("capacity" in label for label in labels)
    assert right.get_ylim()[0] == 0 and right.get_ylim()[1] >= max(result.load)
    plt.close(fig)


def test_the_live_plot_redraws_with_the_controls_values():
    import ipywidgets as widgets

    plot = plots.live(lesson.design, capstone_plots.draw_score, ncols=2,
                      backend=widgets.Dropdown(options=list(capstone.BACKENDS), value="in-process"),
                      maxsize=plots.slider("maxsize", 100, 10_000, 1_000, step=100),
                      lock=widgets.Dropdown(options=[("None", None), ("global", "global"),
                                                     ("per-key", "per-key")], value="global"),
                      ttl=plots.slider("ttl", 0, 30, 0),
                      invalidation=widgets.Dropdown(options=capstone.INVALIDATIONS, value="ttl"),
                      fallback=widgets.Dropdown(options=capstone.FALLBACKS, value="origin"))
    plot.update()
    before = plot.updates
    plot.controls["backend"].value = "redis"
    plot.controls["invalidation"].value = "lease"
    assert plot.updates == before + 2
    assert plot.last == lesson.design(**plot.values)
    assert plot.last.score.choice.backend == "redis" and plot.last.score.choice.invalidation == "lease"


def test_memory_curves_rise_with_memory_and_sharing_buys_more_hits():
    import matplotlib.pyplot as plt

    sizes = [250, 1_000, 4_000]
    result = lesson.memory_curves(sizes)
    for memory, ratio in result.curves.values():
        assert memory == sorted(memory) and ratio == sorted(ratio)
    (mem_local, hr_local), (mem_shared, hr_shared) = result.curves["in-process"], result.curves["redis"]
    assert mem_shared[-1] < mem_local[-1] and hr_shared[-1] > hr_local[-1]
    fig, ax = plt.subplots()
    capstone_plots.draw_memory_curves(ax, result)
    assert len(ax.lines) == 3  # two curves and the budget
    plt.close(fig)


def test_the_smallest_passing_shared_maxsize_is_the_first_that_passes():
    smallest = lesson.smallest_passing_shared(250, 10_000)
    assert smallest % 250 == 0
    assert lesson.shared_design_passes(smallest)
    assert smallest == 250 or not lesson.shared_design_passes(smallest - 250)
