"""Bulk b-tree writes through SQL: CREATE INDEX / REINDEX / VACUUM built by
sorting and loading pages left to right (storage/btreebuild.py), and
DELETE / UPDATE that change rows at the scan instead of re-seeking them.

Every scenario runs the same statements on stdlib sqlite3 and on minisql
(each on its own file): the same rows and the same errors, then minisql's
file must pass sqlite3's PRAGMA integrity_check (which also checks that
every index holds exactly the entries of its table, in order) and
minisql's own.
"""
import random
import sqlite3

import pytest

import minisql
import util


def run_both(tmp_path, statements, page_size=4096, setup=None):
    """Run ``statements`` (SQL strings or (sql, params) pairs) on both
    engines; compare the outcome of each (rows or error class and message).
    Returns the minisql file's path after the integrity checks."""
    paths = {}
    results = {}
    for name, mod in (("sqlite3", sqlite3), ("minisql", minisql)):
        path = str(tmp_path / f"{name}.db")
        paths[name] = path
        con = mod.connect(path, isolation_level=None)
        con.execute(f"PRAGMA page_size={page_size}")
        con.execute("PRAGMA journal_mode=WAL")
        out = []
        for st in statements:
            sql, params = (st, ()) if isinstance(st, str) else st
            try:
                if isinstance(params, list):
                    con.executemany(sql, params)
                    rows = None
                else:
                    rows = con.execute(sql, params).fetchall()
                out.append(("ok", sql, rows))
            except mod.Error as e:
                out.append((type(e).__name__, sql, str(e)))
        if name == "minisql":
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.close()
        results[name] = out
    for ref, got in zip(results["sqlite3"], results["minisql"]):
        assert got == ref
    assert util.sqlite3_check(paths["minisql"]) == ["ok"]
    return paths["minisql"]


def rows_of(n, seed, kinds=("int", "real", "text", "blob", "null")):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        k = rnd.choice(kinds)
        if k == "int":
            v = rnd.choice([rnd.randint(-5, 5), rnd.randint(-2**63, 2**63 - 1),
                            rnd.randint(0, 10**6), 2**53 + rnd.randint(-3, 3)])
        elif k == "real":
            v = rnd.choice([rnd.random() * 1e6 - 5e5, float(rnd.randint(-5, 5)), -0.0,
                            float(2**53) + 2.0])
        elif k == "text":
            v = "".join(rnd.choice("aAbBzZ é\x00日") for _ in range(rnd.randint(0, 12)))
        elif k == "blob":
            v = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 8)))
        else:
            v = None
        out.append((i * 3 + 1, v, rnd.choice(["x", "X", "y ", None, 7, 2.5])))
    return out


CHECK_QUERIES = [
    "SELECT count(*) FROM t",
    "SELECT id, a, b FROM t ORDER BY id",
]


@pytest.mark.parametrize("page_size", [512, 65536])
def test_create_index_mixed_types(tmp_path, page_size):
    rows = rows_of(1000, page_size)
    probes = [r[1] for r in rows[::97]]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "CREATE INDEX t_a ON t(a)",
             "CREATE INDEX t_ab ON t(a DESC, b COLLATE NOCASE)",
             "CREATE INDEX t_b ON t(b COLLATE NOCASE DESC, id)",
             "CREATE INDEX t_rt ON t(b COLLATE RTRIM)"]
    stmts += [("SELECT id FROM t WHERE a = ? ORDER BY id", (p,)) for p in probes]
    stmts += ["SELECT id FROM t WHERE b = 'x' COLLATE NOCASE ORDER BY id",
              "SELECT count(*) FROM t WHERE a > 0"] + CHECK_QUERIES
    run_both(tmp_path, stmts, page_size)


@pytest.mark.parametrize("page_size", [512, 65536])
def test_create_index_overflowing_keys(tmp_path, page_size):
    rnd = random.Random(5)
    sizes = [0, 1, 50, 100, 101, 102, 103, 500, 1000, 1002, 1003, 3000, 70000, 200000]
    rows = []
    for i in range(300):
        n = rnd.choice(sizes)
        v = "k%05d" % rnd.randint(0, 99999) + "z" * n if i % 2 else rnd.randbytes(n)
        rows.append((i + 1, v, i))
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "CREATE INDEX t_a ON t(a)",
             "CREATE INDEX t_ba ON t(b, a)",
             ("SELECT id FROM t WHERE a = ?", (rows[7][1],)),
             ("SELECT id FROM t WHERE a = ?", (rows[8][1],)),
             "SELECT count(*), sum(length(a)) FROM t"]
    run_both(tmp_path, stmts, page_size)


