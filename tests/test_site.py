"""The static book (`make site`): built once from the committed outputs, then read as a student would.

One build (tools/site/build.py, in a subprocess with a timeout) into a temporary folder, then two kinds of
check: on the built HTML (every lesson a page, in teaching order with prev/next; the landing page made from
README's table; each lesson's note on its live parts and all its figures; nothing addressed to another
host), and in headless Chromium (Debian's /usr/bin/chromium through Playwright, opened from file:// as a
reader would open it): every page loads with no console error and no request outside file://, every
internal link and image resolves, the math is typeset, and search finds each lesson by a word of it.
"""

from __future__ import annotations

import importlib.util
import json
import posixpath
import re
import subprocess
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

try:
    from playwright import sync_api
except ImportError:  # the browser checks skip; the checks on the built HTML still run
    sync_api = None

SITE_PACKAGES = ("sphinx", "myst_nb", "furo", "jupyter_server_mathjax")  # looked up, not imported: slow
_missing = [name for name in SITE_PACKAGES if importlib.util.find_spec(name) is None]
if _missing:
    pytest.skip(f"{', '.join(_missing)} missing: `make test` installs the site's packages with .[test]",
                allow_module_level=True)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SITE_TOOLS = REPO / "tools" / "site"
LESSONS = sorted(REPO.glob("notebooks/[0-9]*.ipynb"))  # the checks read the copies the book was built from
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BUILD_TIMEOUT = 240        # s; the build takes well under a minute
PAGE_TIMEOUT_MS = 30_000   # to load one page, or to typeset its math, or to finish one search
REMOTE_CSS = re.compile(r"(?:@import|url\()\s*['\"]?(?:https?:)?//[^)'\"]+")
ASSET_TAGS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "link": "href"}
MATH_TYPESET_JS = """() => [...document.querySelectorAll('span.math.notranslate, div.math.notranslate')]
  .every(e => e.querySelector('.MathJax, .MathJax_Display, .MathJax_SVG'))"""
PAGE_FACTS_JS = """() => ({
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  images: [...document.querySelectorAll('img')].map(i => ({src: i.src,
                                                         ok: i.complete && i.naturalWidth > 0})),
  math: document.querySelectorAll('span.math.notranslate, div.math.notranslate').length,
})"""


