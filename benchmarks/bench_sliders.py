"""How long does a slider move take? Every control of every live plot, in a real kernel.

Each notebook runs top to bottom in a fresh kernel (as `make notebooks` runs it); then, in that same
kernel, `hotcache_lab.plots.probe` moves every slider, dropdown and toggle of every live plot to two
other values and back, timing each move (from setting the value to the new image shown: the
synchronous callback a browser waits for) and a bare redraw of the same figure with nothing
recomputed. It prints per notebook the median and the slowest move, and the median ratio of a move to
the bare redraw (1.0: the move costs no more than matplotlib's own floor). A move back to a value seen
before is a cache hit, as it is when a student drags a slider back.

Budgets on the lab's 2-core machine: every move <= 300 ms, each notebook's median move <= 150 ms, each
notebook's median ratio <= 1.5. The absolute figures vary with the machine's load; the ratio much less.

    python benchmarks/bench_sliders.py                      # every notebook
    python benchmarks/bench_sliders.py notebooks/04_*.ipynb --json build/sliders.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from hotcache_lab.plots import probe

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
BUDGET_MOVE_MS, BUDGET_MEDIAN_MS, BUDGET_RATIO = 300.0, 150.0, 1.5


def summarize(name: str, plots: list[dict]) -> dict:
    """Per notebook: median and slowest move, which control was slowest, the median move/redraw ratio."""
    moves, ratios, slowest, wrong = [], [], (0.0, ""), []
    for plot in plots:
        for control in plot["controls"]:
            label = f"{plot['compute']}:{control['control']}"
            for move, bare in zip(control["moves_ms"], control["bare_redraw_ms"], strict=True):
                moves.append(move)
                ratios.append(move / bare)
                slowest = max(slowest, (move, label))
            if not (control["same"] and control["drawn_same"]):
                wrong.append(label)
    if not moves:
        return {"notebook": name, "moves": 0}
    return {"notebook": name, "moves": len(moves), "median_ms": statistics.median(moves),
            "slowest_ms": slowest[0], "slowest": slowest[1], "median_ratio": statistics.median(ratios),
            "cache_wrong": wrong}


def within_budget(row: dict) -> bool:
    return row["moves"] == 0 or (row["slowest_ms"] <= BUDGET_MOVE_MS and row["median_ms"] <= BUDGET_MEDIAN_MS
                                 and row["median_ratio"] <= BUDGET_RATIO and not row["cache_wrong"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
    parser.add_argument("--json", type=Path, help="also write every timing to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a notebook misses a budget")
    args = parser.parse_args()

    rows, raw = [], {}
    print(f"{'notebook':32} {'moves':>5} {'median ms':>9} {'slowest ms':>10} {'ratio':>6}  slowest control")
    for path in args.notebooks:
        plots = probe.run_and_probe(str(path))
        raw[path.stem] = plots
        row = summarize(path.stem, plots)
        rows.append(row)
        if row["moves"] == 0:
            print(f"{path.stem:32} {0:>5}  (no live plot)")
            continue
        flag = "" if within_budget(row) else "  OVER BUDGET"
        wrong = f"  CACHE WRONG: {row['cache_wrong']}" if row["cache_wrong"] else ""
        print(f"{path.stem:32} {row['moves']:>5} {row['median_ms']:>9.0f} {row['slowest_ms']:>10.0f} "
              f"{row['median_ratio']:>6.2f}  {row['slowest']}{flag}{wrong}", flush=True)
    print(f"budgets: every move <= {BUDGET_MOVE_MS:.0f} ms, median <= {BUDGET_MEDIAN_MS:.0f} ms, "
          f"median ratio <= {BUDGET_RATIO}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "raw": raw}, indent=1))
    return 1 if args.strict and not all(map(within_budget, rows)) else 0


if __name__ == "__main__":
    sys.exit(main())
