"""The live plot caches by control values and answers exactly what a fresh computation gives."""

import ipywidgets as w
import numpy as np
import pytest

from hotcache_lab import plots
from hotcache_lab.plots import probe


def counted_compute():
    calls = []

    def compute(n, label="a"):
        calls.append((n, label))
        return {"n": n, "label": label, "curve": np.arange(n) / max(n, 1)}

    return compute, calls


def draw(ax, result):
    ax.plot(result["curve"], label=result["label"])
    ax.legend()


def test_a_move_back_to_a_seen_value_computes_and_draws_nothing():
    compute, calls = counted_compute()
    plot = plots.live(compute, draw, n=plots.slider("n", 1, 50, 10))
    plot.update()
    renders = []
    original = plot.render
    plot.render = lambda result: renders.append(result) or original(result)
    control = plot.controls["n"]
    control.value = 20
    control.value = 10
    control.value = 20
    assert calls == [(10, "a"), (20, "a")]
    assert len(renders) == 1  # only 20 was new; 10 and 20 again came from the PNG cache
    assert plot.updates == 4 and plot.last["n"] == 20
    assert plot.results.stats.hits == 2


def test_the_result_cache_is_bounded():
    compute, calls = counted_compute()
    plot = plots.live(compute, draw, n=plots.slider("n", 1, 200, 1))
    plot.render = lambda result: b"png"  # the bound is what is tested here, not matplotlib
    for n in range(1, 2 + plots.sliders.CACHED_VALUES + 5):
        plot.controls["n"].value = n
    assert len(plot.results) == plots.sliders.CACHED_VALUES
    assert plot.images.stats.currsize == 3 * len(plot.images)  # sized by bytes: b"png" is 3
    big = plots.live(compute, draw, n=plots.slider("n", 1, 200, 1))
    big.render = lambda result: bytes(plots.sliders.CACHED_IMAGE_BYTES // 4)
    for n in range(1, 10):
        big.controls["n"].value = n
    assert len(big.images) == 4 and big.images.stats.currsize <= plots.sliders.CACHED_IMAGE_BYTES


def test_render_returns_a_png_of_the_figure_it_keeps():
    compute, _ = counted_compute()
    plot = plots.live(compute, draw, n=plots.slider("n", 1, 50, 10))
    png = plot.render(plot.update())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    figure = plot.figure
    plot.controls["n"].value = 30
    assert plot.figure is figure and len(figure.axes) == 1  # cleared and reused, not rebuilt


@pytest.mark.parametrize("control, expected", [
    (w.IntSlider(value=5, min=1, max=9), [1, 9, 5]),
    (w.IntSlider(value=1, min=1, max=9), [9, 5, 1]),
    (w.FloatLogSlider(value=10.0, base=10, min=0, max=3), [1.0, 1000.0, 10.0]),
    (w.Dropdown(options={"x": 1, "y": 2, "z": 3}, value=2), [1, 3, 2]),
    (w.ToggleButtons(options=[("p", "P"), ("q", "Q")], value="P"), ["Q", "P"]),
    (w.Checkbox(value=False), [True, False]),
])
def test_moves_visit_other_values_and_come_back(control, expected):
    assert probe.moves(control) == expected


def test_same_compares_all_the_way_down():
    a = {"x": [1.0, float("nan")], "y": np.array([1.0, np.nan])}
    assert probe.same(a, {"x": [1.0, float("nan")], "y": np.array([1.0, np.nan])})
    assert not probe.same(a, {"x": [1.0, 2.0], "y": np.array([1.0, np.nan])})
    assert not probe.same(a, {"x": [1.0, float("nan")], "y": np.array([1.0, 2.0])})
    assert not probe.same([1, 2], (1, 2))


def test_probe_catches_a_cache_that_answers_wrong():
    state = {"offset": 0}

    def drifting(n):  # not deterministic: the cached answer goes stale
        state["offset"] += 1
        return {"n": n, "label": "a", "curve": np.arange(n) + state["offset"]}

    plot = plots.live(drifting, draw, n=plots.slider("n", 1, 50, 10))
    plot.update()
    (record,) = probe.probe(plot)
    assert record["same"] is False and len(record["moves_ms"]) == 3

    compute, _ = counted_compute()
    honest = plots.live(compute, draw, n=plots.slider("n", 1, 50, 10))
    honest.update()
    (record,) = probe.probe(honest)
    assert record["same"] is True and record["values"] == ["1", "50", "10"]
    assert all(t > 0 for t in record["moves_ms"] + record["bare_redraw_ms"])


def test_measured_fields_compare_by_type_only():
    import dataclasses

    @dataclasses.dataclass
    class Reading:
        n: int
        seconds: float = dataclasses.field(metadata=probe.MEASURED)

    assert probe.same(Reading(1, 0.5), Reading(1, 0.7))
    assert not probe.same(Reading(1, 0.5), Reading(2, 0.5))


def test_stops_list_every_value_a_control_can_take():
    assert plots.sliders.stops(w.IntSlider(value=2, min=0, max=6, step=2)) == [0, 2, 4, 6]
    floats = w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.25)
    assert plots.sliders.stops(floats) == [0, 0.25, 0.5, 0.75, 1]
    assert plots.sliders.stops(w.FloatLogSlider(value=10, base=10, min=0, max=2, step=1)) == [1, 10, 100]
    assert plots.sliders.stops(w.Dropdown(options={"a": 1, "b": 2})) == [1, 2]
    assert plots.sliders.stops(w.Checkbox(value=True)) == [False, True]


