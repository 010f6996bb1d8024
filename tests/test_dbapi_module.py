"""The DB-API module itself, against stdlib sqlite3: module attributes and
constants, exceptions, constructors, complete_statement, parameter binding
and types, adapters and converters (detect_types)."""
import array
import collections
import datetime
import decimal
import sqlite3

import pytest

from test_dbapi_util import modules, ms, observe, same, same_in  # noqa: F401 - ms is a fixture


# -- module attributes ------------------------------------------------------------

@pytest.mark.parametrize("name", ["apilevel", "threadsafety", "paramstyle", "sqlite_version",
                                  "sqlite_version_info", "version", "version_info",
                                  "PARSE_DECLTYPES", "PARSE_COLNAMES"])
def test_module_attribute(name):
    same(lambda m: getattr(m, name))


def test_every_sqlite_constant_has_sqlite3s_value(ms):
    names = [n for n in dir(sqlite3) if n.startswith("SQLITE_")]
    assert len(names) > 150
    assert {n: getattr(ms, n, None) for n in names} == {n: getattr(sqlite3, n) for n in names}


def test_legacy_transaction_control_is_minus_one(ms):
    # sqlite3.LEGACY_TRANSACTION_CONTROL (Python 3.12) is -1.
    assert ms.LEGACY_TRANSACTION_CONTROL == getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", -1)


def test_connection_and_cursor_api_covers_sqlite3s(ms):
    """Every public name of a sqlite3 connection and cursor exists in minisql
    (those minisql does not support raise NotSupportedError when called)."""
    ref = sqlite3.connect(":memory:")
    con = ms.connect(":memory:")
    # Extension loading exists only in SQLite builds that allow it.
    names = {n for n in dir(ref) if not n.startswith("_")} - {
        "enable_load_extension", "load_extension"}
    assert sorted(n for n in names if not hasattr(con, n)) == []
    names = {n for n in dir(ref.cursor()) if not n.startswith("_")}
    assert sorted(n for n in names if not hasattr(con.cursor(), n)) == []


@pytest.mark.parametrize("name", ["Warning", "Error", "InterfaceError", "DatabaseError",
                                  "DataError", "OperationalError", "IntegrityError",
                                  "InternalError", "ProgrammingError", "NotSupportedError"])
def test_exception_hierarchy(name):
    def bases(m):
        cls = getattr(m, name)
        return [c.__name__ for c in cls.__mro__], getattr(m.connect(":memory:"), name) is cls
    same(bases)


@pytest.mark.parametrize("setup, statement", [
    ("create table t(a unique); insert into t values(1)", "insert into t values(1)"),
    ("", "selec"),
    ("", "select * from nosuch"),
    ("", "commit"),
    ("create table t(a integer primary key)", "insert into t values('x')"),
    ("", "select zeroblob(2000000000)"),
])
def test_errors_carry_the_sqlite_error_name(setup, statement):
    """sqlite_errorcode/sqlite_errorname, compared on the primary result code
    (minisql does not report SQLite's extended codes; see the module doc)."""
    def run(m):
        con = m.connect(":memory:")
        con.executescript(setup)
        try:
            con.execute(statement)
        except m.Error as e:
            return (type(e).__name__, str(e), e.sqlite_errorcode & 0xFF,
                    e.sqlite_errorname.split("_")[1])
    same(run)


def test_constructors():
    def run(m):
        return (bytes(m.Binary(b"ab")), m.Date(2020, 1, 2), m.Time(1, 2, 3),
                m.Timestamp(2020, 1, 2, 3, 4, 5), m.DateFromTicks(100000),
                m.TimeFromTicks(100000), m.TimestampFromTicks(100000))
    same(run)


def test_type_objects_compare_to_declared_types(ms):
    # PEP 249 type objects (sqlite3 lacks them): each equals the types it covers.
    assert ms.STRING == "TEXT" and ms.NUMBER == "INTEGER" and ms.BINARY == "BLOB"
    assert ms.DATETIME == "TIMESTAMP" and ms.ROWID == "ROWID"
    assert ms.STRING != "BLOB" and ms.NUMBER != "TEXT"


