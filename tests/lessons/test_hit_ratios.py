"""Notebook 05: the profile card, the speedup and budget live plots at the values their sliders pass,
the sentences written from a run's measurements, and figures where every series can be seen."""

import functools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from hotcache_lab import plots  # noqa: E402
from hotcache_lab.lessons import hit_ratios as lesson  # noqa: E402
from hotcache_lab.measure.latency import CallCosts, break_even_hit_ratio  # noqa: E402
from hotcache_lab.plots.hit_ratios import draw_break_even, draw_budget, draw_speedup  # noqa: E402

# measured-looking costs (seconds), fixed so the tests do not depend on this machine's speed
COSTS = {"lru_cache": CallCosts(hit_call=8e-8, miss_call=60.11e-6, uncached_call=60e-6, n_keys=500, repeat=1),
         "memoize": CallCosts(hit_call=3e-7, miss_call=60.5e-6, uncached_call=60e-6, n_keys=500, repeat=1)}


def test_profile_card_is_deterministic():
    assert lesson.profile_card(7) == lesson.profile_card(np.int64(7))
    assert lesson.profile_card(7) != lesson.profile_card(8)
    with pytest.raises(TypeError):
        lesson.profile_card(7.0)


@pytest.mark.parametrize(("t0_us", "h"), [(60.0, 0.8), (10 ** -1.5, 0.5), (1000.0, 0.99)])
def test_speedup_curves_at_slider_values(t0_us, h):
    r = lesson.speedup_curves(t0_us, h, costs=COSTS)
    for name, o in COSTS.items():
        t = t0_us / 1e6
        assert r.break_even[name] == pytest.approx(break_even_hit_ratio(o.t_hit, t + o.t_store, t))
        assert r.curves[name].shape == r.grid.shape and np.all(np.diff(r.curves[name]) > 0)
        assert (r.speedup[name] > 1) == (h > r.break_even[name])
    assert r.speedup["lru_cache"] > r.speedup["memoize"]  # a cheaper hit is faster at any h
    assert r.summary()["t0_us"] == round(t0_us, 3)


@pytest.mark.parametrize(("alpha", "budget_mb"), [(0.9, 8.0), (0.5, 1.0), (1.3, 10 ** 2.2)])
def test_budget_at_slider_values(alpha, budget_mb):
    b = lesson.budget(alpha, budget_mb, entry_bytes=900, costs=COSTS["lru_cache"], t0=60e-6)
    assert b.budget_entries == int(budget_mb * 1e6 // 900)
    assert b.maxsize <= min(b.budget_entries, b.knee) or b.maxsize == lesson.USER_SIZES[0]
    assert b.limited_by in ("budget", "knee")
    assert 0 <= b.hit_ratio <= 1 and b.gain >= 1 / (1 + 1e-3)
    ranked, _ = lesson.users(b.alpha)
    assert b.requested == np.count_nonzero(ranked) < b.n_users == lesson.N_USERS
    assert len(b.ranks) <= lesson.RANK_POINTS and b.ranks[0] == 1 and b.ranks[-1] == b.requested
    assert np.all(np.diff(b.ranks) > 0) and np.array_equal(b.requests, ranked[b.ranks - 1])
    assert b.requests.min() >= 1 and np.all(np.diff(b.requests) <= 0)  # no made-up value for no request


def test_a_bigger_budget_never_buys_a_smaller_cache():
    small, big = (lesson.budget(0.9, mb, entry_bytes=900, costs=COSTS["lru_cache"], t0=60e-6)
                  for mb in (1, 64))
    assert big.maxsize >= small.maxsize and big.hit_ratio >= small.hit_ratio


def test_the_live_plots_redraw_when_a_slider_moves():
    speed = plots.live(functools.partial(lesson.speedup_curves, costs=COSTS), draw_speedup,
                       t0_us=plots.log_slider("work per call t0 (µs)", -1.5, 3, value=60.0),
                       h=plots.slider("hit ratio h", 0.0, 0.99, value=0.8, step=0.01))
    speed.update()
    before = speed.updates
    speed.controls["h"].value = 0.5
    assert speed.updates == before + 1
    assert speed.last.summary() == lesson.speedup_curves(**speed.values, costs=COSTS).summary()
    assert speed.last.h == 0.5

    compute = functools.partial(lesson.budget, entry_bytes=900, costs=COSTS["lru_cache"], t0=60e-6)
    budget = plots.live(compute, draw_budget, ncols=2,
                        alpha=plots.slider("Zipf α (hot vs cold)", 0.5, 1.3, value=0.9, step=0.05),
                        budget_mb=plots.log_slider("memory budget (MB)", 0, 2.2, value=8))
    budget.update()
    before = budget.updates
    budget.controls["alpha"].value = 1.2
    assert budget.updates == before + 1
    assert budget.last.summary() == compute(**budget.values).summary()
    assert budget.last.alpha == 1.2


def test_users_are_cached_and_read_only():
    ranked, curve = lesson.users(0.9)
    assert lesson.users(0.9)[0] is ranked and ranked.sum() == lesson.N_REQUESTS
    with pytest.raises(ValueError):
        curve[0] = 0.0


def test_draw_budget_sets_the_users_never_requested_apart():
    b = lesson.budget(0.9, 8.0, entry_bytes=900, costs=COSTS["lru_cache"], t0=60e-6)
    fig, axes = plt.subplots(1, 2)
    draw_budget(axes, b)
    left = axes[0]
    (line,) = left.get_lines()
    assert min(line.get_ydata()) >= 1 and max(line.get_xdata()) == b.requested
    note = " ".join(t.get_text() for t in left.texts)
    assert f"{b.n_users - b.requested:,} users" in note and "never requested" in note
    assert axes[1].get_ylim() == (0, 1)
    plt.close(fig)


def test_break_even_lines_follow_the_formula_and_never_pay_below_a_lookup():
    r = lesson.break_even_lines((0.05, 1.0, 100.0), t_hit_us=0.1, t_store_us=0.05)
    assert r.break_even[1.0] == pytest.approx((0.1 + 0.05) / (1.0 + 0.05))
    assert r.break_even[0.05] >= 1 and np.all(r.curves[0.05] < 1)  # t0 < t_hit: never pays
    assert r.curves[100.0][-1] > r.curves[1.0][-1] > 1
    fig, ax = plt.subplots()
    draw_break_even(ax, r)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(r.grid)]
    assert len({(str(ln.get_linestyle()), ln.get_marker()) for ln in lines}) == 3
    assert any("never pays" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_draw_speedup_tells_the_caches_apart_where_they_coincide():
    r = lesson.speedup_curves(1000.0, 0.8, costs=COSTS)  # much work: both caches near 1 / (1 - h)
    fig, ax = plt.subplots()
    draw_speedup(ax, r)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(r.grid)]
    assert len({(str(ln.get_linestyle()), ln.get_marker()) for ln in lines}) == 2
    plt.close(fig)