@pytest.mark.parametrize("kind", ["int", "text", "real", "null"])
def test_unique_index_violation(tmp_path, kind):
    values = {"int": [5, 3, 5.0], "text": ["q", "r", "q"], "real": [2.5, 1.0, 1],
              "null": [None, None, 3]}[kind]
    rows = [(i + 1, v, "x" * i) for i, v in enumerate(values)]
    rows += [(100 + i, i * 10 + 100, "y") for i in range(700)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b TEXT)" if kind == "real"
             else "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "CREATE UNIQUE INDEX u ON t(a)",
             "SELECT name FROM sqlite_master ORDER BY name",
             "CREATE UNIQUE INDEX u2 ON t(a, b)",
             "CREATE UNIQUE INDEX u3 ON t(b COLLATE NOCASE)",
             "SELECT name FROM sqlite_master ORDER BY name",
             "INSERT INTO t VALUES (5000, 5000, 'new')"] + CHECK_QUERIES
    run_both(tmp_path, stmts)


def test_unique_index_violation_in_transaction_keeps_table(tmp_path):
    rows = [(i + 1, i % 700, str(i)) for i in range(1500)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows),
             "BEGIN",
             "DELETE FROM t WHERE id < 10",
             "CREATE UNIQUE INDEX u ON t(a)",
             "CREATE UNIQUE INDEX u ON t(b)",
             "COMMIT",
             "SELECT name FROM sqlite_master ORDER BY name",
             ("SELECT id FROM t WHERE b = ?", ("77",))] + CHECK_QUERIES
    run_both(tmp_path, stmts)


@pytest.mark.parametrize("page_size", [1024, 4096])
def test_index_kinds_and_rebuilds(tmp_path, page_size):
    """Expression and partial indexes, an index on the rowid alias, REAL
    columns holding integers, columns added by ALTER TABLE, REINDEX,
    VACUUM; then ordinary writes on the bulk-built trees."""
    rnd = random.Random(9)
    rows = [(i, rnd.randint(-50, 50), rnd.choice(["Ab", "aB", "c", None, "dd" * 30]),
             rnd.choice([1.0, 2, 3.5, None, -7])) for i in range(1, 1500)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c REAL)",
             ("INSERT INTO t VALUES (?, ?, ?, ?)", rows),
             "ALTER TABLE t ADD COLUMN d TEXT DEFAULT 'dflt'",
             "UPDATE t SET d = 'set' WHERE id % 5 = 0",
             "CREATE INDEX t_c ON t(c)",
             "CREATE INDEX t_id ON t(id DESC)",
             "CREATE INDEX t_d ON t(d, a)",
             "CREATE INDEX t_expr ON t(a * 2 + 1, lower(b))",
             "CREATE INDEX t_part ON t(b) WHERE a > 10",
             "CREATE UNIQUE INDEX t_upart ON t(a, id) WHERE c IS NOT NULL",
             "SELECT id FROM t WHERE c = 2 ORDER BY id",
             "SELECT id FROM t WHERE d = 'dflt' AND a = 3 ORDER BY id",
             "SELECT id FROM t WHERE a * 2 + 1 = 7 ORDER BY id",
             "REINDEX t",
             "REINDEX",
             "REINDEX nocase",
             "VACUUM",
             "PRAGMA page_size",
             ("INSERT INTO t(id, a, b, c) VALUES (?, ?, ?, ?)",
              [(5000 + i, i, "w%d" % i, i / 3) for i in range(400)]),
             "DELETE FROM t WHERE id % 4 = 1",
             "UPDATE t SET a = a + 1, b = upper(b) WHERE id % 7 = 2",
             "SELECT id FROM t WHERE b = 'AB' ORDER BY id",
             "SELECT count(*) FROM t WHERE a > 10 AND b IS NOT NULL"] + CHECK_QUERIES
    run_both(tmp_path, stmts, page_size)


def test_index_on_empty_and_tiny_tables(tmp_path):
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
             "CREATE INDEX e ON t(a)",
             "INSERT INTO t VALUES (1, 'one', NULL)",
             "CREATE UNIQUE INDEX one ON t(b)",
             "INSERT INTO t VALUES (2, 'two', NULL)",
             "SELECT id FROM t WHERE a = 'two'"] + CHECK_QUERIES
    run_both(tmp_path, stmts, 512)


