"""Per-statement fast paths of cached SELECTs against the stdlib sqlite3
module: a point select computed at once (select.py ``run.now``, planner
``rowid_eq.one``, database.RowsResult), the index equality lookup
(planner ``access_eq``), parameters passed through as the caller's tuple
(dbapi._bind), the schema cookie read only when the snapshot moved
(Database._check_schema).  Each scenario runs the same steps on both
engines, each on its own files, and compares everything it observes:
rows, description, rowcount, lastrowid, errors, transaction state."""

import sqlite3

import pytest

import minisql


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:          # compared by class name and message
        return ("error", type(e).__name__, str(e))


def _cursor_state(cur, rows):
    return rows, cur.description, cur.rowcount, cur.lastrowid


def _both(tmp_path, scenario):
    """Run ``scenario(module, path)`` on each engine; assert equal records."""
    out = {}
    for mod in (sqlite3, minisql):
        d = tmp_path / mod.__name__
        d.mkdir()
        out[mod.__name__] = scenario(mod, str(d / "t.db"))
    assert out["minisql"] == out["sqlite3"]
    return out["sqlite3"]


def _setup(mod, path, n=20):
    con = mod.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)")
    con.executemany("INSERT INTO t VALUES (?,?,?,?)",
                    [(i, i % 7, f"b{i}", i / 4) for i in range(1, n + 1)])
    con.execute("CREATE INDEX t_a ON t(a)")
    con.commit()
    return con


POINT = "SELECT a, b, c FROM t WHERE id = ?"
INDEX = "SELECT id, b FROM t WHERE a = ?"

PARAMS = [3, 3.0, 3.5, "3", " 3", "x", None, b"\x03", 2 ** 62, -(2 ** 63), 2.0 ** 63,
          -(2.0 ** 63), float("nan"), float("inf"), True, 0, -1, 20, 21, "é"]


def test_point_select_parameter_types(tmp_path):
    def scenario(mod, path):
        con = _setup(mod, path)
        out = []
        for v in PARAMS:
            for params in ((v,), [v]):
                cur = con.cursor()
                out.append(_outcome(lambda: _cursor_state(
                    cur, cur.execute(POINT, params).fetchall())))
        for v in PARAMS[:6]:
            out.append(_outcome(lambda: con.execute(POINT, (v,)).fetchone()))
            out.append(_outcome(lambda: list(con.execute(POINT, (v,)))))
            out.append(_outcome(lambda: con.execute(INDEX, (v,)).fetchall()))
        # Wrong parameter counts, named parameters.
        out.append(_outcome(lambda: con.execute(POINT, ()).fetchall()))
        out.append(_outcome(lambda: con.execute(POINT, (1, 2)).fetchall()))
        out.append(_outcome(lambda: con.execute("SELECT b FROM t WHERE id = :k",
                                                {"k": 4}).fetchall()))
        out.append(con.in_transaction)
        con.close()
        return out
    _both(tmp_path, scenario)


def test_point_select_fetch_protocols(tmp_path):
    """One row handed out by every fetch method; the statement ends with it
    (no read transaction outlives the last row), row_factory applies."""
    def scenario(mod, path):
        con = _setup(mod, path)
        out = []
        cur = con.execute(POINT, (5,))
        out.append(cur.fetchone())
        out.append(cur.fetchone())
        out.append(cur.fetchall())
        cur = con.execute(POINT, (6,))
        out.append(cur.fetchmany(5))
        out.append(cur.fetchmany(5))
        cur = con.execute(POINT, (99,))
        out.append((cur.fetchone(), cur.description, cur.rowcount))
        con.row_factory = mod.Row
        row = con.execute(POINT, (7,)).fetchone()
        out.append((tuple(row), row.keys(), row["B"]))
        con.row_factory = lambda c, r: (len(c.description),) + r
        out.append(con.execute(POINT, (8,)).fetchall())
        out.append(con.execute(INDEX, (1,)).fetchall())
        con.row_factory = None
        con.text_factory = bytes
        out.append(con.execute(POINT, (9,)).fetchall())
        con.close()
        return out
    _both(tmp_path, scenario)


