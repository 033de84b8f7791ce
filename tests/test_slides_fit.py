"""Every slide of every deck fits a 1280x800 screen: the decks of `make slides`, stepped through in Chromium.

The decks are built with the very nbconvert command of `make slides` (read with `make -n`) into a temporary
folder, for the notebooks that HOTCACHE_BROWSER_NOTEBOOKS selects (all by default; `make test` takes 3 a
day, as the browser test does). Each deck is opened offline at 1280x800 and stepped through with
reveal.js's own API (tools/slides/fit.py's `measure_deck`: `Reveal.slide(h, v)` on every slide of
`Reveal.getSlides()`); a slide fits when its content (`scrollHeight`) fits reveal's slide box, which reveal
scales to the window, and the scaled box is on the screen. A failure lists the worst slides of each deck;
`tools/slides/fit.py cut NOTEBOOK` is the fix. The unit tests at the end check the cutting rules.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import test_slides_student as student

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "build" / "screenshots"


def _load_fit():
    spec = importlib.util.spec_from_file_location("slides_fit", REPO / "tools" / "slides" / "fit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fit = _load_fit()
try:  # the browser test's selection of notebooks (it skips itself, on import, without Chromium)
    import test_browser
    NOTEBOOKS = [test_browser.NOTEBOOK_DIR / f"{name}.ipynb" for name in test_browser.SELECTED]
except pytest.skip.Exception:
    NOTEBOOKS = []


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """Build the selected decks in one nbconvert run, then measure each in one headless Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing")
    tmp = tmp_path_factory.mktemp("fit")
    deck_dir = tmp / "decks"
    deck_dir.mkdir()
    (deck_dir / "node_modules").symlink_to(student._node_modules(tmp), target_is_directory=True)
    argv = student._make_nbconvert_command("slides", deck_dir, NOTEBOOKS, SLIDES=deck_dir)
    student._run(argv, timeout=300)
    with sync_api.sync_playwright() as playwright:
        browser = fit.launch(playwright)
        try:
            results = {nb.stem: fit.measure_deck(browser, deck_dir / f"{nb.stem}.slides.html")
                       for nb in NOTEBOOKS}
        finally:
            browser.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "slides-fit.txt").write_text("\n".join(fit.summary(r) for r in results.values()) + "\n")
    return results


def _slide_cells(path: Path) -> int:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum(c.get("metadata", {}).get("slideshow", {}).get("slide_type") in fit.OPENS for c in cells)


@pytest.mark.browser
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_slide_of_the_deck_fits_a_1280x800_screen(path, measured):
    result = measured[path.stem]
    box, viewport, scale = result["box"], result["viewport"], result["scale"]
    assert viewport == fit.VIEWPORT
    assert (box["width"], box["height"]) == (1280, 800), f"the template sizes reveal's box {box}"
    assert box["width"] * scale <= viewport["width"] and box["height"] * scale <= viewport["height"], (
        f"reveal scaled its {box} box by {scale}: larger than the {viewport} window")
    slides = result["slides"]
    assert len(slides) == result["total"] == _slide_cells(path), (
        f"stepped through {len(slides)} slides, reveal counts {result['total']}, the notebook opens "
        f"{_slide_cells(path)}")
    assert all(s["current"] for s in slides), "a slide was measured while another one was shown"
    assert not result["page_errors"], f"errors in the deck: {result['page_errors']}"
    tall = fit.too_tall(result)
    assert not tall, (f"{len(tall)} of {len(slides)} slides are taller than the screen "
                      f"(`tools/slides/fit.py cut notebooks/{path.name}`):\n{fit.summary(result)}")


# --- the cutting rules, on made-up measurements (no browser) ---------------------------------------


def _result(*slides):
    return {"box": {"width": 1280, "height": 800},
            "slides": [{"h": h, "v": 0, "height": int(max(c[2] for c in cells)), "text": "",
                        "ratio": max(c[2] for c in cells) / 800,
                        "cells": [{"id": i, "top": t, "bottom": b} for i, t, b in cells]}
                       for h, cells in enumerate(slides)]}


def test_a_slide_too_tall_is_cut_at_the_first_cell_past_the_box_and_again_further_down():
    fits = [("a", 0, 300), ("b", 300, 790)]
    tall = [("c", 0, 300), ("d", 300, 700), ("e", 700, 1200), ("f", 1200, 1400), ("g", 1400, 1600)]
    cuts, alone = fit.split_points(_result(fits, tall))
    assert cuts == ["e", "g"]  # e runs past 800; the sub-slide from e (top 700) is full again at g (1600)
    assert alone == []


def test_a_single_cell_taller_than_the_box_is_named_not_cut():
    cuts, alone = fit.split_points(_result([("big", 0, 1000), ("next", 1000, 1100)]))
    assert alone == ["big"] and cuts == ["next"]


