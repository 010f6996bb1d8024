"""Cursor and Row, against stdlib sqlite3: description, rowcount and lastrowid
after every kind of statement, fetching, closing, row and text factories,
Row itself, and results that stream."""
import os
import sqlite3
import tracemalloc

import pytest

from test_dbapi_util import modules, ms, observe, same  # noqa: F401 - ms is a fixture


def cursor_states(m, statements, fresh_cursor=False):
    """Run each (method, sql, params) on one cursor (or a fresh one each
    time); record outcome, description, rowcount, lastrowid, total_changes."""
    con = m.connect(":memory:")
    cur = con.cursor()
    out = []
    for method, statement, params in statements:
        if fresh_cursor:
            cur = con.cursor()
        call = getattr(cur, method)
        args = (statement,) if method == "executescript" else (statement, params)
        outcome = observe(m, lambda m: call(*args).fetchall())
        out.append((outcome, cur.description, cur.rowcount, cur.lastrowid, con.total_changes))
    return out


def E(statement, params=()):
    return ("execute", statement, params)


def M(statement, seq):
    return ("executemany", statement, seq)


def S(text):
    return ("executescript", text, None)


STATEMENTS = [
    E("create table t(id integer primary key, a, b unique)"),
    E("create table log(x)"),
    E("insert into t(a, b) values(1, 'x')"),
    E("insert into t(a, b) values(2, 'y'), (3, 'z')"),
    E("select * from t"),
    E("select a as first, b from t where 0"),
    E("update t set a = a + 1"),
    E("update t set a = 0 where 0"),
    E("delete from t where id = 1"),
    E("replace into t values(2, 9, 'y')"),
    E("insert or replace into t values(7, 9, 'q')"),
    E("insert or ignore into t values(7, 0, 'w')"),
    E("insert into t(a, b) values(5, 'x'), (6, 'x')"),
    E("insert into t select null, a, b || '2' from t"),
    E("create trigger tr after insert on t begin insert into log values(new.a); "
      "insert into log values(new.a); end"),
    E("insert into t(a, b) values(10, 'tr')"),
    E("update t set a = ? where b = ?", (3, "tr")),
    M("insert into t(a, b) values(?, ?)", [(11, "m1"), (12, "m2")]),
    M("update t set a = ? where b = ?", [(1, "m1"), (1, "nosuch"), (2, "m2")]),
    M("delete from t where b = ?", [("m1",)]),
    M("create table u(a)", [()]),
    M("insert into t(a, b) values(?, ?)", [(13, "m3"), (14, "m3")]),
    M("insert into t(a, b) values(?, ?)", []),
    E("select count(*) from log"),
    S("insert into t(a, b) values(20, 's1'); select 1;"),
    E("delete from t"),
    E("delete from t"),
    E("drop table u"),
    E("alter table log rename to log2"),
    E("pragma user_version = 7"),
    E("pragma user_version"),
    E("begin"),
    E("insert into t(a, b) values(30, 'b')"),
    E("commit"),
    E(""),
    E("-- nothing"),
    E("selec"),
    E("insert into t(a, b) values(?, ?)", (1,)),
    E("with x(v) as (values(40)) insert into t(a, b) select v, 'w' from x"),
    E("with x(v) as (values(41)) update t set a = (select v from x) where 0"),
    E("values(1, 2)"),
    E("explain query plan select * from t"),
    E("select * from t where id = ?", (10**6,)),
]


@pytest.mark.parametrize("fresh_cursor", [False, True])
def test_description_rowcount_lastrowid(fresh_cursor):
    ref, got = (cursor_states(m, STATEMENTS, fresh_cursor) for m in modules())
    for i, (a, b) in enumerate(zip(ref, got)):
        if STATEMENTS[i][1].startswith("explain"):
            a, b = a[1:], b[1:]     # EXPLAIN QUERY PLAN ids are not SQLite's addresses
        assert b == a, STATEMENTS[i]


def test_rowcount_is_minus_one_after_an_error_midway():
    def run(m):
        return [state[:4] for state in cursor_states(m, [
            E("create table t(a unique)"), M("insert into t values(?)", [(1,), (2,), (1,), (3,)]),
            E("select * from t")])]
    same(run)


def test_total_changes_after_a_failing_executemany():
    def run(m):
        con = m.connect(":memory:")
        con.execute("create table t(a unique)")
        try:
            con.executemany("insert into t values(?)", [(1,), (2,), (1,)])
        except m.IntegrityError:
            pass
        return con.total_changes, con.execute("select count(*) from t").fetchall()
    same(run)


