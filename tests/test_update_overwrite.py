"""UPDATE writes a row over its old cell (TableCursor.overwrite, MemPage.
replace_cell): in place when the new cell is no larger, else dropped and
re-inserted (balancing when the page is full), with overflow chains freed
and made as the record crosses the local limit.  Rows are found again by
rowid when they are written, as SQLite's two-pass UPDATE does: a row a
trigger or a REPLACE deleted meanwhile is skipped, values a trigger changed
are read again.  Every case runs the same statements through sqlite3 and
compares what the user sees; the files are then checked by sqlite3.
"""
import random
import sqlite3

import pytest

import util
from util import SideBySide, sqlite3_check, sqlite3_contents

minisql = util.minisql_module()


@pytest.fixture
def sbs(tmp_path):
    # isolation_level=None: every statement is its own transaction unless
    # a script says BEGIN (the same on both sides).
    with SideBySide(minisql, str(tmp_path), isolation_level=None) as s:
        yield s


def check_files(s):
    """Both files hold the same rows, and sqlite3 finds minisql's sound."""
    s.conn.close()
    s.ref.close()
    check_files_closed(s)


def check_files_closed(s):
    ref, got = sqlite3_contents(s.ref_path, s.path)
    assert got["integrity"] == ["ok"]
    assert got == ref


def run_all(s, statements):
    for sql in statements:
        s.check(sql)


TABLE = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)"


def fill(s, n=300):
    run_all(s, [TABLE, "BEGIN"])
    for i in range(1, n + 1):
        s.check("INSERT INTO t VALUES (?, ?, ?, ?)", (i, i * 7 % 101, "x" * (i % 40), i / 4))
    s.check("COMMIT")


@pytest.mark.parametrize("expr", [
    "b",                                  # the same cell, byte for byte
    "upper(b)",                           # the same size
    "substr(b, 1, length(b) - 1)",        # one byte smaller: a fragment
    "substr(b, 1, 3)",                    # smaller: a freeblock
    "b || 'yy'",                          # larger: re-inserted
    "b || printf('%.300c', '-')",         # much larger: pages split
    "NULL",
])
def test_sizes(sbs, expr):
    fill(sbs)
    run_all(sbs, [f"UPDATE t SET b = {expr}, c = c + 1 WHERE id % 3 = 1",
                  f"UPDATE t SET b = {expr} WHERE id = 150",
                  "SELECT changes(), total_changes()",
                  "SELECT * FROM t ORDER BY id"])
    check_files(sbs)


def test_point_updates_shrink_and_grow(sbs):
    """The speedtest's shape: one row by id per statement, in one
    transaction, the text changing size both ways; fragments accumulate
    and are absorbed."""
    fill(sbs, 500)
    rng = random.Random(5)
    sbs.check("BEGIN")
    for _ in range(1500):
        sbs.check("UPDATE t SET c = c + 1, b = ? WHERE id = ?",
                  ("z" * rng.randrange(0, 60), rng.randint(0, 501)))
    run_all(sbs, ["COMMIT", "SELECT * FROM t ORDER BY id"])
    check_files(sbs)


def test_crossing_the_overflow_threshold(sbs):
    """Records growing past the local limit get an overflow chain, longer
    ones a longer chain; shrinking frees the chain (sqlite3's integrity
    check counts every page: a leaked one would show)."""
    fill(sbs, 50)
    run_all(sbs, [
        "UPDATE t SET b = printf('%.5000c', 'o') WHERE id % 5 = 0",     # spills
        "UPDATE t SET b = printf('%.9000c', 'p') WHERE id % 10 = 0",    # a longer chain
        "UPDATE t SET b = printf('%.4000c', 'q') WHERE id % 10 = 5",    # a shorter one
        "UPDATE t SET b = printf('%.4050c', 'r') WHERE id = 10",        # about the limit
        "UPDATE t SET c = c + 1 WHERE id % 5 = 0",                      # same size, spilled
        "SELECT id, length(b), substr(b, 1, 3), c FROM t ORDER BY id",
        "UPDATE t SET b = 'short' WHERE id % 10 = 0",                   # back on the page
        "SELECT id, length(b), c FROM t ORDER BY id",
        "PRAGMA integrity_check",
    ])
    check_files(sbs)


