import os
import stat
import subprocess
import sys
import threading

import pytest

from hotcache_lab.invalidation.origin import Database, Row


def test_rows_carry_versions_and_every_query_is_counted():
    with Database(rows=3) as db:
        assert db.read("1") == Row("v0:1", 1)
        assert db.write("1", "x") == 2 and db.write("new", "y") == 1
        assert db.read("1") == Row("x", 2) and db.read("absent") is None
        assert (db.reads, db.writes) == (3, 2)
        assert db.peek("1") == Row("x", 2) and db.reads == 3  # peek is not counted
        assert db.write_many([("1", "a"), ("2", "b")]) == 2 and db.peek("1") == Row("a", 3)
        assert db.delete("2") and not db.delete("2")


def test_wal_in_a_private_folder_removed_on_close():
    db = Database()
    folder = os.path.dirname(db.path)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700 and os.stat(folder).st_uid == os.getuid()
    assert db.journal_mode() == "wal"
    db.close()
    assert not os.path.exists(folder)
    with pytest.raises(RuntimeError, match="closed"):
        db.read("1")


def test_threads_and_another_process_share_it():
    with Database(rows=1) as db:
        threads = [threading.Thread(target=lambda: [db.write("0", "t") for _ in range(20)]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert db.peek("0").version == 81
        code = ("import sys; from hotcache_lab.invalidation.origin import Database; "
                "d = Database.attach(sys.argv[1]); print(d.write('0', 'p')); d.close()")
        out = subprocess.run([sys.executable, "-c", code, db.path], capture_output=True, text=True,
                             timeout=60)
        assert out.stdout.strip() == "82" and os.path.exists(db.path)  # attach never removes the file


def test_bad_input_is_named():
    with pytest.raises(FileNotFoundError, match="no database"):
        Database.attach("/nonexistent/x.sqlite3")
    with pytest.raises(ValueError, match="rows"):
        Database(rows=-1)
