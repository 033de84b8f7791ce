"""The one slider-to-plot helper every live plot in the lab goes through, and the house sliders.

A live plot is two plain functions and some controls:

    plot = live(lessons.eviction_policies.curves, plots.eviction.draw_mrc,
                alpha=slider("skew", 0.4, 1.4, 0.8, step=0.1), ncols=2)

Whenever a control changes, `compute(**values)` (a function in `hotcache_lab.lessons`, which a
test calls with the very arguments the slider passes) returns a result, and `draw(axes, result)`
(a function in `hotcache_lab.plots`, which draws and computes nothing) draws it. Moving a slider in
the browser and setting `control.value` in a test run the same `update()`; it also works with no
widget front end at all. The latest result is `.last` and every update is counted in `.updates`,
so a test can check that a move changed the plot without looking at pixels.

A slider must answer at once, so a live plot caches by the controls' values, the lab's own lesson:
the result of `compute` and the PNG drawn from it are kept per combination of values (bounded, least
recently used first out), so moving back to a value seen before redraws nothing. It draws into one
figure and the same axes it keeps (cleared with their ticks kept, not rebuilt) and renders it straight
to PNG, without the second layout pass that `bbox_inches="tight"` costs. `compute` must be
deterministic for the cache to be right: `hotcache_lab.plots.probe` checks, for every control, that
the cached result is what a fresh call gives and the image what new axes draw.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from ..caches import MISSING, LRUCache
from .style import FIGSIZE

CACHED_VALUES = 64  # combinations of control values whose result a live plot keeps
CACHED_IMAGE_BYTES = 8 * 2**20  # and the PNG bytes it keeps (a cache bounded by size: getsizeof=len)


def slider(description: str, min: float, max: float, value: float | None = None, step: float = 1,
           **kwargs: Any):
    """An int or float slider that updates on release, labelled wide enough to read."""
    import ipywidgets as w

    is_int = all(isinstance(v, int) for v in (min, max, step)) and (value is None or isinstance(value, int))
    cls = w.IntSlider if is_int else w.FloatSlider
    return cls(value=min if value is None else value, min=min, max=max, step=step,
               description=description, continuous_update=False,
               style={"description_width": "initial"}, layout=w.Layout(width="420px"), **kwargs)


def log_slider(description: str, min_exp: float, max_exp: float, value: float, **kwargs: Any):
    """A slider over powers of ten, for sizes and times that span decades."""
    import ipywidgets as w

    return w.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=0.1,
                            description=description, continuous_update=False,
                            style={"description_width": "initial"}, layout=w.Layout(width="420px"),
                            **kwargs)


class LivePlot:
    """Controls above a figure: each change calls `compute(**values)`, then `draw(axes, result)`."""

    #: Every live plot made in this process, in order: what `plots.probe` moves and times.
    made: list[LivePlot] = []

    def __init__(self, compute: Callable[..., Any], draw: Callable[[Any, Any], Any],
                 controls: dict[str, Any], *, ncols: int = 1, nrows: int = 1,
                 figsize: tuple[float, float] | None = None) -> None:
        import ipywidgets as w
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.compute = compute
        self.draw = draw
        self.controls = controls
        self.shape = (nrows, ncols)
        # Constrained layout costs a third of a redraw: it lays out the first figure of each layout_key,
        # and later figures with the same key reuse its axes positions (self.layouts).
        self.figure = Figure(figsize=figsize or FIGSIZE, layout="none")
        self.canvas = FigureCanvasAgg(self.figure)
        self.layouts: dict[tuple, tuple] = {}  # layout_key as drawn -> (axes positions, key as laid out)
        self.axes: Any = None  # what the last draw drew into (one Axes or an array of them)
        self.new_axes: list[tuple[Any, dict]] = []  # each axes made, with what clear keeps as it was then
        # An Image widget, not an Output widget that captures a display: setting its value is one
        # message, and a headless runner (nbclient) has no Output widget to mimic and stall on.
        self.image = w.Image(format="png")
        self.widget = w.VBox([*controls.values(), self.image])
        self.last: Any = None
        self.updates = 0
        self.results = LRUCache(CACHED_VALUES)  # control values -> compute's result
        self.images = LRUCache(CACHED_IMAGE_BYTES, getsizeof=len)  # control values -> its PNG
        for control in controls.values():
            control.observe(lambda change: self.update(), names="value")
        LivePlot.made.append(self)

    @property
    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> Any:
        """Show the plot for the controls' current values (computed and drawn only the first time
        these values are seen); returns the result drawn."""
        values = self.values
        key = tuple(values.values())
        result = self.results.get(key, MISSING)
        if result is MISSING:
            result = self.compute(**values)
            self.results[key] = result
        png = self.images.get(key)
        if png is None:
            png = self.render(result)
            self.images[key] = png
        self.show(png)
        self.last = result
        self.updates += 1
        return result

    def warm(self, *, limit: int = CACHED_VALUES, images: bool = True) -> int:
        """Compute (and, with `images`, draw) every combination of the controls' stops ahead, so
        every move is a cache hit: for small grids, where a slider has few stops. Returns how many."""
        import itertools

        grids = [stops(control) for control in self.controls.values()]
        combinations = list(itertools.product(*grids))
        if len(combinations) > min(limit, CACHED_VALUES):
            raise ValueError(f"warm: {len(combinations)} combinations of control values is more than "
                             f"limit={min(limit, CACHED_VALUES)}; warm only small grids")
        for key in combinations:
            if key not in self.results:
                self.results[key] = self.compute(**dict(zip(self.controls, key, strict=True)))
            if images and key not in self.images:
                self.images[key] = self.render(self.results[key])
        return len(combinations)

    def render(self, result: Any, *, reuse_layout: bool = True, fresh: bool = False) -> bytes:
        """Draw `result` into the kept figure and return it as PNG: the cost of a redraw alone.

        The axes of the last draw are cleared and drawn into again, keeping their tick objects (new
        axes build a Tick, its lines and its label, for every tick they draw: about 1 ms a tick here);
        `fresh=True` clears the figure and makes new axes instead, what the probe compares against.
        If a figure with the same layout_key was laid out before, its axes take those positions, and
        if the texts still read the same there (tick labels depend on an axes' size), no layout runs;
        else (or with reuse_layout=False) matplotlib's constrained layout runs, as a figure made with
        layout="constrained" runs it when drawn, and its result is kept for next time."""
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        figure = self.figure
        self.draw(self._cleared_axes(fresh), result)
        key = layout_key(figure)
        kept = self.layouts.get(key) if reuse_layout else None
        if kept is not None:
            positions, laid_out = kept
            for ax, position in zip(figure.axes, positions, strict=True):
                ax.set_position(position)
                ax.set_in_layout(True)  # set_position takes an axes out of the layout; a miss lays it out
            if layout_key(figure) == laid_out:
                return _png(figure)
        ConstrainedLayoutEngine().execute(figure)
        self.layouts[key] = ([ax.get_position() for ax in figure.axes], layout_key(figure))
        return _png(figure)

    def _cleared_axes(self, fresh: bool) -> Any:
        """The axes to draw into: those of the last draw, emptied as `Axes.clear` empties them but with
        their ticks kept, and what clear leaves as a draw set it (tick parameters, axis on or off,
        aspect, spines) put back as the new axes had it; what a draw added besides (a twin axes, a
        figure legend or text) is removed. The first time, or with `fresh`, new axes on a cleared
        figure. The probe checks, at every value it visits, that both draw the same pixels."""
        figure = self.figure
        if fresh or self.axes is None:
            figure.clear()
            self.axes = figure.subplots(*self.shape)
            self.new_axes = [(ax, _state_clear_keeps(ax)) for ax in figure.axes]
            return self.axes
        ours = [ax for ax, _ in self.new_axes]
        for ax in [ax for ax in figure.axes if ax not in ours]:
            ax.remove()
        for artist in [*figure.legends, *figure.texts, *figure.lines, *figure.patches, *figure.images]:
            artist.remove()
        for ax, state in self.new_axes:
            _restore(ax, state)
            _clear_keeping_ticks(ax)
            ax.set_subplotspec(ax.get_subplotspec())  # back where new axes start: a layout starts from there
        return self.axes

    def show(self, png: bytes) -> None:
        self.image.value = png

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self.updates == 0:
            self.update()
        display(self.widget)


def _state_clear_keeps(ax: Any) -> dict:
    """What of an axes `Axes.clear` does not reset, and the lab's draws may change."""
    return {"axison": ax.axison, "aspect": ax.get_aspect(), "adjustable": ax.get_adjustable(),
            "anchor": ax.get_anchor(), "box_aspect": ax.get_box_aspect(), "frame_on": ax.get_frame_on(),
            "spines": {side: spine.get_visible() for side, spine in ax.spines.items()},
            "tick_kw": [(dict(axis._major_tick_kw), dict(axis._minor_tick_kw))
                        for axis in (ax.xaxis, ax.yaxis)]}


def _restore(ax: Any, state: dict) -> None:
    ax.axison = state["axison"]  # what set_axis_on and set_axis_off set
    ax.set_aspect(state["aspect"], adjustable=state["adjustable"], anchor=state["anchor"])
    ax.set_box_aspect(state["box_aspect"])
    ax.set_frame_on(state["frame_on"])
    for side, visible in state["spines"].items():
        ax.spines[side].set_visible(visible)
    for axis, (major, minor) in zip((ax.xaxis, ax.yaxis), state["tick_kw"], strict=True):
        # tick_params stores its settings here for the ticks to come, and clear keeps them
        axis._major_tick_kw, axis._minor_tick_kw = dict(major), dict(minor)


def _clear_keeping_ticks(ax: Any) -> None:
    """`ax.clear()`, keeping the Tick objects of before: what a draw costs most in a new axes is building
    a Tick (two lines, a grid line, a label) for each tick it shows. An axis builds its tick 1, 2, ...
    as a new Tick given tick 0's properties (`Axis.get_major_ticks`); here tick 0 is the new one that
    clear made and the kept ticks are given its properties the same way. The draw then sets every
    tick's place and label from the reset locator and formatter, as on a new axes."""
    from matplotlib.transforms import Bbox

    kept = [(axis, vars(axis).get("majorTicks"), vars(axis).get("minorTicks"))
            for axis in (ax.xaxis, ax.yaxis)]
    ax.clear()
    # clear keeps the data limits, to be replaced by the next data's; but a span or a line across
    # the axes replaces them on one axis only, and the other then keeps the last draw's: start empty
    ax.dataLim.set_points(Bbox.null().get_points())
    for spine in ax.spines.values():
        # clear leaves a spine's position unset, and the first tick built after that would set it and
        # drop the tick list (Spine.set_position resets its axis' ticks): set it now, as that tick would
        spine.get_position()
    for axis, *old_lists in kept:
        for name, old in zip(("majorTicks", "minorTicks"), old_lists, strict=True):
            if old is None or len(old) < 2:
                continue
            new = getattr(axis, name)  # the one new tick that clear made
            for tick in old[1:]:
                axis._copy_tick_props(new[0], tick)
                tick.set_clip_path(ax.patch)
            new.extend(old[1:])


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer)  # one draw; savefig would lay the figure out in a draw of its own first
    return buffer.getvalue()


