"""Optional CRC32C page checksums, through the DB-API (see pager.py)."""
import os

import pytest

import minisql
from util import sqlite3_contents


def _make(path):
    con = minisql.connect(path, checksums=True)
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * (i % 300)) for i in range(2000)])
    con.commit()
    con.close()


def test_checksummed_database_is_a_sqlite_database(tmp_path):
    path = str(tmp_path / "ck.db")
    _make(path)
    with open(path, "rb") as f:
        assert f.read(100)[20] == 4          # 4 reserved bytes per page
    info = sqlite3_contents(path)[0]
    assert info["integrity"] == ["ok"]
    assert len(info["tables"]["t"]) == 2000
    con = minisql.connect(path)              # reopened: recognised from the header
    assert con.execute("SELECT count(*), sum(length(b)) FROM t").fetchone() == \
        (2000, sum(i % 300 for i in range(2000)))
    con.close()


def test_flipped_bit_is_reported_with_the_page(tmp_path):
    path = str(tmp_path / "ck.db")
    _make(path)
    size = os.path.getsize(path)
    page_size = 4096
    victim = size // page_size // 2 + 1       # some page in the middle
    with open(path, "r+b") as f:
        f.seek((victim - 1) * page_size + 1000)
        byte = f.read(1)
        f.seek((victim - 1) * page_size + 1000)
        f.write(bytes([byte[0] ^ 0x10]))
    con = minisql.connect(path)
    with pytest.raises(minisql.DatabaseError) as e:
        con.execute("SELECT * FROM t").fetchall()
    assert f"page {victim}" in str(e.value)
    con.close()