def test_indexes_follow(sbs):
    fill(sbs, 200)
    run_all(sbs, [
        "CREATE INDEX t_b ON t(b)",
        "CREATE UNIQUE INDEX t_a ON t(a, id)",
        "CREATE INDEX t_part ON t(c) WHERE c > 20",
        "CREATE INDEX t_expr ON t(length(b))",
        "UPDATE t SET b = b || 'k', c = c + 10 WHERE id % 4 = 0",
        "UPDATE t SET a = a + 1000 WHERE id BETWEEN 50 AND 60",
        "UPDATE t SET id = id + 1000 WHERE id % 7 = 0",
        "SELECT id, b FROM t INDEXED BY t_b WHERE b > 'xxxx' ORDER BY b, id",
        "SELECT count(*) FROM t WHERE c > 20",
        "SELECT length(b), count(*) FROM t GROUP BY length(b)",
        "PRAGMA integrity_check",
    ])
    check_files(sbs)


@pytest.mark.parametrize("trigger, update", [
    # An AFTER trigger writes a row the statement updates later: that row's
    # OLD values are read when its turn comes.
    ("CREATE TRIGGER tr AFTER UPDATE ON t BEGIN "
     "UPDATE t SET c = c + 100 WHERE id = NEW.id + 1; END",
     "UPDATE t SET c = c + 1 WHERE id < 10"),
    # A BEFORE trigger deletes the row being updated, or a later one.
    ("CREATE TRIGGER tr BEFORE UPDATE ON t WHEN OLD.id = 3 BEGIN "
     "DELETE FROM t WHERE id = 3; END", "UPDATE t SET c = c + 1 WHERE id < 10"),
    ("CREATE TRIGGER tr BEFORE UPDATE ON t WHEN OLD.id = 2 BEGIN "
     "DELETE FROM t WHERE id IN (5, 6); END", "UPDATE t SET c = c + 1 WHERE id < 10"),
    # A BEFORE trigger changes a column the SET list leaves alone (kept) or
    # one it assigns (overwritten), indexed either way.
    ("CREATE TRIGGER tr BEFORE UPDATE ON t BEGIN "
     "UPDATE t SET a = a + 7 WHERE id = OLD.id; END", "UPDATE t SET c = c + 1 WHERE id < 10"),
    ("CREATE TRIGGER tr BEFORE UPDATE ON t BEGIN "
     "UPDATE t SET c = c + 7, b = 'trigger' WHERE id = OLD.id; END",
     "UPDATE t SET c = c + 1 WHERE id < 10"),
    # A trigger logs OLD and NEW.
    ("CREATE TRIGGER tr AFTER UPDATE OF b ON t BEGIN "
     "INSERT INTO log VALUES (OLD.id, OLD.b, NEW.b); END",
     "UPDATE t SET b = b || '!' WHERE id % 3 = 0"),
    ("CREATE TRIGGER tr BEFORE UPDATE ON t WHEN NEW.c > 40 BEGIN "
     "SELECT RAISE(IGNORE); END", "UPDATE t SET c = c + 10"),
])
def test_triggers(sbs, trigger, update):
    fill(sbs, 60)
    run_all(sbs, ["CREATE INDEX t_a ON t(a)", "CREATE INDEX t_c ON t(c)",
                  "CREATE TABLE log(id, old, new)", trigger, update,
                  "SELECT changes(), total_changes()",
                  "SELECT * FROM t ORDER BY id", "SELECT * FROM log ORDER BY rowid",
                  "PRAGMA integrity_check"])
    check_files(sbs)