def test_point_select_holds_its_snapshot_until_last_row(tmp_path):
    """A point select's row is computed when it runs, but its read lock is
    held until the row is fetched, as sqlite3's statement holds it: a
    TRUNCATE checkpoint of another connection is blocked meanwhile."""
    def scenario(mod, path):
        con = _setup(mod, path)
        # (A checkpoint that finds the reader waits out the busy timeout
        # before it answers busy: a short one keeps the test fast.)
        other = mod.connect(path, isolation_level=None, timeout=0.1)
        out = []

        def checkpoint():
            # (busy, everything copied?): frame counts differ between engines
            busy, log, done = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return busy, log == done
        other.execute("UPDATE t SET b = 'new' WHERE id = 2")
        cur = con.execute(POINT, (2,))
        out.append(checkpoint())
        out.append(cur.fetchone())
        out.append(checkpoint())
        out.append(cur.fetchone())
        # A row never fetched: the cursor's next execute ends the statement.
        cur = con.execute(POINT, (3,))
        cur.execute(POINT, (99,))
        out.append(checkpoint())
        other.close()
        con.close()
        return out
    _both(tmp_path, scenario)


def test_cached_statements_see_other_connections(tmp_path):
    """The same cached statements across another connection's commits and
    schema changes (the cookie is re-read only when the snapshot moved)."""
    def scenario(mod, path):
        con = _setup(mod, path)
        other = mod.connect(path, isolation_level=None)
        out = []

        def probe():
            for sql, k in ((POINT, 4), (INDEX, 4), ("SELECT * FROM t WHERE id = ?", 4)):
                cur = con.cursor()
                out.append(_outcome(lambda: _cursor_state(cur, cur.execute(sql, (k,))
                                                          .fetchall())))
        probe()
        other.execute("UPDATE t SET b = 'changed', a = 4 WHERE id = 4")
        probe()
        other.execute("ALTER TABLE t ADD COLUMN d DEFAULT 'dflt'")
        probe()
        other.execute("DROP INDEX t_a")
        probe()
        # The rowid alias goes: the same text now reads a plain column.
        other.execute("CREATE TABLE t2(id INTEGER, a INTEGER, b TEXT, c REAL)")
        other.execute("INSERT INTO t2 SELECT id + 100, a, b, c FROM t")
        other.execute("INSERT INTO t2 VALUES (4, 40, 'dup', 0.5)")
        other.execute("DROP TABLE t")
        other.execute("ALTER TABLE t2 RENAME TO t")
        probe()
        other.execute("DROP TABLE t")
        probe()
        other.close()
        con.close()
        return out
    _both(tmp_path, scenario)


def test_own_schema_changes_and_transactions(tmp_path):
    def scenario(mod, path):
        con = _setup(mod, path)
        out = []

        def probe():
            out.append(_outcome(lambda: con.execute(POINT, (3,)).fetchall()))
            out.append(_outcome(lambda: con.execute(INDEX, (3,)).fetchall()))
            out.append(con.in_transaction)
        probe()
        con.execute("UPDATE t SET b = 'uncommitted' WHERE id = 3")
        probe()
        con.rollback()
        probe()
        con.execute("BEGIN")
        con.execute("ALTER TABLE t RENAME COLUMN b TO bb")
        probe()
        con.rollback()
        probe()
        con.execute("ALTER TABLE t ADD COLUMN e")
        con.commit()
        out.append(con.execute("SELECT * FROM t WHERE id = ?", (3,)).fetchall())
        con.execute("PRAGMA schema_version = 1000")
        probe()
        con.execute("BEGIN")
        out.append(con.execute("INSERT INTO t(id, a, b) VALUES (100, 3, 'in txn')")
                   .lastrowid)
        probe()
        con.execute("SAVEPOINT s")
        con.execute("DELETE FROM t WHERE id = 3")
        probe()
        con.execute("ROLLBACK TO s")
        probe()
        con.commit()
        probe()
        con.close()
        return out
    _both(tmp_path, scenario)


