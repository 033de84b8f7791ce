"""environment.yml and pyproject.toml list the same packages."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"redis-py": "redis", "memory_profiler": "memory-profiler"}  # conda-forge name -> PyPI name
NOT_PYTHON_PACKAGES = {"python", "pip", "memcached"}  # the interpreter, the installer, a server


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(d) for d in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(d) for d in extra}

    listed = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("\ndependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+- (?!pip:)(\S.*)$", line)
        if not m or m.group(1).startswith("-e"):
            continue
        raw = re.split(r"[<>=!~ ]", m.group(1), maxsplit=1)[0]
        listed.add(CONDA_NAMES.get(raw, raw).lower().replace("_", "-"))
    listed -= NOT_PYTHON_PACKAGES
    assert listed == wanted, (
        f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}")