def _load_nbprep():
    spec = importlib.util.spec_from_file_location("nbprep", SITE_TOOLS / "nbprep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nbprep = _load_nbprep()


class _Html(HTMLParser):
    """The tags with their attributes, the ids, and the visible text of one page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()
        self.words: list[str] = []
        self._hidden = 0
        self.raw = text
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())

    def rel(self, name: str) -> str | None:
        return next((a.get("href") for t, a in self.tags if t == "link" and a.get("rel") == name), None)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book") / "site"
    start = time.perf_counter()
    run = subprocess.run([sys.executable, str(SITE_TOOLS / "build.py"), "--out", str(out)],
                         capture_output=True, text=True, timeout=BUILD_TIMEOUT, cwd=REPO)
    assert run.returncode == 0, f"the site did not build:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    print(f"site built in {time.perf_counter() - start:.1f} s: {run.stdout.strip()}")
    return out


@pytest.fixture(scope="module")
def pages(site) -> dict[str, _Html]:
    found = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    return {p.relative_to(site).as_posix(): _Html(p.read_text()) for p in found}


def _lesson_page(notebook: Path) -> str:
    return f"notebooks/{notebook.stem}.html"


@pytest.fixture(scope="module")
def built_from(site) -> dict[str, Path]:
    """Each lesson's copy in the staging folder: what the book shows, even if the notebook moves on."""
    staged = sorted(site.with_name(site.name + "-src").glob("notebooks/[0-9]*.ipynb"))
    assert [nb.name for nb in staged] == [nb.name for nb in LESSONS], "the book skipped or added a lesson"
    return {nb.name: nb for nb in staged}


def test_prepare_shows_the_stored_png_and_notes_the_controls():
    """A live plot (a VBox of a slider over an Image) becomes its stored PNG with a note naming the slider."""
    state = {"box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_img"]}},
             "s": {"model_name": "IntSliderModel", "state": {"description": "maxsize"}},
             "img": {"model_name": "ImageModel", "state": {"format": "png"},
                     "buffers": [{"path": ["value"], "encoding": "base64", "data": "iVBORw0K"}]},
             "lone": {"model_name": "ButtonModel", "state": {"description": "go"}}}
    view = {"output_type": "display_data", "metadata": {},
            "data": {nbprep.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "VBox(...)"}}
    lone = {**view, "data": {nbprep.WIDGET_VIEW: {"model_id": "lone"}}}
    notebook = {"nbformat": 4, "nbformat_minor": 5,
                "metadata": {"widgets": {nbprep.WIDGET_STATE: {"state": state}}, "kernelspec": {}},
                "cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# Title"},
                          {"cell_type": "code", "id": "c", "metadata": {}, "source": "live()",
                           "outputs": [view, lone], "execution_count": 1}]}
    shown, live = nbprep.prepare(notebook, "notebooks/99_x.ipynb")
    assert live == 2
    assert "widgets" not in shown["metadata"] and "widgets" in notebook["metadata"]  # the input is kept
    kinds = [c["cell_type"] for c in shown["cells"]]
    assert kinds == ["markdown", "markdown", "code", "markdown", "markdown"]
    note = shown["cells"][1]["source"]
    assert "Its 2 live plots" in note and nbprep.LAB_HINT in note and "notebooks/99_x.ipynb" in note
    first, second = shown["cells"][2]["outputs"]
    assert first["data"]["image/png"] == "iVBORw0K"
    assert "image/png" not in second["data"] and "make lab" in second["data"]["text/plain"]
    assert "(maxsize)" in shown["cells"][3]["source"] and "(go)" in shown["cells"][4]["source"]
    assert len({c["id"] for c in shown["cells"]}) == len(shown["cells"])


def test_prepare_of_a_notebook_without_widgets_or_ids():
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {},
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Title"}]}
    shown, live = nbprep.prepare(notebook, "notebooks/98_y.ipynb")
    assert live == 0 and len(shown["cells"]) == 2
    assert shown["cells"][1]["source"].count("Its self-checking exercises") == 1
    assert all("id" not in c for c in shown["cells"])  # nbformat 4.4 has no cell ids


def _resolve(page: str, href: str | None) -> str | None:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href)) if href else None


def test_every_lesson_is_a_page_in_teaching_order_with_prev_and_next(pages, built_from):
    order = ["index.html"] + [_lesson_page(nb) for nb in LESSONS]
    for page in order[1:]:
        assert page in pages, f"no page for {page}"
    for before, after in zip(order, order[1:], strict=False):
        assert _resolve(before, pages[before].rel("next")) == after, f"next of {before}"
        assert _resolve(after, pages[after].rel("prev")) == before, f"prev of {after}"


def test_the_landing_page_is_made_from_readmes_lessons_table(site, pages):
    readme = site.with_name(site.name + "-src").joinpath("README.md").read_text()  # as built
    rows = re.findall(r"^\| \[(\w+)\]\(notebooks/(\w+)\.ipynb\) \| (.+?) \|$", readme, flags=re.M)
    assert rows, "README.md has no lessons table"
    index = pages["index.html"]
    hrefs = {a.get("href") for t, a in index.tags if t == "a"}
    for label, stem, teaches in rows:
        assert f"notebooks/{stem}.html" in hrefs, f"the landing page has no link to {stem}"
        first_words = " ".join(re.sub(r"[`*]", "", teaches).split()[:6])
        assert first_words in index.text, f"the landing page lacks README's row for {label}"


