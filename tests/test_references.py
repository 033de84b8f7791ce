"""Cross-references name what exists; the README and docs point at nothing outside the repository.

Every "notebook NN" (and "notebooks NN and MM") in a notebook's prose, the README or docs/ names a
notebook in notebooks/; every "section N.N" names a numbered heading of the notebook the sentence is
about (the notebook named just before it, else the notebook it is written in); every relative link
resolves inside the repository; and the instructor guide's table of cells, live plots and exercises is
what the notebooks hold today.
"""

import json
import math
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = {p.stem[:2]: p for p in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "data" / "README.md"]

NOTEBOOK_REF = re.compile(r"\bnotebooks?\s+(\d\d(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*[-–]\s*)\d\d)*)", re.I)
SECTION_REF = re.compile(r"(?:\bsections?\s+|§\s*)(\d+(?:\.\d+)*)", re.I)
FILE_REF = re.compile(r"\b(\d\d_[a-z][a-z_]*[a-z])(?:\.ipynb)?\b")
CITED = re.compile(r"(\b[A-Z][A-Za-z]*'?\d\d|\bpaper|\bPEP \d+|\bRFC \d+)[,:]?\s*$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def markdown(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def sections(path: Path) -> set[str]:
    """The numbers of a notebook's headings: "## 4. What ..." gives "4", "### 4.6 ..." gives "4.6"."""
    found = set()
    for text in markdown(path):
        for line in text.splitlines():
            match = re.match(r"#+\s+(\d+(?:\.\d+)*)\.?\s", line)
            if match:
                found.add(match.group(1))
    return found


def texts():
    for number, path in NOTEBOOKS.items():
        for text in markdown(path):
            yield path.name, number, text
    for path in DOCS:
        yield path.name, None, path.read_text()


def problems() -> list[str]:
    found = []
    for where, own, text in texts():
        for match in NOTEBOOK_REF.finditer(text):
            for number in re.findall(r"\d\d", match.group(1)):
                if number not in NOTEBOOKS:
                    found.append(f"{where}: {match.group(0)!r} names no notebook {number}")
        for name in FILE_REF.findall(text):
            if name[:2] in NOTEBOOKS and NOTEBOOKS[name[:2]].stem != name:
                found.append(f"{where}: {name!r} is not a notebook's name ({NOTEBOOKS[name[:2]].stem})")
        for match in SECTION_REF.finditer(text):
            if CITED.search(text[max(0, match.start() - 24):match.start()]):
                continue  # a section of a paper, a PEP or an RFC, not of a notebook
            before = list(NOTEBOOK_REF.finditer(text[max(0, match.start() - 80):match.start()]))
            number = re.findall(r"\d\d", before[-1].group(1))[-1] if before else own
            if number is None or number not in NOTEBOOKS:
                found.append(f"{where}: {match.group(0)!r} does not say which notebook")
            elif match.group(1).rstrip(".") not in sections(NOTEBOOKS[number]):
                found.append(f"{where}: {match.group(0)!r}: {NOTEBOOKS[number].name} has no such section")
    return found


def test_every_notebook_and_section_reference_names_what_exists():
    assert problems() == []


def test_the_checker_catches_a_missing_notebook_and_a_missing_section(monkeypatch):
    fake = [("x.ipynb", "06", "See notebooks 12 and 11, and section 9.9, and notebook 04's section 7.1."),
            ("y.md", None, "As section 4.6 shows, 00_welcom is a typo (but NSDI'24, §7.2 is a paper's).")]
    monkeypatch.setattr(__import__(__name__), "texts", lambda: iter(fake))
    found = problems()
    assert any("no notebook 12" in p for p in found) and any("no notebook 11" in p for p in found)
    assert any("'section 9.9'" in p for p in found) and any("'section 7.1'" in p for p in found)
    assert any("does not say which notebook" in p for p in found)
    assert any("'00_welcom'" in p for p in found) and not any("7.2" in p for p in found)


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_docs_point_at_nothing_outside_the_repository(path):
    text = path.read_text()
    for target in LINK.findall(text):
        if re.match(r"[a-z]+://|#|mailto:", target):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(REPO), f"{path.name} links outside the repository: {target}"
        assert resolved.exists(), f"{path.name} links to a missing file: {target}"
    assert "../shared" not in text and "DESIGN.md" not in text, f"{path.name} names a file outside the repo"


def guide_row(path: Path) -> str:
    """The instructor guide's row for a notebook, computed from the notebook (see the guide's formula)."""
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    words = sum(len("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown")
    live = sum("plots.live(" in "".join(c["source"]) for c in code)
    exercises = sum(len(re.findall(r"\*\*Exercise \d+\b[^*]*\*\*", "".join(c["source"]))) for c in cells)
    if not exercises and any(re.search(r"^## \d+\. Exercise$", "".join(c["source"]), re.M) for c in cells):
        exercises = 1  # a lesson with a single exercise under its heading, as notebook 00
    minutes = 5 * math.ceil((words / 130 + 4 * live + 5 * exercises) / 5)
    return f"| {path.stem} | {len(cells)} ({len(code)}) | {live} | {exercises} | {minutes} |"


def test_the_instructor_guide_counts_what_the_notebooks_hold():
    guide = (REPO / "docs" / "instructor_guide.md").read_text()
    for path in NOTEBOOKS.values():
        row = guide_row(path)
        assert row in guide, f"instructor_guide.md: the row of {path.stem} should start {row}"
