"""Faults on real server processes: killed with SIGKILL, paused with SIGSTOP, restarted, or never
started. Each gives a clear CacheUnavailable / ServerUnavailable within the client's timeout, and the
cache works again once the server is back."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import time

import psutil
import pytest
import redis
from pymemcache.exceptions import MemcacheError
from server_support import HAVE_MEMCACHED, needs_memcached

from hotcache_lab.distributed import (
    CacheUnavailable,
    MemcachedCache,
    RedisCache,
    ServerUnavailable,
    redis_refresh,
    servers,
    start_memcached,
    start_redis,
    started_pids,
)
from hotcache_lab.distributed.servers import pid_alive

MEMCACHED = pytest.param("memcached", marks=needs_memcached)
TIMEOUT = 1.0
CAUSES = {"redis": (redis.ConnectionError, redis.TimeoutError), "memcached": (OSError, MemcacheError)}


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture(scope="module", autouse=True)
def pids_before():
    return set(started_pids())


def _server(kind: str, transport: str):
    port = 0 if transport == "tcp" else None
    return start_redis(port=port) if kind == "redis" else start_memcached(memory_mb=8, port=port)


def _cache(kind: str, server, transport: str, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    if kind == "redis":
        return RedisCache(server.tcp_url if transport == "tcp" else server.url, **kwargs)
    return MemcachedCache(server.address, **kwargs)


def _named_address(kind: str, server, transport: str) -> str:
    return f"127.0.0.1:{server.port}" if transport == "tcp" else server.socket_path


@pytest.fixture(params=["unix", "tcp"])
def transport(request):
    return request.param


@pytest.mark.parametrize("kind", ["redis", MEMCACHED])
def test_a_killed_server_is_a_clear_error_and_the_cache_works_again_after_a_restart(kind, transport):
    with _server(kind, transport) as server, _cache(kind, server, transport) as cache:
        cache.put("k", "v")
        assert cache.get("k") == "v"
        server.kill()  # SIGKILL, reaped
        assert not server.running
        start = time.monotonic()
        with pytest.raises(CacheUnavailable) as info:
            cache.get("k")
        assert time.monotonic() - start < TIMEOUT + 1
        error = info.value
        assert isinstance(error, ServerUnavailable) and isinstance(error.__cause__, CAUSES[kind])
        assert _named_address(kind, server, transport) in str(error) and error.operation.lower() == "get"
        assert getattr(server, "password", "no password") not in str(error)
        for call in (lambda: "k" in cache, lambda: cache.put("k", 1), lambda: len(cache), cache.clear,
                     lambda: cache.delete("k"), lambda: cache.stats):
            with pytest.raises(CacheUnavailable):
                call()

        server.restart()
        assert cache.get("k", "lost") == "lost"  # no persistence: now a real miss
        cache.put("k", "again")
        assert cache.get("k") == "again" and len(cache) == 1
        s = cache.stats
        assert (s.hits, s.misses, s.errors) == (2, 1, 0)


@pytest.mark.parametrize("kind", ["redis", MEMCACHED])
def test_a_server_restarted_between_two_calls_is_reconnected_without_an_error(kind, transport):
    """The pooled connection is stale after the restart: the next call must still just work."""
    with _server(kind, transport) as server, _cache(kind, server, transport) as cache:
        cache.put("k", "v")
        server.kill()
        server.restart()
        assert cache.get("k", "lost") == "lost"
        cache.put("k", "back")
        assert cache.get("k") == "back"


def _wait_until_stopped(pid: int, within: float = 5.0) -> None:
    """SIGSTOP takes effect asynchronously: a multi-threaded server may answer one more request."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not stop within {within} s")


@pytest.mark.parametrize("kind", ["redis", MEMCACHED])
def test_a_hung_server_is_an_error_after_the_timeout_not_a_hang(kind):
    timeout = 0.5
    with _server(kind, "unix") as server, _cache(kind, server, "unix", timeout=timeout) as cache:
        cache.put("k", "v")
        os.kill(server.pid, signal.SIGSTOP)  # alive, accepts connections, never answers
        try:
            _wait_until_stopped(server.pid)
            start = time.monotonic()
            with pytest.raises(CacheUnavailable, match=f"timeout {timeout:g} s") as info:
                cache.get("k")
            elapsed = time.monotonic() - start
        finally:
            os.kill(server.pid, signal.SIGCONT)
        assert 0.9 * timeout <= elapsed < timeout + 1
        assert isinstance(info.value.__cause__, (redis.TimeoutError, TimeoutError))
        assert cache.get("k") == "v"  # only paused: the value is still there, on a new connection