# -- DELETE and UPDATE -----------------------------------------------------------

def table_rows(n, seed, big=False):
    rnd = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        b = "t%06d" % rnd.randint(0, 999999)
        if big and i % 13 == 0:
            b += "o" * rnd.choice([600, 5000, 20000])
        out.append((i, rnd.randint(-1000, 1000), b, rnd.choice([None, 1.5, 7, "x"])))
    return out


COUNTS = ["SELECT changes(), total_changes()"]


@pytest.mark.parametrize("page_size", [512, 65536])
def test_delete_patterns(tmp_path, page_size):
    rows = table_rows(1200, page_size, big=True)
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
             ("INSERT INTO t VALUES (?, ?, ?, ?)", rows),
             "DELETE FROM t WHERE id % 3 = 0", *COUNTS,
             "DELETE FROM t WHERE id BETWEEN 100 AND 700", *COUNTS,   # whole pages
             "DELETE FROM t WHERE a > 900 OR length(b) > 100", *COUNTS,
             "DELETE FROM t WHERE a < (SELECT avg(a) FROM t)", *COUNTS,
             "DELETE FROM t WHERE id > 1190 ORDER BY id DESC LIMIT 3", *COUNTS,
             "DELETE FROM t WHERE a = 12345", *COUNTS,
             "DELETE FROM t WHERE b LIKE 't1%' LIMIT 5 OFFSET 2", *COUNTS,
             "SELECT count(*), sum(a), max(b) FROM t",
             "INSERT INTO t(a, b) VALUES (1, 'after')",
             "DELETE FROM t", *COUNTS,
             "SELECT count(*) FROM t",
             "INSERT INTO t(a, b) VALUES (2, 'again')",
             "SELECT * FROM t"]
    run_both(tmp_path, stmts, page_size)


@pytest.mark.parametrize("page_size", [512])
def test_delete_with_indexes_and_triggers(tmp_path, page_size):
    rows = table_rows(2000, 3, big=True)
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
             "CREATE TABLE log(x, y)",
             "CREATE INDEX t_a ON t(a)",
             "CREATE UNIQUE INDEX t_b ON t(b, id)",
             "CREATE INDEX t_p ON t(c) WHERE a > 0",
             "CREATE INDEX t_e ON t(a + length(b))",
             ("INSERT INTO t VALUES (?, ?, ?, ?)", rows),
             "DELETE FROM t WHERE id % 2 = 0", *COUNTS,
             "DELETE FROM t WHERE a BETWEEN -500 AND 0", *COUNTS,
             "CREATE TRIGGER tb BEFORE DELETE ON t WHEN old.id % 5 = 0 "
             "BEGIN INSERT INTO log VALUES ('before', old.id); "
             "DELETE FROM t WHERE id = old.id + 2; END",
             "CREATE TRIGGER ta AFTER DELETE ON t "
             "BEGIN INSERT INTO log VALUES ('after', old.id); END",
             "DELETE FROM t WHERE id % 7 = 1", *COUNTS,
             "SELECT * FROM log ORDER BY rowid",
             "DROP TRIGGER tb",
             "DELETE FROM t WHERE id < 1500", *COUNTS,
             "DROP TRIGGER ta",
             "DELETE FROM log WHERE y % 2 = 1", *COUNTS,
             "SELECT count(*) FROM log",
             ("SELECT id FROM t WHERE a = ?", (rows[1700][1],)),
             "SELECT count(*), sum(a) FROM t WHERE a > 0",
             "DELETE FROM t", *COUNTS,
             "SELECT count(*) FROM t"]
    run_both(tmp_path, stmts, page_size)


def test_delete_in_transaction_rolls_back(tmp_path):
    rows = table_rows(1500, 4)
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
             "CREATE INDEX t_a ON t(a)",
             ("INSERT INTO t VALUES (?, ?, ?, ?)", rows),
             "BEGIN",
             "DELETE FROM t WHERE id % 4 = 0",
             "DELETE FROM t",
             "SELECT count(*) FROM t",
             "ROLLBACK",
             "SELECT count(*), sum(a) FROM t",
             "BEGIN",
             "DELETE FROM t WHERE a > 0",
             "COMMIT", *COUNTS,
             "SELECT count(*), sum(a) FROM t"]
    run_both(tmp_path, stmts)


