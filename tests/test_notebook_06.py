"""Notebook 06: the live plot's draw function reacts to its sliders; the notebook keeps the house shape."""

import json
import pathlib

import matplotlib

matplotlib.use("Agg")

from hotcache_lab import contention, viz  # noqa: E402

NOTEBOOK = pathlib.Path(__file__).resolve().parent.parent / "notebooks" / "06_thread_races.ipynb"


def test_sliders_change_the_race_drawn():
    plot = viz.live(contention.draw_stampede, ncols=2, figsize=(9, 3.4),
                    threads=viz.slider("threads", 1, 16, 4),
                    compute_ms=viz.slider("compute time (ms)", 10, 100, 20, step=10))
    first = plot.update()
    assert first["duplicates"] == 3 and first["duplicates_by_threads"] == [0, 1, 3]
    plot.controls["threads"].value = 6  # what moving the slider does
    assert plot.updates == 2
    assert plot.last["computations"] == 6 and plot.last["counts"] == [1, 2, 4, 6]
    assert plot.last["duplicates_by_threads"] == [0, 1, 3, 5]
    plot.controls["compute_ms"].value = 30
    assert plot.last["compute_ms"] == 30 and plot.last["duplicates"] == 5
    assert all(w >= 30 for w in plot.last["wall_ms_by_threads"])  # a race lasts at least one computation


def _cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def test_notebook_shape():
    cells = _cells()
    headings = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in cells
                if c["cell_type"] == "markdown"]
    parts = [h.splitlines()[0] for h in headings if h.startswith("## ")]
    assert parts[-2:] == ["## 5. Exercises", "## 6. Takeaways"]  # sections get inserted before these
    code = [c for c in cells if c["cell_type"] == "code"]
    checked = [c for c in code if "".join(c["source"]).startswith("# NBVAL_CHECK_OUTPUT")]
    assert len(checked) >= 3
    assert all(c["execution_count"] is not None for c in code)  # executed, so nbval compares them
    assert all("slide_type" in c["metadata"].get("slideshow", {}) for c in cells)
    assert sum("solution" in c["metadata"].get("tags", []) for c in code) >= 3
