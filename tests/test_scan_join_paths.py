"""Scans, range aggregates, bulk deletes and joins on their fast paths,
against the stdlib sqlite3 module:

  - leaves read as one run (btree._leaf_run: consecutive rowids, one-byte
    payload sizes) and the leaves that are not (gaps, long records,
    overflow, negative and int64-edge rowids), the range ending inside a
    run;
  - scans that decode no column (a WHERE on the rowid alone);
  - DELETE through BTree.delete_rowids on run leaves, padded cells, and
    deletes that empty pages;
  - joins whose inner table is probed by equality (Level.probe): rowid and
    index seeks, duplicates, no matches, NULL keys, LEFT JOIN, collations,
    covering indexes, keys that come in ascending and in scattered order
    (IndexCursor.seek_near resumes on a leaf or descends).
Rows, value types and errors must agree; files minisql wrote must pass
sqlite3's integrity check."""

import random
import sqlite3

import pytest

import minisql
from util import sqlite3_check, typed_result

I64 = (1 << 63) - 1


_run = typed_result


def _agree(cons, sql, params=()):
    want = _run(cons[0], sql, params)
    got = _run(cons[1], sql, params)
    assert got == want, (sql, params)


def _both(tmp_path, setup, rows=None, name="db"):
    cons = []
    for mod in (sqlite3, minisql):
        con = mod.connect(str(tmp_path / f"{name}-{mod.__name__}.db"))
        for stmt in setup:
            con.execute(stmt)
        for sql, data in rows or ():
            con.executemany(sql, data)
        con.commit()
        cons.append(con)
    return cons


def _mixed(rng, i):
    return rng.choice([None, i, -i, i * 0.5, float(i), str(i), f"t{i % 7}", bytes([i % 256]),
                       1 << 62, -(1 << 62), 0, 2.5])


# -- range aggregates over run and non-run leaves ----------------------------------------

