"""A Sphinx extension that readies each lesson for the static book, in memory, as Sphinx reads it.

The notebook files are never changed. A live plot's output is an ipywidgets view, which only a running
kernel can draw; the notebook's saved widget state holds the PNG the plot last showed, so the book shows
that PNG and says which controls move it in JupyterLab. Every lesson gets a note on its live parts under
its title. The widget state is then dropped: with nothing left for a widget manager, none is loaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
LAB_HINT = "sliders run in JupyterLab: `make lab`"


def _model_ids(state: dict, model_id: str) -> list[str]:
    """The model and every model below it (a VBox's children, theirs, ...), depth first."""
    found, todo = [], [model_id]
    while todo:
        current = todo.pop(0)
        if current in found or current not in state:
            continue
        found.append(current)
        children = state[current].get("state", {}).get("children", [])
        todo.extend(c.removeprefix("IPY_MODEL_") for c in children if isinstance(c, str))
    return found


def _stored_png(state: dict, model_ids: list[str]) -> str | None:
    """The base64 PNG of the first Image widget among the models, as the kernel last sent it."""
    for mid in model_ids:
        model = state[mid]
        if model.get("model_name") != "ImageModel" or model.get("state", {}).get("format") != "png":
            continue
        for buffer in model.get("buffers", []):
            if buffer.get("path") == ["value"] and buffer.get("encoding") == "base64":
                return buffer["data"]
    return None


def _control_names(state: dict, model_ids: list[str]) -> list[str]:
    names = []
    for mid in model_ids:
        model = state[mid]
        description = model.get("state", {}).get("description")
        if description and model.get("model_name") != "ImageModel":
            names.append(description)
    return names


def _markdown_cell(text: str, cell_id: str, with_id: bool) -> dict:
    """A new markdown cell; cell ids exist from nbformat 4.5 on, and only there."""
    return {"cell_type": "markdown", "metadata": {}, "source": text, **({"id": cell_id} if with_id else {})}


def _static_view(output: dict, state: dict) -> tuple[dict, list[str]]:
    """The widget-view output replaced by its stored PNG (or a plain note), and the names of its controls."""
    ids = _model_ids(state, output["data"][WIDGET_VIEW].get("model_id", ""))
    png, controls = _stored_png(state, ids), _control_names(state, ids)
    data = {"text/plain": "[a live plot: it runs in JupyterLab, `make lab`]"}
    if png:
        data = {"image/png": png, "text/plain": "[the live plot as it was last drawn]"}
    return {"output_type": "display_data", "data": data, "metadata": {}}, controls


def prepare(notebook: dict, path: str) -> tuple[dict, int]:
    """The notebook as the book shows it (a new dict), and how many live plots it has."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    cells, live = [], 0
    with_ids = (notebook.get("nbformat", 4), notebook.get("nbformat_minor", 0)) >= (4, 5)
    for cell in notebook.get("cells", []):
        outputs, notes = [], []
        for output in cell.get("outputs", []):
            if WIDGET_VIEW not in output.get("data", {}):
                outputs.append(output)
                continue
            static, controls = _static_view(output, state)
            outputs.append(static)
            live += 1
            moved_by = f" ({', '.join(controls)})" if controls else ""
            notes.append(f"*Live plot {live}: this is the picture the notebook stored; its "
                         f"controls{moved_by} move it in JupyterLab: `make lab`.*")
        cells.append({**cell, "outputs": outputs} if "outputs" in cell else cell)
        cells += [_markdown_cell(text, f"hc-site-live-{live}-{i}", with_ids) for i, text in enumerate(notes)]
    live_parts = f"Its {live} live plot{'s' if live != 1 else ''} and its" if live else "Its"
    note = (f":::{{note}}\nThe lesson as committed in `{path}`: its code, printed results and figures, "
            f"nothing re-run. {live_parts} self-checking exercises need a kernel: {LAB_HINT}, "
            f"then open `{path}`.\n:::")
    cells.insert(min(1, len(cells)), _markdown_cell(note, "hc-site-lesson-note", with_ids))
    metadata = {k: v for k, v in notebook.get("metadata", {}).items() if k != "widgets"}
    return {**notebook, "metadata": metadata, "cells": cells}, live


def _on_source_read(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".ipynb":
        relative = f"{docname}.ipynb"
        source[0] = json.dumps(prepare(json.loads(source[0]), relative)[0])


def _copy_mathjax(app, exception) -> None:
    """MathJax 2 from the jupyter-server-mathjax wheel into _static/mathjax (conf.py's mathjax_path)."""
    if exception is not None or app.builder.format != "html":
        return
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("localization", "SVG", "a11y"))


def setup(app):
    app.connect("source-read", _on_source_read)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
