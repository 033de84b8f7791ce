"""Notebook 07: the ladder's and Redis LRU's live plots, and the figures' computations, on real servers."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import pytest

from hotcache_lab import plots, sim, workloads
from hotcache_lab.distributed import RedisCache, start_redis
from hotcache_lab.lessons import beyond_functools as lesson
from hotcache_lab.plots import distributed as distributed_plots
from hotcache_lab.plots import ladder as ladder_plots

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def redis_cache():
    cache = RedisCache(namespace="test-nb07")
    yield cache
    cache.close()


@pytest.fixture(scope="module")
def lru(redis_cache):
    import redis

    server = start_redis()
    client = redis.Redis.from_url(server.url)
    stream = workloads.zipf(n_keys=2_000, alpha=0.9, n_requests=4_000, seed=3)
    yield lesson.RedisLRUComparison(client, stream, 300)
    client.close()
    server.stop()


@pytest.mark.parametrize("value_size, codec", [(1_000, "json"), (100_000.0, "pickle")])
def test_the_ladder_measures_what_the_slider_asks_for(redis_cache, value_size, codec):
    result = lesson.ladder(value_size, codec, redis=redis_cache, repeat=2)
    assert result.ladder.codec == codec
    assert set(result.median_us) >= {"lru_cache hit", "memoize hit", "redis GET", "computation"}
    assert result.median_us["redis GET"] > 10 * result.median_us["lru_cache hit"]
    assert len(result.labels) == len(result.ladder.rungs)
    assert set(result.codecs) == {"json", "pickle"}
    assert abs(result.codecs["json"]["bytes"] - value_size) < 10  # the value is the size asked for


def test_a_bigger_value_costs_more_on_redis_and_nothing_more_in_process(redis_cache):
    small = lesson.ladder(100, redis=redis_cache, repeat=3)
    big = lesson.ladder(200_000, redis=redis_cache, repeat=3)
    assert big.ladder.value_size > 1_000 * small.ladder.value_size / 2
    assert big.codecs["json"]["bytes"] > small.codecs["json"]["bytes"]
    assert big.median_us["redis GET"] > small.median_us["redis GET"]


def test_a_ladder_already_measured_is_shown_as_it_is(redis_cache):
    from hotcache_lab.distributed.ladder import measure_ladder

    first = measure_ladder(500, redis=redis_cache, rungs=("lru_cache hit", "redis GET"), repeat=2)
    assert lesson.ladder(500, measured=first).ladder is first
    with pytest.raises(TypeError, match="measured"):
        lesson.ladder(500, measured={"redis GET": 1e-5})


def test_the_ladder_live_plot_redraws_when_the_value_size_moves(redis_cache):
    import ipywidgets as widgets

    compute = functools.partial(lesson.ladder, redis=redis_cache, repeat=2)
    plot = plots.live(compute, ladder_plots.draw_ladder, ncols=2,
                      value_size=plots.log_slider("value size (bytes)", 2, 5.5, 1_000),
                      codec=widgets.Dropdown(options=["json", "pickle"], value="json"))
    plot.update()
    before = plot.updates
    plot.controls["value_size"].value = 50_000
    assert plot.updates == before + 1
    expected = compute(**plot.values)
    assert plot.last.ladder.value_size == expected.ladder.value_size > 40_000
    assert [r.name for r in plot.last.ladder.rungs] == [r.name for r in expected.ladder.rungs]


@pytest.mark.parametrize("samples", [5, 1])
def test_redis_lru_compares_with_exact_lru_at_the_size_redis_held(lru, samples):
    result = lru.compare(samples)
    assert result.samples == samples and 200 <= result.keys_held <= 400
    assert result.exact == sim.hit_ratio(lru.stream, "lru", result.keys_held)
    assert result.random == sim.hit_ratio(lru.stream, "rr", result.keys_held)
    assert 0 < result.redis < result.exact + 0.05
    assert lru.replays[samples, "trace"]["hit_ratio"] == result.redis


def test_the_redis_lru_live_plot_and_the_sweep_reuse_its_replays(lru):
    plot = plots.live(lru.compare, distributed_plots.draw_redis_lru,
                      samples=plots.slider("maxmemory-samples", 1, 10, 5))
    plot.update()
    plot.controls["samples"].value = 10
    assert plot.updates == 2 and plot.last.samples == 10
    assert plot.last.redis == lru.replays[10, "trace"]["hit_ratio"]
    sweep = lru.sweep((5, 10))
    assert sweep.hit_ratios[10] == plot.last.redis  # reused, not replayed again
    assert sweep.wall_samples == 5 and 0 < sweep.wall < 1 and sweep.exact > sweep.random
    fig, ax = plt.subplots()
    distributed_plots.draw_samples_sweep(ax, sweep)
    assert len(ax.lines) == 4
    plt.close(fig)


def test_worker_hit_ratios_divide_by_each_workers_requests():
    runs = [{"requests": 10, "private_hits": 2, "shared_hits": 6}, {"requests": 5, "private_hits": 0,
                                                                     "shared_hits": 4}]
    result = lesson.worker_hit_ratios(runs)
    assert result.private == [0.2, 0.0] and result.shared == [0.6, 0.8]


def test_refresh_timelines_stack_overlapping_computations():
    run = SimpleNamespace(per_expiry=2.0, intervals=[(0.0, 1.0, False, 0), (0.5, 1.5, True, 1),
                                                     (2.0, 3.0, False, 2)])
    result = lesson.refresh_timelines({"none": run, "lock": run}, ttl=0.5)
    bars = result.panels[0].bars
    assert [row for row, *_ in bars] == [0, 1, 0]  # the second began while the first ran
    assert result.ttl == 0.5 and [p.strategy for p in result.panels] == ["none", "lock"]
    fig, axes = plt.subplots(1, 2)
    distributed_plots.draw_refresh_timelines(axes, result)
    assert len(axes[0].patches) == 3
    plt.close(fig)


def test_the_ladder_is_shown_as_multiples_of_its_cheapest_rung(redis_cache):
    from hotcache_lab.distributed.ladder import measure_ladder

    measured = measure_ladder(500, redis=redis_cache, rungs=("lru_cache hit", "memoize hit", "redis GET"),
                              repeat=2)
    ratios = lesson.ladder_ratios(measured)
    assert list(ratios) == ["lru_cache hit", "memoize hit", "redis GET"] and ratios["lru_cache hit"] == 1
    assert ratios["redis GET"] == measured.median("redis GET") / measured.median("lru_cache hit") > 10


def test_a_closed_cache_is_not_measured_on_a_private_server_is(redis_cache):
    closed = RedisCache(namespace="test-nb07-closed")
    closed.close()
    result = lesson.ladder(1_000, redis=closed, repeat=2)  # what a slider moved after the last cell sees
    assert "redis GET" in result.ladder and result.median_us["redis GET"] > 0


def test_the_ladder_view_is_a_measurement_the_cache_check_compares_by_type():
    import dataclasses

    from hotcache_lab.measure import MEASURED

    assert all(f.metadata == MEASURED for f in dataclasses.fields(lesson.LadderView))


def test_compare_reuses_the_replay_a_sweep_already_made(lru, monkeypatch):
    lru.sweep((3,))
    made = lru.replays[3, "trace"]
    monkeypatch.setattr(lesson, "redis_lru_replay", lambda *a, **k: pytest.fail("replayed again"))
    assert lru.compare(3).redis == made["hit_ratio"]


def test_the_lru_figures_start_their_ratio_axis_at_zero_and_label_the_bars(lru):
    fig, (left, right) = plt.subplots(1, 2)
    distributed_plots.draw_redis_lru(left, lru.compare(5))
    distributed_plots.draw_samples_sweep(right, lru.sweep((5, 10)))
    assert left.get_ylim()[0] == 0 and right.get_ylim()[0] == 0
    assert len(left.texts) == 3  # one figure on each bar
    styles = {line.get_linestyle() for line in right.lines}
    assert len(styles) >= 3  # Redis, exact LRU and random eviction do not share a line style
    plt.close(fig)
