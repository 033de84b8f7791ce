"""The notebooks in a real browser: JupyterLab started as `make lab` starts it, driven in Chromium.

Every notebook (notebooks/[0-9]*.ipynb) by default, as `make browser` runs it; `make test` sets
HOTCACHE_BROWSER_NOTEBOOKS=rotate, which runs 3 notebooks that change with the UTC day (all of them every
ceil(n / 3) days), and a list such as `HOTCACHE_BROWSER_NOTEBOOKS=00,06` runs those (see `selected`).

One JupyterLab server, started with `make lab`'s own command (read with `make -n lab`) plus a free port,
and one headless Chromium (Debian's /usr/bin/chromium, driven by the Playwright Python package; no browser
is ever downloaded) serve every notebook. For each notebook, in a fresh page:
open it, wait until its kernel is really ready, clear the stored outputs, Run All, wait until every code
cell has run, check that no cell shows a traceback and no widget failed to display, then move the first
slider of every live plot with the keyboard and check that its plot was redrawn (as many live plots as
the committed notebook displays). Each notebook has a time budget. Screenshots go to
build/screenshots/. The server runs with its own temporary Jupyter config, data and runtime dirs (nothing
of the user's is read or written), checkpoints in a temporary folder, autosave off (the committed
notebooks are never saved), and the news pop-up (the `announcements` plugin) disabled so it does not
cover the screenshots. Each notebook's kernel is shut down after its check, and the server at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): `apt-get install chromium`; "
                "CI installs it", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing")
psutil = pytest.importorskip("psutil", reason="psutil (an ipykernel dependency) is missing")

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
SCREENSHOTS = REPO / "build" / "screenshots"
NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9]*.ipynb"))  # the Makefile's $(NOTEBOOKS)
SELECTION_VARIABLE = "HOTCACHE_BROWSER_NOTEBOOKS"
ROTATING = 3  # notebooks a rotating run takes: never fewer

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 90      # s, until /api/status answers
KERNEL_READY_TIMEOUT = 90      # s, from opening the page until the kernel answers
RUN_ALL_TIMEOUT = 180          # s, for one notebook's Run All (each notebook runs in well under 30 s)
REDRAW_TIMEOUT = 60            # s, for a live plot to redraw after its slider moved
NOTEBOOK_BUDGET = 240          # s, for one notebook from opening it to its last redraw
ACTION_TIMEOUT_MS = 30_000     # Playwright's default for clicks and waits
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
EXECUTED_PROMPT = re.compile(r"\[\d+\]:")

# Marks every live plot on the page with its index (data-hc-liveplot="0", "1", ...) and returns how many:
# the nearest widget container around an Image widget that also holds a slider (`plots.LivePlot` is a
# VBox of controls above an Image widget).
FIND_LIVE_PLOTS_JS = """() => {
  document.querySelectorAll('[data-hc-liveplot]').forEach(e => e.removeAttribute('data-hc-liveplot'));
  let n = 0;
  for (const out of document.querySelectorAll('.jp-NotebookPanel img.widget-image')) {
    for (let box = out.parentElement; box; box = box.parentElement) {
      if (box.querySelector('.widget-slider .noUi-handle')) {
        if (!box.hasAttribute('data-hc-liveplot')) box.setAttribute('data-hc-liveplot', String(n++));
        break;
      }
      if (box.classList.contains('jp-OutputArea-output')) break;  // stay inside this one display
    }
  }
  return n;
}"""
# Live plot k shows a new image, fully loaded.
REDRAWN_JS = """k => { const img = document.querySelector(`[data-hc-liveplot="${k}"] img.widget-image`);
  return Boolean(img && img.complete && img.naturalWidth > 0 && img.src !== window.__hcBefore); }"""
# Every rendered output (also inside Output widgets) and every widget view that failed to display.
FIND_ERRORS_JS = """() => {
  const found = [];
  for (const o of document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')) {
    const text = o.textContent || '';
    const mime = o.getAttribute('data-mime-type') || '';
    if (text.includes('Error displaying widget')) found.push('widget: ' + text.slice(0, 300));
    else if (mime.includes('error') || (mime.endsWith('stderr') && text.includes('Traceback')))
      found.push(text.slice(0, 1500));
  }
  return found;
}"""


@dataclass
class Lab:
    url: str
    token: str
    process: subprocess.Popen
    log: Path
    seen: set = field(default_factory=set)  # every process ever seen under the server (kernels)

    def watch(self) -> None:
        try:
            self.seen.update(psutil.Process(self.process.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            pass

    def api(self, method: str, path: str, timeout: float = 15):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def sessions(self) -> list[dict]:
        return self.api("GET", "/api/sessions")

    def stop_session(self, path: str) -> None:
        """Shut the notebook's kernel down (a closed tab leaves it running) and check it is gone."""
        kernel_ids = []
        for session in self.sessions():
            if session["path"] == path:
                kernel_ids.append(session["kernel"]["id"])
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        running = {k["id"] for k in self.api("GET", "/api/kernels")}
        assert not running & set(kernel_ids), f"the kernel of {path} is still running after DELETE"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log: Path, n: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-n:]) if log.exists() else "(no log)"