def _shape(text: str) -> str:
    return text.translate(_DIGITS)  # the house font's digits are all one width: "17" is as wide as "00"


_DIGITS = str.maketrans("123456789", "000000000")


def layout_key(figure: Any) -> tuple:
    """What a constrained layout of `figure` depends on, cheaply: its axes and every text that can
    stick out of them (tick labels and offsets, axis labels, titles, free texts, legend entries, the
    figure's own texts), with digits counted as zeros. Texts with the same key take the same room."""
    def shapes(texts) -> tuple:
        return tuple(_shape(t.get_text()) for t in texts)

    def legend(box) -> tuple:
        return () if box is None else shapes(box.get_texts())

    parts: list[Any] = [shapes(figure.texts), tuple(map(legend, figure.legends))]
    for ax in figure.axes:
        spec = ax.get_subplotspec()
        axes = (ax.xaxis, ax.yaxis)
        parts.append((spec.get_geometry() if spec is not None else None,
                      tuple(shapes(a.get_majorticklabels()) for a in axes),
                      tuple(_shape(a.major.formatter.get_offset()) for a in axes),
                      _shape(ax.get_xlabel()), _shape(ax.get_ylabel()), ax.yaxis.get_label_position(),
                      tuple(_shape(ax.get_title(loc)) for loc in ("left", "center", "right")),
                      shapes(ax.texts), legend(ax.get_legend())))
    return tuple(parts)