@pytest.fixture(scope="module")
def ranged(tmp_path_factory):
    d = tmp_path_factory.mktemp("ranged")
    rng = random.Random(5)
    rows = []
    for i in range(1, 4001):
        # c: REAL, some integral (stored as integers); m: every storage class.
        rows.append((i, rng.randrange(-1000, 1000) if i % 17 else None,
                     f"w{i % 13}" + "x" * (i % 40) if i % 19 else None,
                     (i % 50) / 4.0 if i % 23 else None, _mixed(rng, i)))
    # Records of 128 bytes and more (two-byte payload sizes) and ones that spill.
    rows += [(4000 + k, k, "y" * (100 + k), 1.5, k) for k in range(1, 200)]
    rows += [(4300 + k, k, "z" * (4000 + k), 2.0, None) for k in range(3)]
    # Gaps, negative rowids and the int64 edges.
    rows += [(10_000 + 3 * k, k, "g", 0.25, k) for k in range(500)]
    rows += [(-k, k, "n", -0.5, -k) for k in range(1, 300)]
    rows += [(I64 - k, k, "e", 3.0, "x") for k in range(300)]
    rows += [(-I64 - 1 + k, k, "f", 4.0, b"b") for k in range(300)]
    cons = _both(d, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, m)"],
                 [("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)])
    yield cons
    for con in cons:
        con.close()


RANGE_SQL = [
    "SELECT count(*), sum(a), avg(c), max(b), min(m), max(m), total(c) FROM t "
    "WHERE id >= ? AND id < ?",
    "SELECT sum(c), min(c), max(c), count(m) FROM t WHERE id > ? AND id <= ?",
    "SELECT id, c, max(a) FROM t WHERE id >= ? AND id <= ?",
    "SELECT count(*), sum(id), min(id), max(id) FROM t WHERE id >= ? AND id < ?",
    "SELECT count(*), sum(a) FROM t WHERE id >= ? AND id < ? AND id % 3 = 1",
]
BOUNDS = [(1, 4000), (1, 2), (37, 38), (100, 100), (200, 150), (55, 3001), (3990, 4400),
          (4199, 4305), (9000, 12000), (10_001, 10_004), (-300, 5), (-5, -1),
          (I64 - 400, I64), (I64 - 10, I64), (-I64 - 1, -I64 + 400), (-I64 - 1, -I64),
          (-I64 - 1, I64), (-1e300, 1e300), (0.5, 9.5), ("a", "b"), (None, 5)]


@pytest.mark.parametrize("sql", RANGE_SQL)
def test_range_aggregates(ranged, sql):
    for lo, hi in BOUNDS:
        _agree(ranged, sql, (lo, hi))


@pytest.mark.parametrize("sql", [
    "SELECT count(*), sum(a), avg(c), max(b), min(m) FROM t",
    "SELECT count(*), sum(id) FROM t WHERE id % 3 = 0",
    "SELECT id FROM t WHERE id % 97 = 5",
    "SELECT count(*) FROM t WHERE id > 4100 OR id < -10",
    "SELECT id, rowid, c FROM t WHERE id % 211 = 0",
])
def test_scans(ranged, sql):
    _agree(ranged, sql)


def test_range_ends_everywhere(ranged):
    """Ranges ending at every kind of place: inside a run, at a page's last
    row, before the next page's first rowid, in a gap, past the negatives."""
    q = "SELECT count(*), sum(id), max(c) FROM t WHERE id >= ? AND id <= ?"
    for hi in list(range(-20, 20)) + list(range(20, 4400, 13)):
        _agree(ranged, q, (-25, hi))
        _agree(ranged, q, (hi - 60, hi))


def test_dense_leaves_are_runs(tmp_path, monkeypatch):
    """A table of consecutive rowids and short records is read a leaf at a
    time without parsing its cells (the answers above would agree on the
    general loop too)."""
    from minisql.storage import btree
    con = minisql.connect(str(tmp_path / "runs.db"))
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                    [(i, i * 7919, "w" * (i % 40), i / 3) for i in range(1, 5001)])
    con.commit()
    seen = []
    real = btree._leaf_run

    def spy(*args):
        out = real(*args)
        seen.append(out is not None)
        return out
    monkeypatch.setattr(btree, "_leaf_run", spy)
    for lo in range(1, 4000, 450):
        con.execute("SELECT count(*), sum(a), max(b) FROM t WHERE id >= ? AND id < ?",
                    (lo, lo + 1000)).fetchall()
    con.execute("DELETE FROM t WHERE id % 3 = 0")
    con.close()
    # (Leaves where the rowids pass 127 or 16383 change varint length.)
    assert len(seen) > 100 and sum(seen) > 0.9 * len(seen)


def test_added_columns(tmp_path):
    """Records older than an ALTER TABLE ADD COLUMN lack its column: the
    scan fills in the default (REAL ones as REAL)."""
    cons = _both(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a)"],
                 [("INSERT INTO t VALUES (?, ?)", [(i, i) for i in range(1, 2001)])])
    for con in cons:
        con.execute("ALTER TABLE t ADD COLUMN r REAL DEFAULT 2")
        con.execute("ALTER TABLE t ADD COLUMN s TEXT DEFAULT 'x'")
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                        [(i, i, i // 2, "y") for i in range(2001, 3001)])
        con.commit()
    for sql in ["SELECT count(*), sum(r), max(s), min(r), typeof(max(r)) FROM t "
                "WHERE id >= ? AND id < ?",
                "SELECT id, r, s FROM t WHERE id >= ? AND id < ?"]:
        for lo, hi in [(1, 3001), (1990, 2010), (2500, 2600)]:
            _agree(cons, sql, (lo, hi))
    for con in cons:
        con.close()


def test_range_scan_rows(ranged):
    """Every row of a range, in order, with its types (REAL columns whose
    integral values are stored as integers come back as floats)."""
    for lo, hi in [(1, 400), (3950, 4310), (-10, 10), (I64 - 5, I64)]:
        _agree(ranged, "SELECT * FROM t WHERE id BETWEEN ? AND ?", (lo, hi))


# -- bulk DELETE -------------------------------------------------------------------------

@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize("where", [
    "id % 3 = 0",
    "id % 2 = 1",
    "id > 100 AND id < 3900",          # empties whole pages: they are merged away
    "id < 3999",
    "id <> 2000",
    "id % 1000 <> 7",
    "a > 0",
])
def test_bulk_delete(tmp_path, where, indexed):
    """Without indexes the rows go page by page as the scan finds them;
    with one, after the scan."""
    rows = [(i, i % 7 - 3, "v" * (i % 30)) for i in range(1, 4001)]
    # Tiny records: cells of fewer than 4 bytes, padded on the page.
    tiny = [(i, None, None) for i in range(5001, 5600)]
    cons = _both(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)"] +
                 (["CREATE INDEX t_b ON t(b)"] if indexed else []),
                 [("INSERT INTO t VALUES (?, ?, ?)", rows + tiny)])
    for con in cons:
        con.execute(f"DELETE FROM t WHERE {where}")
        con.commit()
    _agree(cons, "SELECT count(*), sum(id), sum(a), max(b), min(id), max(id) FROM t")
    _agree(cons, "SELECT id FROM t WHERE id % 11 = 0")
    for con in cons:
        con.close()
    assert sqlite3_check(str(tmp_path / "db-minisql.db")) == ["ok"]


@pytest.mark.parametrize("where", ["rowid % 3 = 0", "rowid > 10 AND rowid < 2990"])
def test_bulk_delete_padded_cells(tmp_path, where):
    """Records of one NULL: every cell is shorter than 4 bytes, padded."""
    cons = _both(tmp_path, ["CREATE TABLE t(x)"], [("INSERT INTO t VALUES (?)",
                                                    [(None,)] * 3000)])
    for con in cons:
        con.execute(f"DELETE FROM t WHERE {where}")
        con.commit()
    _agree(cons, "SELECT count(*), min(rowid), max(rowid), sum(rowid), count(x) FROM t")
    for con in cons:
        con.close()
    assert sqlite3_check(str(tmp_path / "db-minisql.db")) == ["ok"]


def test_interrupted_delete_changes_nothing(tmp_path):
    """A delete stopped half way (its pages already rewritten) is undone."""
    cons = _both(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a)"],
                 [("INSERT INTO t VALUES (?, ?)", [(i, i) for i in range(1, 6001)])])
    for con in cons:
        calls = []
        con.set_progress_handler(lambda calls=calls: calls.append(1) or len(calls) > 30, 100)
        with pytest.raises(Exception, match="interrupt"):
            con.execute("DELETE FROM t WHERE id % 3 = 0")
        con.set_progress_handler(None, 0)
        con.rollback()
    _agree(cons, "SELECT count(*), sum(id), sum(a) FROM t")
    for con in cons:
        con.execute("BEGIN")
        con.execute("INSERT INTO t VALUES (10000, 1)")
        con.set_progress_handler(lambda: 1, 1000)
        with pytest.raises(Exception, match="interrupt"):
            con.execute("DELETE FROM t WHERE id % 3 = 0")
        con.set_progress_handler(None, 0)
        con.rollback()
    _agree(cons, "SELECT count(*), sum(id), sum(a) FROM t")
    for con in cons:
        con.close()
    assert sqlite3_check(str(tmp_path / "db-minisql.db")) == ["ok"]


