"""The source of truth: a real SQLite database in WAL mode, in a private folder the lab removes.

Each row is `(key, value, version)`; every write bumps the version, so a reader can tell an old
value from a new one. WAL mode lets readers read while a writer writes (https://sqlite.org/wal.html);
each thread gets its own connection (sqlite3 connections are not shared across threads by default),
and a worker process opens the same file with `Database.attach(path)`. Reads and writes are counted:
the database load is what a cache exists to cut.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from typing import NamedTuple

from .. import _check

SCHEMA = ("CREATE TABLE IF NOT EXISTS items "
          "(key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL)")
SELECT = "SELECT value, version FROM items WHERE key = ?"


class Row(NamedTuple):
    value: str
    version: int


class Database:
    """SQLite in WAL mode; `read`, `write` and `delete` are counted in `reads` and `writes`."""

    def __init__(self, rows: int = 0, *, timeout: float = 5.0, _path: str | None = None) -> None:
        self.timeout = _check.seconds("timeout", timeout)
        self._owned = _path is None
        if self._owned:
            folder = tempfile.mkdtemp(prefix="hotcache-db-")  # mode 0700: only this user reaches it
            self.path = os.path.join(folder, "origin.sqlite3")
        else:
            self.path = _path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.reads = self.writes = 0
        self._closed = False
        if self._owned:
            self._finalizer = weakref.finalize(self, _remove, self._connections, os.path.dirname(self.path))
        mode = self._connection().execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"SQLite at {self.path} refused WAL mode (journal_mode={mode})")
        self._connection().execute(SCHEMA)
        for i in range(_check.integer("rows", rows, minimum=0)):
            self.write(str(i), f"v0:{i}", count=False)

    @classmethod
    def attach(cls, path: str, *, timeout: float = 5.0) -> Database:
        """The same database from another process: nothing is created, nothing removed at close."""
        if not os.path.exists(_check.text("path", path)):
            raise FileNotFoundError(f"no database at {path}")
        return cls(timeout=timeout, _path=path)

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError(f"the database at {self.path} is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL's recommended setting: durable at checkpoints
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _count(self, reads: int = 0, writes: int = 0) -> None:
        with self._lock:
            self.reads += reads
            self.writes += writes

    def read(self, key: str) -> Row | None:
        """The row for `key`, or None if there is none (one counted query either way)."""
        self._count(reads=1)
        found = self._connection().execute(SELECT, (key,)).fetchone()
        return Row(*found) if found else None

    def write(self, key: str, value: str, *, count: bool = True) -> int:
        """Insert or update `key`; returns the row's new version (1 for a new row)."""
        if count:
            self._count(writes=1)
        (version,) = self._connection().execute(
            "INSERT INTO items (key, value, version) VALUES (?, ?, 1) ON CONFLICT(key) DO UPDATE "
            "SET value = excluded.value, version = version + 1 RETURNING version", (key, value)).fetchone()
        return version

    def write_many(self, items: list[tuple[str, str]]) -> int:
        """Several writes in one transaction (what a write-behind flush does); returns how many."""
        conn = self._connection()
        self._count(writes=len(items))
        conn.execute("BEGIN")
        try:
            conn.executemany(
                "INSERT INTO items (key, value, version) VALUES (?, ?, 1) ON CONFLICT(key) DO UPDATE "
                "SET value = excluded.value, version = version + 1", items)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return len(items)

    def delete(self, key: str) -> bool:
        self._count(writes=1)
        return self._connection().execute("DELETE FROM items WHERE key = ?", (key,)).rowcount > 0

    def peek(self, key: str) -> Row | None:
        """The row, not counted: what a test or a checked cell compares the cache with."""
        found = self._connection().execute(SELECT, (key,)).fetchone()
        return Row(*found) if found else None

    def journal_mode(self) -> str:
        """SQLite's answer to `PRAGMA journal_mode`: "wal" for every database the lab opens."""
        return self._connection().execute("PRAGMA journal_mode").fetchone()[0]

    def reset_counts(self) -> None:
        with self._lock:
            self.reads = self.writes = 0

    def close(self) -> None:
        """Close every connection; an owned database also removes its folder."""
        self._closed = True
        if self._owned:
            self._finalizer()
        else:
            _remove(self._connections, None)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.path!r}, reads={self.reads}, writes={self.writes})"


def _remove(connections: list[sqlite3.Connection], folder: str | None) -> None:
    for conn in connections:
        conn.close()
    connections.clear()
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
