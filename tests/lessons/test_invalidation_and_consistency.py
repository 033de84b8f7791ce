"""Notebook 08's computations (lessons.invalidation_and_consistency), its live plots built as the notebook
builds them, and its figures (plots.invalidation), on a real Redis and real SQLite databases."""

import matplotlib

matplotlib.use("Agg")

import functools  # noqa: E402
import random  # noqa: E402

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import plots  # noqa: E402
from hotcache_lab.distributed import redis_refresh, start_redis  # noqa: E402
from hotcache_lab.distributed.redis_cache import make_client  # noqa: E402
from hotcache_lab.invalidation import patterns, races  # noqa: E402
from hotcache_lab.invalidation.origin import Database  # noqa: E402
from hotcache_lab.invalidation.stores import RedisStore  # noqa: E402
from hotcache_lab.lessons import invalidation_and_consistency as lesson  # noqa: E402
from hotcache_lab.plots import expiry as expiry_plots  # noqa: E402
from hotcache_lab.plots import invalidation as inv_plots  # noqa: E402
from hotcache_lab.plots import probe  # noqa: E402


@pytest.fixture(scope="module")
def server():
    with start_redis() as handle:
        yield handle


@pytest.fixture
def store(server, request):
    client = make_client(server.url)
    yield RedisStore(client, prefix=f"t08:{request.node.name}:")
    client.close()


@pytest.fixture
def db():
    with Database() as database:
        yield database


# --- the patterns ------------------------------------------------------------------

def test_patterns_view_replays_every_pattern_and_its_table_shows_each(store):
    view = lesson.patterns_view(store, 0.25, ops=120, keys=12)
    assert [r.pattern for r in view.runs] == list(patterns.PATTERNS) and view.write_share == 0.25
    assert set(view.by_pattern()) == set(patterns.PATTERNS)
    table = lesson.patterns_table(view).splitlines()
    assert len(table) == 1 + len(patterns.PATTERNS) and "lost on crash" in table[0]
    wb = view.by_pattern()["write-behind"]
    assert table[4].split()[0] == "write-behind" and table[4].split()[-1] == str(wb.lost_on_crash)
    assert probe.same(view, lesson.patterns_view(store, 0.25, ops=120, keys=12))  # what the cache check needs


def test_patterns_view_stands_in_a_server_once_the_notebooks_own_is_stopped(store):
    before = lesson.patterns_view(store, 0.1, ops=80, keys=8)
    with start_redis() as doomed:
        gone = RedisStore(make_client(doomed.url), "gone:")
    assert lesson.patterns_view(gone, 0.1, ops=80, keys=8) == before  # same counts on the spare server
    assert lesson._spare_server()[0].running


def test_the_patterns_live_plot_follows_its_slider(store):
    plot = plots.live(functools.partial(lesson.patterns_view, store, ops=60, keys=6), inv_plots.draw_patterns,
                      ncols=3, figsize=(11, 3.4),
                      write_share=widgets.SelectionSlider(options=list(lesson.WRITE_SHARES), value=0.25))
    assert plot.warm(images=False) == len(lesson.WRITE_SHARES)
    plot.controls["write_share"].value = 0.5
    assert plot.last.write_share == 0.5 and plot.last == plot.results[(0.5,)]
    assert len(plot.figure.axes) == 3


# --- the stale-set race ---------------------------------------------------------------------------------

def test_race_sequence_is_the_forced_race_as_it_happened(db, store):
    race = races.forced_stale_set(db, store, "delete")
    sequence = lesson.race_sequence(race)
    assert sequence.lanes == ("reader", "cache (Redis)", "database (SQLite)", "writer")
    assert [fatal for *_, fatal in sequence.steps] == [False] * 4 + [True] * 2
    assert f"version {race.db_version - 1}" in sequence.steps[1][2] and f"version {race.db_version}" in \
        sequence.steps[2][2]
    assert all(source in sequence.lanes and target in sequence.lanes for source, target, *_ in sequence.steps)


def test_stale_counts_run_every_strategy_and_only_the_protocols_reach_zero(db, store):
    counts = lesson.stale_counts(db, store, reads=80, writes=30)
    assert list(counts) == list(races.STRATEGIES)
    assert counts["delete"].stale_reads > 0
    assert counts["lease"].stale_reads == counts["versioned"].stale_reads == 0


# --- negative caching, jitter ------------------------------------------------------------------

def test_negative_sweep_trades_queries_for_stale_absences_unless_the_writer_deletes(store):
    sweep = lesson.negative_sweep(store, ttls=(0, 30, 300), lookups=300)
    queries, stale = sweep.queries[False], sweep.stale_absent
    assert queries[0] > queries[1] > queries[2] and sweep.absent_lookups > 0
    assert stale[False][0] == 0 < stale[False][2] and stale[True] == (0, 0, 0)
    assert sweep == lesson.negative_sweep(store, ttls=(0, 30, 300), lookups=300)  # seeded, logical clock


def test_expiry_view_draws_the_jittered_load_against_none():
    view = lesson.expiry_view(0.3)
    assert view.current.jitter == 0.3 and view.reference.jitter == 0.0
    assert view.current.peak < view.reference.peak
    assert view.reference is lesson.expiry_view(0.1).reference  # simulated once per process


# --- hot keys ------------------------------------------------------------------