def test_describe_break_even_says_never_pays_exactly_when_a_hit_costs_the_work():
    overhead = {"fast": CallCosts(hit_call=3e-8, miss_call=8e-8, uncached_call=3e-8, n_keys=1, repeat=1),
                "slow": CallCosts(hit_call=2e-7, miss_call=6e-7, uncached_call=3e-8, n_keys=1, repeat=1)}
    t0 = {"dear": 30e-6, "cheap": 2.9e-8, "cheapish": 5e-8}
    lines = lesson.describe_break_even(overhead, t0).splitlines()
    assert len(lines) == 6
    for line, (fn, name) in zip(lines, [(f, n) for f in t0 for n in overhead], strict=True):
        assert f"`{fn}` behind `{name}`" in line
        assert ("never pays" in line) == (overhead[name].t_hit >= t0[fn])
    assert "almost any reuse" in lines[0] and "at most" in lines[4]  # cheapish behind fast: pays barely


def test_describe_benchmark_states_the_speedups_of_this_run():
    text = lesson.describe_benchmark({"uniform": 0.1, "zipf": 0.5}, COSTS["lru_cache"], 60e-6)
    s_uniform = COSTS["lru_cache"]
    expected = 60e-6 / (s_uniform.t_hit + 0.9 * (60e-6 + s_uniform.t_store))
    assert f"{expected:.2f}×" in text and "`uniform` benchmark" in text


# --- the three real traces, and "now record your own" ------------------------------------------

def test_trace_shape_is_the_simulators_curve_at_every_size():
    from hotcache_lab import simulate, workloads

    t = lesson.trace_shape("typing_cache")
    keys = workloads.load("typing_cache").keys
    counts = np.bincount(keys)
    assert (t.requests, t.distinct, t.once) == (len(keys), len(counts), int((counts == 1).sum()))
    for size in (1, 8, 64, t.distinct, t.distinct + 5):
        assert t.hit_ratio(size) == pytest.approx(simulate.hit_ratio(keys, "lru", min(size, t.distinct)))
    assert t.ceiling == pytest.approx(1 - len(counts) / len(keys))
    text = lesson.describe_trace_shapes([t])
    assert f"{t.hit_ratio(64):.3f} with 64" in text and f"beats {t.ceiling:.3f}" in text


def test_draw_real_traces_shows_every_curve_and_its_floor():
    shapes = [lesson.trace_shape(n) for n in lesson.REAL_TRACES]
    fig, ax = plt.subplots()
    from hotcache_lab.plots.hit_ratios import draw_real_traces

    draw_real_traces(ax, shapes)
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert len(curves) == 3 and len({str(ln.get_linestyle()) for ln in curves}) == 3
    assert len(ax.get_legend().get_texts()) == 3
    plt.close(fig)


def test_record_profile_cards_records_every_call_and_each_users_first_cost(tmp_path):
    from hotcache_lab import analyze, workloads
    from hotcache_lab.record import stable_hash

    path = lesson.record_profile_cards(tmp_path / "p.trace", n_requests=500, seed=3)
    users = workloads.zipf(n_keys=lesson.N_USERS, alpha=0.9, n_requests=500, seed=3).tolist()
    trace = workloads.read_trace(path, full=True)
    assert trace.keys.tolist() == [stable_hash(u) for u in users]
    assert len(trace.costs.keys) == len(set(users))
    r = analyze.analyze(trace, name="p", budget_bytes=100_000)
    text = lesson.describe_own_report(r)
    assert f"{r.requests:,} calls for {r.distinct:,} users" in text
    assert f"maxsize {r.choice.maxsize:,}" in text
    assert analyze.recommendation(r) in text