def _make_lab_command() -> list[str]:
    """`make lab`'s own command (printed by `make -n lab`, run by nobody), or the same flags typed in."""
    jupyter = Path(sys.executable).with_name("jupyter")  # this venv's, wherever the Makefile's lives
    if shutil.which("make"):
        dry_run = subprocess.run(["make", "-n", "lab"], cwd=REPO, capture_output=True, text=True, timeout=60)
        lines = [line for line in dry_run.stdout.replace("\\\n", " ").splitlines() if "jupyter lab" in line]
        if dry_run.returncode == 0 and len(lines) == 1:
            command = shlex.split(lines[0])
            if Path(command[0]).name == "jupyter" and jupyter.exists():
                command[0] = str(jupyter)
            return command
    command = [str(jupyter), "lab"] if jupyter.exists() else [sys.executable, "-m", "jupyterlab"]
    command += ["--ip=127.0.0.1", "--no-browser", "--ServerApp.root_dir=notebooks"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    return command


def _jupyter_lab_command(port: int, checkpoints: Path) -> list[str]:
    command = _make_lab_command()
    roots = [arg.split("=", 1)[1] for arg in command if arg.startswith("--ServerApp.root_dir=")]
    assert roots and (REPO / roots[-1]).resolve() == NOTEBOOK_DIR, f"`make lab` serves elsewhere: {command}"
    return command + [  # then what a test needs
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--FileCheckpoints.checkpoint_dir={checkpoints}",  # absolute: nothing lands in notebooks/
    ]


def _isolated_env(home: Path, token: str) -> dict[str, str]:
    env = dict(os.environ)
    dirs = {name: home / name.lower() for name in
            ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")}
    for name, path in dirs.items():
        path.mkdir(parents=True)
        env[name] = str(path)
    env["JUPYTER_TOKEN"] = token  # the known token, kept off the command line
    env.setdefault("PYTHONHASHSEED", "0")  # as the Makefile exports it
    env.pop("REDIS_URL", None)  # the notebooks' default: an embedded Redis the kernel owns
    config = dirs["JUPYTER_CONFIG_DIR"]
    # The same file `jupyter labextension disable <plugin>` writes: no news pop-up over the screenshots.
    (config / "labconfig").mkdir()
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {ANNOUNCEMENTS: True}}))
    # Autosave off: Run All makes the notebook dirty, and the committed notebook must stay as it is.
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    return env