@pytest.mark.parametrize("update", [
    "UPDATE OR REPLACE t SET u = u + 1, c = c + 1",
    "UPDATE OR REPLACE t SET u = 3, c = c + 1 WHERE id < 3",
    "UPDATE OR REPLACE t SET id = id + 1",
    "UPDATE OR REPLACE t SET id = id - 1, c = c + 1",
    "UPDATE OR IGNORE t SET u = u + 1, b = 'moved'",
    "UPDATE t SET id = id + 10 WHERE id > 3",
    "UPDATE t SET id = NULL WHERE id = 2",
    "UPDATE t SET rowid = '7' WHERE id = 2",
    "UPDATE t SET id = 'x' WHERE id = 2",
    "UPDATE t SET id = '12' WHERE id = 2",
    "UPDATE t SET id = 1e30 WHERE id = 2",
    "UPDATE t SET id = -9.2233720368547758e18 WHERE id = 2",
    "UPDATE t SET id = -9.2233720368547748e18 WHERE id = 2",
])
def test_replace_and_rowid_changes(sbs, update):
    run_all(sbs, ["CREATE TABLE t(id INTEGER PRIMARY KEY, u INT UNIQUE, b TEXT, c REAL)",
                  "INSERT INTO t VALUES (1, 1, 'a', 0), (2, 2, 'bb', 0), (3, 3, 'ccc', 0),"
                  " (4, 4, 'dddd', 0), (5, 5, 'eeeee', 0)",
                  update, "SELECT changes(), total_changes()",
                  "SELECT * FROM t ORDER BY id", "PRAGMA integrity_check"])
    check_files(sbs)


@pytest.mark.parametrize("conflict", ["", "OR ABORT", "OR FAIL", "OR IGNORE", "OR ROLLBACK"])
@pytest.mark.parametrize("constraint, update", [
    ("u INT UNIQUE", "UPDATE {c} t SET u = 30, b = b || printf('%.50c', '+')"),
    ("u INT NOT NULL", "UPDATE {c} t SET u = CASE WHEN id = 30 THEN NULL ELSE u END, "
                       "b = b || printf('%.50c', '+')"),
    ("u INT CHECK (u < 40)", "UPDATE {c} t SET u = u + 10, b = substr(b, 2)"),
])
def test_constraint_fails_mid_statement(sbs, conflict, constraint, update):
    """Rows before the failing one were already written (some in place,
    some re-inserted with splits): ABORT undoes them, FAIL keeps them,
    IGNORE skips the row, ROLLBACK ends the transaction."""
    run_all(sbs, [f"CREATE TABLE t(id INTEGER PRIMARY KEY, {constraint}, b TEXT)", "BEGIN"])
    for i in range(1, 61):
        sbs.check("INSERT INTO t VALUES (?, ?, ?)", (i, i, "w" * (i % 30)))
    run_all(sbs, ["UPDATE t SET b = b || '.' WHERE id < 5",
                  update.format(c=conflict),
                  "SELECT changes(), total_changes()",
                  "SELECT * FROM t ORDER BY id"])
    assert sbs.conn.in_transaction == sbs.ref.in_transaction
    if sbs.ref.in_transaction:
        sbs.check("COMMIT")
    sbs.check("SELECT * FROM t ORDER BY id")
    check_files(sbs)


def test_savepoints(sbs):
    fill(sbs, 300)
    run_all(sbs, [
        "BEGIN",
        "UPDATE t SET b = b || 'one' WHERE id % 2 = 0",
        "SAVEPOINT a",
        "UPDATE t SET b = substr(b, 3), c = -c WHERE id % 3 = 0",
        "UPDATE t SET b = printf('%.5000c', 's') WHERE id % 50 = 0",
        "SELECT sum(length(b)), total(c) FROM t",
        "ROLLBACK TO a",
        "SELECT sum(length(b)), total(c) FROM t",
        "SAVEPOINT b",
        "UPDATE t SET b = 'bee' WHERE id < 100",
        "RELEASE b",
        "ROLLBACK TO a",
        "UPDATE t SET c = c * 2 WHERE id > 250",
        "RELEASE a",
        "COMMIT",
        "SELECT * FROM t ORDER BY id",
    ])
    check_files(sbs)


