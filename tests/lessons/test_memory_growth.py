"""Notebook 02: the memory-growth live plot computes what its sliders ask for, fast and exactly as a
direct tracemalloc replay would; its figures draw every series they are given."""

import matplotlib
import pytest

from hotcache_lab import plots
from hotcache_lab.lessons import memory_growth as lesson
from hotcache_lab.plots import probe
from hotcache_lab.plots.memory import draw_entry_costs, draw_growth, draw_rss

matplotlib.use("Agg")


def test_the_stream_is_the_notebooks():
    s = lesson.stream()
    assert len(s.calls) == 15_000 and s.calls[0] == (s.keys[0],)
    assert s.distinct == len(set(s.keys)) and s.first_seen[0] == 1
    assert s.first_seen == sorted(s.first_seen)


def test_entries_held_follow_the_distinct_keys_seen_capped_at_maxsize():
    s = lesson.stream()
    done = [0, 1, 500, 15_000]
    assert s.entries(done) == [len(set(s.keys[:d])) for d in done]
    assert s.entries(done, maxsize=100) == [min(100, len(set(s.keys[:d]))) for d in done]


@pytest.mark.parametrize(("result_bytes", "maxsize"), [(1024.0, 300.0), (3980.0, 10 ** 3.7), (31.6, 10.0)])
def test_growth_at_slider_values(result_bytes, maxsize):
    g = lesson.growth(result_bytes, maxsize)
    s = lesson.stream()
    assert (g.result_bytes, g.maxsize) == (round(result_bytes), round(maxsize))
    assert g.unbounded_info.currsize == s.distinct
    assert g.bounded_info.currsize == min(g.maxsize, s.distinct)
    assert g.bounded_info.hits + g.bounded_info.misses == len(s.calls)
    assert g.full_at == (s.first_seen[g.maxsize - 1] if g.maxsize <= s.distinct else None)
    assert g.unbounded.done[-1] == len(s.calls) and len(g.unbounded.done) == 41
    if g.maxsize * 10 < s.distinct:  # a small LRU holds far less than the unbounded cache
        assert g.bounded.final * 5 < g.unbounded.final


@pytest.mark.parametrize(("result_bytes", "maxsize"), [(1024, 300), (64, 2000)])
def test_the_fast_curves_are_what_a_direct_replay_with_real_results_measures(result_bytes, maxsize):
    """tracemalloc counts requested bytes: results of None plus entries x getsizeof(result) is the
    replay with real results, to within a few bytes per point."""
    fast, direct = lesson.growth(result_bytes, maxsize), lesson.replayed(result_bytes, maxsize)
    for name in ("unbounded", "bounded"):
        a, b = getattr(fast, name), getattr(direct, name)
        assert a.done == b.done
        assert max(abs(x - y) for x, y in zip(a.current, b.current, strict=True)) <= 0.005 * b.final
    assert fast.bounded_info == direct.bounded_info and fast.unbounded_info == direct.unbounded_info


def test_bigger_results_hold_more_memory_with_the_same_entries():
    small, big = lesson.growth(256, 300), lesson.growth(2048, 300)
    assert small.summary()["cache_entries"] == big.summary()["cache_entries"]
    assert big.unbounded.final > 3 * small.unbounded.final


def test_a_result_size_move_reuses_the_replay_of_its_maxsize():
    lesson.growth(1024, 300)
    before = lesson._bare.cache_info().misses
    lesson.growth(3000, 300)
    assert lesson._bare.cache_info().misses == before


def test_measured_series_are_declared_so_the_plot_cache_compares_them_by_type():
    g = lesson.growth(1024, 300)
    assert probe.same(g, lesson.growth(1024, 300))
    other = lesson.replayed(1024, 300)  # measured again: bytes differ a little, types do not
    assert probe.same(g, other)


def _live():
    return plots.live(lesson.growth, draw_growth, figsize=(7.5, 3.6),
                      result_bytes=plots.log_slider("result size (bytes)", 1.5, 3.6, value=1024),
                      maxsize=plots.log_slider("maxsize", 1, 3.7, value=300))


