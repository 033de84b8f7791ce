"""Command line: `python -m hotcache_lab analyze TRACE [--format text|csv|oracle] [--key-column NAME]
[--memory-budget 256MB] [--hit-cost 0.1us] [--out report.html] [--quiet]`.

Prints the sizing report (`hotcache_lab.analyze`) and, with --out, writes it as one self-contained
HTML page with its figures inline. Bad input (a missing, empty or malformed file, the wrong format,
a missing CSV column, a bad option) prints one line naming the file and line and exits with status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:e-?[0-9]+)?)\s*(s|ms|us|µs|ns)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"a duration like 0.1us, 50ns or 2ms, got {text!r}")
    return float(match.group(1)) * _TIME_UNITS[match.group(2)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hotcache_lab", description="hotcache-lab tools")
    commands = parser.add_subparsers(dest="command", required=True)
    an = commands.add_parser("analyze", help="a cache sizing report for a trace file",
                             description="Print a cache sizing report for TRACE; --out also writes HTML.")
    an.add_argument("trace", type=Path, help="the trace file")
    an.add_argument("--format", choices=("text", "csv", "oracle"), default="text",
                    help="text: the lab's (and record's) format; csv: a header and a key column; "
                         "oracle: libCacheSim's oracleGeneral binary (decompress .zst first)")
    an.add_argument("--key-column", default="key", help="the CSV column holding the keys (default: key)")
    an.add_argument("--memory-budget", default=None, help="bytes the cache may use, e.g. 256MB or 64MiB")
    an.add_argument("--hit-cost", type=_seconds, default=None,
                    help="the time of a cache lookup (default 0.1us, about a functools.lru_cache hit)")
    an.add_argument("--out", type=Path, default=None, help="also write the report as self-contained HTML")
    an.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _analyze(args: argparse.Namespace) -> None:
    from .analyze import DEFAULT_HIT_SECONDS, analyze, html_report, parse_bytes, text_report
    from .workloads import read_trace

    budget = None if args.memory_budget is None else parse_bytes(args.memory_budget)
    if not args.trace.is_file():
        raise ValueError(f"{args.trace}: no such file")
    trace = read_trace(args.trace, full=True, format=args.format, key_column=args.key_column,
                       string_keys=args.format == "text" and not _integer_keys(args.trace))
    progress = not args.quiet and sys.stderr.isatty()
    report = analyze(trace, name=f"{args.trace.name} ({args.format})", budget_bytes=budget,
                     hit_seconds=DEFAULT_HIT_SECONDS if args.hit_cost is None else args.hit_cost,
                     progress=progress)
    sys.stdout.write(text_report(report))
    if args.out is not None:
        from .plots.report import report_pngs

        args.out.write_text(html_report(report, report_pngs(report)), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)


def _integer_keys(path: Path) -> bool:
    """Whether the first request line of a text trace has an integer key (else keys are strings)."""
    with open(path, "rb") as f:
        for raw in f:
            fields = raw.split()
            if fields and not fields[0].startswith(b"#"):
                return fields[-1].lstrip(b"-").isdigit()
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input, as argparse does)."""
    args = _parser().parse_args(argv)
    try:
        _analyze(args)
    except (ValueError, TypeError, UnicodeDecodeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
