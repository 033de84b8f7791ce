"""Notebook 03: the news service, and the strategies' live plot at the values its sliders pass."""

import matplotlib
import numpy as np
import pytest

from hotcache_lab import plots
from hotcache_lab.lessons import cache_management as lesson
from hotcache_lab.plots.service import STRATEGY_STYLE, draw_management

matplotlib.use("Agg")


def test_the_news_service_has_a_quiet_minute():
    news = lesson.news_service()
    assert len(news.ts) == len(news.keys) == 40_000
    assert news.quiet == (400.0, 460.0) and news.duration >= news.ts[-1]
    assert not np.any((news.ts >= 400.0) & (news.ts < 460.0))
    assert news.keys.max() < lesson.N_EVERGREEN + lesson.N_NEWS
    twice, _ = lesson.news_stream(80_000, rate_scale=2.0)
    assert len(twice) == 80_000 and twice[-1] < 1.5 * news.ts[-1]  # twice the traffic in about the same time


@pytest.mark.parametrize(("maxsize", "ttl", "clear_every"), [(1000, 60, 60), (250, 300, 10)])
def test_run_all_at_slider_values(maxsize, ttl, clear_every):
    result = lesson.run_all(maxsize, ttl, clear_every)
    runs = result.runs
    assert set(runs) == set(STRATEGY_STYLE)
    assert runs["lru"].peak_entries == maxsize and runs["ttl+maxsize"].peak_entries <= maxsize
    assert runs["ttl"].max_age < ttl and runs["clear"].max_age < clear_every
    assert runs["unbounded"].peak_entries == len(np.unique(lesson.news_service().keys))
    assert all(r.hit_ratio < runs["unbounded"].hit_ratio for n, r in runs.items() if n != "unbounded")
    assert result.summary()["ttl"]["strategy"] == f"ttl(ttl={ttl:g})"


def test_the_live_plot_redraws_when_a_slider_moves():
    plot = plots.live(lesson.run_all, draw_management, ncols=2, figsize=(10, 3.6),
                      maxsize=plots.slider("maxsize (LRU, ttl+maxsize)", 250, 8000, 1000, step=250),
                      ttl=plots.slider("ttl (s)", 5, 300, 60, step=5),
                      clear_every=plots.slider("clear every (s)", 10, 300, 60, step=10))
    plot.update()
    before = plot.updates
    plot.controls["ttl"].value = 120
    assert plot.updates == before + 1
    assert plot.last.summary() == lesson.run_all(**plot.values).summary()
    assert plot.last.runs["ttl"].params["ttl"] == 120.0
