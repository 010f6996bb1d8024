"""User functions, aggregates and collations, the progress handler, the
trace callback and callback tracebacks, against stdlib sqlite3; and the
Connection methods minisql does not support, which must say so."""
import contextlib
import io
import sys

import pytest

from test_dbapi_util import ms, observe, same  # noqa: F401 - ms is a fixture
from util import BadFinalize, BadInit, BadStep, NoStep, Sum


def with_function(m, func, statement, narg=-1, **kwargs):
    con = m.connect(":memory:")
    con.create_function("f", narg, func, **kwargs)
    return con.execute(statement).fetchall()


@pytest.mark.parametrize("value", [
    1, -2**63, 2**63 - 1, 2**63, 2.5, float("nan"), float("inf"), "s", "", "é\0x", b"b", b"",
    None, True, bytearray(b"x"), memoryview(b"m"), object(), [1], "\ud800"])
def test_function_results(value):
    same(with_function, lambda: value, "select f(), typeof(f())")


def test_function_arguments():
    same(with_function, lambda *a: repr(a), "select f(1, 2.5, 'x', x'01', null, -0.0)")
    same(with_function, lambda a: a, "select f(cast(x'ff' as text))")     # not UTF-8


@pytest.mark.parametrize("narg, statement", [
    (1, "select f()"), (1, "select f(1, 2)"), (0, "select f()"), (2, "select f(1, 2)"),
    (-1, "select f(1, 2, 3)"), (-2, "select f(1)"), (128, "select f(1)"), (127, "select 1"),
    ("x", "select 1")])
def test_function_arity(narg, statement):
    same(with_function, lambda *a: len(a), statement, narg)


def nested_statements(m):
    """Functions that run statements with parameters of their own, called
    from statements with parameters: each statement keeps its own."""
    con = m.connect(":memory:")
    con.execute("create table t(a, b)")
    con.executemany("insert into t values (?, ?)", [(1, "x"), (2, "y"), (3, "z")])
    con.execute("create table u(v)")
    con.execute("insert into u values (99)")
    con.create_function("g", 1, lambda x: con.execute(
        "select v + ? from u where v = ?", (x, 99)).fetchone()[0])
    con.create_function("h", 1, lambda x: con.execute(
        "insert into u values (?)", (x,)).rowcount)
    out = [con.execute("select g(a), ?, a from t where a >= ?", ("P", 2)).fetchall(),
           con.execute("select ?, g(a), ? from t", ("P", "Q")).fetchall(),
           con.execute("select h(a), ?, (select count(*) from u where v < ?) from t",
                       ("R", 50)).fetchall()]
    cur = con.execute("select a, g(a), ? from t where a <> ?", ("S", 0))
    out.append(cur.fetchone())
    out.append(con.execute("select ?", ("T",)).fetchone())     # between two fetches
    out.append(cur.fetchall())
    con.execute("update t set b = ? where a = g(?) - 99", ("w", 1))
    out.append(con.execute("select * from t order by a").fetchall())
    return out


def test_statements_run_from_functions_keep_their_parameters():
    same(nested_statements)


def test_changes_after_executemany_counts_the_last_execution():
    def run(m):
        con = m.connect(":memory:")
        con.execute("create table t(a unique)")
        out = []
        for rows in ([(1,), (2,), (3,)], [(4,), (2,)]):
            cur = con.executemany("insert or ignore into t values (?)", rows)
            out.append((cur.rowcount, con.execute("select changes(), total_changes()")
                        .fetchone()))
        con.commit()
        return out
    same(run)


@pytest.mark.parametrize("func", [lambda: 1 / 0, lambda x=None: {}[x], 5, None])
def test_function_errors(func):
    same(with_function, func, "select f()")
    same(with_function, func, "select 1 where f() is null")


def test_function_names_and_overrides():
    def run(m):
        con = m.connect(":memory:")
        con.create_function("MyF", 1, lambda x: x * 2)
        con.create_function("upper", 1, lambda x: "mine")
        out = [con.execute("select myf(2), MYF(3), upper('a')").fetchall()]
        out.append(observe(m, lambda m: con.execute("select upper('a', 'b')").fetchall()))
        out.append(observe(m, lambda m: con.create_function(5, 1, len)))
        con.create_function(name="g", narg=1, func=len)
        out.append(con.execute("select g('abc')").fetchall())
        return out
    same(run)


def test_deterministic_functions_in_index_expressions():
    def run(m, deterministic):
        con = m.connect(":memory:")
        con.create_function("f", 1, lambda x: x * 2, deterministic=deterministic)
        con.execute("create table t(a)")
        con.execute("create index i on t(f(a))")
        con.execute("insert into t values(3)")
        return con.execute("select a from t where f(a) = 6").fetchall()
    same(run, True)
    same(run, False)


class BadResult(Sum):
    def finalize(self):
        return [self.n]


def with_aggregate(m, cls, statement="select s(a) from t", narg=1):
    con = m.connect(":memory:")
    con.create_aggregate("s", narg, cls)
    con.execute("create table t(a, b)")
    con.executemany("insert into t values(?, ?)", [(1, "x"), (2, "y"), (3, "x")])
    return con.execute(statement).fetchall()


@pytest.mark.parametrize("cls", [Sum, BadInit, BadStep, BadFinalize, NoStep, BadResult, None, 5])
def test_aggregates(cls):
    same(with_aggregate, cls)
    same(with_aggregate, cls, "select b, s(a) from t group by b order by b")


@pytest.mark.parametrize("statement, narg", [
    ("select s(a, b) from t", 1), ("select s(distinct a) from t", 1),
    ("select s(a) from t", 2), ("select s(a) from t", -2), ("select s(a) from t", 200)])
