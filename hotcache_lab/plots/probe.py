"""Move every control of every live plot and time it: what `benchmarks/bench_sliders.py` reports and
`make nbval` checks (tests/nbval_live_plots.py runs `check_all()` in each notebook's kernel after its
last cell), run inside a notebook's own kernel after the notebook ran.

Each control goes to two other values and back (`moves`). A move is timed from setting
`control.value` to the new image being shown, the synchronous callback a browser waits for; the
bare redraw of the same figure (draw and render, nothing computed) is timed beside it, so a move
can be reported as a ratio to the floor matplotlib sets. After the moves, the plot's cached result
is compared with a fresh, uncached `compute(**values)` (a cache that answered wrong fails here),
every text of the redrawn figure must lie inside it (a reused layout that clips fails here), and the
PNG shown must be byte for byte the one drawn on new axes with a new constrained layout (reused
axes or positions that leave a trace fail here).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

from ..measure import MEASURED
from .sliders import LivePlot, sticking_out, stops

__all__ = ["MEASURED", "check_all", "failures", "moves", "same", "probe", "probe_all", "run_and_probe"]


def moves(control: Any) -> list[Any]:
    """Two values other than the control's current one (its ends, where it has them), then back."""
    start = control.value
    if getattr(control, "options", None) is not None or isinstance(start, bool):
        others = [v for v in stops(control) if v != start]  # a dropdown's or toggle's values
        picked = others[:1] + others[-1:] if len(others) > 1 else others
    else:
        low, high = control.min, control.max
        if hasattr(control, "base"):  # FloatLogSlider: min and max are exponents
            low, high = control.base ** low, control.base ** high
        middle = type(start)((low + high) / 2) if isinstance(start, int) else (low + high) / 2
        picked = [v for v in (low, high, middle) if v != start][:2]
    return [*picked, start]


def same(a: Any, b: Any) -> bool:
    """Equal all the way down: dataclasses field by field, arrays element by element, NaN == NaN.

    A dataclass field declared `field(metadata=MEASURED)` holds a real measurement (a time, a
    tracemalloc reading), which no second run repeats to the byte: only its type is compared. The
    cache then shows the measurement taken when the value was first visited, as honest as any other.
    """
    import numpy as np

    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            type(getattr(a, f.name)) is type(getattr(b, f.name)) if f.metadata == MEASURED
            else same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=np.asarray(a).dtype.kind == "f")
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1e3


def probe(plot: LivePlot, *, check: bool = True, timed: bool = True) -> list[dict]:
    """One record per control: each move's milliseconds, the bare redraw's (with `timed`), and whether
    the cached result equals a fresh computation, and the image one drawn afresh, at every value visited."""
    records = []
    for name, control in plot.controls.items():
        record = {"control": name, "moves_ms": [], "values": [], "bare_redraw_ms": [], "same": True,
                  "drawn_same": True, "outside": []}
        for value in moves(control):
            record["moves_ms"].append(_timed(lambda c=control, v=value: setattr(c, "value", v)))
            record["values"].append(repr(control.value))
            last = plot.last
            if timed:
                record["bare_redraw_ms"].append(_timed(lambda r=last: plot.show(plot.render(r))))
            if check:
                record["same"] &= same(last, plot.compute(**plot.values))
                record["drawn_same"] &= plot.image.value == plot.render(last, fresh=True, reuse_layout=False)
                # the figure now holds that fresh drawing: the very pixels shown, if drawn_same holds
                record["outside"] += [t for t in sticking_out(plot.figure) if t not in record["outside"]]
        records.append(record)
    return records


def probe_all(*, check: bool = True, timed: bool = True) -> list[dict]:
    """Probe every live plot made in this process, in the order the notebook made them."""
    return [{"plot": index, "compute": _name(plot.compute), "controls": probe(plot, check=check, timed=timed)}
            for index, plot in enumerate(LivePlot.made)]


def failures(plots: list[dict]) -> list[str]:
    """What is wrong in probe_all's records: no live plot, a plot without controls, a control that did
    not move, a cached result that differs from a fresh one, a text the layout pushed out of the figure."""
    if not plots:
        return ["no live plot was made"]
    found = []
    for plot in plots:
        if not plot["controls"]:
            found.append(f"live plot {plot['compute']} has no control")
        for control in plot["controls"]:
            where = f"live plot {plot['compute']}, control {control['control']}"
            if len(set(control["values"])) < 2:
                found.append(f"{where} did not move")
            if not control["same"]:
                found.append(f"{where}: the cached result differs from a fresh computation")
            if not control["drawn_same"]:
                found.append(f"{where}: the redrawn figure differs from one drawn on new axes")
            if control["outside"]:
                found.append(f"{where}: out of the figure: {control['outside']}")
    return found


def check_all() -> int:
    """Probe every live plot of this process and raise AssertionError naming each failure; returns the
    number of controls checked. What nbval runs after a notebook's last cell."""
    plots = probe_all(check=True, timed=False)  # checks only: no bare redraw to time
    found = failures(plots)
    if found:
        raise AssertionError("\n".join(found))
    return sum(len(plot["controls"]) for plot in plots)


def _name(compute: Any) -> str:
    inner = getattr(compute, "func", compute)  # a functools.partial names its function
    return getattr(inner, "__qualname__", repr(inner))


PROBE_MARK = "HOTCACHE-PROBE:"


def run_and_probe(path: str, *, check: bool = True, timeout: float = 300) -> list[dict]:
    """Execute the notebook at `path` top to bottom in a fresh kernel (its folder as the working
    directory), then probe every live plot it made, in that same kernel.

    The cells go straight to the kernel through jupyter_client, as nbval sends them: no front end
    and no widget mimic in between (nbclient's Output-widget mimic can stall a headless run).
    """
    import json
    import os

    import nbformat
    from jupyter_client.manager import start_new_kernel

    notebook = nbformat.read(path, as_version=4)
    folder = os.path.dirname(os.path.abspath(path))
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    cells.append("import json as _json\nfrom hotcache_lab.plots import probe as _probe\n"
                 f"print({PROBE_MARK!r} + _json.dumps(_probe.probe_all(check={check!r})))")
    manager, client = start_new_kernel(kernel_name="python3", cwd=folder, startup_timeout=60)
    printed: list[str] = []

    def collect(message: dict) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            printed.append("\n".join(message["content"]["traceback"]))

    try:
        for index, source in enumerate(cells):
            printed.clear()
            reply = client.execute_interactive(source, timeout=timeout, output_hook=collect,
                                               allow_stdin=False, stop_on_error=True)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{path}: code cell {index} failed:\n{''.join(printed)[-3000:]}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(printed)
    if PROBE_MARK not in text:
        raise RuntimeError(f"{path}: the probe cell printed no result: {text[-2000:]!r}")
    return json.loads(text.split(PROBE_MARK, 1)[1])