def test_spilled_transaction(tmp_path):
    """Point updates in one transaction with a cache far smaller than the
    pages they dirty (pages spill to the WAL and are read back to be
    updated again), then a rollback to a savepoint and a commit."""
    path = str(tmp_path / "spill.db")
    ref_path = str(tmp_path / "ref.db")
    rng = random.Random(11)
    rows = [(i, rng.randrange(1000), "v" * rng.randrange(50), i / 3) for i in range(1, 4001)]
    script = []
    for _ in range(3000):
        size = rng.choice((0, 5, 20, 40, 80, 600, 5000))
        script.append((rng.randrange(0, 4002), "n" * size))
    outs = []
    for mod, p in ((sqlite3, ref_path), (minisql, path)):
        con = mod.connect(p, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA cache_size=-100")
        con.execute(TABLE)
        con.execute("BEGIN")
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
        con.execute("COMMIT")
        con.execute("BEGIN")
        for k, (i, text) in enumerate(script):
            if k == 2000:
                con.execute("SAVEPOINT s")
            con.execute("UPDATE t SET c = c + 1, b = ? WHERE id = ?", (text, i))
        con.execute("ROLLBACK TO s")
        con.execute("COMMIT")
        outs.append(con.execute("SELECT * FROM t ORDER BY id").fetchall())
        con.close()
    assert outs[1] == outs[0]
    assert sqlite3_check(path) == ["ok"]


@pytest.mark.parametrize("ddl, error", [
    ("ALTER TABLE t ADD COLUMN extra", "table t has 3 columns but 2 values were supplied"),
    ("DROP TABLE t", "no such table: t"),
    ("ALTER TABLE t RENAME COLUMN y TO z", None),
])
def test_cached_statement_sees_another_connections_schema(tmp_path, ddl, error):
    """A DML statement compiled before is not compiled again before the
    implicit BEGIN (no read transaction just to look at the schema), yet a
    schema another connection changed is noticed when it runs, as with
    sqlite3's statement cache: the same error, after the same BEGIN."""
    seen = []
    for mod in (sqlite3, minisql):
        path = str(tmp_path / f"{mod.__name__}.db")
        con = mod.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE t(x, y)")
        con.commit()
        for i in range(2):
            con.execute("INSERT INTO t VALUES (?, ?)", (i, i))
            con.commit()
        other = mod.connect(path, isolation_level=None)
        other.execute(ddl)
        other.close()
        try:
            con.execute("INSERT INTO t VALUES (?, ?)", (5, 5))
            got = None
        except mod.OperationalError as e:
            got = str(e)
        seen.append((got, con.in_transaction))
        con.rollback()
        con.close()
    assert seen[1] == seen[0]
    assert seen[0][0] == error


def test_fragments_stay_bounded(sbs):
    """Cells shrinking by 1..3 bytes leave fragments; past 60 on a page the
    shrink goes through drop + insert instead (whose allocation may
    defragment), so the page header's fragment count stays within what
    SQLite allows."""
    run_all(sbs, [TABLE, "BEGIN"])
    for i in range(1, 121):
        sbs.check("INSERT INTO t VALUES (?, 0, ?, 0)", (i, "f" * 90))
    sbs.check("COMMIT")
    for k in range(25):
        sbs.check("UPDATE t SET b = substr(b, ?) WHERE id % 2 = ?", (1 + k % 3 + 1, k % 2))
    run_all(sbs, ["SELECT id, b FROM t ORDER BY id", "PRAGMA integrity_check"])
    sbs.conn.close()
    sbs.ref.close()
    con = sqlite3.connect(f"file:{sbs.path}?mode=ro", uri=True)
    try:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        npages = con.execute("PRAGMA page_count").fetchone()[0]
    finally:
        con.close()
    minicon = minisql.connect(sbs.path)
    try:
        for pgno in range(2, npages + 1):
            data = minicon._db.page_image(pgno)
            if data[0] == 0x0D:
                assert data[7] <= 60, f"page {pgno}: {data[7]} fragment bytes"
    finally:
        minicon.close()
    assert page_size == 4096
    check_files_closed(sbs)

