"""The point-lookup fast paths, against sqlite3 or the general code path.

- table leaves guess a rowid's cell by interpolation before bisecting
  (btreepage.search_rowid), and cold index pages an integer's entry
  (btree._int_search): layouts that make the guess land on either side,
  far off, or exactly;
- leaves read from disk keep their cell pointers unchecked until an edit or
  a whole-page pass (btreepage invariant 6): damage still surfaces as
  'database disk image is malformed', never as a raw exception;
- cursors decode records through per-header compiled decoders
  (record.decode_one): same values, types and errors as decode_record;
- key caches of pages a rollback restored are dropped with the page view.
"""
import random
import sqlite3
import struct

import pytest

from minisql import errors
from minisql.storage import record as R
from tests.test_seek_paths import MIXED, check, pair, typed
from tests.util import minisql_module


def rowid_layouts():
    rng = random.Random(21)
    dense = list(range(1, 3001))
    holes = [i for i in range(1, 4001) if i % 7 and i % 11]
    geometric = sorted({int(1.01 ** k) for k in range(0, 4000)} | {2 ** 62, 2 ** 63 - 1})
    clustered = sorted({c * 10 ** 6 + d for c in range(30) for d in range(80)})
    negative = sorted(rng.sample(range(-(2 ** 40), 2 ** 40), 2500) + [-(2 ** 63)])
    return {"dense": dense, "holes": holes, "geometric": geometric,
            "clustered": clustered, "negative": negative}


@pytest.mark.parametrize("layout", sorted(rowid_layouts()))
def test_rowid_lookups_by_interpolation(tmp_path, layout):
    ids = rowid_layouts()[layout]
    s, m = pair(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, v)"],
                "INSERT INTO t VALUES (?, ?)", [(i, f"r{i}") for i in ids])
    probes = set(ids[::3])
    probes.update(i + d for i in ids[::17] for d in (-1, 1))
    probes.update((ids[0] - 5, ids[-1] + 5 if ids[-1] < 2 ** 63 - 5 else 0))
    for i in sorted(probes):
        if -(2 ** 63) <= i < 2 ** 63:
            check(s, m, "SELECT id, v FROM t WHERE id = ?", (i,))
    rng = random.Random(layout)
    for _ in range(100):
        i = rng.choice(ids)
        check(s, m, "SELECT id FROM t WHERE id >= ? ORDER BY id LIMIT 4", (i,), ordered=True)
        check(s, m, "SELECT id FROM t WHERE id <= ? ORDER BY id DESC LIMIT 4", (i,),
              ordered=True)


def index_layouts():
    """Integer columns for an index: even spreads (where interpolation
    guesses right), skews and clusters (where it guesses wrong and
    bisection finishes), runs of duplicates, the one-byte-less serial
    types of 0 and 1 (8 and 9), and both ends of the 64-bit range."""
    rng = random.Random(22)
    layouts = rowid_layouts()
    layouts["duplicates"] = sorted(rng.randint(-50, 50) for _ in range(3000))
    layouts["zero_one"] = [0, 1] * 700 + [2, -1] * 100
    layouts["ends"] = [2 ** 63 - 1 - i for i in range(800)] + \
        [-(2 ** 63) + i for i in range(800)] + [0, 1]
    return layouts


@pytest.mark.parametrize("layout", sorted(index_layouts()))
def test_index_lookups_by_interpolation(tmp_path, layout):
    """A cold index page's integer search (btree._int_search) against
    sqlite3: equalities and each range bound at, between and beyond the
    values, on leaves and (with the index's interior entries) above."""
    values = index_layouts()[layout]
    rows = [(v, i) for i, v in enumerate(random.Random(layout).sample(values, len(values)))]
    s, m = pair(tmp_path, ["CREATE TABLE t(a INTEGER, b)", "CREATE INDEX ia ON t(a)"],
                "INSERT INTO t VALUES (?, ?)", rows)
    distinct = sorted(set(values))
    probes = set(distinct[::5])
    probes.update(v + d for v in distinct[::23] for d in (-1, 1))
    probes.update((distinct[0] - 1, distinct[-1] + 1, 0, 1))
    rng = random.Random(layout + "q")
    for v in sorted(p for p in probes if -(2 ** 63) <= p < 2 ** 63):
        check(s, m, "SELECT a, b FROM t WHERE a = ?", (v,))
        op = rng.choice(["<", "<=", ">", ">="])
        order = "DESC" if op[0] == "<" else ""
        check(s, m, f"SELECT a FROM t WHERE a {op} ? ORDER BY a {order} LIMIT 3",
              (v,), ordered=True)


