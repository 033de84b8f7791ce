"""What the re-record scripts beside this file share: a fixed hash seed, their two options, and the
--check that compares a fresh recording with the committed trace."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments(description: str, out: Path) -> argparse.Namespace:
    """--out and --check, parsed in a process whose PYTHONHASHSEED is 0 (this one is replaced if not:
    set and dict orders in the recorded code must not vary), with the repository on sys.path."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--check", action="store_true", help="compare the keys with the committed trace")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    return args


def exit_if_checked(args: argparse.Namespace, keys) -> None:
    """With --check: say whether `keys` are the committed trace's, and exit 0 if so, 1 if not."""
    if not args.check:
        return
    from hotcache_lab.workloads import read_trace

    committed = read_trace(args.out)
    same = len(committed) == len(keys) and bool((committed == keys).all())
    print(f"re-recorded {len(keys)} requests; committed {len(committed)}; identical keys: {same}")
    sys.exit(0 if same else 1)