def table(m, n=10):
    con = m.connect(":memory:")
    con.execute("create table t(a, b)")
    con.executemany("insert into t values(?, ?)", [(i, f"r{i}") for i in range(n)])
    return con


def test_fetching():
    def run(m):
        cur = table(m).cursor()
        out = [cur.fetchone(), cur.fetchmany(), cur.fetchall(), cur.arraysize]
        cur.execute("select a from t order by a")
        out += [cur.fetchone(), cur.fetchmany(), cur.fetchmany(3), cur.fetchmany(size=2)]
        cur.arraysize = 2
        out += [cur.fetchmany(), next(cur), [r for r, in cur], cur.fetchone(), cur.fetchall(),
                cur.fetchmany(), cur.arraysize]
        for size in (0, -1):
            cur.execute("select a from t order by a")
            cur.fetchone()
            out.append(cur.fetchmany(size))      # 0 or less: everything left
        cur.execute("select a from t order by a")
        out.append(list(cur))
        out.append(list(cur))
        cur.execute("insert into t values(99, 'x')")
        out += [cur.fetchall(), cur.fetchone()]
        out.append([r for r in cur.execute("select b from t where a > 7")])
        return out
    same(run)


def test_fetch_methods_do_not_call_a_subclass_next():
    def run(m):
        class Sub(m.Cursor):
            def __next__(self):
                return "from Sub.__next__"

            def fetchmany(self, size=None):
                return "from Sub.fetchmany"
        con = table(m)
        out = []
        for factory in (None, lambda cur, row: row[0]):
            con.row_factory = factory
            cur = con.cursor(Sub)
            cur.execute("select a from t order by a")
            out += [cur.fetchone(), next(cur), m.Cursor.fetchmany(cur, 2), cur.fetchall()]
        return out
    same(run)


def test_arraysize_checks():
    def run(m):
        cur = m.connect(":memory:").cursor()
        out = [observe(m, setattr, cur, "arraysize", v) for v in ("x", 1.5, None, -1, 3)]
        return out, cur.arraysize
    same(run)


def test_attributes_are_read_only():
    def run(m):
        cur = m.connect(":memory:").cursor()
        return [observe(m, lambda m: setattr(cur, name, 5))
                for name in ("rowcount", "description", "lastrowid", "connection")]
    same(run)


def test_reexecuting_abandons_the_previous_result():
    def run(m):
        cur = table(m).cursor()
        cur.execute("select a from t order by a")
        first = cur.fetchone()
        cur.execute("select a * 10 from t order by a")
        return first, cur.fetchall(), cur.description
    same(run)


def test_executescript_leaves_the_cursor_as_it_was():
    def run(m):
        con = table(m)
        cur = con.execute("select a from t order by a")
        before = cur.fetchone(), cur.description, cur.rowcount, cur.lastrowid
        cur.executescript("insert into t values(100, 'x'); select 1")
        return before, cur.description, cur.rowcount, cur.lastrowid, cur.fetchall()
    same(run)


@pytest.mark.parametrize("action", [
    "cur.execute('select 1')", "cur.executemany('insert into t values(?, ?)', [])",
    "cur.executescript('')", "cur.fetchone()", "cur.fetchmany()", "cur.fetchall()",
    "list(cur)", "cur.close()", "cur.description", "cur.rowcount", "cur.lastrowid",
    "cur.arraysize", "cur.connection is con", "cur.setinputsizes([1])",
    "cur.setoutputsize(1)", "cur.setoutputsize(1, 0)", "cur.row_factory"])
@pytest.mark.parametrize("closed", ["cursor", "connection", "both"])
def test_closed_cursor_and_connection(action, closed):
    def run(m):
        con = table(m)
        cur = con.execute("select a from t")
        if closed in ("cursor", "both"):
            cur.close()
        if closed in ("connection", "both"):
            con.close()
        return eval(action, {"cur": cur, "con": con})
    same(run)


def test_recursive_use_of_a_cursor():
    def run(m):
        con = table(m, 3)
        cur = con.cursor()
        con.create_function("reuse", 1, lambda x: cur.execute("select 1").fetchone()[0])
        return observe(m, lambda m: cur.execute("select reuse(a) from t").fetchall()), \
            cur.execute("select 2").fetchall()
    same(run)


def test_null_character_in_statement_text():
    # execute() looks a text up in the statement cache before it checks for
    # a null character: the cache must never hold such a text.
    def run(m):
        con = m.connect(":memory:")
        out = []
        for q in ("select 1", "select 1\0", "select 1\0", "select 1", "\0", "select 1; \0"):
            for f in (con.execute, con.cursor().execute, lambda q: con.executemany(q, [])):
                out.append(observe(m, lambda m: f(q).fetchall()))
        return out
    same(run)


