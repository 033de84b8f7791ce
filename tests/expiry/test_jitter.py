import numpy as np
import pytest

from hotcache_lab.expiry.jitter import synchronized_expiry


def test_jitter_lowers_the_peak_and_costs_some_mean_load():
    loads = [synchronized_expiry(jitter=j) for j in (0.0, 0.2, 0.5)]
    peaks = [load.peak for load in loads]
    assert peaks[0] > peaks[1] > peaks[2]
    assert loads[2].mean > loads[0].mean  # shorter TTLs on average: more reloads in total
    assert int(np.argmax(loads[0].db_queries)) >= 60  # nothing reloads before the first TTL


def test_same_seed_same_load_and_no_request_dropped():
    a, b = synchronized_expiry(jitter=0.3, seed=4), synchronized_expiry(jitter=0.3, seed=4)
    assert np.array_equal(a.db_queries, b.db_queries)
    short = synchronized_expiry(jitter=0.0, keys=3, rate=2.0, ttl=1.0, duration=50.0)
    # a reload every TTL plus the wait for the next request (0.5 s on average), to the very end
    assert 0.8 * 3 * 50 / 1.5 < short.db_queries.sum() < 1.2 * 3 * 50 / 1.5
    assert short.db_queries[-5:].sum() > 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="jitter"):
        synchronized_expiry(jitter=1.5)
    with pytest.raises(ValueError, match="ttl"):
        synchronized_expiry(jitter=0.1, ttl=0)