@pytest.mark.parametrize("notebook", LESSONS, ids=[nb.stem for nb in LESSONS])
def test_each_lesson_notes_its_live_parts_and_shows_every_figure(pages, built_from, notebook):
    staged = built_from[notebook.name]
    shown, live = nbprep.prepare(json.loads(staged.read_text()), f"notebooks/{notebook.name}")
    page = pages[_lesson_page(notebook)]
    assert nbprep.LAB_HINT.replace("`", "") in page.text
    assert sum(f"Live plot {i}:" in page.text for i in range(1, live + 1)) == live
    figures = sum("image/png" in o.get("data", {}) for c in shown["cells"] for o in c.get("outputs", []))
    images = [a["src"] for t, a in page.tags if t == "img" and "_images/" in a.get("src", "")]
    assert len(images) == figures, f"{len(images)} figures on the page, {figures} PNG outputs in the notebook"
    assert "jupyter.widget" not in page.raw, "a widget view or state is left for a widget manager"


def test_nothing_on_any_page_is_fetched_from_another_host(site, pages):
    remote = []
    for name, page in pages.items():
        for tag, attributes in page.tags:
            address = attributes.get(ASSET_TAGS.get(tag, ""), "")
            if tag == "link" and attributes.get("rel") in ("next", "prev", "index", "search", "canonical"):
                continue
            if address.startswith("//") or urlsplit(address).scheme not in ("", "data"):
                remote.append(f"{name}: <{tag}> {address}")
    for style in site.glob("_static/**/*.css"):
        text = style.read_text(errors="replace")
        remote += [f"{style.name}: {m}" for m in REMOTE_CSS.findall(text)]
    assert not remote, "assets from another host:\n" + "\n".join(remote)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): `apt-get install chromium`")
    if sync_api is None:
        pytest.skip("the playwright Python package is missing: `make test` installs it with .[test]")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              timeout=PAGE_TIMEOUT_MS)
        try:
            yield chromium
        finally:
            chromium.close()


def _aborted_by_the_page(request) -> bool:
    """A request for a local file that exists, dropped by the browser itself (seen once for a MathJax web
    font on a busy machine, which MathJax then did without): not a broken page; a missing file still
    is, and the math test checks that every formula was typeset."""
    url = urlsplit(request.url)
    return (request.failure or "").startswith("net::ERR_ABORTED") and url.scheme == "file" and \
        Path(unquote(url.path)).is_file()


@pytest.fixture(scope="module")
def visits(site, pages, browser) -> dict[str, dict]:
    """Each page opened once in Chromium: its console errors, outside requests, links, images and math."""
    found, seen = {}, {"errors": [], "outside": []}
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: _aborted_by_the_page(r)
            or seen["errors"].append(f"failed: {r.url} {r.failure}"))
    page.on("request", lambda r: urlsplit(r.url).scheme not in ("file", "data", "about")
            and seen["outside"].append(r.url))
    try:
        for name in pages:
            seen["errors"], seen["outside"] = [], []
            page.goto((site / name).as_uri(), wait_until="load")
            facts = page.evaluate(PAGE_FACTS_JS)
            if facts["math"]:
                try:  # MathJax loads its fonts and typesets after the load event
                    page.wait_for_function(MATH_TYPESET_JS, timeout=PAGE_TIMEOUT_MS)
                except sync_api.TimeoutError:
                    pass  # recorded below, and failed by the math test
                page.wait_for_load_state("networkidle")  # the fonts MathJax asks for once it has typeset
            found[name] = {**facts, "typeset": page.evaluate(MATH_TYPESET_JS), **seen}
    finally:
        context.close()
    return found


def test_every_page_loads_without_a_console_error_or_an_outside_request(visits):
    assert len(visits) >= len(LESSONS) + 2
    bad = {name: v["errors"] + v["outside"] for name, v in visits.items() if v["errors"] or v["outside"]}
    assert not bad, f"pages with console errors or requests outside file://: {bad}"