def test_index_lookups_of_integers_and_texts_stay_exact(tmp_path):
    """The inline integer and text probes of cold index pages, beside the
    values that must take the general path (doubles equal to integers,
    integers past 2**53, texts past one-byte serial types, blobs)."""
    rng = random.Random(4)
    values = [rng.randint(-(2 ** 40), 2 ** 40) for _ in range(600)] + \
        [2 ** 53 + 1, 2 ** 53, float(2 ** 53), 7, 7.0, 7.5, 2 ** 63 - 1, -(2 ** 63)] + \
        [f"w{rng.randint(0, 10 ** 6)}" for _ in range(400)] + \
        ["x" * 70, "x" * 71, "é" * 30, "", b"w1", None]
    rows = [(v, i) for i, v in enumerate(values * 2)]
    s, m = pair(tmp_path, ["CREATE TABLE t(a, b)", "CREATE INDEX ia ON t(a)",
                           "CREATE INDEX iab ON t(a, b)"],
                "INSERT INTO t VALUES (?, ?)", rows)
    for v in values[::3] + [7, 7.0, "x" * 70, 2 ** 53, 12345, "w"]:
        check(s, m, "SELECT a, b FROM t WHERE a = ?", (v,))
        check(s, m, "SELECT b FROM t WHERE a = ? AND b >= ?", (v, 500))
        check(s, m, "SELECT a FROM t WHERE a > ? ORDER BY a LIMIT 3", (v,), ordered=True)
        check(s, m, "SELECT a FROM t WHERE a <= ? ORDER BY a DESC LIMIT 3", (v,),
              ordered=True)


