"""The house rules of docs/architecture.md, checked on the source: layers, sizes, draw purity, old paths."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hotcache_lab"

#: a module may import its own package and any package of a lower rank, never a higher or equal one
RANK = {
    "_check": 0,
    "workloads": 1, "measure": 1,
    "caches": 2,
    "memo": 3,
    "sim": 4, "concurrency": 4, "expiry": 4, "invalidation": 4, "record": 4,
    "distributed": 5, "analyze": 5,
    "plots": 6,
    "lessons": 7,
}
EXEMPT = {"__init__", "_moved", "__main__"}  # the package's front door and its old-path finder
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
GUI = ("matplotlib", "ipywidgets", "IPython")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _concept(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    parts = ["hotcache_lab", *path.relative_to(PACKAGE).with_suffix("").parts]
    package = parts[:-1] if path.name != "__init__.py" else parts[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                if not node.module:  # from . import x, y: each name is a module
                    found += [(node.lineno, f"{name}.{a.name}") for a in node.names]
                    continue
            else:
                name = node.module
            found.append((node.lineno, name))
    return found


MODULES = _modules()
IDS = [str(p.relative_to(PACKAGE)) for p in MODULES]


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_imports_run_one_way(path):
    here = _concept(path)
    if here in EXEMPT:
        return
    for line, name in _imported(path):
        parts = name.split(".")
        if parts[0] in GUI:
            assert here == "plots", f"{path.name}:{line} imports {name}: only plots/ draws"
        if parts[0] != "hotcache_lab" or len(parts) < 2:
            continue
        there = parts[1]
        assert there not in EXEMPT - {"__init__"} and there != "memoize", f"{path.name}:{line} imports {name}"
        assert there in RANK, f"{path.name}:{line} imports {name}: not a concept of docs/architecture.md"
        if there != here:
            assert RANK[there] < RANK[here], (
                f"{path.relative_to(PACKAGE)}:{line} imports {name}: {here} (rank {RANK[here]}) may only "
                f"import packages below it, and {there} has rank {RANK[there]}")


def test_every_module_sits_in_a_concept():
    for path in MODULES:
        concept = _concept(path)
        assert concept in RANK or concept in EXEMPT, f"{path.relative_to(PACKAGE)} belongs to no concept"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_modules_and_functions_stay_short(path):
    source = path.read_text()
    assert source.count("\n") <= MAX_MODULE_LINES, f"{path.name} has {source.count(chr(10))} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}:{node.lineno} {node.name} has {length} lines"


def test_draw_functions_live_in_plots():
    for path in MODULES:
        if _concept(path) == "plots":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                assert not node.name.startswith("draw"), f"{path.relative_to(PACKAGE)}: {node.name} draws"


#: what the live-plot machinery may use below plots: the lab's own cache (a live plot caches compute's
#: result and image by the controls' values) and measure.MEASURED (which fields hold measurements)
LIVE_PLOT_MODULES = {"sliders.py": ("caches",), "probe.py": ("measure",)}


def test_plots_draw_and_compute_nothing():
    """A draw function imports nothing of the lab below plots but what it needs to name things."""
    for path in (PACKAGE / "plots").glob("*.py"):
        allowed = ("plots", "_check", *LIVE_PLOT_MODULES.get(path.name, ()))
        for line, name in _imported(path):
            parts = name.split(".")
            if parts[0] == "hotcache_lab" and len(parts) > 1:
                assert parts[1] in allowed, f"plots/{path.name}:{line} imports {name}"


def test_nothing_imports_lessons_but_notebooks():
    for path in MODULES:
        if _concept(path) == "lessons":
            continue
        for line, name in _imported(path):
            assert not name.startswith("hotcache_lab.lessons"), f"{path.name}:{line} imports {name}"


def test_only_plots_imports_gui_libraries_when_the_package_loads():
    """Importing every concept but plots and lessons loads neither matplotlib nor ipywidgets."""
    concepts = [c for c in RANK if c not in ("plots", "lessons", "_check")]
    code = ("import sys, hotcache_lab\n"
            + "".join(f"import hotcache_lab.{c}\n" for c in concepts)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_old_import_paths_give_the_same_objects():
    from hotcache_lab import _moved

    for old in _moved.MOVED:
        module = importlib.import_module(f"hotcache_lab.{old}")
        homes = _moved.new_homes(old)
        if len(homes) == 1:
            assert module is importlib.import_module(homes[0]), old
        else:  # a split module: each of its names is found in one of its homes, as the same object
            names = [n for n in dir(module) if not n.startswith("__")]
            assert names, old
            for name in names:
                assert any(getattr(importlib.import_module(h), name, None) is getattr(module, name)
                           for h in homes), f"hotcache_lab.{old}.{name}"
    from hotcache_lab.backends import RedisCache
    from hotcache_lab.backends.codecs import JsonCodec

    from hotcache_lab.distributed import RedisCache as New
    from hotcache_lab.distributed.codecs import JsonCodec as NewCodec

    assert RedisCache is New and JsonCodec is NewCodec


def test_the_public_contract_imports():
    from hotcache_lab.memoize import make_key

    import hotcache_lab
    from hotcache_lab import caches, memoize, simulate, workloads

    assert callable(memoize) and hotcache_lab.memoize is memoize  # the decorator, not a module
    assert callable(make_key) and callable(simulate.hit_ratio) and callable(workloads.zipf)
    for name in ("LRUCache", "FIFOCache", "LFUCache", "RRCache", "TTLCache", "UnboundedCache",
                 "SIEVECache", "S3FIFOCache"):
        assert isinstance(getattr(caches, name), type)
    assert hotcache_lab.memoize is memoize  # importing the old module path did not rebind it


def test_unknown_old_name_is_an_attribute_error():
    import hotcache_lab

    with pytest.raises(AttributeError, match="no_such_thing"):
        hotcache_lab.no_such_thing  # noqa: B018


CONTRACT_NAMES = {"simulate", "backends"}  # old names that stay the public contract's spelling


def _prose_and_code() -> list[tuple[str, str]]:
    import json

    texts = [(p.name, "".join(c["source"])) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
             for c in json.loads(p.read_text())["cells"]]
    texts += [(p.name, p.read_text()) for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]]
    return texts


def test_notebooks_and_docs_name_modules_by_their_new_homes():
    """A file path or dotted name in a notebook or a doc exists, and is not an old path kept for old code."""
    import re

    from hotcache_lab import _moved

    for where, text in _prose_and_code():
        for path in re.findall(r"hotcache_lab/[\w/]+\.py", text):
            assert (ROOT / path).is_file(), f"{where} names {path}, which does not exist"
        for dotted in re.findall(r"hotcache_lab((?:\.[A-Za-z_]\w*)+)", text):
            parts = dotted.lstrip(".").split(".")
            if parts[0] == "memoize" and len(parts) == 1:
                continue  # the decorator
            if where != "architecture.md" and parts[0] not in CONTRACT_NAMES:  # it lists the old paths
                assert not _moved.new_homes(parts[0]), f"{where} names hotcache_lab{dotted}: an old path"
            module, attrs = _resolve(parts)
            assert module is not None, f"{where} names hotcache_lab{dotted}, which does not import"
            obj = module
            for attr in attrs:
                obj = getattr(obj, attr, None)
                assert obj is not None, f"{where} names hotcache_lab{dotted}: no {attr}"


def _resolve(parts: list[str]):
    for i in range(len(parts), 0, -1):
        try:
            return importlib.import_module("hotcache_lab." + ".".join(parts[:i])), parts[i:]
        except ImportError:
            continue
    return None, parts
