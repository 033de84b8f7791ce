"""Every server the lab starts is reachable only by the user who started it, and a value read back is
never unpickled unless the caller asked for pickle. Real servers, real sockets, real permissions."""

from __future__ import annotations

import os
import pickle
import socket
import stat
import time

import psutil
import pytest
import redis
from server_support import HAVE_MEMCACHED, needs_memcached

from hotcache_lab.distributed import (
    JsonCodec,
    MemcachedCache,
    PickleCodec,
    RedisCache,
    ServerUnavailable,
    codecs,
    start_memcached,
    start_redis,
    started_pids,
)
from hotcache_lab.distributed.keys import memcached_key, server_key
from hotcache_lab.distributed.servers import pid_alive

NOBODY = 65534


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture(scope="module", autouse=True)
def pids_before():
    return set(started_pids())


def _private(path: str) -> None:
    """`path` belongs to this user and nobody else may read, write or enter it."""
    info = os.stat(path)
    assert info.st_uid == os.getuid(), f"{path} is owned by uid {info.st_uid}"
    assert info.st_mode & 0o077 == 0, f"{path} has mode {oct(stat.S_IMODE(info.st_mode))}"


def _listening(pid: int) -> list[str]:
    """The TCP addresses the process listens on."""
    return sorted({c.laddr.ip for c in psutil.Process(pid).net_connections(kind="inet")
                   if c.status == psutil.CONN_LISTEN})


# --- Redis ---------------------------------------------------------------------------------------


def test_redis_lives_in_a_private_folder_with_its_password_off_the_command_line():
    with start_redis() as server:
        assert stat.S_IMODE(os.stat(server.folder).st_mode) == 0o700
        for path in (server.folder, server.socket_path, os.path.join(server.folder, "redis.conf")):
            _private(path)
        assert len(server.password) >= 32 and server.password in server.url
        cmdline = " ".join(psutil.Process(server.pid).cmdline())  # what any local user can read in ps
        assert server.password not in cmdline
        folder = server.folder
    assert not os.path.exists(folder)  # removed at stop


def test_redis_refuses_a_client_without_the_password():
    with start_redis() as server:
        # from_url: no retries (redis.Redis(...) would retry the refusal 10 times with backoff)
        for url in (f"unix://{server.socket_path}", f"unix://:not-the-password-at-all@{server.socket_path}"):
            client = redis.Redis.from_url(url)
            with pytest.raises(redis.AuthenticationError):
                client.get("k")
            client.close()
        with socket.socket(socket.AF_UNIX) as raw:  # a client that skips the handshake entirely
            raw.settimeout(2)
            raw.connect(server.socket_path)
            raw.sendall(b"GET k\r\n")
            assert raw.recv(64).startswith(b"-NOAUTH")
        with pytest.raises(ServerUnavailable, match="password is missing or wrong") as info:
            RedisCache(f"unix://{server.socket_path}")
        assert isinstance(info.value.__cause__, redis.AuthenticationError)
        with RedisCache(server.url) as cache:  # the url carries the password
            cache.put("k", 1)
            assert cache.get("k") == 1


def test_redis_config_is_as_claimed_on_a_unix_socket_only():
    with start_redis() as server, RedisCache(server.url) as cache:
        config = cache.client.config_get("*")
        assert config["port"] == "0"  # no TCP listener
        assert config["bind"] == "127.0.0.1" and config["protected-mode"] == "yes"
        assert config["requirepass"] == server.password != ""
        assert config["unixsocketperm"] == "700" and config["save"] == ""
        assert _listening(server.pid) == []


def test_redis_on_tcp_listens_on_loopback_only_and_asks_for_the_password():
    with start_redis(port=0) as server:
        assert server.tcp_url == f"redis://:{server.password}@127.0.0.1:{server.port}/0"
        assert _listening(server.pid) == ["127.0.0.1"]
        anonymous = redis.Redis.from_url(f"redis://127.0.0.1:{server.port}/0")
        with pytest.raises(redis.AuthenticationError):
            anonymous.ping()
        anonymous.close()
        with RedisCache(server.tcp_url) as cache:
            config = cache.client.config_get("*")
            assert config["port"] == str(server.port) and config["bind"] == "127.0.0.1"
            assert config["requirepass"] == server.password
            assert server.password not in repr(cache)


def test_a_replica_authenticates_to_its_master_with_masterauth():
    with start_redis(port=0) as master, start_redis(replica_of=master) as replica:
        assert replica.password == master.password
        writer, reader = RedisCache(master.url, namespace="m"), RedisCache(replica.url, namespace="m")
        with writer, reader:
            assert reader.client.config_get("masterauth")["masterauth"] == master.password
            writer.put("k", "replicated")
            deadline = time.monotonic() + 10
            while reader.get("k") != "replicated":
                assert time.monotonic() < deadline, reader.client.info("replication")
                time.sleep(0.02)
            assert reader.client.info("replication")["master_link_status"] == "up"
    with pytest.raises(ValueError, match="TCP port"), start_redis() as unix_only:
        start_redis(replica_of=unix_only)


