"""Measure the offline decks at 1280x800 and cut notebooks into slides that fit.

    .venv/bin/python tools/slides/fit.py measure [build/slides/NN_x.slides.html ...]
    .venv/bin/python tools/slides/fit.py cut notebooks/NN_x.ipynb ...

`measure` opens each deck (default: every deck in build/slides/) in headless Chromium at 1280x800, steps
through every slide and sub-slide with reveal.js's own API and prints, per deck, the slides, how many are
taller than reveal's slide box (its configured `height`: reveal scales that box to the window, so a slide
taller than it runs off the screen) and the worst ones.

`cut` changes slide METADATA only (nbformat read, metadata set, write; sources and outputs untouched), so a
notebook needs no re-execution. It is re-runnable: on a notebook that fits it changes nothing. Rules:

0. A cell without a slide type gets one: `slide` for a "## N." section heading, else `-` (same slide).
1. A code cell whose source is longer than `HIDE_INPUT_LINES` lines and which has an output gets the tag
   `slide-hide-input`: the deck shows its output, not its code (the template honours the tag).
2. The notebook's deck is built (the `make slides` command) and measured; in each slide that is too tall
   the first cell that runs past the box opens a new sub-slide (a `-` or `fragment` cell becomes
   `subslide`). Repeated until every slide fits or nothing more can be cut.
3. A cell taller than the box on its own is shrunk one step a round: a markdown cell without a table or
   figure is set in two columns (`slide-columns`), a code cell with an output loses its code
   (`slide-hide-input`), one without its code is set in two columns; then any is set at 80% (`slide-small`).
4. A markdown cell still too tall with a `**Sources**` (or `**Primary sources**`) line gets the override
   `notes_from`: from that line on it is speaker notes in the deck (the template honours it).

Per-cell overrides are kept in the notebook, in `cell.metadata["slides_fit"]`: `{"slide_type": "notes"}`
(or any type) is applied as given, `{"notes_from": "5. **Latency**"}` shows a markdown cell up to the line
that starts so and makes the rest speaker notes, `{"hide_input": false}` keeps the code in the deck,
`{"keep": true}` leaves the cell's metadata alone, `{"shrink": false}` forbids rules 3 and 4. A cell still
taller than the box after them cannot be cut by metadata: `cut` names it, and an override (`notes_from`,
`notes`, `skip`) or a shorter cell is the fix.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
HIDE_INPUT_TAG = "slide-hide-input"
COLUMNS_TAG = "slide-columns"
SMALL_TAG = "slide-small"
SECTION_HEADING = re.compile(r"##\s+\d+\.")  # "## 3. The experiment" opens a slide (test_slides_student)
SOURCES_LINE = re.compile(r"^\*\*(Primary sources|Sources)\*\*", re.MULTILINE)  # rule 4 moves these to notes
TABLE_OR_FIGURE = re.compile(r"^\s*\|.*\|\s*$|!\[|<img", re.MULTILINE)  # these do not flow into columns
HIDE_INPUT_LINES = 12
OVERRIDE_KEY = "slides_fit"
OVERRIDE_KEYS = {"slide_type", "notes_from", "hide_input", "keep", "shrink"}  # what a cell may hold there
MAX_ROUNDS = 6
CUT_TARGET = 0.97  # `cut` fills at most 97% of the box: room for another machine's font metrics
SETTLE_MS = 1500  # after load: the embedded widget views render after Reveal is ready
OPENS = {"slide", "subslide"}

# Every slide (not the stacks), visited with Reveal.slide(h, v), measured in the slide's own pixels:
# scrollHeight against Reveal's configured box, and each cell's top and bottom inside the slide.
# `config` is read before the measurement switches transitions off.
MEASURE_JS = """async () => {
  const Reveal = await new Promise(resolve => require(['node_modules/reveal.js/dist/reveal.js'], resolve));
  if (window.MathJax && MathJax.Hub) await new Promise(resolve => MathJax.Hub.Queue(resolve));
  const config = Reveal.getConfig();
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});  // no slide caught mid-animation
  const slides = [];
  for (const slide of Reveal.getSlides()) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v);  // reading the sizes below lays the shown slide out
    const scale = Reveal.getScale();
    const box = slide.getBoundingClientRect();
    const cells = [...slide.querySelectorAll('.jp-Cell')].map(cell => {
      const r = cell.getBoundingClientRect();
      return {id: (cell.id || '').replace('cell-id=', ''), top: (r.top - box.top) / scale,
              bottom: (r.bottom - box.top) / scale};
    });
    slides.push({h: at.h, v: at.v, height: slide.scrollHeight, width: slide.scrollWidth,
                 current: Reveal.getCurrentSlide() === slide, cells,
                 text: (slide.innerText || '').trim().split('\\n')[0].slice(0, 70)});
  }
  return {slides, total: Reveal.getTotalSlides(), scale: Reveal.getScale(),
          box: {width: config.width, height: config.height, margin: config.margin,
                minScale: config.minScale, maxScale: config.maxScale},
          viewport: {width: innerWidth, height: innerHeight}};
}"""


def measure_deck(browser, html: Path) -> dict:
    """Open one deck with the network cut (file:// only) and measure every slide; add `ratio` to each."""
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    try:
        page.set_default_timeout(30_000)
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
        page.wait_for_timeout(SETTLE_MS)
        result = page.evaluate(MEASURE_JS)
    finally:
        page.close()
    for slide in result["slides"]:
        slide["ratio"] = slide["height"] / result["box"]["height"]
    result["deck"] = html.name.removesuffix(".slides.html")
    result["page_errors"] = errors
    return result


def too_tall(result: dict, tolerance: float = 1.0) -> list[dict]:
    return [s for s in result["slides"] if s["ratio"] > tolerance]


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                      timeout=60_000)