def test_update_by_key(tmp_path):
    rows = table_rows(2000, 6, big=True)
    rnd = random.Random(6)
    updates = [("u%d" % i + "w" * rnd.choice([0, 10, 3000]), rnd.randint(1, 2100))
               for i in range(400)]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
             ("INSERT INTO t VALUES (?, ?, ?, ?)", rows),
             ("UPDATE t SET a = a + 1, b = ? WHERE id = ?", updates),
             "SELECT count(*), sum(a), max(b), sum(length(b)) FROM t",
             "CREATE INDEX t_b ON t(b)",
             ("UPDATE t SET b = ? WHERE id = ?", updates[::-1]),
             "UPDATE t SET id = id + 5000 WHERE id = 7", *COUNTS,
             "SELECT * FROM t WHERE id = 5007",
             ("SELECT id FROM t WHERE b = ?", (updates[0][0],))] + CHECK_QUERIES
    run_both(tmp_path, stmts, 1024)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_random_index_builds_and_deletes(tmp_path, seed):
    rnd = random.Random(seed)
    page_size = rnd.choice([512, 1024, 4096, 65536])
    rows = rows_of(rnd.randint(0, 6000), seed,
                   rnd.choice([("int",), ("text",), ("int", "real"), ("int", "real", "text",
                                                                     "blob", "null")]))
    # No NOCASE on a: its text may hold NUL characters, where SQLite's NOCASE
    # stops comparing (sqlite3StrNICmp) and minisql's collation does not.
    cols = ["a", "b", "id", "b COLLATE NOCASE", "b DESC", "a DESC", "length(b)"]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
             ("INSERT INTO t VALUES (?, ?, ?)", rows)]
    for k in range(4):
        key = ", ".join(rnd.sample(cols, rnd.randint(1, 3)))
        unique = rnd.choice(["", "UNIQUE "])
        where = rnd.choice(["", " WHERE id % 2 = 0"])
        stmts.append(f"CREATE {unique}INDEX i{k} ON t({key}){where}")
    stmts += [f"DELETE FROM t WHERE id % {rnd.randint(2, 9)} = {rnd.randint(0, 1)}",
              *COUNTS, "REINDEX", "DELETE FROM t WHERE a IS NULL OR id < 100", *COUNTS,
              ("INSERT INTO t VALUES (?, ?, ?)", rows_of(300, seed + 1000)[1:]),
              "SELECT name FROM sqlite_master ORDER BY name"] + CHECK_QUERIES
    run_both(tmp_path, stmts, page_size)


def test_create_index_on_a_file_sqlite3_wrote(tmp_path):
    """Records as SQLite encodes them (integral REALs stored as integers,
    rows shorter than the table after ALTER TABLE ADD COLUMN), indexed by
    minisql, then the same statements on a copy through sqlite3."""
    import shutil
    src = str(tmp_path / "src.db")
    con = sqlite3.connect(src, isolation_level=None)
    con.execute("PRAGMA page_size=1024")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b TEXT, c BLOB)")
    rnd = random.Random(11)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                    [(i, rnd.choice([1.0, 2, -3.0, 2.5, None, 2**40]),
                      "w" * rnd.randint(0, 300), rnd.randbytes(rnd.randint(0, 20)))
                     for i in range(1, 1200)])
    con.execute("ALTER TABLE t ADD COLUMN d DEFAULT 5")
    con.execute("ALTER TABLE t ADD COLUMN e REAL DEFAULT 7")
    con.execute("INSERT INTO t VALUES (5000, 1, 'x', x'00', 6, 8)")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    ref = str(tmp_path / "ref.db")
    shutil.copy(src, ref)
    stmts = ["CREATE INDEX t_a ON t(a)", "CREATE INDEX t_d ON t(d, e)",
             "CREATE INDEX t_bc ON t(b, c DESC)", "CREATE INDEX t_e ON t(e)",
             "CREATE UNIQUE INDEX t_u ON t(a)", "CREATE UNIQUE INDEX t_u ON t(c, id)",
             "SELECT id FROM t WHERE a = 1 ORDER BY id", "SELECT id FROM t WHERE d = 5 AND e = 7",
             "SELECT count(*) FROM t WHERE e = 8", "SELECT name FROM sqlite_master"]
    outs = []
    for mod, path in ((sqlite3, ref), (minisql, src)):
        c = mod.connect(path, isolation_level=None)
        out = []
        for sql in stmts:
            try:
                out.append(c.execute(sql).fetchall())
            except mod.Error as e:
                out.append((type(e).__name__, str(e)))
        c.close()
        outs.append(out)
    assert outs[1] == outs[0]
    assert util.sqlite3_check(src) == ["ok"]