@pytest.mark.parametrize("text", [
    "select 1;", "select 1", "select 'a;", "select 1; -- x", "", ";", "-- c\n;", "/* x */",
    "CREATE TRIGGER t AFTER INSERT ON x BEGIN select 1;",
    "CREATE TRIGGER t AFTER INSERT ON x BEGIN select 1; END;",
    "select \"a;\";", "select [x;]", "select 1 /* ; */", "select x'ab';"])
def test_complete_statement(text):
    same(lambda m: m.complete_statement(text))


def test_complete_statement_wants_str():
    same(lambda m: m.complete_statement(b"select 1;"))


# -- binding -------------------------------------------------------------------------

def query(m, sql, params=(), **kwargs):
    con = m.connect(":memory:", **kwargs)
    return [tuple(r) for r in con.execute(sql, params).fetchall()]


class Seq:
    """Not a list or tuple, but sqlite3 binds anything with __getitem__
    (except dicts) as a sequence."""

    def __len__(self):
        return 2

    def __getitem__(self, i):
        if i >= 2:
            raise IndexError(i)
        return i * 10


class Missing(dict):
    def __missing__(self, key):
        return "default"


@pytest.mark.parametrize("sql, params", [
    ("select ?, ?", (1, "a")),
    ("select ?, ?", [1, "a"]),
    ("select ?, ?", Seq()),
    ("select ?", "a"),                         # a str is a sequence of its characters
    ("select ?", b"a"),                        # and bytes of its ints
    ("select ?", range(1)),
    ("select ?2, ?1", (1, 2)),
    ("select ?, ?", (1,)),
    ("select ?", (1, 2)),
    ("select 1", ()),
    ("select 1", {"a": 1}),
    ("select 1", None),
    ("select ?", 5),
    ("select ?", {1}),
    ("select ?", {1: 2}.values()),
    ("select :a, $b, @c, :a", {"a": 1, "b": 2, "c": 3}),
    ("select :a", collections.OrderedDict(a=1)),
    ("select :a", Missing()),
    ("select :a", collections.UserDict(a=1)),  # not a dict: bound as a sequence
    ("select :a, :b", {"a": 1}),
    ("select ?", {"a": 1}),
    ("select :a, ?", {"a": 1}),
    ("select ?1", {"1": 5}),
    ("select :a, ?", (1, 2)),                  # names bound by position
    ("select :a", (1,)),
])
def test_parameter_styles(sql, params):
    same(query, sql, params)


@pytest.mark.parametrize("value", [
    0, 1, -1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**100, True, False,
    0.0, -0.0, 1.5, 1e308, float("inf"), float("-inf"), float("nan"),
    "", "a", "héllo", "\u20ac\U0001f600", "a\0b", "\ud800", "x" * 10000,
    b"", b"\0\xff", bytearray(b"ab"), memoryview(b"cd"), array.array("b", [1, 2]),
    None, object(), [1], (1,), {"a": 1}, decimal.Decimal("1.5"), 1 + 2j,
    datetime.date(2020, 1, 2), datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
    datetime.time(1, 2, 3),
])
def test_binding_each_type(value):
    same(query, "select ?, typeof(?)", (value, value))


class IntSub(int):
    def __str__(self):
        return "wrong"


class StrSub(str):
    def __str__(self):
        return "wrong"


class FloatSub(float):
    pass


def test_binding_subclasses_of_the_basic_types():
    same(query, "select ?, ?, ?, typeof(?)", (IntSub(3), StrSub("x"), FloatSub(2.5), IntSub(3)))


def test_binding_named_parameters_of_each_type():
    same(query, "select :i, :f, :s, :b, :n", {"i": 2**63, "f": 1.0, "s": "s", "b": b"b", "n": None})
    same(query, "select :x", {"x": object()})
    same(query, "select :x", {"x": "\udcff"})


def test_null_character_in_sql():
    same(query, "select 1 \0")
    same(query, "select 1", ())


# -- adapters -------------------------------------------------------------------------

class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Conforming:
    def __conform__(self, protocol):
        return "conformed"


class Refusing:
    def __conform__(self, protocol):
        raise TypeError("no")


