"""analyze: every number of the report is the simulator's or measure's, and the golden text matches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotcache_lab import analyze, simulate, workloads
from hotcache_lab.measure.latency import break_even_hit_ratio, choose_maxsize
from hotcache_lab.plots.report import report_pngs

GOLDEN = Path(__file__).with_name("golden.trace")


def test_curves_equal_the_simulators():
    keys = workloads.zipf(n_keys=300, alpha=0.9, n_requests=4000, seed=2)
    r = analyze.analyze(keys)
    sizes = analyze.size_grid(len(np.unique(keys)))
    assert np.array_equal(r.sizes, sizes) and r.sample_rate is None
    assert np.array_equal(r.curves["lru"], simulate.miss_ratio_curve(keys, "lru", sizes))
    for policy in analyze.OTHER_POLICIES:
        expected = [1 - simulate.hit_ratio(keys, policy, int(s)) for s in sizes]
        assert np.allclose(r.curves[policy], expected, atol=1e-12), policy
    d = simulate.reuse_distances(keys)
    assert np.array_equal(r.distances, d)
    assert r.reuse_within[10] == pytest.approx(np.mean(d[d >= 0] < 10))
    assert r.entry_bytes is None and r.miss_seconds is None and r.break_even is None


def test_above_the_threshold_the_other_policies_run_on_a_shards_sample():
    keys = workloads.zipf(n_keys=2000, alpha=0.8, n_requests=20_000, seed=5)
    r = analyze.analyze(keys, sample_above=5000)
    sample, rate = analyze.shards_sample(keys, 5000 / len(keys))
    assert r.sample_rate == rate and r.sampled_requests == len(sample) < len(keys)
    scaled = np.round(r.sizes * rate).astype(np.int64)
    ok = scaled >= analyze.report.MIN_SCALED
    assert np.isnan(r.curves["fifo"][~ok]).all()
    misses = simulate.miss_ratio_curve(sample, "fifo", scaled[ok]) * len(sample)
    assert np.allclose(r.curves["fifo"][ok], np.clip(misses / (len(keys) * rate), 0, 1))
    assert np.array_equal(r.curves["lru"], simulate.miss_ratio_curve(keys, "lru", r.sizes))  # still exact
    assert "SHARDS sample of" in analyze.text_report(r)


def _golden_expected() -> list[str]:
    """The golden report, rebuilt line by line from the file's numbers and the simulator."""
    keys = np.array([int(x) for x in GOLDEN.read_text().split("\n") if x and not x.startswith("#")])
    counts = np.sort(np.bincount(keys))[::-1]
    n, distinct = len(keys), len(counts)
    result_bytes = np.array([400, 600, 200, 400, 800, 600])
    seconds = np.array([2, 4, 1, 3, 6, 2]) * 1e-5
    budget = 1500
    sizes = analyze.size_grid(distinct, also=int(budget // result_bytes.mean()))
    lru = simulate.miss_ratio_curve(keys, "lru", sizes)
    d = simulate.reuse_distances(keys)
    reuse = d[d >= 0]
    choice = choose_maxsize(sizes, lru, budget_bytes=budget, entry_bytes=result_bytes.mean(),
                            per=max(1, distinct // 100))
    be = break_even_hit_ratio(1e-7, seconds.mean())
    policies = ["lru", *analyze.OTHER_POLICIES]
    table = [f"  {s:>4} " + " ".join(
        f"{(lru[i] if p == 'lru' else 1 - simulate.hit_ratio(keys, p, int(s))):7.3f}" for p in policies)
        for i, s in enumerate(sizes)]
    return [
        "trace: golden.trace (text)", f"requests: {n}", f"distinct keys: {distinct}",
        f"keys requested once: {int((counts == 1).sum())}",
        f"hit ratio ceiling (every first request misses): {1 - distinct / n:.3f}",
        "share of requests to the top 1, 10, 100 keys: "
        + ", ".join(f"{counts[:k].sum() / n:.3f}" for k in (1, 10, 100)),
        "re-requests within stack distance 1, 10, 100, 1000, 10000: "
        + ", ".join(f"{np.mean(reuse < k):.3f}" for k in (1, 10, 100, 1000, 10_000)),
        "policies: lru exact; fifo, lfu, rr, sieve, s3fifo, opt replayed on every request",
        "miss ratio by cache size (entries):", "  size " + " ".join(f"{p:>7}" for p in policies), *table,
        f"knee: {choice.knee} entries",
        f"bytes per entry: {result_bytes.mean():.0f} (mean deep size of 6 recorded results; keys and the "
        "cache's own overhead not included)",
        f"memory budget: {budget} bytes holds {int(budget // result_bytes.mean())} entries",
        f"chosen maxsize: {choice.maxsize} (limited by {choice.limited_by}), lru hit ratio "
        f"{1 - lru[list(sizes).index(choice.maxsize)]:.3f}",
        f"computation per miss: mean {seconds.mean() * 1e6:.3g} µs, "
        f"median {np.sort(seconds)[2] * 1e6:.3g} µs (6 recorded first calls)",
        f"break-even hit ratio: {be:.3g} (lookup 0.1 µs assumed)",
    ]


def test_golden_report_line_by_line():
    r = analyze.analyze(workloads.read_trace(GOLDEN, full=True), name="golden.trace (text)",
                        budget_bytes=1500)
    got = analyze.text_report(r).splitlines()
    expected = _golden_expected()
    assert len(got) == len(expected) + 1
    for line, want in zip(got, expected, strict=False):
        assert line == want
    assert got[-1] == "recommendation: " + analyze.recommendation(r)
    assert f"maxsize={r.choice.maxsize}" in got[-1] and f"{r.break_even:.3g}" in got[-1]


def test_recommendation_says_do_not_cache_below_break_even():
    keys = np.arange(1000) % 900  # almost every request is a first one
    costs = workloads.Costs(np.arange(900), np.full(900, 1e-7), np.full(900, 100))
    trace = workloads.Trace(keys, costs=costs)
    r = analyze.analyze(trace, hit_seconds=1e-7)
    assert r.break_even == pytest.approx(1.0) and analyze.recommendation(r).startswith("Do not cache")


def test_html_is_self_contained():
    r = analyze.analyze(workloads.read_trace(GOLDEN, full=True), name="golden <b>")
    page = analyze.html_report(r, report_pngs(r))
    assert page.count("data:image/png;base64,") == 3
    assert "http" not in page.replace("http-equiv", "") and "<script" not in page
    assert "golden &lt;b&gt;" in page and "golden <b>" not in page


@pytest.mark.parametrize("text,expected", [("256MB", 256 * 10**6), ("64MiB", 64 * 2**20), ("1000", 1000),
                                           ("1.5 kb", 1500)])
def test_parse_bytes(text, expected):
    assert analyze.parse_bytes(text) == expected


def test_the_budgets_size_is_on_the_grid():
    keys = workloads.zipf(n_keys=3000, alpha=0.8, n_requests=6000, seed=4)
    distinct = np.unique(keys)
    costs = workloads.Costs(distinct, np.full(len(distinct), 1e-5), np.full(len(distinct), 1000))
    r = analyze.analyze(workloads.Trace(keys, costs=costs), budget_bytes=123_456)
    assert 123 in r.sizes and r.choice.budget_entries == 123
    assert r.choice.maxsize == 123 or r.choice.limited_by == "knee"


def test_parse_bytes_rejects_nonsense():
    with pytest.raises(ValueError, match="memory budget"):
        analyze.parse_bytes("lots")


def test_sampled_curves_track_the_full_replays():
    keys = workloads.zipf(n_keys=20_000, alpha=0.9, n_requests=100_000, seed=11)
    r = analyze.analyze(keys, sample_above=25_000)
    assert r.sample_rate is not None
    for policy in ("fifo", "s3fifo"):
        ok = ~np.isnan(r.curves[policy])
        full = simulate.miss_ratio_curve(keys, policy, r.sizes[ok])
        assert np.abs(r.curves[policy][ok] - full).mean() < 0.03, policy  # SHARDS-sized error, not a bias
