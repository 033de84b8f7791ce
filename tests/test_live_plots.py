"""Every control of every live plot, moved in the notebook's own kernel: the cached answer is the fresh one.

A live plot caches compute's result and its PNG by the controls' values (hotcache_lab/plots/sliders.py).
Here each notebook runs top to bottom in a real kernel, every control goes to two other values and
back, and after each move the shown result is compared with an uncached `compute(**values)`
(`plots.probe`). Timings are benchmarks/bench_sliders.py's business, not asserted here.
"""

from pathlib import Path

import pytest

from hotcache_lab.plots import probe

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_control_shows_what_a_fresh_computation_gives(path):
    plots = probe.run_and_probe(str(path), check=True)
    assert plots, f"{path.name} makes no live plot"
    for plot in plots:
        assert plot["controls"], f"{path.name}: live plot {plot['compute']} has no control"
        for control in plot["controls"]:
            where = f"{path.name}: {plot['compute']} {control['control']}"
            assert len(set(control["values"])) >= 2, f"{where} did not move"
            assert control["same"], f"{where}: the cached result differs from a fresh computation"
