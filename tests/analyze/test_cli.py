"""python -m hotcache_lab analyze: the report on stdout, HTML with --out, one-line errors with exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hotcache_lab import analyze, workloads
from hotcache_lab.__main__ import main

GOLDEN = Path(__file__).with_name("golden.trace")


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_report_on_stdout_equals_text_report(capsys, tmp_path):
    status, out, _ = _run(capsys, "analyze", GOLDEN, "--memory-budget", "1.5kB", "--out", tmp_path / "r.html")
    r = analyze.analyze(workloads.read_trace(GOLDEN, full=True), name="golden.trace (text)",
                        budget_bytes=1500)
    assert status == 0 and out == analyze.text_report(r)
    assert (tmp_path / "r.html").read_text().count("data:image/png;base64,") == 3


def test_csv_and_oracle_traces(capsys, tmp_path):
    keys = [3, 1, 3, 2, 3, 1]
    (tmp_path / "t.csv").write_text("time,url\n" + "".join(f"{i},/p/{k}\n" for i, k in enumerate(keys)))
    status, out, _ = _run(capsys, "analyze", tmp_path / "t.csv", "--format", "csv", "--key-column", "url")
    assert status == 0 and "requests: 6\ndistinct keys: 3\n" in out
    rec = np.zeros(len(keys), dtype=workloads.traces.ORACLE_RECORD)
    rec["obj_id"] = keys
    rec.tofile(tmp_path / "t.oracle")
    status, out2, _ = _run(capsys, "analyze", tmp_path / "t.oracle", "--format", "oracle")
    assert status == 0 and out2.split("\n", 1)[1] == out.split("\n", 1)[1]  # same stream, same report


@pytest.mark.parametrize("content,fmt,extra,message", [
    ("", "text", [], "t.in: no requests in the file"),
    ("# only a comment\n", "text", [], "t.in: no requests in the file"),
    ("1\n2\n3 4 5\n", "text", [], "t.in line 3: expected 'key' like the first request line"),
    ("1\n#!cost 1 abc 3\n", "text", [], "t.in line 2: expected an integer key, a duration"),
    ("a,b\n1,2\n", "csv", [], "t.in line 1: no column named 'key'"),
    ("key,b\n1,2\n3\n", "csv", [], "t.in line 3: expected 2 fields"),
    ("1\n2\n", "oracle", [], "t.in: 4 bytes is not a whole number of 24-byte oracleGeneral records"),
    ("1\n", "text", ["--memory-budget", "lots"], "memory budget must be a size like 256MB"),
])
def test_bad_input_is_one_line_naming_file_and_line(capsys, tmp_path, content, fmt, extra, message):
    path = tmp_path / "t.in"
    path.write_text(content)
    status, out, err = _run(capsys, "analyze", path, "--format", fmt, *extra)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err


def test_binary_and_compressed_files_are_named(capsys, tmp_path):
    oracle = tmp_path / "t.bin"
    np.zeros(2, dtype=workloads.traces.ORACLE_RECORD).tofile(oracle)
    status, _, err = _run(capsys, "analyze", oracle)
    assert status == 2 and "t.bin line 1: binary data, not a text trace" in err
    zst = tmp_path / "t.zst"
    zst.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(40))
    for fmt in ("text", "oracle"):
        status, _, err = _run(capsys, "analyze", zst, "--format", fmt)
        assert status == 2 and "zstd-compressed file; decompress it first" in err
    status, _, err = _run(capsys, "analyze", tmp_path / "missing.trace")
    assert status == 2 and "missing.trace: no such file" in err


def test_the_module_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "bad.trace"
    path.write_text("1\nnot a key line\n")
    done = subprocess.run([sys.executable, "-m", "hotcache_lab", "analyze", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: bad.trace line 2: expected 'key' like the first request line, got 'not a key line'"]