def sticking_out(figure: Any, *, tolerance: float = 1.0) -> list[str]:
    """What of a drawn figure does not fit inside it (what a bad layout clips): each axes with its
    decorations (as bbox_inches="tight" measures them), each figure legend and text, by name."""
    renderer = figure.canvas.get_renderer()
    bounds = figure.bbox
    parts = [(f"axes {i} ({ax.get_title() or ax.get_ylabel() or 'untitled'})", ax) for i, ax in
             enumerate(figure.axes)]
    parts += [(f"figure legend {i}", box) for i, box in enumerate(figure.legends)]
    parts += [(f"figure text {t.get_text()!r}", t) for t in figure.texts if t.get_visible() and t.get_text()]
    found = []
    for name, artist in parts:
        box = artist.get_tightbbox(renderer)
        if box is None:
            continue
        sides = [side for side, over in (("left", bounds.x0 - box.x0), ("bottom", bounds.y0 - box.y0),
                                         ("right", box.x1 - bounds.x1), ("top", box.y1 - bounds.y1))
                 if over > tolerance]
        if sides:
            found.append(f"{name} sticks out on the {' and '.join(sides)}")
    return found


def stops(control: Any) -> list[Any]:
    """Every value a control can take: a slider's steps, a dropdown's or toggle's options."""
    options = getattr(control, "options", None)
    if options is not None:
        if isinstance(options, dict):
            return list(options.values())
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if isinstance(control.value, bool):
        return [False, True]
    if hasattr(control, "base"):  # FloatLogSlider: min, max and step are exponents
        count = round((control.max - control.min) / control.step) + 1
        return [control.base ** (control.min + i * control.step) for i in range(count)]
    count = round((control.max - control.min) / control.step) + 1
    if isinstance(control.value, int):
        return list(range(control.min, control.max + 1, control.step))
    return [round(control.min + i * control.step, 12) for i in range(count)]


def live(compute: Callable[..., Any], draw: Callable[[Any, Any], Any], *, ncols: int = 1, nrows: int = 1,
         figsize: tuple[float, float] | None = None, **controls: Any) -> LivePlot:
    """Shorthand: `live(compute, draw, maxsize=slider(...), alpha=slider(...))`."""
    return LivePlot(compute, draw, controls, ncols=ncols, nrows=nrows, figsize=figsize)