@pytest.mark.parametrize("rate", [25, 100])
def test_hot_key_load_plain_expiry_recomputes_rate_times_recompute(rate):
    load = lesson.hot_key_load(rate, 1.0)
    assert load.per_expiry["expire"] == pytest.approx(rate * 0.2)
    assert load.top == max(load.peak.values()) and load.peak["expire+single-flight"] == 1
    times, levels = load.curves["expire"]
    assert times[-1] == pytest.approx(35.0) and levels[-1] == 0 and len(times) == len(levels)


def test_the_hot_key_live_plot_draws_one_panel_per_strategy():
    plot = plots.live(lesson.hot_key_load, expiry_plots.draw_backend_load, ncols=4, figsize=(11, 3.0),
                      rate=widgets.SelectionSlider(options=list(lesson.RATES), value=100),
                      beta=widgets.SelectionSlider(options=list(lesson.BETAS), value=1.0))
    plot.update()
    plot.controls["rate"].value = 25
    assert plot.last == lesson.hot_key_load(25, 1.0) and len(plot.figure.axes) == 4


@pytest.mark.parametrize("strategy, at, options, recomputed, waits", [
    ("expire", 10.05, {"single_flight": False}, 16, 0), ("expire", 10.05, {}, 1, 15),
    ("xfetch", 10.0, {"rng": random.Random(0)}, 1, 0)])
def test_expiry_burst_counts(strategy, at, options, recomputed, waits):
    stats, burst = lesson.expiry_burst(strategy, at, **options)
    assert (stats.computations - 1, stats.waits) == (recomputed, waits)
    assert len(burst.results) == lesson.CALLERS


@pytest.mark.parametrize("strategy, computations, waits", [("none", 5, 0), ("lock", 1, 4)])
def test_redis_lock_burst_one_computation_with_the_lock(server, strategy, computations, waits):
    client = redis_refresh.connect(server.url)
    burst = lesson.redis_lock_burst(client, strategy, callers=5, key=f"t08:{strategy}")
    assert (burst.computations, burst.waits) == (computations, waits)
    assert burst.answers == ("price v1",) * 5 and not client.exists(f"t08:{strategy}", f"lock:t08:{strategy}")
    with pytest.raises(ValueError, match="strategy"):
        lesson.redis_lock_burst(client, "xfetch")
    client.close()


# --- the figures ------------------------------------------------------------------

def test_draw_race_sequence_marks_the_fatal_steps_red(db, store):
    fig, ax = plt.subplots()
    inv_plots.draw_race_sequence(ax, lesson.race_sequence(races.forced_stale_set(db, store, "delete")))
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    labels = [t for t in ax.texts if t.get_text()[:2] in {f"{i}." for i in range(1, 7)}]
    assert len(labels) == 6 and len(arrows) == 6
    assert [matplotlib.colors.to_hex(t.get_color()) for t in labels].count(inv_plots.PALETTE["expire"]) == 2
    plt.close(fig)


def test_draw_patterns_one_row_per_pattern_in_three_panels_with_every_value(store):
    view = lesson.patterns_view(store, 0.25, ops=60, keys=6)
    fig, axes = plt.subplots(1, 3)
    inv_plots.draw_patterns(axes, view)
    assert [t.get_text() for t in axes[0].get_yticklabels()] == list(patterns.PATTERNS)
    assert len(axes[0].patches) == 2 * len(view.runs) and len(axes[2].patches) == len(view.runs)
    assert all(ax.get_xlim()[0] == 0 for ax in axes)
    assert len(axes[2].texts) == len(view.runs)  # a value on every bar, zeros included
    plt.close(fig)


def test_draw_negative_and_expiry_show_every_series_distinctly(store):
    sweep = lesson.negative_sweep(store, ttls=(0, 100), lookups=200)
    fig, axes = plt.subplots(1, 2)
    inv_plots.draw_negative(axes, sweep)
    for ax in axes:
        lines = [line for line in ax.lines if line.get_label().startswith("writer")]
        assert len(lines) == 2 and len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 2
    assert axes[0].get_ylim()[0] == 0 and axes[0].get_ylim()[1] > sweep.absent_lookups
    fig2, ax2 = plt.subplots()
    inv_plots.draw_expiry_load(ax2, lesson.expiry_view(0.2))
    steps = ax2.lines[:2]
    assert steps[0].get_linestyle() != steps[1].get_linestyle() and len(ax2.get_legend().get_texts()) == 2
    plt.close(fig)
    plt.close(fig2)


def test_draw_stale_counts_legend_names_both_series(db, store):
    counts = lesson.stale_counts(db, store, reads=30, writes=10)
    fig, ax = plt.subplots()
    inv_plots.draw_stale_counts(ax, counts)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["stale reads", "fills refused"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(races.STRATEGIES)
    assert len(ax.texts) == 2 * len(races.STRATEGIES)
    plt.close(fig)


def test_draw_backend_load_one_panel_per_strategy_or_all_on_one():
    result = lesson.hot_key_load(rate=50, recompute=0.2, ttl=5.0)
    fig, axes = plt.subplots(1, 4)
    expiry_plots.draw_backend_load(axes, result)
    assert [len(a.lines) for a in axes] == [1, 1, 1, 1]
    assert all(a.get_ylim() == axes[0].get_ylim() for a in axes) and axes[0].get_ylim()[0] == 0
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