def test_cursor_factory_and_construction():
    def run(m):
        con = m.connect(":memory:")

        class MyCursor(m.Cursor):
            pass
        out = [type(con.cursor(MyCursor)).__name__, type(con.cursor(factory=m.Cursor)).__name__]
        out.append(observe(m, lambda m: con.cursor(lambda c: 5)))
        out.append(observe(m, lambda m: m.Cursor(5)))
        out.append(m.Cursor(con).execute("select 1").fetchall())
        return out
    same(run)


# -- row factories and Row ------------------------------------------------------------------

def test_row_factory_precedence():
    def run(m):
        con = m.connect(":memory:")
        con.row_factory = lambda cur, row: {d[0]: v for d, v in zip(cur.description, row)}
        cur = con.cursor()
        out = [cur.execute("select 1 as x").fetchall(), cur.row_factory is con.row_factory]
        cur.row_factory = None
        out.append(cur.execute("select 1 as x").fetchall())
        out.append(m.Cursor(con).execute("select 2 as y").fetchall())   # not inherited
        out.append(con.execute("select 3 as z").fetchone())
        con.row_factory = None
        out.append(con.execute("select 4 as w").fetchone())
        cur = con.cursor()
        cur.row_factory = lambda c, r: r[::-1]
        out.append(cur.execute("select 1, 2").fetchall())
        con.row_factory = 5
        out.append(observe(m, lambda m: con.execute("select 1").fetchall()))
        return out
    same(run)


def rows(m):
    con = m.connect(":memory:")
    con.row_factory = m.Row
    cur = con.execute("select 1 as a, 2 as B, 3 as a, 4 as \"É\", 5 as \"ß\"")
    return con, cur, cur.fetchone()


@pytest.mark.parametrize("expr", [
    "r[0]", "r[-1]", "r[4]", "r[5]", "r[-6]", "r[2**70]", "r[True]", "r[1:3]", "r[::-1]",
    "r['a']", "r['A']", "r['b']", "r['B']", "r['É']", "r['é']", "r['ß']", "r['SS']", "r['x']",
    "r[1.5]", "r[None]", "r[b'a']", "r[(0,)]", "len(r)", "list(r)", "tuple(r)", "r.keys()",
    "list(reversed(r))", "1 in r", "'a' in r", "r == r", "r != r", "r == tuple(r)",
    "r != tuple(r)", "hash(r) == hash(again())", "r == again()", "r.__lt__(r) is NotImplemented", "r == other()",
    "hash(r) == hash(other())", "sorted(dict(zip(r.keys(), r)).items())", "type(r).__name__",
    "repr(r).split(' object at')[0].split('.')[-1]", "m.Row(cur, (1, 2)).keys()",
    "m.Row(cur, (1,))[0]", "m.Row(cur, [1])", "m.Row(5, (1,))", "m.Row(cur, 5)",
])
def test_row(expr):
    def run(m):
        con, cur, r = rows(m)

        def again():
            return rows(m)[2]

        def other():
            return con.execute("select 1 as a, 2 as B, 3 as c, 4, 5").fetchone()
        return eval(expr, {"r": r, "m": m, "cur": cur, "con": con, "again": again,
                           "other": other})
    same(run)


def test_row_repr_names_the_module(ms):
    con = ms.connect(":memory:")
    con.row_factory = ms.Row
    assert repr(con.execute("select 1").fetchone()).startswith("<minisql.Row object at 0x")


# -- text_factory -----------------------------------------------------------------------------

BAD_UTF8 = ("select 'héllo', x'00ff', 1, 'a' || x'ff' as c1, cast(x'ff61' as text), "
            "cast(x'c3' as text) as \"naïve\", cast(x'00ff' as text), null")


@pytest.mark.parametrize("factory", ["str", "bytes", "bytearray", "custom", "bad"])
@pytest.mark.parametrize("statement", [
    "select 'héllo', 'x', '', x'00ff', 1, null",
    BAD_UTF8,
    "select cast(x'ff' as text) || '" + "é" * 200 + "' as long",
    "select cast(x'61' || zeroblob(3) || x'ff' as text) as nul",
])
def test_text_factory(factory, statement):
    def run(m):
        con = m.connect(":memory:")
        con.text_factory = {"str": str, "bytes": bytes, "bytearray": bytearray,
                            "custom": lambda b: ("custom", b), "bad": 5}[factory]
        cur = con.execute(statement)
        return [observe(m, lambda m: cur.fetchone()) for _ in range(2)]
    same(run)


