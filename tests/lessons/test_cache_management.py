"""Notebook 03: the news service, the strategies' live plot at the values its sliders pass, and the
figures drawing every strategy so that coinciding lines can still be told apart."""

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

from hotcache_lab import plots
from hotcache_lab.lessons import cache_management as lesson
from hotcache_lab.plots import probe
from hotcache_lab.plots.service import (
    STRATEGY_STYLE,
    draw_frontier,
    draw_management,
    draw_one_key,
    draw_staleness,
)

matplotlib.use("Agg")


def test_the_news_service_has_a_quiet_minute():
    news = lesson.news_service()
    assert len(news.ts) == len(news.keys) == 40_000
    assert news.quiet == (400.0, 460.0) and news.duration >= news.ts[-1]
    assert not np.any((news.ts >= 400.0) & (news.ts < 460.0))
    assert news.keys.max() < lesson.KEY_SPACE == lesson.N_EVERGREEN + lesson.N_NEWS
    twice, _ = lesson.news_stream(80_000, rate_scale=2.0)
    assert len(twice) == 80_000 and twice[-1] < 1.5 * news.ts[-1]  # twice the traffic in about the same time


def test_runs_are_kept_per_setting_whatever_the_number_type():
    assert lesson.run("ttl", ttl=60) is lesson.run("ttl", ttl=60.0)
    assert lesson.run("lru", maxsize=1000) is not lesson.run("lru", maxsize=2000)
    with pytest.raises(ValueError, match="ttl"):
        lesson.run("ttl", ttl=-1)


@pytest.mark.parametrize(("maxsize", "ttl", "clear_every"), [(1000, 60.0, 60.0), (250, 300.0, 10.0)])
def test_run_all_at_slider_values(maxsize, ttl, clear_every):
    result = lesson.run_all(maxsize, ttl, clear_every)
    runs = result.runs
    assert set(runs) == set(STRATEGY_STYLE)
    assert runs["lru"].peak_entries == maxsize and runs["ttl+maxsize"].peak_entries <= lesson.TTL_MAXSIZE
    assert runs["ttl"].max_age < ttl and runs["clear"].max_age < clear_every
    assert runs["unbounded"].peak_entries == len(np.unique(lesson.news_service().keys))
    assert all(r.hit_ratio < runs["unbounded"].hit_ratio for n, r in runs.items() if n != "unbounded")
    assert result.summary()["ttl"]["strategy"] == f"ttl(ttl={ttl:g})"
    assert probe.same(result, lesson.run_all(maxsize, ttl, clear_every))


def test_the_frontier_holds_every_stop_of_the_sliders():
    labels = {p.label for p in lesson.frontier()}
    assert {f"lru(maxsize={m})" for m in lesson.MAXSIZES} <= labels
    assert {f"ttl(ttl={t:g})" for t in lesson.TIMES} <= labels
    assert {f"ttl(maxsize={lesson.TTL_MAXSIZE}, ttl={t:g})" for t in lesson.TIMES} <= labels
    assert {f"clear(clear_every={t:g})" for t in lesson.TIMES} <= labels


def _stops(options, value):
    return widgets.SelectionSlider(options=options, value=value)


def test_the_live_plot_redraws_when_a_slider_moves_and_every_stop_is_already_run():
    plot = plots.live(lesson.run_all, draw_management, ncols=2, figsize=(10, 3.6),
                      maxsize=_stops(lesson.MAXSIZES, 1000), ttl=_stops(lesson.TIMES, 60.0),
                      clear_every=_stops(lesson.TIMES, 60.0))
    plot.update()
    lesson.frontier()
    runs_before = lesson._run.cache_info().misses
    before = plot.updates
    plot.controls["ttl"].value = 120.0
    plot.controls["maxsize"].value = 8000
    assert plot.updates == before + 2
    assert lesson._run.cache_info().misses == runs_before  # a move only selects runs made already
    assert plot.last.summary() == lesson.run_all(**plot.values).summary()
    assert plot.last.runs["ttl"].params["ttl"] == 120.0
    mem, hit = plot.figure.axes
    (legend,) = plot.figure.legends  # one legend beside both panels, one entry per strategy
    assert len(legend.get_texts()) == len(STRATEGY_STYLE)
    looks = {(line.get_linestyle(), line.get_marker()) for line in mem.get_lines()}
    assert len(looks) == len(STRATEGY_STYLE)  # five strategies, five looks: LRU and ttl+maxsize both at 1,000


def test_the_static_figures_draw_every_strategy():
    import matplotlib.pyplot as plt

    article = lesson.one_article()
    fig, axes = plt.subplots(3, 1)
    draw_one_key(axes, article)
    assert [ax.get_title(loc="left").split(":")[0] for ax in axes] == [r.label for r in article.runs.values()]
    fig2, axes2 = plt.subplots(1, 2)
    draw_staleness(axes2, lesson.run_all(1000, 60.0, 60.0), bound=60.0)
    assert len(axes2[0].get_legend().get_texts()) == len(STRATEGY_STYLE)  # one legend serves both panels
    fig3, axes3 = plt.subplots(1, 2)
    draw_frontier(axes3, lesson.frontier())
    assert len(axes3[0].get_legend().get_texts()) == len(STRATEGY_STYLE)
    assert axes3[0].get_ylim() == (0, 1)
    for f in (fig, fig2, fig3):
        plt.close(f)


def test_one_article_shows_the_three_behaviours():
    runs = lesson.one_article().runs
    assert runs["unbounded"].misses == 1 and runs["unbounded"].stale_reads > 0
    assert runs["ttl"].max_age < 30 and runs["clear"].max_age < 60