@pytest.fixture
def restore_adapters():
    """register_adapter changes module state: put both modules back after."""
    saved = [(m, dict(m.adapters), dict(m.converters)) for m in modules()]
    yield
    for m, adapters, converters in saved:
        m.adapters.clear()
        m.adapters.update(adapters)
        m.converters.clear()
        m.converters.update(converters)


def test_adapters(restore_adapters):
    def run(m):
        m.register_adapter(Point, lambda p: f"{p.x};{p.y}")
        m.register_adapter(complex, lambda z: 1 / 0)
        out = [query(m, "select ?", (Point(1, 2),))]
        for v in (Conforming(), Refusing(), 1j):
            out.append(observe(m, query, "select ?", (v,)))
        out.append(m.adapt(Point(3, 4)))
        out.append(m.adapt(Conforming()))
        out.append(observe(m, m.adapt, Refusing()))
        out.append(m.adapt(Refusing(), m.PrepareProtocol, "alt"))
        out.append(observe(m, m.adapt, 1))
        out.append(m.adapt(datetime.date(2020, 1, 2)))
        return out
    same(run)


def test_adapter_returning_an_unsupported_type(restore_adapters):
    def run(m):
        m.register_adapter(Point, lambda p: [p.x])
        return query(m, "select ?", (Point(1, 2),))
    same(run)


@pytest.mark.parametrize("base", [int, float, str, bytearray, bool, bytes])
def test_adapting_a_base_type(base, restore_adapters):
    """An adapter for int/float/str/bytearray makes sqlite3 adapt every value."""
    def run(m):
        m.register_adapter(base, lambda v: f"adapted {v!r}")
        return query(m, "select ?, ?, ?, ?, ?, ?", (1, 1.5, "s", bytearray(b"x"), True, b"b"))
    same(run)


# -- converters and detect_types ---------------------------------------------------------

CONVERT_TABLE = """
create table t(d date, ts timestamp, i integer, n number(10), x, b BLOB, u [date],
               m "my type" not null, e)
"""


def converted(m, detect, sql, text_factory=None):
    con = m.connect(":memory:", detect_types=detect)
    if text_factory is not None:
        con.text_factory = text_factory
    con.execute(CONVERT_TABLE)
    con.execute("insert into t values(?,?,?,?,?,?,?,?,?)",
                (datetime.date(2020, 1, 2), datetime.datetime(2020, 1, 2, 3, 4, 5, 678), 1, 2.5,
                 3, b"x", "2020-01-01", "mine", ""))
    cur = con.execute(sql)
    return cur.fetchall(), cur.description


@pytest.mark.parametrize("detect", [0, 1, 2, 3])
@pytest.mark.parametrize("sql", [
    "select * from t",
    'select d as "d [timestamp]", ts as "x [date]", i "q [integer]" from t',
    'select d as "d [unknown]", e as "[date] x" from t',
    'select ts as "t[timestamp]", ts as "a [b] [timestamp]", d as "[x][date]" from t',
    "select max(d), d, d || '' from t",
    "select d from (select d from t) union select d from t",
    'select m, n as "n [MY]", 1.5 as "r [my]", 1e100 as "s [my]", 3.0 as "w [my]", '
    "e as \"e [my]\", x'' as \"z [my]\", null as \"l [my]\" from t",
])
def test_detect_types(detect, sql, restore_adapters):
    def run(m):
        m.register_converter("MY", lambda b: ("my", b))
        return converted(m, detect, sql)
    same(run)


def test_converters_get_bytes_text_factory_does_not_apply(restore_adapters):
    def run(m):
        m.register_converter("my", lambda b: ("my", b))
        return converted(m, 3, 'select m, e, i as "i [my]" from t', text_factory=lambda b: ("tf", b))
    same(run)


@pytest.mark.parametrize("sql", [
    "select '2020' as \"x [timestamp]\"",
    "select '2020-01-01' as \"x [timestamp]\"",
    "select '2020-01-01 10:00:00.5' as \"x [timestamp]\", '2020-01-01 10:00:00' as \"y [timestamp]\"",
    "select '2020-01-01 10:00:00.1234567' as \"x [timestamp]\"",
    "select 5 as \"z [date]\"",
    "select 'x' as \"z [date]\"",
])
def test_default_converters(sql):
    same(lambda m: query(m, sql, (), detect_types=m.PARSE_COLNAMES))


