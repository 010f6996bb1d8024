"""DELETE through SQL gives the emptied pages back to the freelist.

The b-tree tests check this at the cursor level (tests/test_btree.py); here
the statement path (DELETE with a WHERE, which removes a leaf's doomed cells
in one rebuild) is checked the same way: after deleting all but a few rows
the file's pages are almost all on the freelist, sqlite3's integrity_check
is ok, and sqlite3 reads the same rows.
"""
import sqlite3

import pytest

import minisql


@pytest.mark.parametrize("where", ["id > 10", "id % 10007 != 1", "b != 'keep'"])
def test_delete_back_to_a_few_rows_frees_the_pages(tmp_path, where):
    path = str(tmp_path / "d.db")
    con = minisql.connect(path)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
    con.execute("CREATE INDEX t_a ON t(a)")
    n = 60_000
    con.executemany("INSERT INTO t VALUES (?, ?, ?)",
                    ((i, i * 7919 % n, "keep" if i % 10007 == 1 else "row %d" % i)
                     for i in range(1, n + 1)))
    con.commit()
    pages_before = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"DELETE FROM t WHERE {where}")
    con.commit()
    kept = con.execute("SELECT id, a, b FROM t ORDER BY id").fetchall()
    pages, free = (con.execute(f"PRAGMA {p}").fetchone()[0]
                   for p in ("page_count", "freelist_count"))
    con.close()
    assert 0 < len(kept) <= 10
    assert pages == pages_before and pages - free <= 8, (pages, free)
    ref = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert ref.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert ref.execute("SELECT id, a, b FROM t ORDER BY id").fetchall() == kept
    assert ref.execute("PRAGMA freelist_count").fetchone()[0] == free
    ref.close()
