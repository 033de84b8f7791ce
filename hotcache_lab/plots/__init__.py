"""The house style, the slider-to-plot helper, and the draw_* functions (they draw, they compute nothing).

The only part of the package that imports matplotlib or ipywidgets (lazily, inside functions).
One module a topic (`plots.eviction`, `plots.races`, ...); `style` and `sliders` serve them all.
"""

from . import basics, capstone, distributed, eviction, expiry, hit_ratios, ladder, memory, races, service
from .shared import BOX_COLOURS, draw_boxes, draw_curves, draw_flowchart, draw_timeline
from .sliders import LivePlot, live, log_slider, slider
from .style import FIGSIZE, PALETTE, use_house_style

__all__ = [
    "basics", "capstone", "distributed", "eviction", "expiry", "hit_ratios", "ladder", "memory", "races",
    "service",
    "FIGSIZE", "PALETTE", "BOX_COLOURS", "LivePlot", "live", "slider", "log_slider", "use_house_style",
    "draw_timeline", "draw_curves", "draw_boxes", "draw_flowchart",
]