def test_warm_makes_every_move_a_cache_hit_and_refuses_big_grids():
    compute, calls = counted_compute()
    plot = plots.live(compute, draw, n=plots.slider("n", 1, 4, 2),
                      label=w.Dropdown(options=["a", "b"], value="a"))
    plot.render = lambda result: b"png"
    assert plot.warm() == 8 and len(calls) == 8
    plot.controls["n"].value = 3
    plot.controls["label"].value = "b"
    assert len(calls) == 8 and plot.last == {**compute(3, "b"), "curve": plot.last["curve"]}
    big = plots.live(compute, draw, n=plots.slider("n", 1, 100, 1),
                     label=w.Dropdown(options=["a", "b"], value="a"))
    with pytest.raises(ValueError, match="200 combinations"):
        big.warm()


def ylim_draw(ax, result):
    ax.plot([0, 1], [0, result["top"]], label=result["label"])
    ax.set_ylim(0, result["top"])
    ax.set_ylabel("requests")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))


def test_a_reused_layout_draws_the_very_pixels_a_fresh_layout_draws():
    plot = plots.live(lambda top, label: {"top": top, "label": label}, ylim_draw,
                      top=plots.slider("top", 1, 9, 2), label=w.Dropdown(options=["a", "b"], value="a"))
    first = plot.render({"top": 3, "label": "run 1"})
    assert len(plot.layouts) == 1
    reused = plot.render({"top": 3, "label": "run 7"})  # the same ticks; digits are all one width
    assert len(plot.layouts) == 1
    assert reused == plot.render({"top": 3, "label": "run 7"}, reuse_layout=False)
    assert first != reused


def test_a_text_that_changes_width_gets_a_layout_of_its_own():
    plot = plots.live(lambda top, label: {"top": top, "label": label}, ylim_draw,
                      top=plots.slider("top", 1, 9, 2), label=w.Dropdown(options=["a", "b"], value="a"))
    plot.render({"top": 2, "label": "a"})
    wide_ticks = plot.render({"top": 200_000, "label": "a"})
    wide_legend = plot.render({"top": 2, "label": "a much longer legend entry"})
    assert len(plot.layouts) == 3
    assert wide_ticks == plot.render({"top": 200_000, "label": "a"}, reuse_layout=False)
    assert wide_legend == plot.render({"top": 2, "label": "a much longer legend entry"}, reuse_layout=False)
    assert plots.sliders.sticking_out(plot.figure) == []


def test_sticking_out_finds_what_a_stale_layout_clips():
    plot = plots.live(lambda top, label: {"top": top, "label": label}, ylim_draw,
                      top=plots.slider("top", 1, 9, 2), label=w.Dropdown(options=["a", "b"], value="a"))
    plot.render({"top": 3, "label": "a"})
    (key, (positions, laid_out)), = plot.layouts.items()
    wide = "a legend entry far too long for the room the first layout left on the right"
    plot.render({"top": 3, "label": wide}, reuse_layout=False)
    assert plots.sliders.sticking_out(plot.figure) == []  # a fresh layout makes room for it
    fixed = plot.figure  # the same entry drawn at the first layout's positions sticks out
    fixed.clear()
    ylim_draw(fixed.subplots(), {"top": 3, "label": wide})
    fixed.axes[0].set_position(positions[0])
    fixed.canvas.draw()
    assert plots.sliders.sticking_out(fixed) == ["axes 0 (requests) sticks out on the right"]


def test_failures_name_every_kind_of_wrong_record():
    good = {"control": "n", "values": ["1", "50", "10"], "same": True, "drawn_same": True, "outside": []}
    assert probe.failures([{"compute": "f", "controls": [good]}]) == []
    assert probe.failures([]) == ["no live plot was made"]
    assert probe.failures([{"compute": "f", "controls": []}]) == ["live plot f has no control"]
    stuck = {**good, "values": ["10", "10"]}
    stale = {**good, "same": False}
    drawn = {**good, "outside": ["axes 0 (requests) sticks out on the right"]}
    redrawn = {**good, "drawn_same": False}
    found = probe.failures([{"compute": "f", "controls": [stuck, stale, drawn, redrawn]}])
    assert [f.split(": ", 1)[-1] for f in found] == [
        "live plot f, control n did not move", "the cached result differs from a fresh computation",
        "out of the figure: ['axes 0 (requests) sticks out on the right']",
        "the redrawn figure differs from one drawn on new axes"]