def test_the_live_plot_redraws_when_a_slider_moves():
    plot = _live()
    plot.update()
    before = plot.updates
    plot.controls["result_bytes"].value = 2048
    assert plot.updates == before + 1
    expected = lesson.growth(**plot.values)
    got = plot.last.summary()
    for name in ("result_bytes", "maxsize", "cache_entries", "lru_entries"):
        assert got[name] == expected.summary()[name]
    assert got["result_bytes"] == 2048


def test_draw_growth_tells_its_two_lines_apart():
    plot = _live()
    plot.update()
    ax = plot.figure.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label().startswith(("functools", "lru_cache("))]
    assert len(lines) == 2
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lines[0].get_marker() != lines[1].get_marker()
    assert ax.get_legend() is not None and ax.get_ylim()[0] == 0


def test_draw_entry_costs_and_rss_draw_every_series():
    import matplotlib.pyplot as plt

    from hotcache_lab.measure.memory import RssSeries

    fig, axes = plt.subplots(1, 2)
    costs = {"overhead": {"cache, f(uid)": 60.0, "lru_cache, f(uid)": 116.0}, "sizes": [16, 256],
             "by_size": {"cache": [130.0, 370.0], "lru_cache": [186.0, 426.0]}}
    draw_entry_costs(axes, costs)
    assert len(axes[0].patches) == 2
    beyond = [line.get_ydata().tolist() for line in axes[1].get_lines()]
    assert beyond == [[114.0, 114.0], [170.0, 170.0]]  # per entry minus the payload: flat
    fig2, ax = plt.subplots()
    series = RssSeries(seconds=[0.0, 1.0], mib=[100.0, 110.0], result=None)
    draw_rss(ax, {"functools.cache": series, "lru_cache(maxsize=2000)": series})
    assert [line.get_label() for line in ax.get_lines()] == ["functools.cache", "lru_cache(maxsize=2000)"]
    plt.close(fig)
    plt.close(fig2)


def test_replayed_rejects_bad_sizes():
    with pytest.raises(ValueError, match="result_bytes"):
        lesson.replayed(0, 300)
    with pytest.raises(ValueError, match="maxsize"):
        lesson.growth(1024, -5)


# --- a budget in bytes: getsizeof= against an entry count -------------------------------------------


def test_the_byte_bound_holds_its_budget_and_the_entry_bound_does_not():
    b = lesson.memory_budget(budget=2**20, n_requests=8_000, points=40)
    assert len(b.done) == 40 and b.done[-1] == 8_000
    assert max(b.by_bytes) <= b.budget < max(b.by_count)
    assert max(b.entries_count) == b.entry_bound and b.refused == 0
    assert b.hit_ratio_bytes < b.hit_ratio_count  # bounded memory, fewer entries, fewer hits


def test_the_payload_tally_is_what_the_entry_bounded_cache_really_holds():
    from hotcache_lab import caches

    b = lesson.memory_budget(budget=2**19, n_requests=3_000, points=10)
    keys, sizes = lesson._budget_stream(3_000, lesson.SEED)
    cache = caches.LRUCache(b.entry_bound)
    for key in keys.tolist():
        if cache.get(key, caches.MISSING) is caches.MISSING:
            cache.put(key, bytes(int(sizes[key])))
    assert b.by_count[-1] == sum(len(e.value) for e in cache.entries())


def test_draw_budget_draws_both_caches_and_the_budget():
    import matplotlib.pyplot as plt

    from hotcache_lab.plots.memory import draw_budget

    fig, ax = plt.subplots()
    draw_budget(ax, lesson.memory_budget(budget=2**19, n_requests=2_000, points=10))
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("getsizeof=len" in label for label in labels) and "the budget" in labels
    styles = {(line.get_linestyle(), line.get_marker()) for line in ax.get_lines()[:2]}
    assert len(styles) == 2
    plt.close(fig)
