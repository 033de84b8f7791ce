"""distributed.redis_refresh_processes: several processes on one Redis key, per refresh strategy."""

import pytest

from hotcache_lab.distributed import start_redis
from hotcache_lab.distributed.redis_refresh_processes import ProcessRun, run_processes


@pytest.fixture(scope="module")
def server():
    with start_redis() as handle:
        yield handle


def test_parameters_are_checked_before_anything_starts():
    for kwargs, error, word in [({"processes": 0}, ValueError, "processes"),
                                ({"threads": 1.5}, TypeError, "threads"),
                                ({"strategy": "mutex"}, ValueError, "strategy"),
                                ({"ttl": 0}, ValueError, "ttl"), ({"rate": -1}, ValueError, "rate")]:
        with pytest.raises(error, match=word):
            run_processes("unix:///nowhere", **kwargs)


def test_process_run_summary_counts_per_expiry():
    run = ProcessRun(strategy="none", params={}, per_process=[3, 2], per_episode=[3, 2], computations=5,
                     server_count=5, calls=40, hits=35, early=0, waits=0, double_checked=0, max_latency=0.1,
                     intervals=[])
    assert run.per_expiry == 2.5
    assert run.summary() == {"recomputations": 5, "episodes": 2, "per_expiry": 2.5, "max_in_one_episode": 3,
                             "early": 0, "waits": 0}


def test_one_process_with_the_lock_recomputes_once_per_expiry(server):
    run = run_processes(server.url, "lock", processes=1, threads=2, periods=1, rate=40)
    assert run.per_episode == [1] and run.server_count == run.computations == 1
    assert run.calls > 20 and run.hits >= run.calls - 3


@pytest.mark.stress
def test_across_processes_the_lock_gives_one_recomputation_per_expiry_and_none_stampedes(server):
    lock = run_processes(server.url, "lock", processes=2, threads=2, periods=2)
    none = run_processes(server.url, "none", processes=2, threads=2, periods=2)
    for run in (lock, none):
        assert run.server_count == run.computations  # every computation counted on the server too
        assert run.calls > 100
    assert lock.per_episode == [1, 1]
    assert lock.waits > 0
    assert none.per_expiry > 1.5  # up to one per client (4) at each expiry
    assert len(none.per_process) == 2 and all(n >= 1 for n in none.per_process)
    assert {process for *_, process in none.intervals} == {0, 1}


@pytest.mark.stress
def test_spawned_workers_work_too(server):
    run = run_processes(server.url, "lock", processes=2, threads=1, periods=1, start_method="spawn")
    assert run.per_episode == [1] and run.server_count == 1
