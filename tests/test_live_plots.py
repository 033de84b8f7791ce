"""Every control of every live plot, moved in the notebook's own kernel: the cached answer is the fresh one.

A live plot caches compute's result and its PNG by the controls' values (hotcache_lab/plots/sliders.py).
Here each notebook runs top to bottom in a real kernel, every control goes to two other values and
back, and after each move the shown result is compared with an uncached `compute(**values)`, and the
image shown with one drawn with its own constrained layout (`plots.probe`).

`make nbval` runs the same check after each notebook's last cell (tests/nbval_live_plots.py), so
`make test` runs every notebook once; this file is `make liveplots`, for one notebook at a time:
`make liveplots NOTEBOOKS=notebooks/04_eviction_policies.ipynb`. Timings are benchmarks/bench_sliders.py's.
"""

import os
from pathlib import Path

import pytest

from hotcache_lab.plots import probe

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / p for p in os.environ.get("NOTEBOOKS", "").split()] or sorted(
    (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_control_shows_what_a_fresh_computation_gives(path):
    found = probe.failures(probe.run_and_probe(str(path), check=True))
    assert not found, f"{path.name}:\n" + "\n".join(found)
