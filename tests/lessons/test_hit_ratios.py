"""Notebook 05: the profile card, the speedup and budget live plots at the values their sliders pass."""

import functools

import matplotlib
import numpy as np
import pytest

from hotcache_lab import plots
from hotcache_lab.lessons import hit_ratios as lesson
from hotcache_lab.measure.latency import CallCosts, break_even_hit_ratio
from hotcache_lab.plots.hit_ratios import draw_budget, draw_speedup

matplotlib.use("Agg")

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
    assert b.ranked.sum() == lesson.N_REQUESTS and np.all(np.diff(b.ranked) <= 0)


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
