"""CREATE INDEX over tables larger than the sorter's memory budget
(storage/btreebuild.py: sorted runs spilled to temporary files, merged
straight into the page loader).

The budget (``btreebuild.CHUNK_BYTES``) is lowered so that a table of a
few thousand rows makes dozens of runs (more than one merge pass).
The scenarios run the same statements on stdlib sqlite3 and compare
(mostly ``test_bulk_write.run_both``: same rows, same errors, sqlite3's
integrity_check of minisql's file, which also checks every index entry
against its table and the index order); the interrupt and memory tests
check minisql alone.  The ``spill`` fixture counts the
run files and checks that every one was closed (so deleted) at the end.
"""
import random
import sqlite3
import tracemalloc

import pytest

import minisql
from minisql.storage import btreebuild
from test_bulk_write import CHECK_QUERIES, run_both

ROWS = 5000


@pytest.fixture
def spill(monkeypatch):
    """Force a small sort budget; yield the list of run files opened."""
    files = []
    real = btreebuild.tempfile.TemporaryFile

    def temporary_file(*args, **kwargs):
        f = real(*args, **kwargs)
        files.append(f)
        return f

    monkeypatch.setattr(btreebuild, "CHUNK_BYTES", 25_000)
    monkeypatch.setattr(btreebuild.tempfile, "TemporaryFile", temporary_file)
    yield files
    assert all(f.closed for f in files)


def mixed_rows(n, seed):
    """a: integers with duplicates; b: text in mixed case, some long enough
    to overflow a 1024-byte page; c: every storage class and NULL; m: integers
    in the first half of the table, text in the second (each run natively
    ordered, but not the runs together)."""
    rnd = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        b = rnd.choice(["apple", "Apple", "APPLE", "b", "B", "zeta", "Zeta", "é"]) + \
            "%04d" % rnd.randint(0, 3000)
        if i % 97 == 0:
            b += "x" * rnd.choice([300, 1500, 5000])
        c = rnd.choice([None, rnd.randint(-50, 50), rnd.random() * 100 - 50,
                        "t%d" % rnd.randint(0, 99), b"\x00\x01" * rnd.randint(0, 3), 2.0])
        m = rnd.randint(-10**6, 10**6) if i <= n // 2 else "m%07d" % rnd.randint(0, 10**6)
        out.append((i, rnd.randint(-2000, 2000), b, c, m))
    return out