def test_delete_after_updates(tmp_path):
    """Updates leave freeblocks and fragments on the leaves; the delete
    then re-lays them."""
    rows = [(i, i, f"row {i}" + "." * (i % 11)) for i in range(1, 3001)]
    cons = _both(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)"],
                 [("INSERT INTO t VALUES (?, ?, ?)", rows)])
    rng = random.Random(3)
    ups = [("u" * rng.randrange(0, 40), rng.randrange(1, 3001)) for _ in range(800)]
    for con in cons:
        for text, i in ups:
            con.execute("UPDATE t SET b = ? WHERE id = ?", (text, i))
        con.commit()
        con.execute("DELETE FROM t WHERE id % 3 = 0")
        con.commit()
    _agree(cons, "SELECT count(*), sum(id), max(b), min(b), sum(length(b)) FROM t")
    for con in cons:
        con.close()
    assert sqlite3_check(str(tmp_path / "db-minisql.db")) == ["ok"]


# -- joins probed by equality --------------------------------------------------------------

@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    d = tmp_path_factory.mktemp("joined")
    rng = random.Random(11)
    t = [(i, rng.randrange(-100, 100), f"B{i % 9}" if i % 2 else f"b{i % 9}", i / 8.0)
         for i in range(1, 3001)]
    # u.t_id: scattered, ascending runs, duplicates, misses, NULLs, texts
    # that look like numbers, reals.
    u = []
    for j in range(1, 2501):
        k = j % 10
        t_id = (j * 7919) % 3500 + 1 if k < 5 else j // 3 if k < 8 else \
            None if k == 8 else rng.choice(["12", "x", 7.0, 7.5, -3, 10**6])
        u.append((j, t_id, j % 13 if j % 7 else None, f"b{j % 9}"))
    setup = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)",
             "CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, w INTEGER, s TEXT)",
             "CREATE INDEX u_t ON u(t_id)",
             "CREATE INDEX u_s ON u(s COLLATE NOCASE)",
             "CREATE INDEX u_tw ON u(t_id, w)"]
    cons = _both(d, setup, [("INSERT INTO t VALUES (?, ?, ?, ?)", t),
                            ("INSERT INTO u VALUES (?, ?, ?, ?)", u)])
    yield cons
    for con in cons:
        con.close()