def test_single_row_plans_inside_other_queries(tmp_path):
    """Only a whole query is computed at once: the same seek as a
    subquery, in a join, with ORDER BY/LIMIT/DISTINCT/WHERE around it,
    stays a stepped one."""
    queries = [
        "SELECT (SELECT b FROM t WHERE id = ?), 1",
        "SELECT x.b, (SELECT c FROM t WHERE id = x.id + 1) FROM t AS x WHERE x.id = ?",
        "SELECT b FROM t WHERE id = ? ORDER BY b",
        "SELECT b FROM t WHERE id = ? LIMIT 0",
        "SELECT DISTINCT a FROM t WHERE id = ?",
        "SELECT b FROM t WHERE id = ? AND a > 2",
        "SELECT count(*) FROM t WHERE id = ?",
        "SELECT * FROM (SELECT b FROM t WHERE id = ?)",
        "SELECT b FROM t WHERE id = ? UNION ALL SELECT 'z'",
        "SELECT t.b, u.b FROM t, t AS u WHERE t.id = ? AND u.id = t.id",
        "SELECT b, abs(-9223372036854775807 - id) FROM t WHERE id = ?",
        "SELECT b, 1 / 0, zeroblob(3) FROM t WHERE id = ?",
        "SELECT id FROM t WHERE rowid = ?",
        "SELECT b FROM t WHERE id = ?1 AND ?1 = 5",
    ]

    def scenario(mod, path):
        con = _setup(mod, path)
        out = []
        for q in queries:
            for k in (5, 6, 99, "5"):
                cur = con.cursor()
                out.append(_outcome(lambda: _cursor_state(cur, cur.execute(q, (k,))
                                                          .fetchall())))
        con.close()
        return out
    _both(tmp_path, scenario)


def test_point_select_errors_and_interrupt(tmp_path):
    def scenario(mod, path):
        con = _setup(mod, path)
        out = []
        con.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, v)")
        con.execute("INSERT INTO big VALUES (1, 9223372036854775807)")
        con.commit()
        out.append(_outcome(lambda: con.execute(
            "SELECT abs(v - 9223372036854775807 - 2) FROM big WHERE id = ?",
            (1,)).fetchall()))
        out.append(_outcome(lambda: con.execute(
            "SELECT abs(-9223372036854775807 - v - 1) FROM big WHERE id = ?",
            (1,)).fetchall()))
        # interrupt() between execute and fetch.
        cur = con.execute(POINT, (4,))
        con.interrupt()
        out.append(_outcome(cur.fetchall))
        out.append(_outcome(lambda: con.execute(POINT, (4,)).fetchall()))
        out.append(con.in_transaction)
        # A closed cursor, a closed connection.
        cur = con.execute(POINT, (4,))
        cur.close()
        out.append(_outcome(cur.fetchone))
        con.close()
        out.append(_outcome(lambda: con.execute(POINT, (4,))))
        return out
    _both(tmp_path, scenario)


@pytest.mark.parametrize("decl", ["", "COLLATE NOCASE", "DESC"])
def test_index_equality_lookup(tmp_path, decl):
    """access_eq: one or two equality columns, duplicates, NULLs, mixed
    types and affinities, a collation, a descending column."""
    rows = [(i, [None, 1, "1", 1.0, "a", "A", b"a", 2.5, "b "][i % 9], i % 3, f"v{i}")
            for i in range(1, 60)]

    def scenario(mod, path):
        con = mod.connect(path)
        con.execute("CREATE TABLE u(id INTEGER PRIMARY KEY, k, m INTEGER, v TEXT)")
        con.executemany("INSERT INTO u VALUES (?,?,?,?)", rows)
        con.execute(f"CREATE INDEX u_k ON u(k {decl})")
        con.execute(f"CREATE INDEX u_mk ON u(m, k {decl})")
        con.commit()
        out = []
        for v in (None, 1, "1", 1.0, "a", "A", b"a", 2.5, "b ", "B ", 7):
            out.append(sorted(con.execute("SELECT id, v FROM u WHERE k = ?", (v,)),
                              key=repr))
            out.append(sorted(con.execute("SELECT id FROM u WHERE m = ? AND k = ?",
                                          (1, v)), key=repr))
            out.append(sorted(con.execute("SELECT id FROM u WHERE m = ? AND k = ?",
                                          ("1", v)), key=repr))
            out.append(con.execute("SELECT count(*) FROM u WHERE k = ?", (v,)).fetchall())
        con.close()
        return out
    _both(tmp_path, scenario)
