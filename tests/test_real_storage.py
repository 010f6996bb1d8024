"""REAL columns are stored as SQLite stores them: an integral value from
-2**47 to 2**47-1 as an integer (OP_MakeRecord's MEM_IntReal), so minisql's
table records and index keys hold the same serial types and bytes as
sqlite3's for the same statements, and read back as REAL in both engines."""
import random
import sqlite3
import struct

import pytest

import minisql
from minisql.storage.record import real_stored
from util import sqlite3_check

EDGES = [0.0, -0.0, 5.0, -7.0, 2.0 ** 47 - 1, -2.0 ** 47, 2.0 ** 47, -2.0 ** 47 - 1,
         2 ** 47 - 1, -2 ** 47, 2 ** 47, 2 ** 50, 2 ** 63 - 1, -2 ** 63, 0.5, 1e300,
         float("inf"), float("-inf"), None, "3", "3.0", "x", b"\x01", 12]


def _varint(b, i):
    v = 0
    for k in range(9):
        x = b[i + k]
        if k == 8:
            return (v << 8) | x, i + 9
        v = (v << 7) | (x & 0x7F)
        if x < 0x80:
            return v, i + k + 1
    raise AssertionError("unreachable")


def _records(path):
    """Every table and index record of the file but sqlite_schema's (page
    1 here), the first 64 bytes of each, as a sorted list: which page holds
    which record may differ between engines (minisql splits pages
    differently, so root page numbers differ too), the records may not."""
    data = open(path, "rb").read()
    ps = struct.unpack(">H", data[16:18])[0]
    out = []
    for pgno in range(2, len(data) // ps + 1):
        page = data[(pgno - 1) * ps:pgno * ps]
        h = 0
        kind = page[h]
        if kind not in (2, 10, 13):
            continue
        ptrs = h + (12 if kind == 2 else 8)
        for j in range(struct.unpack(">H", page[h + 3:h + 5])[0]):
            off = struct.unpack(">H", page[ptrs + 2 * j:ptrs + 2 * j + 2])[0]
            i = off + (4 if kind == 2 else 0)
            size, i = _varint(page, i)
            if kind == 13:
                _, i = _varint(page, i)
            out.append((kind == 13, page[i:i + min(size, 64)]))
    return sorted(out)


def _build(module, path, rows):
    con = module.connect(path)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b REAL, c, d NUMERIC)")
    con.execute("CREATE INDEX ta ON t(a)")
    con.execute("CREATE INDEX tba ON t(b, a)")
    con.executemany("INSERT INTO t(a, b, c, d) VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.execute("UPDATE t SET a = a + 1 WHERE id % 7 = 0")
    con.execute("UPDATE t SET b = -b WHERE id % 5 = 0")
    con.execute("INSERT INTO t(a, b) SELECT a, b FROM t WHERE id % 13 = 0")
    con.execute("CREATE INDEX tb ON t(b)")          # built in bulk from the records
    con.commit()
    con.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_records_are_sqlite3s(tmp_path, seed):
    rnd = random.Random(seed)
    values = EDGES + [rnd.randint(-10, 10) + 0.0 for _ in range(20)] + [rnd.random()]
    rows = [(a, rnd.choice(values), a, a) for a in (rnd.choice(values) for _ in range(1500))]
    paths = {}
    for module in (sqlite3, minisql):
        paths[module] = str(tmp_path / f"{module.__name__}.db")
        _build(module, paths[module], rows)
    assert sqlite3_check(paths[minisql]) == ["ok"]
    assert _records(paths[minisql]) == _records(paths[sqlite3])
    query = "SELECT id, quote(a), typeof(a), quote(b), typeof(b), quote(c), quote(d) FROM t"
    got = {}
    for module in (sqlite3, minisql):
        for path in paths.values():         # each engine reads both files
            con = module.connect(path)
            got[module, path] = con.execute(query + " ORDER BY id").fetchall()
            con.close()
    assert len(set(map(tuple, got.values()))) == 1


def test_real_stored():
    for v in EDGES:
        s = real_stored(v)
        if type(v) is float and v.is_integer() and -2 ** 47 <= v < 2 ** 47:
            assert type(s) is int and s == v
        else:
            assert s is v