def test_every_internal_link_and_image_resolves(site, pages, visits):
    broken, checked = [], Counter()
    for name, visit in visits.items():
        for url in visit["links"]:
            parts = urlsplit(url)
            if parts.scheme != "file":
                continue  # a citation of a primary source, never fetched by the book itself
            target = Path(unquote(parts.path))
            relative = target.relative_to(site).as_posix() if target.is_relative_to(site) else None
            checked["links"] += 1
            if relative is None or not target.is_file():
                broken.append(f"{name}: link to {url}")
            elif parts.fragment and relative in pages and unquote(parts.fragment) not in pages[relative].ids:
                broken.append(f"{name}: no #{parts.fragment} in {relative}")
        for image in visit["images"]:
            checked["images"] += 1
            if not image["ok"] or not image["src"].startswith(site.as_uri()):
                broken.append(f"{name}: image {image['src']}")
    assert checked["links"] > len(pages) and checked["images"] >= len(LESSONS)
    assert not broken, "\n".join(broken)


def test_math_is_typeset_by_the_local_mathjax(visits, built_from):
    lessons_with_math = {_lesson_page(nb) for nb in built_from.values()
                         if any(c["cell_type"] == "markdown" and "$" in "".join(c["source"])
                                for c in json.loads(nb.read_text())["cells"])}
    with_math = {name for name, v in visits.items() if v["math"]}
    assert lessons_with_math <= with_math, f"math shown as text on {lessons_with_math - with_math}"
    untypeset = sorted(name for name in with_math if not visits[name]["typeset"])
    assert not untypeset, f"math left untypeset on {untypeset}"


def _prose_words(notebook: Path) -> Counter:
    """The words of a lesson's markdown prose (no code, math or link targets), by how often they appear."""
    text = " ".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]
                    if c["cell_type"] == "markdown")
    text = re.sub(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]*>|https?://\S+", " ", text,
                  flags=re.S)
    return Counter(w.lower() for w in re.findall(r"\b[A-Za-z]{7,}\b", text))


def _all_words(path: Path) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", path.read_text(errors="replace"))}


def _search(page, query: str) -> list[str]:
    """Type the query into the search box and press Enter; the links of the results once Sphinx is done."""
    page.fill("input[name=q]", query)
    with page.expect_navigation(url=re.compile(r"/search\.html\?q=")):
        page.press("input[name=q]", "Enter")
    page.wait_for_function("() => (document.querySelector('#search-results .search-summary') || {})"
                           ".innerText")
    return page.eval_on_selector_all("#search-results ul.search a", "els => els.map(a => a.href)")


def test_search_finds_each_lesson_by_a_word_of_it(site, browser, built_from):
    """Each lesson's rarest long prose word (found in the fewest other sources), typed into the search box."""
    lessons = list(built_from.values())
    others = {nb: _all_words(nb) for nb in lessons}
    others.update({p: _all_words(p) for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]})
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        page.goto((site / "index.html").as_uri())  # the sidebar's box, as a reader starts
        assert not _search(page, "qqzzxnotaword"), "a word in no page found pages"
        for notebook in lessons:
            words = _prose_words(notebook)
            assert words, f"{notebook.name} has no prose"
            word = min(words, key=lambda w: (sum(w in v for k, v in others.items() if k != notebook), w))
            found = _search(page, word)
            assert any(url.split("#")[0].endswith(_lesson_page(notebook)) for url in found), \
                f"searching {word!r} (a word of {notebook.name}) did not list it: {found}"
    finally:
        context.close()


def test_only_a_dropped_request_for_a_local_file_that_exists_is_not_an_error(tmp_path):
    class Request:
        def __init__(self, url, failure):
            self.url, self.failure = url, failure

    font = tmp_path / "font one.woff"
    font.write_bytes(b"woff")
    assert _aborted_by_the_page(Request(font.as_uri() + "?V=2.7.9", "net::ERR_ABORTED"))
    assert not _aborted_by_the_page(Request((tmp_path / "gone.woff").as_uri(), "net::ERR_ABORTED"))
    assert not _aborted_by_the_page(Request(font.as_uri(), "net::ERR_FILE_NOT_FOUND"))
    assert not _aborted_by_the_page(Request("https://cdn.example.org/font.woff", "net::ERR_ABORTED"))
