"""Transactions as the sqlite3 module runs them, checked on the statement trace.

Each scenario is a list of actions run through sqlite3 and through minisql;
after every action both must show the same outcome, the same in_transaction,
and the same statements seen by the trace callback (sqlite3's own implicit
BEGIN/COMMIT/ROLLBACK included, parameters expanded).  ``autocommit`` is
Python 3.12's and this Python's sqlite3 lacks it: those tests assert the
3.12 documented behaviour and, on 3.12+, compare with sqlite3 as well.
"""
import os
import sqlite3
import threading
import time

import pytest

from test_dbapi_util import (commit, many, ms, observe, rollback, same,  # noqa: F401
                             same_in, same_steps, script, sql, steps)

T = sql("create table t(a, b)")


def setattr_(name, value):
    return lambda con: setattr(con, name, value)


SCENARIOS = {
    "implicit begin before DML": [
        T, sql("insert into t values(?, ?)", (1, "x'y")), sql("select * from t"), commit,
        sql("update t set a = ?", (2.5,)), rollback, sql("select * from t"),
        sql("delete from t where a = :a", {"a": b"\x01"}), commit, commit, rollback],
    "no begin for queries, DDL and pragmas": [
        T, sql("select * from t"), sql("values(1)"), sql("with x as (select 1) select * from x"),
        sql("pragma user_version"),
        sql("pragma user_version = 3"), sql("create table u(a)"), sql("create index i on t(a)"),
        sql("drop index i"), sql("drop table u")],
    "DDL inside a transaction is rolled back with it": [
        T, sql("insert into t values(1, 2)"), sql("create table u(a)"), rollback,
        sql("select name from sqlite_master")],
    "isolation levels": [
        T, setattr_("isolation_level", "IMMEDIATE"), sql("insert into t values(1, 2)"),
        setattr_("isolation_level", "exclusive"), commit, sql("replace into t values(1, 2)"),
        commit, setattr_("isolation_level", "DEFERRED"), sql("update t set b = 3"),
        setattr_("isolation_level", None), sql("insert into t values(3, 4)"),
        setattr_("isolation_level", ""), sql("delete from t"), rollback,
        sql("select count(*) from t")],
    "setting isolation_level to None commits": [
        T, sql("insert into t values(1, 2)"), setattr_("isolation_level", None), rollback,
        sql("select * from t")],
    "executemany begins once": [
        T, many("insert into t values(?, ?)", [(1, 2), (3, None), (4.5, "z")]), commit,
        many("update t set b = ? where a = ?", [(1, 1), (2, 3)]), rollback,
        many("insert into t values(?, ?)", []), rollback, many("create table u(a)", [()])],
    "executemany refuses queries": [
        T, many("select ?", [(1,)]), many("begin", [()]), many("pragma user_version", [()]),
        many("values(?)", [(1,)]), many("select * from nosuch", []),
        many("pragma user_version = 2", [()]), many("begin immediate", [()]), rollback],
    "executescript commits first": [
        T, sql("insert into t values(1, 2)"),
        script("insert into t values(3, 4);  select 1; -- c\n update t set a = 1 ;"),
        script("begin; insert into t values(5, 6);"), sql("insert into t values(7, 8)"),
        commit, script("select * from t"), sql("select count(*) from t")],
    "executescript errors": [
        T, script("insert into t values(1, 2); bogus; insert into t values(3, 4)"),
        script("begin; insert into t values(5, 6); insert into nosuch values(1);"),
        rollback, sql("select * from t")],
    "a statement that does not compile begins nothing": [
        T, sql("insert into nosuch values(1)"), sql("insert into t values(1)"),
        sql("update t set nosuch = 1"), sql("delete from t where nosuch()"), sql("insert"),
        sql("selec")],
    "a binding error comes after the implicit begin": [
        T, sql("insert into t values(?, ?)", (1,)), rollback,
        sql("insert into t values(?, ?)", (1, object())), rollback,
        sql("insert into nosuch values(?)", (1, 2)), sql("insert into t values(?, ?)", 5)],
    "explicit transaction statements": [
        T, sql("begin"), sql("insert into t values(1, 2)"), sql("savepoint x"),
        sql("insert into t values(3, 4)"), sql("rollback to x"), sql("release x"),
        sql("commit"), sql("begin immediate"), sql("end"), sql("begin exclusive"), rollback,
        sql("savepoint y"), sql("insert into t values(5, 6)"), sql("release y"), sql("begin"),
        sql("begin"), commit, sql("commit"), sql("rollback"), sql("select * from t")],
    "savepoints with implicit transactions": [
        T, sql("insert into t values(1, 2)"), sql("savepoint a"),
        sql("insert into t values(3, 4)"), sql("rollback to a"), commit, sql("select * from t")],
    "what counts as DML is the first word": [
        T, sql("/* c */ insert into t values(1, 2)"), commit, sql("-- c\nupdate t set a = 3"),
        commit, sql("  \n\t\f delete from t"), commit,
        sql("with x as (select 1) insert into t select 1, 2 from x"), rollback,
        sql("REPLACE into t values(9, 9)"), commit, sql("InSeRt into t values(8, 8)"), commit,
        sql("insert or ignore into t values(7, 7)"), commit, sql("select count(*) from t")],
    "parameters in the trace": [
        T, sql("select ?1, ?, :a, ?1", {"1": 7, "a": 8}),
        sql("select :a, :a, $b, @c", {"a": 1.5, "b": None, "c": "it's"}),
        sql("select ?, ?, ?, ?, ?, ?", (1e100, -0.0, 2**62, "\u00e9", b"\x00\xff", 0.1)),
        sql("select ?;  ", (1,)), sql("  select 1 -- trailing"), sql("select 1;  -- after")],
    "constraint errors keep the transaction": [
        sql("create table t(a unique)"), sql("insert into t values(1)"),
        sql("insert into t values(1)"), sql("insert into t values(2)"), commit,
        sql("select * from t")],
    "ON CONFLICT ROLLBACK ends the transaction": [
        sql("create table t(a unique)"), sql("insert into t values(1)"),
        sql("insert or rollback into t values(1)"), sql("select * from t")],
    "commit and rollback with an open query": [
        T, many("insert into t values(?, ?)", [(i, i) for i in range(5)]), commit,
        lambda con: con.execute("select a from t").fetchone(),
        sql("insert into t values(9, 9)"), commit, sql("select count(*) from t")],
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(tmp_path, name):
    same_steps(tmp_path, SCENARIOS[name])


def test_trigger_raising_rollback_ends_the_transaction(tmp_path):
    # (Not traced: sqlite3 traces a statement again for each trigger it runs;
    # minisql reports each statement once.)
    same_steps(tmp_path, [
        T, sql("create trigger tr before insert on t when new.a = 0 "
               "begin select raise(rollback, 'no zero'); end"),
        sql("insert into t values(1, 1)"), sql("insert into t values(0, 0)"),
        sql("select * from t")], trace=False)


@pytest.mark.parametrize("level", ["", "DEFERRED", "IMMEDIATE", "EXCLUSIVE", None])
def test_isolation_level_begin_statements(tmp_path, level):
    same_steps(tmp_path, [T, sql("insert into t values(1, 2)"), commit, commit],
               isolation_level=level)


def test_context_manager(tmp_path):
    def enter(con):
        return con.__enter__() is con

    def exit_ok(con):
        return con.__exit__(None, None, None)

    def exit_error(con):
        return con.__exit__(ValueError, ValueError("x"), None)
    same_steps(tmp_path, [
        sql("create table t(a unique)"), enter, sql("insert into t values(1)"), exit_ok,
        enter, sql("insert into t values(2)"), sql("insert into t values(1)"), exit_error,
        sql("select * from t"), enter, exit_ok, sql("select 1")])


def test_context_manager_does_not_close(tmp_path):
    def run(m, directory):
        con = m.connect(os.path.join(directory, "x.db"))
        with con:
            con.execute("create table t(a)")
        try:
            with con:
                con.execute("insert into t values(1)")
                raise KeyError("boom")
        except KeyError:
            pass
        with con as inner:
            inner.execute("insert into t values(2)")
        return con.execute("select * from t").fetchall(), con.in_transaction
    same_in(tmp_path, run)


def test_close_discards_a_pending_transaction(tmp_path):
    def run(m, directory):
        path = os.path.join(directory, "x.db")
        con = m.connect(path)
        con.execute("create table t(a)")
        con.commit()
        con.execute("insert into t values(1)")
        con.close()
        return m.connect(path).execute("select count(*) from t").fetchall()
    assert same_in(tmp_path, run) == ("ok", [(0,)])


def test_interrupted_write_rolls_back_the_transaction(tmp_path):
    """SQLite ends the whole transaction when a write is interrupted."""
    def run(m, directory):
        con = m.connect(os.path.join(directory, "x.db"))
        con.execute("create table t(a)")
        con.executemany("insert into t values(?)", [(i,) for i in range(3000)])
        con.commit()
        con.execute("insert into t values(-1)")
        calls = [0]

        def handler():
            calls[0] += 1
            return calls[0] > 2
        con.set_progress_handler(handler, 1)
        error = observe(m, lambda m: con.execute("insert into t select a + 1 from t"))
        con.set_progress_handler(None, 0)
        return error, con.in_transaction, con.execute("select count(*) from t").fetchall()
    assert same_in(tmp_path, run) == (
        "ok", (("error", "OperationalError", "interrupted"), False, [(3000,)]))


def test_writers_in_other_connections(tmp_path):
    """A deferred transaction takes its snapshot at its first statement, so a
    commit by another connection between BEGIN and that statement is seen."""
    def run(m, directory):
        path = os.path.join(directory, "x.db")
        a, b = m.connect(path, timeout=0), m.connect(path, timeout=0)
        a.execute("create table t(a)")
        a.commit()
        a.execute("begin")
        b.execute("insert into t values(1)")
        b.commit()
        a.execute("insert into t values(2)")
        a.commit()
        return a.execute("select * from t order by a").fetchall()
    same_in(tmp_path, run)


# -- autocommit (Python 3.12) ----------------------------------------------------------------

HAVE_AUTOCOMMIT = hasattr(sqlite3, "LEGACY_TRANSACTION_CONTROL")


def autocommit_steps(ms, tmp_path, autocommit, actions):
    """minisql's steps; on Python 3.12+ also compared with sqlite3's."""
    con = ms.connect(str(tmp_path / "m.db"), autocommit=autocommit)
    got = steps(ms, con, actions)
    if HAVE_AUTOCOMMIT:
        ref_con = sqlite3.connect(str(tmp_path / "s.db"), autocommit=autocommit)
        assert got == steps(sqlite3, ref_con, actions)
    return con, got


def test_autocommit_false(ms, tmp_path):
    """PEP 249 mode: a transaction is always open; commit()/rollback() close it
    and open the next; no implicit BEGIN; isolation_level is ignored;
    executescript() commits nothing; close() rolls back."""
    con, got = autocommit_steps(ms, tmp_path, False, [
        lambda con: con.in_transaction, T, sql("insert into t values(1, 2)"), commit,
        sql("insert into t values(3, 4)"), rollback, setattr_("isolation_level", "IMMEDIATE"),
        sql("update t set b = 5"), script("insert into t values(6, 7)"), rollback,
        sql("select * from t"), sql("commit"), commit])
    ok = ("ok", None)
    assert got == [
        (("ok", True), True, ()),
        (("ok", []), True, ("create table t(a, b)",)),
        (("ok", []), True, ("insert into t values(1, 2)",)),
        (ok, True, ("COMMIT", "BEGIN")),
        (("ok", []), True, ("insert into t values(3, 4)",)),
        (ok, True, ("ROLLBACK", "BEGIN")),
        (ok, True, ()),
        (("ok", []), True, ("update t set b = 5",)),
        (("ok", []), True, ("insert into t values(6, 7)",)),
        (ok, True, ("ROLLBACK", "BEGIN")),
        (("ok", [(1, 2)]), True, ("select * from t",)),
        (("ok", []), False, ("commit",)),
        # commit() issues COMMIT whatever the state: here there is nothing to commit.
        (("error", "OperationalError", "cannot commit - no transaction is active"), False,
         ("COMMIT",)),
    ]
    con.execute("begin")
    con.execute("insert into t values(8, 9)")
    seen = []
    con.set_trace_callback(seen.append)
    con.close()
    assert seen == ["ROLLBACK"]
    assert ms.connect(str(tmp_path / "m.db")).execute("select * from t").fetchall() == [(1, 2)]


def test_autocommit_true(ms, tmp_path):
    """SQLite's own autocommit: no implicit BEGIN, commit()/rollback() do
    nothing, explicit BEGIN/COMMIT in SQL work."""
    _, got = autocommit_steps(ms, tmp_path, True, [
        T, sql("insert into t values(1, 2)"), rollback, sql("begin"),
        sql("insert into t values(3, 4)"), commit, rollback, sql("rollback"),
        sql("select * from t"), script("begin; insert into t values(5, 6)"), commit])
    assert [(o, t) for o, t, _ in got] == [
        (("ok", []), False), (("ok", []), False), (("ok", None), False), (("ok", []), True),
        (("ok", []), True), (("ok", None), True), (("ok", None), True), (("ok", []), False),
        (("ok", [(1, 2)]), False), (("ok", []), True), (("ok", None), True)]
    assert all(not any(s in ("BEGIN", "BEGIN ", "COMMIT", "ROLLBACK") for s in seen)
               for _, _, seen in got)


def test_changing_autocommit(ms, tmp_path):
    """Setting True commits a pending transaction; setting False opens one;
    LEGACY_TRANSACTION_CONTROL brings isolation_level back."""
    _, got = autocommit_steps(ms, tmp_path, ms.LEGACY_TRANSACTION_CONTROL, [
        T, sql("insert into t values(1, 2)"), setattr_("autocommit", True),
        setattr_("autocommit", False), sql("insert into t values(3, 4)"),
        setattr_("autocommit", ms.LEGACY_TRANSACTION_CONTROL), commit,
        sql("insert into t values(5, 6)"), setattr_("autocommit", 1),
        lambda con: con.autocommit])
    assert [(o[0], t, s) for o, t, s in got] == [
        ("ok", False, ("create table t(a, b)",)),
        ("ok", True, ("BEGIN ", "insert into t values(1, 2)")),
        ("ok", False, ("COMMIT",)),
        ("ok", True, ("BEGIN",)),
        ("ok", True, ("insert into t values(3, 4)",)),
        ("ok", True, ()),
        ("ok", False, ("COMMIT",)),
        ("ok", True, ("BEGIN ", "insert into t values(5, 6)")),
        ("error", True, ()),
        ("ok", True, ()),
    ]
    assert got[-1][0] == ("ok", ms.LEGACY_TRANSACTION_CONTROL)


# -- threads -------------------------------------------------------------------------------

def test_interrupt_from_another_thread(tmp_path):
    """interrupt() called while a long query runs in another thread stops it
    with 'interrupted'; the connection stays usable."""
    def run(m, directory):
        con = m.connect(os.path.join(directory, "x.db"), check_same_thread=False)
        con.execute("create table t(a)")
        con.executemany("insert into t values(?)", [(i,) for i in range(20000)])
        con.commit()
        slow = "select count(*) from t where length(randomblob(20000)) > 0"
        started = time.perf_counter()
        con.execute(slow).fetchall()
        full = time.perf_counter() - started
        timer = threading.Timer(full / 4, con.interrupt)
        timer.start()
        started = time.perf_counter()
        try:
            error = observe(m, lambda m: con.execute(slow).fetchall())
        finally:
            timer.join()
        stopped_early = time.perf_counter() - started < full * 0.75
        return error, stopped_early, con.execute("select count(*) from t").fetchall()
    assert same_in(tmp_path, run) == (
        "ok", (("error", "OperationalError", "interrupted"), True, [(20000,)]))


def test_interrupt_before_a_statement_is_forgotten():
    def run(m):
        con = m.connect(":memory:")
        con.interrupt()
        return con.execute("select 1").fetchall()
    assert same(run) == ("ok", [(1,)])


def test_interrupt_stops_a_pending_result():
    def run(m):
        con = m.connect(":memory:")
        con.execute("create table t(a)")
        con.executemany("insert into t values(?)", [(i,) for i in range(10)])
        cur = con.execute("select a from t")
        first = cur.fetchone()
        con.interrupt()
        return first, observe(m, lambda m: cur.fetchall()), cur.fetchall(), \
            con.execute("select count(*) from t").fetchall()
    same(run)


def test_interrupt_during_a_join_of_small_tables():
    def run(m):
        con = m.connect(":memory:")
        con.execute("create table t(a)")
        con.executemany("insert into t values(?)", [(i,) for i in range(300)])
        calls = [0]

        def stop(a):
            calls[0] += 1
            con.interrupt()
            return 1
        con.create_function("stop", 1, stop)
        outcome = observe(m, lambda m: con.execute(
            "select count(*) from t x, t y where stop(x.a)"))
        return outcome, calls[0] < 1000
    assert same(run) == ("ok", (("error", "OperationalError", "interrupted"), True))