def measure_decks(htmls: list[Path]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            return [measure_deck(browser, html) for html in htmls]
        finally:
            browser.close()


def summary(result: dict) -> str:
    tall = too_tall(result)
    worst = max(result["slides"], key=lambda s: s["ratio"])
    lines = [f"{result['deck']}: {len(result['slides'])} slides, {len(tall)} too tall, worst "
             f"{worst['ratio']:.2f} of the box (slide {worst['h']}.{worst['v']})"]
    for s in sorted(tall, key=lambda s: -s["ratio"])[:5]:
        lines.append(f"    {s['h']}.{s['v']}  {s['ratio']:.2f}  {s['text']!r}")
    return "\n".join(lines)


# --- cutting ---------------------------------------------------------------------------------------


def _override(cell) -> dict:
    return cell.metadata.get(OVERRIDE_KEY, {})


def _set_type(cell, slide_type: str) -> bool:
    show = cell.metadata.setdefault("slideshow", {})
    if show.get("slide_type") == slide_type:
        return False
    show["slide_type"] = slide_type
    return True


def apply_rules(nb) -> int:
    """Rules 0 and 1 and the overrides; return how many cells changed."""
    changed = 0
    for cell in nb.cells:
        override = _override(cell)
        if override.get("keep"):
            continue
        if "slide_type" in override:
            changed += _set_type(cell, override["slide_type"])
        if cell.metadata.get("slideshow", {}).get("slide_type") is None:  # rule 0: a new cell
            opens = cell.cell_type == "markdown" and SECTION_HEADING.match(cell.source.lstrip())
            changed += _set_type(cell, "slide" if opens else "-")
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        long_code = len(cell.source.splitlines()) > HIDE_INPUT_LINES and bool(cell.outputs)
        hide = override.get("hide_input", long_code)
        if hide and HIDE_INPUT_TAG not in tags:
            cell.metadata["tags"] = [*tags, HIDE_INPUT_TAG]
            changed += 1
        elif override.get("hide_input") is False and HIDE_INPUT_TAG in tags:  # rule 3 may have hidden it
            cell.metadata["tags"] = [t for t in tags if t != HIDE_INPUT_TAG]
            changed += 1
    return changed


def _add_tag(cell, tag: str) -> bool:
    tags = cell.metadata.get("tags", [])
    if tag in tags:
        return False
    cell.metadata["tags"] = [*tags, tag]
    return True


def _shrink(cell) -> bool:
    """One step for a cell taller than the box on its own (rule 3); False when nothing is left to try."""
    override = _override(cell)
    if override.get("keep") or override.get("shrink") is False:
        return False
    if cell.cell_type == "markdown":
        if not TABLE_OR_FIGURE.search(cell.source) and _add_tag(cell, COLUMNS_TAG):
            return True
    elif cell.outputs and override.get("hide_input") is not False and _add_tag(cell, HIDE_INPUT_TAG):
        return True
    elif HIDE_INPUT_TAG not in cell.metadata.get("tags", []) and _add_tag(cell, COLUMNS_TAG):
        return True  # code that is shown, not its output: two columns of code
    if _add_tag(cell, SMALL_TAG):
        return True
    sources = SOURCES_LINE.search(cell.source) if cell.cell_type == "markdown" else None
    if sources and "notes_from" not in override:
        cell.metadata.setdefault(OVERRIDE_KEY, {})["notes_from"] = sources.group(0)
        return True
    return False


def split_points(result: dict, target: float = 1.0) -> tuple[list[str], list[str]]:
    """Cell ids that should open a sub-slide, and ids of cells over `target` of the box on their own."""
    limit = result["box"]["height"] * target
    cuts, alone = [], []
    for slide in too_tall(result, target):
        start, after_alone = 0.0, False
        for k, cell in enumerate(slide["cells"]):
            runs_past = cell["bottom"] - start > limit
            if k > 0 and (runs_past or after_alone) and cell["top"] > start + 1:
                cuts.append(cell["id"])  # this cell opens the next sub-slide
                start = cell["top"]
            after_alone = cell["bottom"] - start > limit
            if after_alone:  # too tall even on a sub-slide of its own: the next cell starts another
                alone.append(cell["id"])
    return cuts, alone


def slides_command(notebooks: list[Path], output_dir: Path) -> list[str]:
    """`make slides`'s nbconvert command (from `make -n`), writing into output_dir."""
    dry = subprocess.run(["make", "-n", "slides", "NOTEBOOKS=" + " ".join(map(str, notebooks))], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=True)
    lines = [line for line in dry.stdout.replace("\\\n", " ").splitlines() if "jupyter nbconvert" in line]
    if len(lines) != 1:
        raise RuntimeError(f"`make -n slides` printed no single nbconvert command:\n{dry.stdout}")
    argv = shlex.split(lines[0])
    argv[argv.index("--output-dir") + 1] = str(output_dir)
    return argv


def build_decks(notebooks: list[Path], output_dir: Path) -> list[Path]:
    node_modules = REPO / "build" / "slides" / "node_modules"
    if not (node_modules / "reveal.js").exists():
        raise SystemExit("build/slides/node_modules is missing: run `make slides` once")
    link = output_dir / "node_modules"
    if not link.exists():
        link.symlink_to(node_modules, target_is_directory=True)
    done = subprocess.run(slides_command(notebooks, output_dir), cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if done.returncode:
        raise RuntimeError(f"nbconvert failed:\n{done.stderr[-3000:]}")
    return [output_dir / f"{nb.stem}.slides.html" for nb in notebooks]


def cut(paths: list[Path]) -> None:
    import nbformat

    for path in paths:
        nb = nbformat.read(path, as_version=4)
        changed = apply_rules(nb)
        alone: list[str] = []
        for _round in range(MAX_ROUNDS):
            nbformat.write(nb, path)
            with tempfile.TemporaryDirectory() as tmp:
                result = measure_decks(build_decks([path], Path(tmp)))[0]
            cuts, alone = split_points(result, CUT_TARGET)
            by_id = {c.get("id"): c for c in nb.cells}
            opened = [by_id[i] for i in cuts if i in by_id and not _override(by_id[i]).get("keep")
                      and by_id[i].metadata.get("slideshow", {}).get("slide_type") not in OPENS]
            shrunk = [by_id[i] for i in alone if i in by_id and _shrink(by_id[i])]
            if not opened and not shrunk:
                break
            changed += sum(_set_type(c, "subslide") for c in opened) + len(shrunk)
        print(f"{path.name}: {changed} metadata changes; {summary(result)}")
        if alone:
            print(f"    cells taller than the box on their own (override them): {alone}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="measure built decks at 1280x800")
    m.add_argument("decks", nargs="*", type=Path)
    m.add_argument("--json", type=Path, help="write every measurement here")
    c = sub.add_parser("cut", help="set slide metadata from the rules and the measured decks")
    c.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "cut":
        cut(args.notebooks)
        return 0
    decks = args.decks or sorted((REPO / "build" / "slides").glob("*.slides.html"))
    started = time.monotonic()
    results = measure_decks(decks)
    for result in results:
        print(summary(result))
    total = sum(len(r["slides"]) for r in results)
    tall = sum(len(too_tall(r)) for r in results)
    worst = max((s["ratio"] for r in results for s in r["slides"]), default=0.0)
    box = results[0]["box"] if results else {}
    print(f"all: {total} slides, {tall} too tall, worst {worst:.2f}; box {box}; "
          f"{time.monotonic() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if tall else 0


if __name__ == "__main__":
    sys.exit(main())