@pytest.mark.parametrize("kind", ["redis", MEMCACHED])
def test_errors_as_misses_only_when_asked_and_counted(kind):
    with _server(kind, "unix") as server, _cache(kind, server, "unix", on_error="miss") as cache:
        cache.put("k", "v")
        server.kill()
        assert cache.get("k", "default") == "default"
        assert "k" not in cache
        cache.put("k2", "dropped")
        assert cache.request("x") is False  # a miss and a dropped put: two errors
        assert cache.errors == 5
        with pytest.raises(CacheUnavailable):  # a delete that did not happen is not reported as done
            cache.delete("k")
        with pytest.raises(CacheUnavailable):
            _ = cache.stats
        server.restart()
        s = cache.stats
        assert (s.hits, s.misses, s.errors) == (0, 2, 5)
        cache.put("k", "v2")
        assert cache.get("k") == "v2"
        cache.reset_stats()
        assert cache.stats.errors == 0


def _recording_mkdtemp(monkeypatch) -> list[str]:
    made: list[str] = []
    real = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(servers.tempfile, "mkdtemp", mkdtemp)
    return made


def _left_running(before: set[int]) -> list[int]:
    return [pid for pid in set(started_pids()) - before if pid_alive(pid)]


@pytest.mark.parametrize("start", [start_redis, pytest.param(start_memcached, marks=needs_memcached)])
def test_a_missing_binary_is_an_error_at_once_and_leaves_nothing(start, tmp_path, monkeypatch):
    made = _recording_mkdtemp(monkeypatch)
    before = set(started_pids())
    began = time.monotonic()
    with pytest.raises(ServerUnavailable, match="cannot run .*no-such-server"):
        start(executable=str(tmp_path / "no-such-server"), timeout=5)
    assert time.monotonic() - began < 2
    assert made and not any(os.path.exists(folder) for folder in made)
    assert _left_running(before) == []


def test_a_server_that_never_answers_is_an_error_by_the_timeout(tmp_path, monkeypatch):
    made = _recording_mkdtemp(monkeypatch)
    silent = tmp_path / "silent-server"
    silent.write_text("#!/bin/sh\nexec sleep 30\n")
    silent.chmod(0o755)
    before = set(started_pids())
    began = time.monotonic()
    with pytest.raises(ServerUnavailable, match="did not answer within 0.5 s"):
        start_redis(executable=str(silent), timeout=0.5)
    assert time.monotonic() - began < 0.5 + 1
    assert not any(os.path.exists(folder) for folder in made)
    assert _left_running(before) == []


def _listener(port: int = 0) -> socket.socket:
    """A socket listening on 127.0.0.1:port (0: any free one): another program holding the port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen()
    return s


@pytest.mark.parametrize("start", [start_redis, pytest.param(start_memcached, marks=needs_memcached)])
def test_a_port_in_use_is_an_error_within_the_timeout(start):
    before = set(started_pids())
    with _listener() as taken:
        began = time.monotonic()
        with pytest.raises(ServerUnavailable, match="exited with code") as info:
            start(port=taken.getsockname()[1], timeout=5)
        assert time.monotonic() - began < 5
    assert "Address already in use" in str(info.value)  # the server's own log, quoted
    assert _left_running(before) == []


def test_a_failed_restart_can_be_tried_again():
    with start_redis(port=0) as server, RedisCache(server.url, timeout=TIMEOUT) as cache:
        server.kill()
        with _listener(server.port):  # another program took the port while the server was down
            with pytest.raises(ServerUnavailable, match="Address already in use"):
                server.restart(timeout=5)
        assert not server.running and os.path.isdir(server.folder)  # kept for another try
        server.restart()
        cache.put("k", 1)
        assert cache.get("k") == 1


def test_every_client_the_lab_builds_has_bounded_waits_and_no_retries():
    with start_redis() as server:
        with RedisCache(server.url, timeout=2, connect_timeout=0.5) as cache:
            kwargs = cache.client.connection_pool.connection_kwargs
            assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (2, 0.5)
            assert kwargs["retry"].get_retries() == 0
        client = redis_refresh.connect(server.url, timeout=1.5)
        kwargs = client.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == 1.5 and kwargs["retry"].get_retries() == 0
        client.close()
        for bad in (0, -1, float("inf")):
            with pytest.raises(ValueError, match="timeout must be a positive finite number of seconds"):
                RedisCache(server.url, timeout=bad)
        with pytest.raises(ValueError, match="on_error must be one of 'raise', 'miss'"):
            RedisCache(server.url, on_error="ignore")
    if HAVE_MEMCACHED:
        with MemcachedCache(timeout=2, connect_timeout=0.5, memory_mb=8) as cache:
            assert (cache.client.timeout, cache.client.connect_timeout) == (2, 0.5)


def test_zz_no_server_of_this_module_is_left_running(pids_before):
    mine = set(started_pids()) - pids_before
    assert mine, "this module started no process"
    assert [pid for pid in mine if pid_alive(pid)] == []
    children = [p.name() for p in psutil.Process().children(recursive=True)]
    assert not any(name.startswith(("redis-server", "memcached", "sleep")) for name in children), children
