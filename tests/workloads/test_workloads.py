"""Workload generators, trace files and the bundled traces."""

from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from hotcache_lab import workloads
from hotcache_lab.workloads import traces

GENERATORS = {
    "uniform": lambda seed: workloads.uniform(100, 5_000, seed=seed),
    "zipf": lambda seed: workloads.zipf(1_000, 0.9, 5_000, seed=seed),
    "shifting_hotset": lambda seed: workloads.shifting_hotset(1_000, 50, 500, 5_000, 0.9, seed=seed),
    "bursts": lambda seed: workloads.bursts(1_000, 5_000, seed=seed).keys,
    "bursts times": lambda seed: workloads.bursts(1_000, 5_000, seed=seed).timestamps,
    "diurnal": lambda seed: workloads.diurnal(1_000, 5_000, seed=seed).timestamps,
    "mix": lambda seed: workloads.mix(
        [(workloads.zipf(100, 1.0, 5_000, seed=1), 2.0), (workloads.scan(5_000, start=10**6), 1.0)],
        5_000, seed=seed,
    ),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_stream_and_other_seed_differs(name):
    make = GENERATORS[name]
    a, b, c = make(7), make(7), make(8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    if name not in ("bursts times", "diurnal"):
        assert a.dtype == np.int64


def _loglog_slope(keys: np.ndarray, top: int) -> float:
    counts = np.sort(np.bincount(keys))[::-1][:top]
    ranks = np.arange(1, top + 1)
    return float(np.polyfit(np.log(ranks), np.log(counts), 1)[0])


@pytest.mark.parametrize("alpha", [0.6, 1.0, 1.3])
def test_zipf_rank_frequency_slope_is_minus_alpha(alpha):
    keys = workloads.zipf(10_000, alpha, 400_000, seed=3)
    assert keys.min() >= 0 and keys.max() < 10_000
    assert abs(_loglog_slope(keys, top=100) + alpha) < 0.1
    # key 0 is the hottest: its share is 1 / H(n, alpha)
    share = (keys == 0).mean()
    expected = 1 / np.sum(np.arange(1, 10_001) ** -alpha)
    assert abs(share - expected) < 0.1 * expected


def _chi2_flat(keys: np.ndarray, n_keys: int) -> float:
    """Chi-square statistic per degree of freedom against the uniform distribution (~1 if flat)."""
    counts = np.bincount(keys, minlength=n_keys)
    expected = len(keys) / n_keys
    return float(((counts - expected) ** 2 / expected).sum() / (n_keys - 1))


def test_uniform_and_zipf_alpha_zero_are_flat():
    assert _chi2_flat(workloads.uniform(500, 200_000, seed=1), 500) < 1.3
    assert _chi2_flat(workloads.zipf(500, 0.0, 200_000, seed=1), 500) < 1.3
    assert _chi2_flat(workloads.zipf(500, 0.5, 200_000, seed=1), 500) > 10  # and a skewed one is not


def test_scan_and_loop_are_exact():
    assert workloads.scan(5, start=10).tolist() == [10, 11, 12, 13, 14]
    assert workloads.loop(3, 7).tolist() == [0, 1, 2, 0, 1, 2, 0]


def test_shifting_hotset_moves_its_hot_keys():
    keys = workloads.shifting_hotset(n_keys=10_000, hot_size=100, period=5_000, n_requests=20_000,
                                     hot_fraction=0.9, seed=2)
    epochs = keys.reshape(4, 5_000)
    tops = [set(np.argsort(np.bincount(e, minlength=10_000))[::-1][:100].tolist()) for e in epochs]
    for e, (epoch, top) in enumerate(zip(epochs, tops, strict=True)):
        hot = set(range(e * 100, (e + 1) * 100))
        assert len(top & hot) >= 95  # the epoch's most requested keys are its hot set
        share = np.isin(epoch, list(hot)).mean()
        assert 0.88 < share < 0.93  # hot_fraction, plus the uniform part that lands in the hot set
    assert all(not (tops[i] & tops[i + 1]) for i in range(3))  # and the hot set really moved


def test_bursts_rate_is_higher_inside_bursts():
    t = workloads.bursts(n_keys=100, n_requests=60_000, base_rate=1_000.0, burst_rate=5_000.0,
                         burst_every=10.0, burst_length=2.0, seed=4)
    assert len(t) == 60_000 and t.timestamps.shape == t.keys.shape
    assert np.all(np.diff(t.timestamps) >= 0)
    inside = (t.timestamps % 10.0) < 2.0
    end = t.timestamps[-1]
    time_in = (end // 10.0) * 2.0 + min(end % 10.0, 2.0)
    rate_in = inside.sum() / time_in
    rate_out = (~inside).sum() / (end - time_in)
    assert abs(rate_in / 5_000 - 1) < 0.1 and abs(rate_out / 1_000 - 1) < 0.1


def test_diurnal_peak_over_trough_matches_amplitude():
    t = workloads.diurnal(n_keys=100, n_requests=100_000, mean_rate=1.0, amplitude=0.5, period=3_600.0,
                          seed=5)
    phase = (t.timestamps % 3_600.0) / 3_600.0
    trough = ((phase < 0.05) | (phase > 0.95)).sum()
    peak = (np.abs(phase - 0.5) < 0.05).sum()
    assert abs(peak / trough - 3.0) < 0.4  # (1 + a) / (1 - a) = 3, near enough over 10% windows


def test_mix_keeps_each_streams_order_and_weights():
    a = workloads.scan(10_000, start=0)
    b = workloads.scan(10_000, start=10**6)
    out = workloads.mix([(a, 3.0), (b, 1.0)], 8_000, seed=1)
    from_a, from_b = out[out < 10**6], out[out >= 10**6]
    assert np.array_equal(from_a, a[: len(from_a)]) and np.array_equal(from_b, b[: len(from_b)])
    assert abs(len(from_a) / 8_000 - 0.75) < 0.03
    trace = workloads.bursts(n_keys=10, n_requests=9_000, seed=1)
    assert len(workloads.mix([(trace, 1.0), (a, 0.0)], 9_000)) == 9_000  # a Trace is its keys


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: workloads.uniform(0, 10), "n_keys"),
        (lambda: workloads.uniform(10, -1), "n_requests"),
        (lambda: workloads.uniform(10, 10, seed=-1), "seed"),
        (lambda: workloads.uniform(10, 10, seed=1.5), "seed"),
        (lambda: workloads.zipf(n_keys=10.0), "n_keys"),
        (lambda: workloads.zipf(alpha=-0.1), "alpha"),
        (lambda: workloads.zipf(alpha=float("nan")), "alpha"),
        (lambda: workloads.zipf(alpha="1"), "alpha"),
        (lambda: workloads.zipf(n_requests=0), "n_requests"),
        (lambda: workloads.zipf(n_requests=True), "n_requests"),
        (lambda: workloads.scan(-5), "n_requests"),
        (lambda: workloads.scan(5, start=-1), "start"),
        (lambda: workloads.loop(0, 10), "k"),
        (lambda: workloads.loop(3, 2.5), "n_requests"),
        (lambda: workloads.shifting_hotset(hot_size=0), "hot_size"),
        (lambda: workloads.shifting_hotset(n_keys=10, hot_size=20), "hot_size"),
        (lambda: workloads.shifting_hotset(period=-1), "period"),
        (lambda: workloads.shifting_hotset(hot_fraction=1.5), "hot_fraction"),
        (lambda: workloads.bursts(base_rate=0), "base_rate"),
        (lambda: workloads.bursts(burst_rate=-1.0), "burst_rate"),
        (lambda: workloads.bursts(burst_every=0.0), "burst_every"),
        (lambda: workloads.bursts(burst_length=20.0, burst_every=10.0), "burst_length"),
        (lambda: workloads.diurnal(amplitude=1.2), "amplitude"),
        (lambda: workloads.diurnal(period=0), "period"),
        (lambda: workloads.diurnal(mean_rate=-3), "mean_rate"),
        (lambda: workloads.mix([], 10), "streams"),
        (lambda: workloads.mix([(np.arange(5), 0.0)], 3), "weights"),
        (lambda: workloads.mix([(np.arange(5), -1.0)], 3), "streams[0] weight"),
        (lambda: workloads.mix([(np.arange(5), 1.0), (np.arange(1), 1.0)], 5), "streams[1]"),
        (lambda: workloads.mix([(np.array([0.5, 1.5]), 1.0)], 1), "streams[0] keys"),
        (lambda: workloads.mix([np.arange(5)], 1), "streams[0]"),
        (lambda: workloads.mix([(np.arange(5), 1.0)], 0), "n_requests"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(call, name):
    with pytest.raises((ValueError, TypeError), match=re.escape(name)):
        call()


# --- trace files ---------------------------------------------------------------------------------

def test_round_trip_keys_and_timestamps(tmp_path):
    keys = workloads.zipf(1_000, 1.0, 3_000, seed=1)
    path = workloads.write_trace(tmp_path / "t.trace", keys, comment="a test\nsecond line")
    assert path.read_text().startswith("# a test\n# second line\n")
    back = workloads.read_trace(path)
    assert back.dtype == np.int64 and np.array_equal(back, keys)
    t = workloads.bursts(n_keys=50, n_requests=2_000, seed=3)
    workloads.write_trace(tmp_path / "ts.trace", t.keys, t.timestamps)
    full = workloads.read_trace(tmp_path / "ts.trace", full=True)
    assert np.array_equal(full.keys, t.keys)
    assert np.array_equal(full.timestamps, t.timestamps)  # repr of a float round-trips exactly
    assert np.array_equal(workloads.read_trace(tmp_path / "ts.trace"), t.keys)


def test_comments_blank_lines_and_negative_keys(tmp_path):
    path = tmp_path / "c.trace"
    path.write_text("# header\n\n5\n  # indented comment\n-3\n\n5\n#\n")
    assert workloads.read_trace(path).tolist() == [5, -3, 5]


def test_string_keys_map_to_first_seen_ids(tmp_path):
    path = tmp_path / "s.trace"
    path.write_text("/a\n/b\n/a\n42\n/c\n/b\n")
    with pytest.raises(ValueError, match=r"s\.trace line 1: expected an integer key, got '/a'"):
        workloads.read_trace(path)
    t = workloads.read_trace(path, string_keys=True, full=True)
    assert t.keys.tolist() == [0, 1, 0, 2, 3, 1]
    assert t.names == ["/a", "/b", "42", "/c"]
    workloads.write_trace(tmp_path / "s2.trace", t)  # a Trace with names writes its original keys
    assert (tmp_path / "s2.trace").read_text() == path.read_text()


@pytest.mark.parametrize(
    ("text", "lineno", "message"),
    [
        ("1\n2\nabc\n", 3, "expected an integer key, got 'abc'"),
        ("# c\n1\n2.5\n", 3, "expected an integer key, got '2.5'"),
        ("1\n2 3\n", 2, "expected 'key' like the first request line"),
        ("0.5 1\n7\n", 2, "expected 'timestamp key' like the first request line"),
        ("0.5 1\nxyz 2\n", 2, "expected a numeric timestamp, got 'xyz'"),
        ("0.5 1\ninf 2\n", 2, "timestamp must be finite"),
        ("1 2 3\n", 1, "expected 'key' or 'timestamp key'"),
        ("1\n99999999999999999999\n", 2, "key 99999999999999999999 does not fit in int64"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, text, lineno, message):
    path = tmp_path / "bad.trace"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(f"bad.trace line {lineno}: {message}")):
        workloads.read_trace(path)


def test_line_numbers_stay_right_past_the_first_chunk(tmp_path):
    n = traces._CHUNK_LINES + 1_000
    lines = ["# header"] + [str(i) for i in range(n)]
    lines[n - 10] = "oops"
    path = tmp_path / "long.trace"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=rf"long\.trace line {n - 9}: .*'oops'"):
        workloads.read_trace(path)


def test_empty_trace_file_is_an_error(tmp_path):
    path = tmp_path / "empty.trace"
    path.write_text("# nothing\n\n")
    with pytest.raises(ValueError, match="empty.trace: no requests"):
        workloads.read_trace(path)


def test_write_trace_rejects_what_it_could_not_read_back(tmp_path):
    with pytest.raises(ValueError, match=r"keys\[1\]"):
        workloads.write_trace(tmp_path / "x", ["a", "b c"])
    with pytest.raises(TypeError, match=r"keys\[0\]"):
        workloads.write_trace(tmp_path / "x", [1.5])
    with pytest.raises(ValueError, match="timestamps"):
        workloads.write_trace(tmp_path / "x", [1, 2], timestamps=[0.0])


def test_reading_streams_in_chunks(tmp_path):
    # 300k requests: the result is 2.4 MB; reading all lines into a list first peaks near 29 MB,
    # while chunks of _CHUNK_LINES lines keep the peak at about 12 MB, whatever the file's length.
    keys = workloads.uniform(10**6, 300_000, seed=0)
    path = workloads.write_trace(tmp_path / "big.trace", keys)
    tracemalloc.start()
    try:
        back = workloads.read_trace(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(back, keys)
    assert peak < 16 * 2**20


# --- bundled traces ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _readme_table() -> dict[str, list[str]]:
    readme = (ROOT / "data" / "README.md").read_text()
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0] in workloads.available():
            rows[cells[0]] = cells
    return rows


def test_bundled_traces_match_their_readme():
    rows = _readme_table()
    assert set(rows) == set(workloads.available()) and "re_compile" in rows
    for name, cells in rows.items():
        t = workloads.load(name)
        counts = np.bincount(t.keys - t.keys.min())
        counts = counts[counts > 0]
        assert int(cells[1]) == len(t)
        assert int(cells[2]) == len(counts)
        assert int(cells[3]) == int((counts == 1).sum())
        assert cells[4] == ("yes" if t.timestamps is not None else "no")


def test_re_compile_trace_is_real_and_cache_worthy():
    t = workloads.load("re_compile")
    assert t.keys.dtype == np.int64 and len(t) > 10_000
    distinct = np.unique(t.keys)
    assert len(distinct) < len(t) / 5  # plenty of reuse
    assert np.array_equal(distinct, np.arange(len(distinct)))  # ids in order of first appearance
    firsts = np.flatnonzero(np.diff(np.maximum.accumulate(t.keys), prepend=-1) > 0)
    assert np.array_equal(t.keys[firsts], distinct)
    top10 = np.sort(np.bincount(t.keys))[::-1][:10].sum() / len(t)
    assert top10 > 0.5  # skewed
    bundled = resources.files("hotcache_lab.workloads") / "traces" / "re_compile.trace"
    header = bundled.read_text(encoding="utf-8")[:2000]
    assert f"requests: {len(t)}, distinct keys: {len(distinct)}" in header


def test_load_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="re_compile"):
        workloads.load("no_such_trace")
    with pytest.raises(TypeError, match="name"):
        workloads.load(3)



def _install_wheel(target: Path, scratch: Path) -> None:
    """Build this project's wheel as pip would (its own build backend from the registry) and unpack
    it in `target`: what an install puts on sys.path, with no checkout in sight."""
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(scratch), str(ROOT)]
    done = subprocess.run(build, capture_output=True, text=True, timeout=300, cwd=scratch)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = scratch.glob("hotcache_lab-*.whl")
    zipfile.ZipFile(wheel).extractall(target)


def test_bundled_trace_loads_from_an_installed_package(tmp_path):
    """The traces are package data: an installed copy loads them with no checkout in sight (a few s)."""
    target, scratch = tmp_path / "site", tmp_path / "build"
    target.mkdir()
    scratch.mkdir()
    _install_wheel(target, scratch)
    assert (target / "hotcache_lab" / "workloads" / "traces" / "re_compile.trace").is_file()
    code = ("import hotcache_lab; from hotcache_lab import workloads; t = workloads.load('re_compile'); "
            "print(len(t), hotcache_lab.__file__)")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=target, env=env)
    assert out.returncode == 0, out.stderr
    n, where = out.stdout.split()
    assert int(n) == len(workloads.load("re_compile"))
    assert Path(where).is_relative_to(target) and not Path(where).is_relative_to(ROOT), where