def test_a_password_that_could_inject_config_is_refused():
    for bad in ("short", "sixteen-chars-ok\nrequirepass x", "has spaces in it, many"):
        with pytest.raises(ValueError, match="password must be"):
            start_redis(password=bad)


# --- memcached -------------------------------------------------------------------------------------


@needs_memcached
def test_memcached_serves_a_private_unix_socket_and_no_network():
    with start_memcached(memory_mb=8) as server:
        assert server.port is None and server.address == server.socket_path
        _private(server.folder)
        _private(server.socket_path)
        assert _listening(server.pid) == []  # -s turns the TCP and UDP listeners off
        with MemcachedCache(server.address) as cache:
            settings = cache.client.stats("settings")
            assert settings[b"domain_socket"].decode() == server.socket_path
            assert settings[b"umask"] == 0o700 and settings[b"udpport"] == 0
            cache.put("k", [1])
            assert cache.get("k") == [1]
        folder = server.folder
    assert not os.path.exists(folder)


@needs_memcached
def test_memcached_on_tcp_binds_loopback_only():
    with start_memcached(memory_mb=8, port=0) as server:
        assert _listening(server.pid) == ["127.0.0.1"]
        assert "ANY user of this machine can connect" in type(server).__doc__


def _connect_as_nobody(address) -> str:
    """Connect to `address` from a forked child that became uid 65534 (nobody); its exit code tells."""
    pid = os.fork()
    if pid == 0:  # the child: drop every privilege, then try
        code = 3
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
            with socket.socket(family) as s:
                s.settimeout(2)
                try:
                    s.connect(address)
                    code = 0
                except PermissionError:
                    code = 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {0: "connected", 1: "refused"}.get(os.waitstatus_to_exitcode(status), "failed")
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return "hung"


@pytest.mark.skipif(os.geteuid() != 0 or not hasattr(os, "fork"), reason="becoming another user needs root")
def test_another_user_cannot_reach_the_unix_sockets_but_can_reach_loopback_tcp():
    """As uid 65534 (nobody): the private folders stop it; memcached's TCP port does not (documented)."""
    as_nobody = _connect_as_nobody

    with start_redis() as server:
        assert as_nobody(server.socket_path) == "refused"
    if HAVE_MEMCACHED:
        with start_memcached(memory_mb=8) as server:
            assert as_nobody(server.socket_path) == "refused"
        with start_memcached(memory_mb=8, port=0) as server:
            assert as_nobody((server.host, server.port)) == "connected"  # what the docstring warns about


# --- codecs: a planted pickle is never run ----------------------------------------------------------


class Planted:
    """A pickle whose loading creates a directory: stands for any code an attacker chooses."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def _plant(kind: str, cache, key, payload: bytes) -> None:
    if kind == "redis":
        cache.client.set(server_key(cache.namespace, key), payload)
    else:
        cache.client.set(memcached_key(cache.namespace, key), payload)


@pytest.mark.parametrize("kind", ["redis", pytest.param("memcached", marks=needs_memcached)])
def test_the_default_codec_refuses_a_planted_pickle_and_runs_nothing(kind, tmp_path):
    marker = tmp_path / "the payload ran"
    cls = RedisCache if kind == "redis" else MemcachedCache
    with cls(namespace="shared") as cache:
        assert isinstance(cache.codec, JsonCodec)  # the default
        _plant(kind, cache, "profile", pickle.dumps(Planted(str(marker))))
        with pytest.raises(ValueError, match="looks like a pickle: not unpickled"):
            cache.get("profile")
        assert not marker.exists()
        address = cache.url if kind == "redis" else cache.address
        with cls(address, namespace="shared", codec="pickle") as trusting:  # only when named
            trusting.get("profile")
        assert marker.is_dir()  # the same bytes, unpickled, ran the writer's code


def test_pickle_is_never_a_default_and_its_codec_carries_the_warning():
    assert type(codecs.get_codec("json")) is JsonCodec and type(codecs.get_codec("pickle")) is PickleCodec
    for cls in (RedisCache, MemcachedCache):
        assert cls.__init__.__kwdefaults__["codec"] == "json"
    assert "not secure. Only unpickle data you trust" in PickleCodec.__doc__
    assert "https://docs.python.org/3/library/pickle.html" in PickleCodec.__doc__


def test_zz_no_server_of_this_module_is_left_running(pids_before):
    mine = set(started_pids()) - pids_before
    assert mine, "this module started no process"
    assert [pid for pid in mine if pid_alive(pid)] == []
    children = [p.name() for p in psutil.Process().children(recursive=True)]
    assert not any(name.startswith(("redis-server", "memcached")) for name in children), children
