"""Build the lab's offline static book into build/site/ (`make site`, and tests/test_site.py).

Sphinx reads a staging folder, build/site-src/, made afresh each build from copies of README.md, the
notebooks, docs/ and this folder's index.md (copies, not links: MyST resolves a link from the file's real
place). The book's pages keep the repository's paths, so README's links to `notebooks/...` and `docs/...`
resolve as they do on GitHub. Nothing is written by hand, nothing is executed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "build" / "site"   # beside it: site-src/ (what Sphinx reads), site-doctrees/, jupyter_execute/
SOURCES = {"README.md": ROOT / "README.md", "index.md": HERE / "index.md", "docs": ROOT / "docs",
           "notebooks": ROOT / "notebooks"}
MARKER = ".hotcache-site"   # marks a folder as this script's: only such a folder is ever removed


def _skip(folder: str, names: list[str]) -> set[str]:
    """Not a page: checkpoints, nbval's sanitizer, a notebook that is not a lesson (lessons are NN_*)."""
    return {n for n in names if n in {".ipynb_checkpoints", "__pycache__"} or n.endswith(".cfg")
            or (n.endswith(".ipynb") and not n[:1].isdigit())}


def _fresh(folder: Path) -> Path:
    """An empty folder, marked; one this script made before is removed first, anything else refused."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise SystemExit(f"{folder} exists and was not made by tools/site/build.py: not touching it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).touch()
    return folder


def stage(folder: Path) -> Path:
    """The staging folder, made again from the current files (a removed notebook leaves no page)."""
    _fresh(folder)
    for name, source in SOURCES.items():
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=_skip)
        else:
            shutil.copy2(source, folder / name)
    return folder


def build(out: Path = OUT, quiet: bool = True) -> int:
    """Sphinx's exit status for a fresh build: warnings are errors, so a broken link fails the build."""
    # jsonschema, imported by nbformat, compiles rfc3987_syntax's grammars on import (seconds of CPU) for
    # the "iri" format, which no notebook schema uses: without the module it simply skips that check.
    sys.modules.setdefault("rfc3987_syntax", None)
    from sphinx.cmd.build import build_main

    _fresh(out)  # no page left over from a lesson since removed
    source = stage(out.with_name(out.name + "-src"))
    args = ["-b", "html", "-E", "-W", "--keep-going", "-c", str(HERE),
            "-d", str(out.with_name(out.name + "-doctrees")), str(source), str(out)]
    return build_main((["-q"] if quiet else []) + args)


def summary(out: Path = OUT) -> str:
    pages = [p for p in out.rglob("*.html") if "_static" not in p.parts]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return f"{len(pages)} pages, {size / 1e6:.1f} MB"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="the folder of the built site (build/site)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Sphinx's progress")
    options = parser.parse_args(argv)
    out = options.out.resolve()
    start = time.perf_counter()
    status = build(out, quiet=not options.verbose)
    if status == 0:
        seconds = time.perf_counter() - start
        print(f"site built in {seconds:.1f} s ({summary(out)}): open {out / 'index.html'} in a browser "
              "(search works from the file too)")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