def test_spilled_builds_match_sqlite3(tmp_path, spill):
    rows = mixed_rows(ROWS, 1)
    probes = [rows[k] for k in (0, 1234, ROWS // 2, ROWS - 1)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c, m)",
             ("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows),
             "CREATE INDEX t_a ON t(a)",
             "CREATE INDEX t_b ON t(b)",
             "CREATE INDEX t_bn ON t(b COLLATE NOCASE DESC)",
             "CREATE INDEX t_c ON t(c)",
             "CREATE INDEX t_ca ON t(c, a DESC)",
             "CREATE INDEX t_m ON t(m)",
             "CREATE INDEX t_expr ON t(a * 2, lower(b))",
             "CREATE INDEX t_part ON t(b) WHERE a > 0",
             "SELECT a, id FROM t ORDER BY a, id LIMIT 50",
             "SELECT b, id FROM t WHERE b >= 'Z' ORDER BY b, id LIMIT 50",
             "SELECT id FROM t WHERE b = 'apple0007' COLLATE NOCASE ORDER BY id",
             "SELECT m FROM t WHERE m > 999000 ORDER BY m",
             "SELECT count(*) FROM t WHERE m >= 'm'",
             "SELECT count(*), min(c), max(c) FROM t WHERE c IS NOT NULL",
             "SELECT id FROM t WHERE a * 2 = 10 ORDER BY id",
             "SELECT count(*) FROM t WHERE a > 0 AND b > 'b'"]
    for _, a, b, c, m in probes:
        stmts += [("SELECT id FROM t WHERE a = ? ORDER BY id", (a,)),
                  ("SELECT id FROM t WHERE b = ?", (b,)),
                  ("SELECT id FROM t WHERE c = ? ORDER BY id", (c,)),
                  ("SELECT id FROM t WHERE m = ?", (m,))]
    run_both(tmp_path, stmts + CHECK_QUERIES, page_size=1024)
    # Over _FANIN runs per index: merges of more than one pass.
    assert len(spill) > 8 * btreebuild._FANIN


def test_reindex_and_writes_after_spilled_build(tmp_path, spill):
    rnd = random.Random(2)
    rows = [(i, rnd.randint(0, 10**9), "k%09d" % rnd.randint(0, 10**9)) for i in range(1, ROWS)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "CREATE INDEX t_ab ON t(a, b)",
             "CREATE UNIQUE INDEX t_b ON t(b, id)",
             "REINDEX t",
             ("INSERT INTO t(a, b) VALUES (?, ?)", [(i, "w%d" % i) for i in range(300)]),
             "DELETE FROM t WHERE id % 3 = 0",
             ("SELECT id FROM t WHERE a = ? AND b = ?", rows[500][1:]),
             "SELECT count(*), sum(a) FROM t WHERE b > 'k5'"] + CHECK_QUERIES
    run_both(tmp_path, stmts, page_size=4096)
    assert len(spill) > 2 * btreebuild._FANIN


def test_unique_nulls_across_runs_are_not_duplicates(tmp_path, spill):
    rows = [(i, None if i % 3 else i, "v") for i in range(1, ROWS)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "CREATE UNIQUE INDEX u ON t(a)",
             "CREATE UNIQUE INDEX u2 ON t(b, a)",
             "SELECT name FROM sqlite_master ORDER BY name",
             "SELECT count(*) FROM t WHERE a IS NULL"]
    run_both(tmp_path, stmts)


def test_user_collation_spilled(tmp_path, spill):
    """A collation from create_collation sorts by functools.cmp_to_key
    objects, which the run files cannot hold: the merge recomputes them.
    (sqlite3's integrity_check in another process does not know the
    collation, so each engine checks its own file.)"""
    def rev(x, y):
        return (x < y) - (x > y)

    rnd = random.Random(4)
    rows = [(i, "r%03d" % rnd.randint(0, 999)) for i in range(1, ROWS)]
    outs = []
    for mod in (sqlite3, minisql):
        con = mod.connect(str(tmp_path / f"{mod.__name__}.db"), isolation_level=None)
        con.create_collation("rev", rev)
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b TEXT)")
        with con:
            con.execute("BEGIN")
            con.executemany("INSERT INTO t VALUES (?, ?)", rows)
        out = []
        for sql in ("CREATE INDEX t_b ON t(b COLLATE rev, id)",
                    "CREATE UNIQUE INDEX t_u ON t(b COLLATE rev)",
                    "SELECT b, id FROM t ORDER BY b COLLATE rev, id",
                    "SELECT id FROM t WHERE b = 'r500' COLLATE rev ORDER BY id",
                    "PRAGMA integrity_check"):
            try:
                out.append(con.execute(sql).fetchall())
            except mod.Error as e:
                out.append((type(e).__name__, str(e)))
        con.close()
        outs.append(out)
    assert outs[1] == outs[0]
    assert len(spill) > btreebuild._FANIN


def counts(con):
    return [con.execute(p).fetchone()[0] for p in ("PRAGMA page_count", "PRAGMA freelist_count")]


@pytest.mark.parametrize("key", ["a", "b COLLATE NOCASE"])
def test_unique_duplicate_in_different_runs(tmp_path, spill, monkeypatch, key):
    """The two equal keys are in the first and the last run (dozens of
    runs apart) and sort late, so the merge finds them while the index is being loaded: the
    statement's rollback must undo the pages loaded so far."""
    rows = [(i, i, "Key%06d" % i) for i in range(1, ROWS)]
    dup = ROWS - 50
    rows[49] = (50, dup, "kEY%06d" % dup)       # row 50 has row dup's keys
    create = f"CREATE UNIQUE INDEX u ON t({key})"
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "CREATE INDEX keep ON t(id, a)",
             create,
             "SELECT name FROM sqlite_master ORDER BY name",
             "BEGIN", "DELETE FROM t WHERE id = 10", create,
             "SELECT count(*) FROM t", "COMMIT",
             ("SELECT id FROM t WHERE id = ? OR a = ? ORDER BY id", (dup, dup))] + CHECK_QUERIES
    path = run_both(tmp_path, stmts)
    assert len(spill) > btreebuild._FANIN
    # Again on minisql's file, watching the loader: pages were written
    # before the duplicate showed up, and the rollback gave them back.
    pages = []
    real = btreebuild._Level._page
    monkeypatch.setattr(btreebuild._Level, "_page",
                        lambda self, *a: pages.append(real(self, *a)) or pages[-1])
    con = minisql.connect(path, isolation_level=None)
    before = counts(con)
    for explicit in (False, True):
        del pages[:]
        if explicit:
            con.execute("BEGIN")
        with pytest.raises(minisql.IntegrityError, match="UNIQUE constraint failed"):
            con.execute(create)
        assert len(pages) > 5
        assert counts(con) == before
        if explicit:
            con.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM sqlite_master").fetchone() == (2,)
    con.close()
    ref = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert ref.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert counts(ref) == before
    ref.close()


