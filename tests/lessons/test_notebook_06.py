"""Notebook 06 keeps the house shape, and its live plots go through plots.live
(tests/lessons/test_thread_races.py tests what they compute)."""

import json
import pathlib

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "06_thread_races.ipynb"


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


def test_live_plots_go_through_plots_live_with_lesson_computations():
    code = ["".join(c["source"]) for c in _cells() if c["cell_type"] == "code"]
    live = [s for s in code if "live(" in s]
    assert len(live) == 1 and all("plots.live(lesson." in s for s in live)
    assert not any("viz" in s or "contention." in s for s in code)  # old module names


def _sources(kind=None):
    return ["".join(c["source"]) for c in _cells() if kind is None or c["cell_type"] == kind]


def test_the_docs_history_is_told_in_notebook_01_and_the_myth_is_sourced():
    prose = "\n".join(_sources("markdown"))
    assert "gh-93179" not in prose and "gh-103475" not in prose  # dates of the docs' wording: notebook 01's
    assert "notebook 01, `01_memoization_basics`" in prose
    assert "AxOps Academy" in prose
    assert "can be made thread-safe by setting the typed parameter to True" in prose


def test_the_expiry_section_moved_to_notebook_08():
    """Hot keys at TTL expiry are notebook 08's section 4.7 now: 06 keeps threads, processes, asyncio."""
    sources = _sources()
    assert not any(s.startswith("### 4.8") for s in sources)
    assert not any("hotkey_sim" in s or "ttl_memoize" in s for s in _sources("code"))
    assert "notebook 08's section 4.7" in "\n".join(_sources("markdown"))