def _leaf_of(path):
    """(page size, page number) of a table leaf holding several cells."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        ps = con.execute("PRAGMA page_size").fetchone()[0]
    data = open(path, "rb").read()
    for pgno in range(2, len(data) // ps + 1):
        off = (pgno - 1) * ps
        if data[off] == 0x0D and struct.unpack_from(">H", data, off + 3)[0] > 3:
            return ps, pgno
    raise AssertionError("no table leaf")


@pytest.mark.parametrize("bad", [0, 3, 0xFFF0])
def test_damaged_cell_pointer_of_a_lazily_read_leaf(tmp_path, bad):
    path = str(tmp_path / "d.db")
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size=512")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "v" * 20) for i in range(1, 400)])
    con.commit()
    con.close()
    ps, pgno = _leaf_of(path)
    with open(path, "r+b") as f:
        f.seek((pgno - 1) * ps + 8 + 2)           # the second cell pointer
        f.write(struct.pack(">H", bad))
    mini = minisql_module()
    m = mini.connect(path)
    ids = list(range(1, 400))
    for i in ids:                      # reads: an answer or 'malformed', nothing else
        try:
            m.execute("SELECT v FROM t WHERE id = ?", (i,)).fetchall()
        except mini.DatabaseError as e:
            assert str(e) == "database disk image is malformed"
    # Any edit of the page checks every pointer first.
    with pytest.raises(mini.DatabaseError, match="malformed"):
        for i in ids:
            m.execute("UPDATE t SET v = 'x' WHERE id = ?", (i,))
    m.rollback()
    m.close()


def test_decode_one_reads_what_decode_record_reads():
    rng = random.Random(8)
    values = [v for v in MIXED if v != -0.0] + ["x" * 90, b"y" * 30, 3.25]
    shapes = [[rng.choice(values) for _ in range(rng.randint(1, 5))] for _ in range(40)]
    for _ in range(3 * R._HEADER_USES):       # past the sightings: compiled decoders
        for vals in shapes:
            rec = R.encode_record(vals)
            buf = bytearray(b"\x01\x02" + rec + b"\x03")
            end = 2 + len(rec)
            assert typed([R.decode_one(buf, 2, end)]) == \
                typed([R.decode_record(buf, 2, end)])
            for n in range(1, 7):
                assert typed([R.decode_one(buf, 2, end, n)]) == \
                    typed([R.decode_record_prefix(buf, n, 2, end)])
            # A payload one byte short or long is corrupt on both paths.
            for bad_end in (end - 1, end + 1):
                with pytest.raises(errors.DatabaseError):
                    R.decode_record(buf, 2, bad_end)
                with pytest.raises(errors.DatabaseError):
                    R.decode_one(buf, 2, bad_end)


def test_lookups_after_rollbacks_see_restored_pages(tmp_path):
    """Writes that split pages, then a rollback (whole, or to a savepoint)
    restoring them: the key caches and pointer arrays built on the changed
    pages must go with them."""
    s, m = pair(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a)",
                           "CREATE INDEX i ON t(a)"],
                "INSERT INTO t VALUES (?, ?)", [(i, i * 13 % 997) for i in range(1, 1500)])
    rng = random.Random(6)
    for step in range(12):
        batch = [(rng.randint(1, 3000), rng.choice(MIXED)) for _ in range(80)]
        for con in (s, m):
            con.execute("SAVEPOINT sp")
            con.executemany("INSERT OR REPLACE INTO t VALUES (?, ?)", batch)
            con.execute("DELETE FROM t WHERE id % 5 = ?", (step % 5,))
        # Warm the changed pages' caches inside the transaction.
        for _ in range(40):
            check(s, m, "SELECT a FROM t WHERE id = ?", (rng.randint(1, 3000),))
            check(s, m, "SELECT id FROM t WHERE a = ?", (rng.randint(0, 997),))
        for con in (s, m):
            if step % 2:
                con.execute("ROLLBACK TO sp")
                con.execute("RELEASE sp")
                con.commit()
            else:
                con.rollback()
        for _ in range(40):
            check(s, m, "SELECT a FROM t WHERE id = ?", (rng.randint(1, 3000),))
            check(s, m, "SELECT id FROM t WHERE a = ?", (rng.randint(0, 997),))
    check(s, m, "SELECT count(*), sum(id), total(a) FROM t")


@pytest.mark.parametrize("count", [0, 1, 2, 3, 300])
def test_index_equality_rows_at_once_or_stepped(tmp_path, count):
    """An index seek hands a key's rows over as one list when there is at
    most one, and steps them otherwise: every count gives sqlite3's rows,
    whole or fetched a few at a time, inside aggregates and joins."""
    rows = [(i, -7 if i <= count else i, f"r{i}") for i in range(1, count + 200)]
    s, m = pair(tmp_path, ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
                           "CREATE INDEX ta ON t(a)"],
                "INSERT INTO t VALUES (?, ?, ?)", rows)
    check(s, m, "SELECT id, b FROM t WHERE a = ?", (-7,), ordered=True)
    check(s, m, "SELECT count(*), max(b) FROM t WHERE a = ?", (-7,))
    check(s, m, "SELECT t.id, u.b FROM t JOIN t AS u ON u.a = -t.id WHERE t.id < 9")
    a = s.execute("SELECT id FROM t WHERE a = -7")
    b = m.execute("SELECT id FROM t WHERE a = -7")
    got = []
    while True:
        x, y = a.fetchmany(2), b.fetchmany(2)
        assert y == x
        if not x:
            break
        got += y
    assert len(got) == count


def test_index_equality_rows_are_projected_as_fetched(tmp_path):
    """Rows of a key found by an index seek are computed one ahead of the
    fetch, as sqlite3 steps them: an error in a later row comes when that
    row is reached, a function runs only for the rows stepped, and
    changes()/total_changes()/last_insert_rowid() read the moment of the
    step, not of execute()."""
    def scenario(mod, path):
        con = mod.connect(path)
        con.execute("CREATE TABLE t(a, b)")
        con.execute("CREATE INDEX ta ON t(a)")
        con.executemany("INSERT INTO t VALUES (1, ?)", [(1,), (2,), (-2 ** 63,), (4,)])
        con.commit()
        out = []
        cur = con.execute("SELECT abs(b) FROM t WHERE a = 1")
        out.append(cur.fetchone())
        try:
            cur.fetchall()
        except mod.OperationalError as e:
            out.append(str(e))
        calls = []
        con.create_function("f", 1, lambda x: calls.append(x) or x)
        cur = con.execute("SELECT f(b) FROM t WHERE a = 1")
        cur.fetchone()
        cur.close()
        out.append(len(calls))
        cur = con.execute("SELECT b, total_changes(), last_insert_rowid() FROM t WHERE a = 1")
        out.append(cur.fetchone())
        con.execute("INSERT INTO t VALUES (2, 0)")
        out.append(cur.fetchall())
        con.close()
        return out
    mini = minisql_module()
    assert scenario(mini, str(tmp_path / "m.db")) == scenario(sqlite3, str(tmp_path / "s.db"))


@pytest.mark.parametrize("pages", ["cold", "hot"])
def test_point_reads_without_a_cursor(tmp_path, pages):
    """Seeks that read one row with no cursor (BTree.row, BTree.index_run):
    unique keys, runs of duplicates (the cursor then steps them), entries
    at either end of a leaf and on interior pages, NOCASE and user
    collations, covering and non-covering reads, and the rowid alone.
    Cold: small pages and a tiny cache, every leaf searched afresh; hot:
    each query repeated until its pages have their key caches.  Against
    sqlite3."""
    rng = random.Random(31)
    words = [f"w{i}" for i in range(900)]
    rows = []
    for i in range(1, 2400):
        a = i * 7 if i % 5 else (i // 10) * 7       # some values 2-3 times
        w = rng.choice(words)
        rows.append((i, a, w.upper() if i % 3 else w, rng.randint(0, 9), f"r{i}"))
    setup = ["PRAGMA page_size=512", "PRAGMA cache_size=12"] if pages == "cold" else []
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b COLLATE NOCASE, c, d)",
             "CREATE INDEX ta ON t(a)", "CREATE INDEX tb ON t(b)",
             "CREATE INDEX tac ON t(a, c)", "CREATE INDEX td ON t(d COLLATE rev)"]
    mini = minisql_module()
    cons = []
    for name, mod in (("s", sqlite3), ("m", mini)):
        con = mod.connect(str(tmp_path / f"{name}.db"))
        # A user collation: the index's keys are not byte strings then.
        con.create_collation("rev", lambda x, y: (x < y) - (x > y))
        for sql in setup + stmts:
            con.execute(sql)
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
        con.commit()
        cons.append(con)
    s, m = cons
    probes = [rng.choice(rows) for _ in range(60)] + [rows[0], rows[-1]]
    for _ in range(3 if pages == "hot" else 1):
        for i, a, b, c, d in probes:
            check(s, m, "SELECT id, a, d FROM t WHERE a = ?", (a,))
            check(s, m, "SELECT id FROM t WHERE a = ?", (a + 1,))
            check(s, m, "SELECT a, c FROM t WHERE a = ? AND c = ?", (a, c))
            check(s, m, "SELECT id, b FROM t WHERE b = ?", (b.swapcase(),))
            check(s, m, "SELECT id, d FROM t WHERE d = ?", (d,))
            check(s, m, "SELECT d, c FROM t WHERE id = ?", (i,))
            check(s, m, "SELECT id FROM t WHERE id = ?", (i + 5000,))
            check(s, m, "SELECT rowid FROM t WHERE id = ?", (i,))


def test_index_entry_with_a_damaged_rowid(tmp_path):
    """An index entry whose rowid is not an integer (a damaged file): a
    query that reads the rowid through it -- to find the table row, or as a
    covering index's output -- fails with 'database disk image is
    malformed', as in sqlite3, and one that does not read it still
    answers."""
    path = str(tmp_path / "d.db")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a)")
    con.execute("CREATE INDEX ia ON t(a)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, i * 10) for i in range(1, 50)])
    con.commit()
    con.close()
    data = bytearray(open(path, "rb").read())
    # The entry (a=100, rowid=10): header 03 01 01, then 100 and 10; its
    # rowid becomes the text 'x' (serial type 15).
    at = data.find(bytes([3, 1, 1, 100, 10]))
    assert at > 0 and data.find(bytes([3, 1, 1, 100, 10]), at + 1) < 0
    data[at:at + 5] = bytes([3, 1, 15, 100, ord("x")])
    open(path, "wb").write(data)
    queries = ["SELECT * FROM t WHERE a = 100", "SELECT id FROM t WHERE a = 100",
               "SELECT rowid FROM t WHERE a = 100", "SELECT a FROM t WHERE a = 100",
               "SELECT * FROM t WHERE a = 100 OR a = 110",
               "SELECT a, id FROM t WHERE a BETWEEN 90 AND 110",
               "SELECT a FROM t WHERE a BETWEEN 90 AND 110",
               "SELECT count(*) FROM t WHERE a > 0", "SELECT * FROM t ORDER BY a"]

    def outcomes(mod):
        con = mod.connect(path)
        out = []
        for sql in queries:
            try:
                out.append(con.execute(sql).fetchall())
            except mod.DatabaseError as e:
                out.append(str(e))
        con.close()
        return out
    assert outcomes(minisql_module()) == outcomes(sqlite3)