def test_converter_that_raises(restore_adapters):
    def run(m):
        m.register_converter("bad", lambda b: 1 / 0)
        return converted(m, 2, 'select i as "i [bad]" from t')
    same(run)


def test_register_converter_wants_a_str():
    same(lambda m: m.register_converter(5, str))


def test_converter_names_are_case_insensitive(restore_adapters):
    def run(m):
        m.register_converter("MixedCase", lambda b: b.decode() + "!")
        rows = query(m, 'select 1 as "a [mixedcase]", 2 as "b [MIXEDCASE]"', (),
                     detect_types=m.PARSE_COLNAMES)
        return rows, sorted(k for k in m.converters if k.startswith("M"))
    same(run)


def test_extended_error_codes():
    """Constraint failures carry SQLite's extended result codes, whatever
    the conflict resolution and whoever raises them (a trigger's RAISE, an
    index build, a rowid or non-rowid PRIMARY KEY)."""
    def run(m):
        con = m.connect(":memory:", isolation_level=None)
        con.execute("create table t(a unique, b text primary key, c not null, "
                    "d check(d > 0), e integer)")
        con.execute("create table r(x integer primary key)")
        con.execute("create table w(x)")
        con.execute("create trigger tw before insert on w when new.x = 1 "
                    "begin select raise(abort, 'no ones'); end")
        con.execute("create trigger tf before insert on w when new.x = 2 "
                    "begin select raise(fail, 'no twos'); end")
        con.execute("insert into t values(1, 'k', 1, 1, 1), (2, 'l', 1, 1, 1)")
        con.execute("insert into r values(1)")
        out = []
        for sql in ["insert into t values(1, 'x', 1, 1, 1)",
                    "insert or fail into t values(1, 'x', 1, 1, 1)",
                    "insert or rollback into t values(1, 'x', 1, 1, 1)",
                    "insert into t values(3, 'k', 1, 1, 1)",
                    "insert into t values(3, 'z', null, 1, 1)",
                    "insert into t values(3, 'z', 1, 0, 1)",
                    "insert into r values(1)", "update r set x = 1 where x = 1 + 0 * x",
                    "insert into r values('abc')", "insert into w values(1)",
                    "insert into w values(2)", "create unique index u on t(e)",
                    "select 1 limit 'x'",
                    "alter table t add column f check(f > 0) default 0"]:
            try:
                con.execute(sql)
                out.append((sql, "ok"))
            except m.Error as e:
                out.append((sql, type(e).__name__, str(e), e.sqlite_errorcode,
                            e.sqlite_errorname))
        return out
    same(run)


def test_dbapi2_alias(ms):
    """``from sqlite3 import dbapi2`` becomes ``from minisql import dbapi2``."""
    from minisql import dbapi2
    assert dbapi2.connect is ms.connect and dbapi2.Row is ms.Row


def ordinary_program(sqlite3, directory):
    """Everyday sqlite3 code, written against a module called sqlite3."""
    import os
    path = os.path.join(directory, "app.db")
    con = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES)
    con.row_factory = sqlite3.Row
    with con:
        con.execute("create table if not exists person(id integer primary key, "
                    "name text not null unique, born date, score real)")
        con.executemany("insert into person(name, born, score) values(?, ?, ?)",
                        [("ada", datetime.date(1815, 12, 10), 9.5),
                         ("alan", datetime.date(1912, 6, 23), None)])
    try:
        with con:
            con.execute("insert into person(name) values(:n)", {"n": "ada"})
    except sqlite3.IntegrityError as e:
        error = str(e)
    cur = con.cursor()
    cur.execute("update person set score = coalesce(score, 0) + ? where name like ?",
                (1, "a%"))
    changed = cur.rowcount
    con.commit()
    people = [(r["name"], r["born"], r["score"], r.keys())
              for r in con.execute("select * from person order by id")]
    last = con.execute("insert into person(name) values('grace')").lastrowid
    con.rollback()
    count = con.execute("select count(*) from person").fetchone()[0]
    dump = list(con.iterdump())
    con.close()
    return error, changed, people, last, count, dump


def test_an_ordinary_program(tmp_path):
    assert same_in(tmp_path, ordinary_program)[0] == "ok"
