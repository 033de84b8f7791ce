"""A pytest plugin for `make nbval`: one more item after each notebook's last cell, run in the same
kernel, that moves every control of every live plot the notebook made and checks that the cached
answer and the image shown are what a fresh computation and a fresh layout give (plots.probe).

The notebook then runs once for both checks, instead of once under nbval and again for the probe.
Loaded with `-p tests.nbval_live_plots` (the Makefile's nbval target).
"""

from collections import defaultdict

import nbformat
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

PROBE = "from hotcache_lab.plots import probe as _probe\n_probe.check_all()"


def _collect_then_probe(notebook: IPyNbFile):
    collect = notebook.collect

    def collect_with_probe():
        cells = list(collect())
        probe = nbformat.v4.new_code_cell(PROBE)
        cells.append(IPyNbCell.from_parent(notebook, name="every live plot's controls", cell_num=len(cells),
                                           cell=probe, options=defaultdict(bool, check=False)))
        return cells

    return collect_with_probe


@pytest.hookimpl(hookwrapper=True)
def pytest_collect_file(file_path, parent):
    outcome = yield
    for node in outcome.get_result() or []:
        if isinstance(node, IPyNbFile):
            node.collect = _collect_then_probe(node)
