"""The page cache is bounded (PRAGMA cache_size, SQLite's 2 MB default):
scanning or writing a database many times larger than the cache keeps
memory flat, and page sizes set before the first table hold."""
import sqlite3
import tracemalloc

import pytest

import minisql
from util import sqlite3_check

ROW = "x" * 400


def _fill(path, rows, per_commit):
    con = minisql.connect(path)
    for start in range(0, rows, per_commit):
        con.executemany("INSERT INTO t(b) VALUES (?)", [(ROW,)] * min(per_commit, rows - start))
        con.commit()
    return con


def test_scan_and_load_of_a_big_database_keep_memory_flat(tmp_path):
    path = str(tmp_path / "big.db")
    con = minisql.connect(path)
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
    con.commit()
    con.close()
    tracemalloc.start()
    try:
        con = _fill(path, 40_000, 2_000)          # ~18 MB of rows, 9x the cache
        load_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        n, total = con.execute("SELECT count(*), sum(length(b)) FROM t").fetchone()
        scan_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    con.close()
    assert (n, total) == (40_000, 40_000 * len(ROW))
    # The cache holds ~2 MB of pages plus their decoded views; a cache that
    # grew with the database would need 18 MB or more.
    assert scan_peak < 10_000_000, scan_peak
    assert load_peak < 12_000_000, load_peak
    assert sqlite3_check(path) == ["ok"]


@pytest.mark.parametrize("page_size", [512, 1024, 8192, 65536])
def test_page_size_before_the_first_table(tmp_path, page_size):
    path = str(tmp_path / f"p{page_size}.db")
    con = minisql.connect(path)
    con.execute(f"PRAGMA page_size = {page_size}")
    con.execute("CREATE TABLE t(a)")
    con.executemany("INSERT INTO t VALUES (?)", [("y" * 300,)] * 300)
    con.commit()
    assert con.execute("PRAGMA page_size").fetchone() == (page_size,)
    con.close()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as s:
        assert s.execute("PRAGMA page_size").fetchone() == (page_size,)
        assert s.execute("SELECT count(*) FROM t").fetchone() == (300,)
    s.close()
    assert sqlite3_check(path) == ["ok"]