def test_aggregate_arity(statement, narg):
    same(with_aggregate, Sum, statement, narg)


def test_aggregate_over_no_rows():
    same(with_aggregate, Sum, "select s(a) from t where 0")


class NoFinalize:
    def step(self, x):
        pass


def test_aggregate_without_finalize():
    same(with_aggregate, NoFinalize)


def nocase(a, b):
    a, b = a.lower(), b.lower()
    return (a > b) - (a < b)


ORDERED = ("select x from (select 'b' x union all select 'a' union all select 'C' "
           "union all select 'a') order by x collate c")


@pytest.mark.parametrize("func", [nocase, lambda a, b: 1 / 0, lambda a, b: "x",
                                  lambda a, b: 1.5, lambda a, b: None, None, 5])
def test_collations(func):
    def run(m):
        con = m.connect(":memory:")
        con.create_collation("c", func)
        return con.execute(ORDERED).fetchall()
    same(run)


def test_collation_names_and_removal():
    def run(m):
        con = m.connect(":memory:")
        con.create_collation("MyColl", nocase)
        out = [con.execute("select 'a' = 'A' collate mycoll").fetchall()]
        con.create_collation("MyColl", None)
        out.append(observe(m, lambda m: con.execute("select 'a' = 'A' collate mycoll")))
        out.append(observe(m, lambda m: con.create_collation(5, nocase)))
        con.create_collation("a-b c", nocase)
        out.append(con.execute('select \'a\' = \'A\' collate "a-b c"').fetchall())
        return out
    same(run)


def with_progress(m, handler, n=1, statement="select count(*) from t a, t b"):
    con = m.connect(":memory:")
    con.execute("create table t(a)")
    con.executemany("insert into t values(?)", [(i,) for i in range(300)])
    con.commit()
    calls = [0]

    def counted():
        calls[0] += 1
        return handler(calls[0])
    con.set_progress_handler(counted if handler is not None else None, n)
    outcome = observe(m, lambda m: con.execute(statement).fetchall())
    con.set_progress_handler(None, 0)
    return outcome, calls[0] > 0, con.in_transaction, con.execute("select 1").fetchall()


@pytest.mark.parametrize("handler", [lambda n: 0, lambda n: 1, lambda n: n > 50,
                                     lambda n: 1 / 0, lambda n: None, lambda n: "x", None])
@pytest.mark.parametrize("n", [1, 100, 0, -1])
def test_progress_handler(handler, n):
    same(with_progress, handler, n)


def test_progress_handler_aborts_a_write():
    same(with_progress, lambda n: n > 10, 1, "insert into t select a.a from t a, t b")


def test_progress_handler_keywords():
    same(lambda m: m.connect(":memory:").set_progress_handler(progress_handler=None, n=1))


def test_trace_callback_errors_are_ignored():
    def run(m):
        con = m.connect(":memory:")
        con.set_trace_callback(lambda s: 1 / 0)
        out = [con.execute("select 1").fetchall()]
        con.set_trace_callback(None)
        return out
    same(run)


def caught_tracebacks(m, action):
    """Run ``action`` with callback tracebacks on; what reached
    sys.unraisablehook (exception types) and what the action gave."""
    seen = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda args: seen.append(args.exc_type.__name__)
    m.enable_callback_tracebacks(True)
    try:
        outcome = observe(m, action)
    finally:
        m.enable_callback_tracebacks(False)
        sys.unraisablehook = old_hook
    return outcome, seen


@pytest.mark.parametrize("case", ["function", "aggregate step", "aggregate init",
                                  "progress", "trace"])
def test_callback_tracebacks(case):
    def action(m):
        con = m.connect(":memory:")
        if case == "function":
            con.create_function("f", 0, lambda: 1 / 0)
            return con.execute("select f()").fetchall()
        if case.startswith("aggregate"):
            return with_aggregate(m, BadStep if case.endswith("step") else BadInit)
        if case == "progress":
            con.execute("create table t(a)")
            con.executemany("insert into t values(?)", [(i,) for i in range(10)])
            con.set_progress_handler(lambda: {}["x"], 1)
            return con.execute("select a from t where a >= 0").fetchall()
        con.set_trace_callback(lambda s: 1 / 0)
        return con.execute("select 1").fetchall()
    same(caught_tracebacks, action)


def test_callback_tracebacks_printed_by_the_default_hook(ms, monkeypatch):
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)   # not pytest's
    ms.enable_callback_tracebacks(True)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            with pytest.raises(ms.OperationalError,
                               match="^user-defined function raised exception$"):
                with_function(ms, lambda: 1 / 0, "select f()")
    finally:
        ms.enable_callback_tracebacks(False)
    assert "Exception ignored in" in err.getvalue()
    assert "ZeroDivisionError: division by zero" in err.getvalue()


def test_tracebacks_off_by_default(ms):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        with pytest.raises(ms.OperationalError):
            with_function(ms, lambda: 1 / 0, "select f()")
    assert err.getvalue() == ""


@pytest.mark.parametrize("call", [
    "con.set_authorizer(lambda *a: 0)", "con.blobopen('t', 'a', 1)", "con.serialize()",
    "con.deserialize(b'')", "con.create_window_function('w', 1, object)", "con.getlimit(1)",
    "con.setlimit(1, 10)", "con('select 1')", "ms.enable_shared_cache(True)"])
def test_unsupported_features_say_so(ms, call):
    con = ms.connect(":memory:")
    with pytest.raises(ms.NotSupportedError, match="not supported by minisql"):
        eval(call, {"con": con, "ms": ms})


def test_removing_an_authorizer_is_fine(ms):
    con = ms.connect(":memory:")
    assert con.set_authorizer(None) is None
    assert con.execute("select 1").fetchall() == [(1,)]