def test_rules_hide_long_code_with_output_and_honour_overrides():
    nbformat = pytest.importorskip("nbformat")
    long_code = "\n".join(f"x{i} = {i}" for i in range(fit.HIDE_INPUT_LINES + 1))
    output = nbformat.v4.new_output("stream", text="7\n")
    cells = [nbformat.v4.new_code_cell(long_code, outputs=[output]),  # hidden
             nbformat.v4.new_code_cell(long_code),  # no output: nothing to show instead, kept
             nbformat.v4.new_code_cell("x = 1", outputs=[output]),  # short: kept
             nbformat.v4.new_code_cell(long_code, outputs=[output],
                                       metadata={fit.OVERRIDE_KEY: {"hide_input": False}}),
             nbformat.v4.new_markdown_cell("aside", metadata={fit.OVERRIDE_KEY: {"slide_type": "notes"}})]
    for cell in cells[:4]:
        cell.metadata["slideshow"] = {"slide_type": "-"}
    nb = nbformat.v4.new_notebook(cells=cells)
    assert fit.apply_rules(nb) == 2
    new = [nbformat.v4.new_markdown_cell("## 4. What the numbers say"), nbformat.v4.new_code_cell("x = 1"),
           nbformat.v4.new_markdown_cell("### 4.1 not a section")]
    assert fit.apply_rules(nbformat.v4.new_notebook(cells=new)) == 3
    assert [c.metadata["slideshow"]["slide_type"] for c in new] == ["slide", "-", "-"]
    hidden = [fit.HIDE_INPUT_TAG in c.metadata.get("tags", []) for c in nb.cells]
    assert hidden == [True, False, False, False, False]
    assert nb.cells[4].metadata["slideshow"]["slide_type"] == "notes"
    assert fit.apply_rules(nb) == 0, "the rules are not idempotent"
    fit._add_tag(nb.cells[2], fit.HIDE_INPUT_TAG)  # as rule 3 hides a short cell's code
    assert fit.apply_rules(nb) == 0 and fit.HIDE_INPUT_TAG in nb.cells[2].metadata["tags"]


def test_shrinking_a_cell_goes_columns_or_hidden_code_then_small_and_no_columns_for_a_table():
    nbformat = pytest.importorskip("nbformat")
    prose = nbformat.v4.new_markdown_cell("* one\n* two")
    table = nbformat.v4.new_markdown_cell("| a | b |\n|---|---|\n| 1 | 2 |")
    steps = [fit._shrink(prose), fit._shrink(prose), fit._shrink(prose)]
    assert steps == [True, True, False]
    cited = nbformat.v4.new_markdown_cell("* a point\n\n**Sources**\n* a paper")
    assert [fit._shrink(cited) for _ in range(4)] == [True, True, True, False]
    assert cited.metadata[fit.OVERRIDE_KEY] == {"notes_from": "**Sources**"}
    assert prose.metadata["tags"] == [fit.COLUMNS_TAG, fit.SMALL_TAG]
    assert fit._shrink(table) and table.metadata["tags"] == [fit.SMALL_TAG]
    shown = nbformat.v4.new_code_cell("x = 1")
    ran = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", text="1\n")])
    assert fit._shrink(shown) and fit._shrink(shown)
    assert fit._shrink(ran) and fit._shrink(ran)
    assert shown.metadata["tags"] == [fit.COLUMNS_TAG, fit.SMALL_TAG]  # shown code: columns, then small
    assert ran.metadata["tags"] == [fit.HIDE_INPUT_TAG, fit.SMALL_TAG]  # code with output: output only


def test_the_deck_template_hides_tagged_code_keeps_its_output_tags_markdown_and_makes_notes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    show = {"slideshow": {"slide_type": "slide"}}
    cells = [nbformat.v4.new_markdown_cell("## 1. Start\n\n* a point",
                                           metadata={**show, "tags": [fit.COLUMNS_TAG]}),
             nbformat.v4.new_code_cell("hidden_code_marker = 41 + 1", execution_count=1,
                                       outputs=[nbformat.v4.new_output("stream", text="output_marker_42\n")],
                                       metadata={"slideshow": {"slide_type": "-"},
                                                 "tags": [fit.HIDE_INPUT_TAG]}),
             nbformat.v4.new_code_cell("shown_code_marker = 1", execution_count=2,
                                       metadata={"slideshow": {"slide_type": "-"}}),
             nbformat.v4.new_markdown_cell("slide_text_marker\n**Sources**\n* notes_marker",
                                           metadata={"slideshow": {"slide_type": "-"},
                                                     fit.OVERRIDE_KEY: {"notes_from": "**Sources**"}})]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    welcome = REPO / "notebooks" / "00_welcome.ipynb"
    argv = student._make_nbconvert_command("slides", tmp_path, [welcome])
    assert argv[-1] == str(welcome.relative_to(REPO)), argv
    argv[-1] = str(path)  # the recipe's command, on this notebook
    student._run(argv, timeout=120)
    html = (tmp_path / "tiny.slides.html").read_text(encoding="utf-8")
    assert "output_marker_42" in html and "shown_code_marker" in html
    assert "hidden_code_marker" not in html, "the template showed the code of a cell tagged slide-hide-input"
    assert re.search(rf'class="[^"]*jp-RenderedMarkdown[^"]*celltag_{fit.COLUMNS_TAG}', html), \
        "the rendered markdown lost its tag class, which the template's CSS selects"
    assert "width: 1280, height: 800" in html
    notes = re.search(r'<aside class="notes">(.*?)</aside>', html, re.DOTALL)
    assert notes and "notes_marker" in notes.group(1) and "slide_text_marker" not in notes.group(1)
    assert html.count("notes_marker") == 1 and "slide_text_marker" in html


@pytest.mark.parametrize("path", student.NOTEBOOKS, ids=[p.stem for p in student.NOTEBOOKS])
def test_slide_tags_and_overrides_in_the_notebooks_are_ones_the_deck_honours(path):
    known_tags = {fit.HIDE_INPUT_TAG, fit.COLUMNS_TAG, fit.SMALL_TAG}
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        tags = {t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("slide-")}
        assert tags <= known_tags, f"cell {i}: unknown slide tags {tags - known_tags} (known: {known_tags})"
        override = cell.get("metadata", {}).get(fit.OVERRIDE_KEY, {})
        unknown = set(override) - fit.OVERRIDE_KEYS
        assert not unknown, f"cell {i}: unknown {fit.OVERRIDE_KEY} keys {unknown}"
        marker = override.get("notes_from")
        assert marker is None or ("\n" + marker) in "".join(cell["source"]), (
            f"cell {i}: notes_from {marker!r} starts no line of the cell, so the deck shows it all")