@pytest.mark.parametrize("sql", [
    "SELECT count(*), sum(t.c), sum(u.w) FROM u JOIN t ON t.id = u.t_id",
    "SELECT count(*), sum(t.c), sum(u.w) FROM u JOIN t ON t.id = u.t_id WHERE u.id > 1000",
    "SELECT u.id, t.id, t.b FROM u JOIN t ON t.id = u.t_id WHERE u.id < 300",
    "SELECT count(*), count(t.id), sum(t.a) FROM u LEFT JOIN t ON t.id = u.t_id",
    "SELECT u.id, t.a FROM u LEFT JOIN t ON t.id = u.t_id AND t.a > 0 WHERE u.id < 200",
    "SELECT u.id, t.a FROM u LEFT JOIN t ON t.id = u.t_id WHERE t.id IS NULL AND u.id < 400",
    "SELECT count(*), sum(t.a) FROM u JOIN t ON t.id = u.t_id AND u.w > 5",
    "SELECT count(*), sum(t.a) FROM u CROSS JOIN t ON t.id = u.t_id + 1 WHERE t.a > 0",
    "SELECT count(*), sum(t.a % 1000), sum(u.w) FROM t CROSS JOIN u ON u.t_id = t.id "
    "WHERE t.id >= 1 AND t.id < 2000",
    "SELECT t.id, u.id, u.w FROM t CROSS JOIN u ON u.t_id = t.id WHERE t.id < 400",
    "SELECT count(*), sum(u.w), count(u.id) FROM t LEFT JOIN u ON u.t_id = t.id",
    "SELECT t.id, u.id FROM t LEFT JOIN u ON u.t_id = t.id AND u.w IS NOT NULL "
    "WHERE t.id < 300",
    "SELECT t.id, u.id FROM t CROSS JOIN u ON u.t_id = t.id WHERE u.w < 4 AND t.id < 2000",
    # Covering index (u_tw holds t_id, w, rowid): no table seek.
    "SELECT count(*), sum(u.w) FROM t CROSS JOIN u INDEXED BY u_tw ON u.t_id = t.id",
    # Outer keys denser than the index's, with gaps, duplicates, negatives.
    "SELECT t.id, u.id FROM t CROSS JOIN u ON u.t_id = t.id - 400 WHERE t.id < 1500 "
    "ORDER BY 1, 2",
    "SELECT count(*), sum(u.id), sum(u.w) FROM t CROSS JOIN u ON u.t_id = t.id - 400 "
    "WHERE t.id < 1500",
    # NOCASE index: the probe compares sort keys.
    "SELECT count(*), max(u.id) FROM t CROSS JOIN u ON u.s = t.b COLLATE NOCASE "
    "WHERE t.id < 200",
    "SELECT t.id, count(u.id) FROM t CROSS JOIN u ON u.s = t.b WHERE t.id < 60 "
    "GROUP BY t.id",
    # Keys in descending order: every probe leaves its leaf.
    "SELECT count(*), sum(u.w) FROM (SELECT * FROM t ORDER BY id DESC) AS x "
    "CROSS JOIN u ON u.t_id = x.id",
    # Probe keys of other types: text and real t.c against the INTEGER index.
    "SELECT count(*), sum(u.id) FROM t CROSS JOIN u ON u.t_id = t.c",
    "SELECT count(*), sum(u.id) FROM t CROSS JOIN u ON u.t_id = t.b",
])
def test_probe_joins(joined, sql):
    _agree(joined, sql)


