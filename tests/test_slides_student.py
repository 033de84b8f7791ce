"""What instructors rely on: slide metadata, solutions with self-checks, `make student`, `make slides`.

The student copies and the slide deck are built with the very `jupyter nbconvert` command that the
Makefile's recipe holds (read with `make -n`), only into a temporary folder, so these tests follow the
Makefile when it changes.
"""

from __future__ import annotations

import filecmp
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))  # the Makefile's $(NOTEBOOKS)
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
SECTION_HEADING = re.compile(r"##\s+\d+\.")  # "## 3. The experiment"
SELF_CHECK = re.compile(r"\b(check|is_right|self_check\w*|judge\w*)\(")  # a verdict, or a lesson's judge
MAX_NOTEBOOK_BYTES = 2 * 1024 * 1024
DECK_NOTEBOOK = NOTEBOOK_DIR / "00_welcome.ipynb"  # one deck and one student copy are built and run
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

needs_notebooks = pytest.mark.skipif(not NOTEBOOKS, reason="no notebook in notebooks/ yet")


def _ids(paths):
    return [p.stem for p in paths]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _slide_type(cell: dict):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def _make_nbconvert_command(target: str, output_dir: Path, notebooks: list[Path], **variables) -> list[str]:
    """The `jupyter nbconvert` command of `make <target>`'s recipe (printed by `make -n`, run by nobody),
    writing into `output_dir` instead of the recipe's folder."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    assignments = [f"NOTEBOOKS={' '.join(str(p.relative_to(REPO)) for p in notebooks)}"]
    assignments += [f"{name}={value}" for name, value in variables.items()]
    dry_run = subprocess.run(["make", "-n", target, *assignments], cwd=REPO, capture_output=True, text=True,
                             timeout=60, check=True)
    lines = [line for line in dry_run.stdout.replace("\\\n", " ").splitlines() if "jupyter nbconvert" in line]
    assert len(lines) == 1, f"`make -n {target}` printed no single nbconvert command:\n{dry_run.stdout}"
    argv = shlex.split(lines[0])
    assert Path(argv[0]).name == "jupyter", argv
    jupyter = Path(sys.executable).with_name("jupyter")  # this venv's, wherever the Makefile's lives
    argv[0] = str(jupyter) if jupyter.exists() else argv[0]
    assert "--output-dir" in argv, f"`make {target}` no longer passes --output-dir: {argv}"
    argv[argv.index("--output-dir") + 1] = str(output_dir)
    return argv


def _run(argv: list[str], timeout: float) -> None:
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    assert done.returncode == 0, f"{shlex.join(argv)} failed:\n{done.stdout}\n{done.stderr}"


# (a) slide metadata ------------------------------------------------------------------------------


@needs_notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_cell_has_slide_metadata_and_sections_start_slides(path):
    cells = _load(path)["cells"]
    missing = [(i, _slide_type(c)) for i, c in enumerate(cells) if _slide_type(c) not in SLIDE_TYPES]
    assert not missing, f"cells without a valid metadata.slideshow.slide_type (index, value): {missing}"
    assert _slide_type(cells[0]) == "slide", "the first cell must open a slide"
    headings = [i for i, c in enumerate(cells)
                if c["cell_type"] == "markdown" and SECTION_HEADING.match(_source(c).lstrip())]
    assert headings, "no '## N.' section heading found"
    not_slides = [(i, _slide_type(cells[i])) for i in headings if _slide_type(cells[i]) != "slide"]
    assert not not_slides, f"'## N.' heading cells that do not open a slide (index, type): {not_slides}"


# (b) solutions and self-checks --------------------------------------------------------------------


@needs_notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_solutions_are_tagged_and_each_is_followed_by_a_self_check(path):
    cells = _load(path)["cells"]
    solutions = [i for i, c in enumerate(cells) if "solution" in _tags(c)]
    assert solutions, "no cell tagged 'solution'"
    assert all(cells[i]["cell_type"] == "code" for i in solutions), "a 'solution' tag on a markdown cell"
    for i in solutions:
        later_code = [j for j in range(i + 1, len(cells))
                      if cells[j]["cell_type"] == "code" and "solution" not in _tags(cells[j])]
        assert later_code, f"solution cell {i} is the last code cell: no self-check after it"
        j = later_code[0]
        assert SELF_CHECK.search(_source(cells[j])), (
            f"the first code cell after solution cell {i} (cell {j}) is not a self-check calling check(...)")


# (c) make student ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    if not NOTEBOOKS:
        pytest.skip("no notebook in notebooks/ yet")
    out = tmp_path_factory.mktemp("student")
    _run(_make_nbconvert_command("student", out, NOTEBOOKS), timeout=300)
    return out


@needs_notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_student_copy_drops_exactly_the_solution_cells_and_all_outputs(path, student_dir):
    original = _load(path)["cells"]
    student = _load(student_dir / path.name)["cells"]
    n_solutions = sum("solution" in _tags(c) for c in original)
    assert n_solutions > 0
    assert not [i for i, c in enumerate(student) if "solution" in _tags(c)], "a solution cell is left"
    assert len(student) == len(original) - n_solutions
    kept = [_source(c) for c in original if "solution" not in _tags(c)]
    assert [_source(c) for c in student] == kept, "cells other than the solutions changed or moved"
    code = [c for c in student if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), "outputs were kept"


def test_student_copy_of_the_welcome_runs_top_to_bottom_and_says_not_answered_yet(student_dir):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = student_dir / DECK_NOTEBOOK.name
    if not path.exists():
        pytest.skip(f"{DECK_NOTEBOOK.name} is not written yet")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, startup_timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(student_dir)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    def code_cells(nb):
        return [c for c in nb.cells if c.cell_type == "code"]

    checks = [c for c in code_cells(notebook) if SELF_CHECK.search(c.source)]
    assert checks, "no self-check cell in the student copy"
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "not answered yet" in text, f"self-check printed {text!r}, not 'not answered yet'"
    errors = [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    assert not errors


# (d) make slides: one offline deck, opened in Chromium with the network cut -----------------------


def _node_modules(tmp: Path) -> Path:
    """build/slides/node_modules if `make slides` installed it from the same lock file, else `npm ci`."""
    lock = REPO / "tools" / "slides" / "package-lock.json"
    built = REPO / "build" / "slides"
    if ((built / "node_modules" / "reveal.js" / "dist" / "reveal.js").exists()
            and (built / "package-lock.json").exists() and filecmp.cmp(built / "package-lock.json", lock,
                                                                      shallow=False)):
        return built / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed and build/slides/node_modules is missing or stale: "
                    "the deck's assets come from npm")
    if _INSTALLED:  # one npm ci (17 s here) a test process: this deck's and test_slides_fit's share it
        return _INSTALLED[0]
    install = tmp / "npm"
    install.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy(REPO / "tools" / "slides" / name, install / name)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=install,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    _INSTALLED.append(install / "node_modules")
    return _INSTALLED[0]


_INSTALLED: list[Path] = []  # what _node_modules installed in this process (tmp lasts the session)


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    """Build the welcome deck as `make slides` does and open it offline; return what the page showed."""
    if not DECK_NOTEBOOK.exists():
        pytest.skip(f"{DECK_NOTEBOOK.name} is not written yet")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing")
    tmp = tmp_path_factory.mktemp("slides")
    deck_dir = tmp / "deck"
    deck_dir.mkdir()
    (deck_dir / "node_modules").symlink_to(_node_modules(tmp), target_is_directory=True)
    _run(_make_nbconvert_command("slides", deck_dir, [DECK_NOTEBOOK], SLIDES=deck_dir), timeout=300)
    html = deck_dir / f"{DECK_NOTEBOOK.stem}.slides.html"
    assert html.exists(), f"no deck written: {sorted(p.name for p in deck_dir.iterdir())}"

    seen = {"blocked": [], "failed": [], "page_errors": []}

    def only_files(route):
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:")):
            route.continue_()
        else:
            seen["blocked"].append(url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(30_000)
            page.route("**/*", only_files)
            page.on("requestfailed", lambda r: seen["failed"].append(f"{r.url} ({r.failure})"))
            page.on("pageerror", lambda error: seen["page_errors"].append(str(error)))
            page.goto(html.as_uri(), wait_until="load", timeout=60_000)
            page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
            # reveal.js is loaded through require.js (an AMD module), so there is no window.Reveal.
            seen["reveal"] = page.evaluate(
                """() => new Promise(resolve => require(['node_modules/reveal.js/dist/reveal.js'],
                       R => resolve({ready: R.isReady(), total: R.getTotalSlides()})))""")
            page.wait_for_timeout(1000)  # the embedded widget views render after Reveal is ready
            seen["widget_errors"] = page.evaluate(
                "() => document.body.innerText.includes('Error displaying widget')")
            screenshots = REPO / "build" / "screenshots"
            screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshots / f"slides-{DECK_NOTEBOOK.stem}.png")
        finally:
            browser.close()
    seen["failed_files"] = [f for f in seen["failed"] if f.startswith("file://")]
    return seen


@pytest.mark.browser
def test_offline_deck_initialises_reveal_with_one_slide_per_slide_cell(deck):
    cells = _load(DECK_NOTEBOOK)["cells"]
    expected = sum(_slide_type(c) in ("slide", "subslide") for c in cells)
    assert deck["reveal"]["ready"] is True
    assert deck["reveal"]["total"] > 3
    assert deck["reveal"]["total"] == expected, "reveal.js counted other slides than the notebook marks"
    assert not deck["failed_files"], f"deck assets missing: {deck['failed_files']}"
    assert not deck["page_errors"], f"errors in the deck: {deck['page_errors']}"
    assert not deck["widget_errors"], "an embedded widget did not display in the deck"


@pytest.mark.browser
def test_offline_deck_asks_nothing_of_the_network(deck):
    assert not deck["blocked"], (
        f"the 'offline' deck requested {deck['blocked']}: nbconvert's default reveal.js theme 'simple' "
        "imports Google Fonts; a theme with bundled fonts (--SlidesExporter.reveal_theme=white) does not")


# (e) committed notebooks ---------------------------------------------------------------------------


@needs_notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_is_small_and_executed(path):
    size = path.stat().st_size
    assert size < MAX_NOTEBOOK_BYTES, f"{path.name} is {size / 2**20:.2f} MiB (limit 2 MiB): smaller figures"
    code = [(i, c) for i, c in enumerate(_load(path)["cells"]) if c["cell_type"] == "code"]
    not_run = [i for i, c in code if c.get("execution_count") is None]
    assert not not_run, f"code cells {not_run} have no execution_count (nbval skips them): `make notebooks`"
    assert any(c["outputs"] for _, c in code), "no code cell has an output: the notebook was stripped"