def _stop_server(process: subprocess.Popen, lab: Lab | None) -> list[str]:
    """Shut the server down through its API, then by process group; return what was left running."""
    try:
        watched = set(psutil.Process(process.pid).children(recursive=True))
    except psutil.NoSuchProcess:
        watched = set()
    if lab is not None:
        watched |= lab.seen
    if lab is not None and process.poll() is None:
        try:
            for session in lab.sessions():
                lab.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
            lab.api("POST", "/api/shutdown")
        except (OSError, urllib.error.URLError):
            pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
                process.wait(timeout=wait)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
    _, alive = psutil.wait_procs(watched, timeout=15)
    left = [f"{p.pid} {p.name()}" for p in alive if p.is_running()]
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    return left


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("jupyterlab")
    token = secrets.token_hex(24)
    port = _free_port()
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(_jupyter_lab_command(port, home / "checkpoints"), cwd=REPO,
                                   env=_isolated_env(home, token), stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, process, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                if "started" in server.api("GET", "/api/status", timeout=5):
                    break
            except (OSError, urllib.error.URLError, json.JSONDecodeError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer /api/status in {SERVER_START_TIMEOUT} s:\n"
                            f"{_log_tail(log)}")
            time.sleep(0.5)
    except BaseException:
        _stop_server(process, None)
        raise
    yield server
    left = _stop_server(process, server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "jupyterlab-server.log").write_text(log.read_text(errors="replace"))
    assert process.returncode is not None, "the JupyterLab server is still running"
    assert not left, f"processes left running after the server stopped: {left}"
    saves = [line for line in log.read_text(errors="replace").splitlines() if "Saving file at" in line]
    assert not saves, f"the browser test saved a notebook: {saves}"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


def _poll(probe, timeout: float, what: str, interval: float = 0.25):
    """Call probe() until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _menu(page, menu: str, item: str) -> None:
    page.locator(f".lm-MenuBar-itemLabel:text-is('{menu}')").click()
    page.locator(f".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel:text-is('{item}')").click()


def _prompts(page) -> list[str]:
    # textContent, not innerText: cells scrolled out of view (content-visibility) still report theirs.
    return [p.strip() for p in page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt")
            .all_text_contents()]


def _wait_kernel_ready(page) -> None:
    """The debugger button turns enabled once the kernel has answered kernel_info: really ready.

    The execution indicator alone says "idle" before any kernel is connected, and Run All then does nothing.
    """
    bug = page.locator(".jp-NotebookPanel-toolbar .jp-DebuggerBugButton[aria-disabled='false']")
    dialog = page.locator(".jp-Dialog")

    def ready():
        if dialog.count():
            pytest.fail(f"a dialog opened instead of the kernel: {dialog.first.inner_text()[:300]!r}")
        return bug.count() > 0

    _poll(ready, KERNEL_READY_TIMEOUT, "the kernel (an enabled debugger button in the notebook toolbar)")


def _run_all(page, n_code: int) -> None:
    """Clear the stored outputs, Run All, and wait until every code cell has run and the kernel is idle."""
    _menu(page, "Edit", "Clear Outputs of All Cells")
    _poll(lambda: _prompts(page) == ["[ ]:"] * n_code, 15, "the stored outputs to be cleared")
    for _attempt in range(2):  # Run All that lands before the kernel is ready does nothing: retry once
        _menu(page, "Run", "Run All Cells")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _prompts(page) == ["[ ]:"] * n_code:
            time.sleep(0.2)
        if _prompts(page) != ["[ ]:"] * n_code:
            break
    else:
        pytest.fail("Run → Run All Cells started no cell, twice")
    indicator = page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")

    def finished():
        return "[*]:" not in _prompts(page) and indicator.get_attribute("data-status") == "idle"

    _poll(finished, RUN_ALL_TIMEOUT, "Run All to finish (no [*] prompt left and the kernel idle)", 0.5)
    time.sleep(0.5)  # let the widget views that the last cells displayed render
    _poll(finished, 30, "the kernel to stay idle")


def _errors(page) -> list[str]:
    return page.evaluate(FIND_ERRORS_JS)


def _move_slider_and_check_redraw(page, name: str, k: int) -> None:
    """Move live plot k's first slider by keyboard (End, or Home if at the end); wait for a new image."""
    box = page.locator(f"[data-hc-liveplot='{k}']")
    box.scroll_into_view_if_needed()
    image = box.locator("img.widget-image").first
    image.wait_for(state="visible")
    page.evaluate("k => { window.__hcBefore = "
                  "document.querySelector(`[data-hc-liveplot='${k}'] img.widget-image`).src; }", k)
    box.screenshot(path=SCREENSHOTS / f"{name}-2-plot{k}-before.png")
    handle = box.locator(".widget-slider .noUi-handle").first
    start = handle.get_attribute("aria-valuenow")
    handle.focus()
    page.keyboard.press("End")
    if handle.get_attribute("aria-valuenow") == start:  # the slider stood at its maximum already
        page.keyboard.press("Home")
    moved = handle.get_attribute("aria-valuenow")
    assert moved != start, f"{name}: the keyboard did not move live plot {k}'s slider (value {start})"
    indicator = page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")
    # Until the new image is in, or the redraw failed (its traceback replaces the figure).
    _poll(lambda: page.evaluate(REDRAWN_JS, k) or _errors(page), REDRAW_TIMEOUT, f"live plot {k} to redraw")
    _poll(lambda: indicator.get_attribute("data-status") == "idle", REDRAW_TIMEOUT, "the redraw to finish")
    box.screenshot(path=SCREENSHOTS / f"{name}-3-plot{k}-after-slider-{start}-to-{moved}.png")
    errors = _errors(page)
    assert not errors, f"{name}: after moving live plot {k}'s slider from {start} to {moved}:\n" + \
        "\n---\n".join(errors)
    assert page.evaluate(REDRAWN_JS, k), f"{name}: live plot {k} did not change after its slider moved"


def committed_live_plots(notebook: dict) -> int:
    """How many live plots the committed outputs display: views of a box holding an Image and a slider."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})

    def is_live_plot(model_id: str) -> bool:
        children = [ref.removeprefix("IPY_MODEL_") for ref in
                    state.get(model_id, {}).get("state", {}).get("children", [])]
        names = [state.get(child, {}).get("model_name", "") for child in children]
        return "ImageModel" in names and any(n.endswith("SliderModel") for n in names)

    return sum(is_live_plot(output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"])
               for cell in notebook["cells"] if cell["cell_type"] == "code"
               for output in cell.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in output.get("data", {}))


def selected(names: list[str], spec: str, today=None) -> list[str]:
    """The notebooks a run takes: `all`; `rotate` (or `rotate:N`, N >= 3): N consecutive notebooks, wrapping
    round, starting at (day number * N) mod the count, so all are run every ceil(count / N) days; or a
    comma-separated list of names or their number prefixes (`00,06`)."""
    spec = spec.strip()
    if spec in ("", "all"):
        return list(names)
    if spec == "rotate" or spec.startswith("rotate:"):
        size = spec.partition(":")[2] or str(ROTATING)
        if not size.isdigit() or int(size) < ROTATING:
            raise ValueError(f"{SELECTION_VARIABLE}={spec!r}: rotate:N needs a whole N >= {ROTATING}")
        size = min(int(size), len(names))
        day = (today or datetime.now(UTC).date()).toordinal()
        first = (day * size) % len(names) if names else 0
        return [names[(first + i) % len(names)] for i in range(size)]
    chosen = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        matches = [n for n in names if n == part or n.startswith(part + "_")]
        if len(matches) != 1:
            raise ValueError(f"{SELECTION_VARIABLE}={spec!r}: {part!r} names {len(matches)} "
                             f"notebooks of {names}")
        chosen += [m for m in matches if m not in chosen]
    return chosen


SELECTED = selected(NOTEBOOKS, os.environ.get(SELECTION_VARIABLE, "all"))


@pytest.mark.parametrize("name", SELECTED)
def test_notebook_runs_and_its_live_plots_redraw_in_jupyterlab(name, lab, browser):
    started = time.monotonic()
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    n_code = sum(cell["cell_type"] == "code" for cell in cells)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    lab.stop_session(path.name)  # a fresh kernel, whatever ran before
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        # A workspace of its own, so JupyterLab restores no tab of an earlier page.
        page.goto(f"{lab.url}/lab/workspaces/test-{name}/tree/{path.name}?token={lab.token}",
                  timeout=60_000)
        _wait_kernel_ready(page)
        assert page.locator(".jp-NotebookPanel").count() == 1, "more than one notebook opened"
        # JupyterLab attaches the cells out of view a little later (windowing mode "contentVisibility").
        code_cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
        _poll(lambda: code_cells.count() == n_code, 30, f"the page to show all {n_code} code cells")
        lab.watch()
        _run_all(page, n_code)
        page.screenshot(path=SCREENSHOTS / f"{name}-1-after-run-all.png")
        errors = _errors(page)
        assert not errors, f"{name}: after Run All:\n" + "\n---\n".join(errors)
        prompts = _prompts(page)
        not_run = [i for i, p in enumerate(prompts) if not EXECUTED_PROMPT.fullmatch(p)]
        assert not not_run, f"{name}: code cells {not_run} (counted from 0) did not run: {prompts}"
        expected = committed_live_plots(notebook)
        found = page.evaluate(FIND_LIVE_PLOTS_JS)
        assert found == expected, (f"{name}: {found} live plots on the page (a widget box holding a slider "
                                   f"and an image), the committed notebook displays {expected}")
        for k in range(found):
            _move_slider_and_check_redraw(page, name, k)
        assert not page_errors, f"{name}: uncaught errors in the page: {page_errors}"
    except BaseException:
        try:
            page.screenshot(path=SCREENSHOTS / f"{name}-failure.png")
        except Exception:  # noqa: BLE001 - the screenshot is a courtesy; report the original failure
            pass
        raise
    finally:
        context.close()
        lab.stop_session(path.name)
    elapsed = time.monotonic() - started
    assert elapsed < NOTEBOOK_BUDGET, f"{name} took {elapsed:.0f} s in JupyterLab, over {NOTEBOOK_BUDGET} s"


def test_selection_runs_all_or_a_rotating_three_or_the_named_ones():
    names = [f"{i:02d}_n" for i in range(10)]
    assert selected(names, "all") == names
    days = [date.fromordinal(739_000 + d) for d in range(4)]
    picks = [selected(names, "rotate", day) for day in days]
    assert all(len(p) == ROTATING and len(set(p)) == ROTATING for p in picks)
    assert set().union(*picks) == set(names), "four days of rotation leave a notebook out"
    assert picks[0] != picks[1]
    assert len(selected(names, "rotate:5", days[0])) == 5 and len(selected(names[:2], "rotate")) == 2
    assert selected(names, "03,00_n") == ["03_n", "00_n"]
    for bad in ("rotate:2", "rotate:x", "11", "0"):
        with pytest.raises(ValueError, match=SELECTION_VARIABLE):
            selected(names, bad)


def test_committed_live_plots_counts_boxes_with_an_image_and_a_slider():
    state = {"box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_i"]}},
             "text": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s"]}},
             "s": {"model_name": "IntSliderModel", "state": {}},
             "i": {"model_name": "ImageModel", "state": {}}}
    view = "application/vnd.jupyter.widget-view+json"
    notebook = {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": state}}},
                "cells": [{"cell_type": "code", "outputs": [{"data": {view: {"model_id": m}}}]}
                          for m in ("box", "text", "box")] + [{"cell_type": "markdown"}]}
    assert committed_live_plots(notebook) == 2


def test_error_detector_sees_a_traceback_and_a_broken_widget_but_not_a_warning(browser):
    """The checks above can fail: JupyterLab 4.6's markup for an exception and for a widget that did not
    display (copied from a real run) is found, a plain stderr line is not."""
    page = browser.new_page()
    try:
        page.set_content("""<div class="jp-NotebookPanel">
          <div class="lm-Widget jp-RenderedText jp-mod-trusted jp-OutputArea-output"
               data-mime-type="application/vnd.jupyter.stderr"><pre>ZeroDivisionError   Traceback
               (most recent call last)</pre></div>
          <div class="lm-Widget lm-Panel jp-OutputArea-output jupyter-widgets">Error displaying widget: model
               not found</div>
          <div class="lm-Widget jp-RenderedText jp-mod-trusted jp-OutputArea-output"
               data-mime-type="application/vnd.jupyter.stderr"><pre>UserWarning: a warning</pre></div>
        </div>""")
        found = page.evaluate(FIND_ERRORS_JS)
    finally:
        page.close()
    assert len(found) == 2, found
    assert "ZeroDivisionError" in found[0] and found[1].startswith("widget: Error displaying widget")
