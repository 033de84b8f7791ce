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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .style import FIGSIZE


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

    def __init__(self, compute: Callable[..., Any], draw: Callable[[Any, Any], Any],
                 controls: dict[str, Any], *, ncols: int = 1, nrows: int = 1,
                 figsize: tuple[float, float] | None = None) -> None:
        import ipywidgets as w

        self.compute = compute
        self.draw = draw
        self.controls = controls
        self.shape = (nrows, ncols)
        self.figsize = figsize or FIGSIZE
        self.output = w.Output()
        self.widget = w.VBox([*controls.values(), self.output])
        self.last: Any = None
        self.updates = 0
        for control in controls.values():
            control.observe(lambda change: self.update(), names="value")

    @property
    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> Any:
        """Recompute with the controls' current values and redraw; returns the result drawn."""
        import matplotlib.pyplot as plt
        from IPython.display import clear_output

        result = self.compute(**self.values)
        with self.output:
            clear_output(wait=True)
            fig, axes = plt.subplots(*self.shape, figsize=self.figsize, layout="constrained")
            self.draw(axes, result)
            plt.show()
        plt.close(fig)
        self.last = result
        self.updates += 1
        return result

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self.updates == 0:
            self.update()
        display(self.widget)


def live(compute: Callable[..., Any], draw: Callable[[Any, Any], Any], *, ncols: int = 1, nrows: int = 1,
         figsize: tuple[float, float] | None = None, **controls: Any) -> LivePlot:
    """Shorthand: `live(compute, draw, maxsize=slider(...), alpha=slider(...))`."""
    return LivePlot(compute, draw, controls, ncols=ncols, nrows=nrows, figsize=figsize)
