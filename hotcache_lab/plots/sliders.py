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
figure it keeps (cleared, not rebuilt) and renders it straight to PNG, without the second layout pass
that `bbox_inches="tight"` costs. `compute` must be deterministic for the cache to be right:
`hotcache_lab.plots.probe` checks, for every control, that the cached result is what a fresh call gives.
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
        self.figure = Figure(figsize=figsize or FIGSIZE, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
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

    def render(self, result: Any) -> bytes:
        """Draw `result` into the kept figure and return it as PNG: the cost of a redraw alone."""
        figure = self.figure
        figure.clear()
        self.draw(figure.subplots(*self.shape), result)
        buffer = io.BytesIO()
        self.canvas.print_png(buffer)  # one draw; savefig would lay the figure out in a draw of its own first
        return buffer.getvalue()

    def show(self, png: bytes) -> None:
        self.image.value = png

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self.updates == 0:
            self.update()
        display(self.widget)


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
