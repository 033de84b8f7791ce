"""Analyse a trace for sizing: counts, reuse, every policy's miss-ratio curve, the knee, budget and advice.

Computing and formatting only (report.py computes, text.py words it); the CLI
`python -m hotcache_lab analyze TRACE` (hotcache_lab/__main__.py) reads the file and draws the
figures with `plots.report`.
"""

from .report import (
                     DEFAULT_HIT_SECONDS,
                     OTHER_POLICIES,
                     SAMPLE_ABOVE,
                     Report,
                     analyze,
                     parse_bytes,
                     shards_sample,
                     size_grid,
)
from .text import html_report, recommendation, text_report

__all__ = ["analyze", "Report", "parse_bytes", "size_grid", "shards_sample", "text_report", "html_report",
           "recommendation", "OTHER_POLICIES", "SAMPLE_ABOVE", "DEFAULT_HIT_SECONDS"]