def test_interrupted_merge_closes_run_files(tmp_path, spill, monkeypatch):
    real = btreebuild._read_run
    count = [0]

    def interrupted(*args):
        for pair in real(*args):
            count[0] += 1
            if count[0] == ROWS // 2:
                raise KeyboardInterrupt
            yield pair

    path = str(tmp_path / "t.db")
    con = minisql.connect(path, isolation_level=None)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a)")
    with con:
        con.execute("BEGIN")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, -i) for i in range(1, ROWS)])
    before = con.execute("PRAGMA page_count").fetchone()
    monkeypatch.setattr(btreebuild, "_read_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        con.execute("CREATE INDEX i ON t(a)")
    assert spill and all(f.closed for f in spill)
    monkeypatch.setattr(btreebuild, "_read_run", real)
    assert con.execute("PRAGMA page_count").fetchone() == before
    assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    con.execute("CREATE INDEX i ON t(a)")
    assert con.execute("SELECT id FROM t WHERE a = -77").fetchall() == [(77,)]
    con.close()
    ref = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert ref.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    ref.close()


def build_peak(path, budget, monkeypatch):
    """tracemalloc's peak while CREATE INDEX runs with sort budget ``budget``."""
    monkeypatch.setattr(btreebuild, "CHUNK_BYTES", budget)
    con = minisql.connect(path, isolation_level=None)
    con.execute("PRAGMA cache_size=-256")
    con.execute("SELECT count(*) FROM t").fetchall()
    tracemalloc.start()
    try:
        con.execute("CREATE INDEX i ON t(b)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    con.execute("DROP INDEX i")
    con.close()
    return peak


def test_spilled_build_memory_is_bounded(tmp_path, monkeypatch):
    """~4.5 MB of index records (no overflow on 4096-byte pages).  Sorted in one chunk the build holds all of
    them (more than once, as Python objects); with a 200 KB budget it holds
    a chunk, the merge's blocks and the page cache."""
    path = str(tmp_path / "m.db")
    con = minisql.connect(path, isolation_level=None)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b TEXT)")
    rnd = random.Random(3)
    with con:
        con.execute("BEGIN")
        con.executemany("INSERT INTO t VALUES (?, ?)", [
            (i, "%08d" % rnd.randint(0, 10**8) + "p" * 900) for i in range(1, 5001)])
    con.close()
    whole = build_peak(path, 1 << 40, monkeypatch)
    bounded = build_peak(path, 200_000, monkeypatch)
    records = 5000 * 913
    print(f"records {records} peak in one chunk {whole} with a 200 KB budget {bounded}")
    assert whole > records                      # the old way: all of it in memory
    # Bounded: a chunk, the merge's blocks, the 256 KB page cache and the
    # pager's base images of re-dirtied spilled pages (at most one more
    # cache) -- well under the records themselves, and the one-chunk peak.
    assert bounded < records / 2 and bounded < whole / 4
