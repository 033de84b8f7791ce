"""read_trace's formats: CSV with a key column, libCacheSim's oracleGeneral records, recorded costs."""

from __future__ import annotations

import numpy as np
import pytest

from hotcache_lab import workloads
from hotcache_lab.workloads.traces import ORACLE_RECORD


def test_oracle_record_is_libcachesims_24_byte_packed_struct():
    # oracleGeneralBin.h: uint32 real_time, uint64 obj_id, uint32 obj_size, int64 next_access_vtime
    assert ORACLE_RECORD.itemsize == 24
    assert [ORACLE_RECORD.fields[f][1] for f in ORACLE_RECORD.names] == [0, 4, 12, 16]


def test_oracle_fields_round_trip(tmp_path):
    rec = np.zeros(4, dtype=ORACLE_RECORD)
    rec["timestamp"] = [10, 11, 11, 12]
    rec["obj_id"] = [7, 2**64 - 1, 7, 5]
    rec["obj_size"] = [100, 200, 100, 50]
    rec["next_access_vtime"] = [2, -1, -1, -1]
    path = tmp_path / "t.oracleGeneral"
    path.write_bytes(rec.tobytes())
    t = workloads.read_trace(path, format="oracle", full=True)
    assert t.keys.tolist() == [7, -1, 7, 5]  # uint64 ids viewed as int64: equality is all a cache needs
    assert t.timestamps.tolist() == [10, 11, 11, 12] and t.sizes.tolist() == [100, 200, 100, 50]


def test_csv_key_column_numbers_keys_by_first_appearance(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('ts,url,bytes\n1,/a,3\n2,"/b,c",4\n3,/a,3\n\n4,/d,1\n')
    t = workloads.read_trace(path, format="csv", key_column="url", full=True)
    assert t.keys.tolist() == [0, 1, 0, 2] and t.names == ["/a", "/b,c", "/d"]


def test_csv_errors_name_file_line_and_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ts,url\n1,/a\n2\n")
    with pytest.raises(ValueError, match=r"t.csv line 3: expected 2 fields with a 'url' value"):
        workloads.read_trace(path, format="csv", key_column="url")
    with pytest.raises(ValueError, match=r"t.csv line 1: no column named 'key' in the header \['ts', 'url'\]"
                       ):
        workloads.read_trace(path, format="csv")
    path.write_text("")
    with pytest.raises(ValueError, match="t.csv: empty file"):
        workloads.read_trace(path, format="csv", key_column="url")
    with pytest.raises(ValueError, match="format must be one of"):
        workloads.read_trace(path, format="parquet")


def test_cost_lines_are_read_with_the_keys(tmp_path):
    path = tmp_path / "t.trace"
    path.write_text("# header\n5\n#!cost 5 0.25 100\n6\n5\n#!cost 6 1e-06 0\n")
    t = workloads.read_trace(path, full=True)
    assert t.keys.tolist() == [5, 6, 5]
    assert t.costs.keys.tolist() == [5, 6] and t.costs.seconds.tolist() == [0.25, 1e-6]
    assert t.costs.bytes.tolist() == [100, 0]
    path.write_text("5\n#!cost 5 -1 100\n")
    with pytest.raises(ValueError, match="t.trace line 2: cost must be"):
        workloads.read_trace(path)
    path.write_text("5\n#!cost 5 1\n")
    with pytest.raises(ValueError, match="t.trace line 2: expected '#!cost key seconds bytes'"):
        workloads.read_trace(path)


def test_binary_files_are_refused_as_text(tmp_path):
    path = tmp_path / "t.bin"
    path.write_bytes(np.zeros(3, dtype=ORACLE_RECORD).tobytes())
    with pytest.raises(ValueError, match="t.bin line 1: binary data"):
        workloads.read_trace(path)
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(20))
    with pytest.raises(ValueError, match="zstd-compressed"):
        workloads.read_trace(path, format="oracle")


def test_numpy_fast_path_reads_the_same_and_still_names_bad_lines(tmp_path, monkeypatch):
    from hotcache_lab.workloads import traces

    monkeypatch.setattr(traces, "_CHUNK_LINES", 4)  # several chunks: fast ones and exact ones mixed
    keys = [5, -3, 2**63 - 1, 7, 7, 1, 0, 9, 4, 4]
    body = "\n".join(map(str, keys[:5])) + "\n# a comment\n" + "\n".join(map(str, keys[5:])) + "\n"
    path = tmp_path / "t.trace"
    path.write_text(body)
    assert workloads.read_trace(path).tolist() == keys
    path.write_text("1\n2\n3\n4\n5\n6\n2.5\n8\n")  # the bad token is in a chunk the fast path declines
    with pytest.raises(ValueError, match=r"t.trace line 7: expected an integer key, got '2.5'"):
        workloads.read_trace(path)
    path.write_text("1\n2\n3\n4\n5\n99999999999999999999\n")
    with pytest.raises(ValueError, match="t.trace line 6: key 99999999999999999999 does not fit in int64"):
        workloads.read_trace(path)