def test_invalid_utf8_in_a_stored_table():
    def run(m):
        con = m.connect(":memory:")
        con.execute("create table t(k, v)")
        con.execute("insert into t values(1, 'fine'), (2, cast(x'ffd8' as text)), (3, 'ok')")
        out = [observe(m, lambda m: con.execute("select v from t order by k").fetchall())]
        cur = con.execute("select v from t order by k")
        out += [observe(m, lambda m: cur.fetchone()) for _ in range(2)]
        con.text_factory = bytes
        out.append(con.execute("select v from t order by k").fetchall())
        return out
    same(run)


# -- streaming ----------------------------------------------------------------------------------

def test_results_stream(tmp_path, ms):
    """A SELECT over a million rows does not materialise before the first
    fetch, nor while rows are fetched one at a time."""
    path = str(tmp_path / "big.db")
    ref = sqlite3.connect(path)
    ref.execute("create table t(i integer primary key, s text)")
    ref.execute("with recursive n(v) as (select 1 union all select v + 1 from n "
                "where v < 1000000) insert into t select v, printf('row %08d', v) from n")
    ref.commit()
    ref.close()
    assert os.path.getsize(path) > 20_000_000
    con = ms.connect(path)
    # Parser tables and the like are loaded once per process: not the point.
    con.execute("select i, s from t where i = 1").fetchall()
    tracemalloc.start()
    try:
        cur = con.execute("select i, s from t")
        first = cur.fetchone()
        after_first = tracemalloc.get_traced_memory()[1]
        count = 1
        for _ in range(20000):
            cur.fetchone()
            count += 1
        after_many = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert first == (1, "row 00000001") and count == 20001
    # Materialised, the result would take well over 100 MB; the page cache
    # (2000 pages of 4 KiB at most) bounds what reading it may hold.
    assert after_first < 1_000_000, after_first
    assert after_many < 10_000_000, after_many
    assert cur.fetchone() == (20002, "row 00020002")
    cur.close()
    con.close()


def test_open_cursors_keep_their_own_parameters():
    """Two live cursors of one statement, and other statements run between
    their fetches: each cursor still sees its own parameters (as sqlite3,
    whose cursors each hold their own prepared statement)."""
    import sqlite3

    import minisql

    def run(m):
        con = m.connect(":memory:")
        con.execute("CREATE TABLE t(a)")
        con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10)])
        q = "SELECT a FROM t WHERE a > ? ORDER BY a"
        c1 = con.execute(q, (7,))
        c2 = con.execute(q, (2,))
        first = (c1.fetchone(), c2.fetchone())
        con.execute("INSERT INTO t VALUES (?)", (100,))
        return first, c1.fetchall(), c2.fetchall()
    assert run(minisql) == run(sqlite3)


@pytest.mark.parametrize("call", [
    lambda m, c: c.execute(None), lambda m, c: c.execute(1),
    lambda m, c: c.executemany(None, []), lambda m, c: c.executescript(None),
    lambda m, c: c.cursor().execute(b"select 1"), lambda m, c: m.Cursor(None),
    lambda m, c: m.Row(c.cursor(), None), lambda m, c: m.Row(None, ()),
    lambda m, c: c.backup(None), lambda m, c: c.create_function(None, 1, None),
    lambda m, c: c.cursor(lambda con: None), lambda m, c: m.connect(":memory:", timeout=None)])
def test_wrong_argument_types_are_named_as_sqlite3_names_them(call):
    """Argument parsing says "not None" of None, other checks "not NoneType"."""
    same(lambda m: call(m, m.connect(":memory:")))


def test_queries_naming_no_table_answer_on_a_file_that_is_not_a_database(tmp_path):
    """They read nothing of the file (no read transaction, as in SQLite);
    the first query of a table says what the file is."""
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not a database, only some text. " * 8)

    def run(m):
        con = m.connect(str(path))
        out = []
        for sql, params in (("SELECT 1", ()), ("SELECT ? + 1", (2,)),
                            ("SELECT changes(), typeof(sqlite_version())", ()),
                            ("SELECT x", ()), ("SELECT x", (1,)), ("SELECT * FROM t", ()),
                            ("SELECT 1 WHERE 1 IN t", ()), ("SELECT 2", ())):
            out.append(observe(m, lambda m: con.execute(sql, params).fetchall()))
        con.close()
        return out
    same(run)