def test_check_all_raises_on_a_plot_whose_cache_answers_wrong():
    plots.sliders.LivePlot.made.clear()
    compute, _ = counted_compute()
    plots.live(compute, draw, n=plots.slider("n", 1, 50, 10)).update()
    assert probe.check_all() == 1
    state = {"offset": 0}

    def drifting(n):
        state["offset"] += 1
        return {"n": n, "label": "a", "curve": np.arange(n) + state["offset"]}

    plots.live(drifting, draw, n=plots.slider("n", 1, 50, 10)).update()
    with pytest.raises(AssertionError, match="cached result differs"):
        probe.check_all()
    plots.sliders.LivePlot.made.clear()


def test_a_fresh_layout_is_what_a_constrained_figure_draws():
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    plot = plots.live(lambda top, label: {"top": top, "label": label}, ylim_draw,
                      top=plots.slider("top", 1, 9, 2), label=w.Dropdown(options=["a", "b"], value="a"))
    result = {"top": 7, "label": "run 3"}
    constrained = Figure(figsize=plot.figure.get_size_inches(), layout="constrained")
    FigureCanvasAgg(constrained)
    ylim_draw(constrained.subplots(), result)
    png = io.BytesIO()
    constrained.canvas.print_png(png)
    assert plot.render(result, reuse_layout=False) == png.getvalue()
    assert plot.render(result) == png.getvalue()  # the layout kept, reused


def busy_draw(axes, result):
    """A draw that leaves as much state behind as the lab's do: a log scale, tick parameters, a hidden
    spine and an axes switched off on some results only, a twin axes, a figure legend, a text, and a
    span first (it sets the data limits of one axis only)."""
    left, right = axes
    left.axvspan(0.5, 1.5, color="grey", alpha=0.3)
    left.plot(range(1, result["n"] + 1), label=f"n={result['n']}")
    if result["log"]:
        left.set_xscale("log")
        left.tick_params(axis="x", labelrotation=45, labelsize=7, colors="red")
        left.spines["left"].set_visible(False)
    if result["label"] == "b":
        right.set_axis_off()
    left.set_title(f"{result['n']} points")
    twin = right.twinx()
    twin.plot([0, 1], [result["n"], 0], color="C1")
    right.bar(["a", "b"], [1, result["n"]])
    right.figure.legend(handles=left.lines, loc="outside lower center")
    right.text(0.5, 0.5, result["label"], transform=right.transAxes)


def test_redrawn_axes_draw_the_very_pixels_of_new_axes():
    plot = plots.live(lambda n, log, label: {"n": n, "log": log, "label": label}, busy_draw, ncols=2,
                      n=plots.slider("n", 1, 500, 5), log=w.Checkbox(value=False),
                      label=w.Dropdown(options=["a", "b"], value="a"))
    plot.render({"n": 5, "log": False, "label": "a"})
    for n, log, label in [(500, True, "b"), (5, False, "a"), (40, True, "a"), (7, False, "b")]:
        result = {"n": n, "log": log, "label": label}
        before = list(plot.figure.axes[:2])
        redrawn = plot.render(result)
        assert plot.figure.axes[:2] == before and len(plot.figure.axes) == 3  # the same two, one twin
        assert len(plot.figure.legends) == 1
        assert redrawn == plot.render(result, fresh=True, reuse_layout=False), result
        assert plot.figure.axes[:2] != before  # fresh: new axes
        plot.render({"n": 3, "log": not log, "label": "a"})  # leave the other scale behind
        assert redrawn == plot.render(result), result


def test_kept_axes_keep_their_tick_objects():
    plot = plots.live(lambda top, label: {"top": top, "label": label}, ylim_draw,
                      top=plots.slider("top", 1, 9, 2), label=w.Dropdown(options=["a", "b"], value="a"))
    plot.render({"top": 3, "label": "a"})
    ticks = plot.figure.axes[0].yaxis.majorTicks[1:]
    plot.render({"top": 8, "label": "b"})
    assert plot.figure.axes[0].yaxis.majorTicks[1:len(ticks) + 1] == ticks


def test_the_probe_fails_a_draw_whose_pixels_depend_on_what_it_drew_before():
    plots.sliders.LivePlot.made.clear()
    drawn = []

    def remembering(ax, result):  # not a function of its result: draws its own history
        drawn.append(result)
        ax.plot(range(len(drawn)))

    plots.live(lambda n: n, remembering, n=plots.slider("n", 1, 5, 2)).update()
    with pytest.raises(AssertionError, match="differs from one drawn on new axes"):
        probe.check_all()
    plots.sliders.LivePlot.made.clear()


def test_a_check_without_timing_skips_the_bare_redraw_but_checks_every_value():
    compute, calls = counted_compute()
    plot = plots.live(compute, draw, n=plots.slider("n", 1, 50, 10))
    plot.update()
    (timed,) = probe.probe(plot)
    (checked,) = probe.probe(plot, timed=False)
    assert len(timed["bare_redraw_ms"]) == 3 and checked["bare_redraw_ms"] == []
    assert checked["values"] == timed["values"] and checked["same"] and checked["drawn_same"]
