"""Notebook 04's step-through: moving the time slider redraws the boxes from the recordings."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hotcache_lab import viz  # noqa: E402
from hotcache_lab.stepper import frame, record  # noqa: E402

pytest.importorskip("ipywidgets")

TRACE = [1, 2, 3, 1, 2, 4, 1, 5, 2, 1, 10, 11, 12, 13, 14, 1, 2, 3, 1, 2]


def test_time_slider_changes_the_boxes():
    recordings = [record(TRACE, p, 4) for p in ("lru", "sieve", "opt")]

    def draw(ax, t):
        rows = [frame(rec, t) for rec in recordings]
        viz.draw_boxes(ax, rows, title=f"step {t}")
        return {"t": t, "rows": rows}

    plot = viz.live(draw, t=viz.slider("time step", 0, len(TRACE) - 1, value=3))
    first = plot.update()
    assert first["t"] == 3 and plot.updates == 1
    plot.controls["t"].value = 15  # what moving the slider does
    assert plot.updates == 2 and plot.last["t"] == 15
    lru, sieve, opt = plot.last["rows"]
    # after the scan, LRU lost key 1 (a miss, inserted again) while SIEVE and OPT hit it
    assert ("1", "new", "") in lru["boxes"]
    assert any(text == "1" and state == "hit" for text, state, _ in sieve["boxes"])
    assert any(text == "1" and state == "hit" for text, state, _ in opt["boxes"])
    assert lru["evicted"] == (11,) and sieve["evicted"] == ()
    plt.close("all")


def test_draw_boxes_draws_one_patch_per_box_and_evicted_key():
    rec = record([1, 2, 3, 4], "lru", 3)
    fig, ax = plt.subplots()
    viz.draw_boxes(ax, [frame(rec, 3)])
    assert len(ax.patches) == 3 + 1  # three slots and the evicted key
    texts = {t.get_text() for t in ax.texts}
    assert {"2", "3", "4", "1"} <= texts
    plt.close(fig)