def test_probe_join_uses_probe(joined):
    """The benchmarked join shapes take the probe path (the answers above
    would agree on the general nested loop too)."""
    from minisql.engine import planner
    seen = []
    real = planner._index_access

    def spy(*args, **kw):
        out = real(*args, **kw)
        seen.append(args[3].probe is not None)
        return out
    planner._index_access = spy
    try:
        joined[1].execute("SELECT count(*) FROM t CROSS JOIN u ON u.t_id = t.id "
                          "WHERE t.id < 9").fetchall()
    finally:
        planner._index_access = real
    assert seen == [True]


def test_probe_join_descending_index(tmp_path):
    """Through an index whose column is DESC, ascending keys walk it
    backward from leaf to leaf."""
    cons = _both(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a)",
                            "CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, w)",
                            "CREATE INDEX u_td ON u(t_id DESC)"],
                 [("INSERT INTO t VALUES (?, ?)", [(i, i % 7) for i in range(1, 3001)]),
                  ("INSERT INTO u VALUES (?, ?, ?)",
                   [(j, (j * 37) % 2900 - 100 if j % 9 else None, j % 5) for j in range(1, 2001)])])
    _agree(cons, "SELECT count(*), sum(u.w), sum(u.id), sum(t.a) FROM t CROSS JOIN u "
                 "ON u.t_id = t.id WHERE t.id < 2500")
    _agree(cons, "SELECT t.id, u.id FROM t CROSS JOIN u ON u.t_id = t.id WHERE t.id < 300")
    for con in cons:
        con.close()


def test_position_token_follows_the_tree(tmp_path):
    """IndexCursor.position() (what a probe's remembered gap rests on)
    changes when the cursor moves and when the tree changes under it."""
    con = minisql.connect(str(tmp_path / "pos.db"))
    con.execute("CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER)")
    con.execute("CREATE INDEX u_t ON u(t_id)")
    con.executemany("INSERT INTO u VALUES (?, ?)", [(j, j * 10) for j in range(1, 500)])
    db = con._db
    index = db.schema.tables["u"].indexes[0]
    from minisql.engine.planner import keyinfo_for
    cur = db.btree.index(index.root, keyinfo_for(db, index))
    assert cur.seek_near([55]) is False
    here = cur.position()
    assert here is not None and here == cur.position()
    assert cur.key()[0] == 60
    cur.next()
    assert cur.position() != here
    assert cur.seek_near([55]) is False and cur.position() == here
    con.execute("INSERT INTO u VALUES (1000, 57)")      # another cursor writes
    assert cur.position() is None
    assert cur.seek_near([57]) is True and cur.key() == [57, 1000]
    con.rollback()
    con.close()


def test_probe_join_sees_no_stale_page(tmp_path):
    """A probe keeps its cursor between outer rows, and between executions
    makes a new one: a table changed in between is read afresh."""
    cons = _both(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a)",
                            "CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER)",
                            "CREATE INDEX u_t ON u(t_id)"],
                 [("INSERT INTO t VALUES (?, ?)", [(i, i) for i in range(1, 2001)]),
                  ("INSERT INTO u VALUES (?, ?)", [(j, j // 2) for j in range(1, 3001)])])
    q = "SELECT count(*), sum(u.id), sum(t.a) FROM t CROSS JOIN u ON u.t_id = t.id"
    q2 = "SELECT count(*), sum(t.a) FROM u JOIN t ON t.id = u.t_id"
    for step in ("DELETE FROM u WHERE id % 3 = 0", "UPDATE t SET a = -a WHERE id % 5 = 0",
                 "INSERT INTO u SELECT id + 5000, id FROM t WHERE id % 7 = 0",
                 "DELETE FROM t WHERE id > 1500"):
        _agree(cons, q)
        _agree(cons, q2)
        for con in cons:
            con.execute(step)
    _agree(cons, q)
    _agree(cons, q2)
    for con in cons:
        con.close()
