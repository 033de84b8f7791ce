"""The house style, the slider-to-plot helper, and the draw_* functions (they draw, they compute nothing).

The only part of the package that imports matplotlib or ipywidgets (lazily, inside functions).
One module a topic; `style` and `live` serve them all.
"""

from .live import LivePlot, live, log_slider, slider
from .shared import BOX_COLOURS, draw_boxes, draw_curves, draw_flowchart, draw_timeline
from .style import FIGSIZE, PALETTE, use_house_style

__all__ = [
    "FIGSIZE", "PALETTE", "BOX_COLOURS", "LivePlot", "live", "slider", "log_slider", "use_house_style",
    "draw_timeline", "draw_curves", "draw_boxes", "draw_flowchart",
]
