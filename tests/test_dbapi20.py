"""The DB-API 2.0 compliance suite (PyPI dbapi-compliance, module ``dbapi20``).

- ``TestMinisql`` runs the suite against minisql: every test must pass.  Where
  stdlib sqlite3 documents a different behaviour, minisql follows sqlite3 and the
  suite's test is overridden (``Sqlite3Conventions``): the override runs the same
  steps on sqlite3 and on the module under test and asserts both show sqlite3's
  behaviour.
- ``TestSqlite3Stock`` runs the unmodified suite against sqlite3 and marks, with
  the reason, exactly the tests sqlite3 fails (strict xfail: if sqlite3 ever
  passes one, the list must change).
- ``TestSqlite3Conventions`` runs the overridden suite against sqlite3 itself,
  which validates the overrides; sqlite3 fails only the type-object tests there.
"""
import functools
import os
import shutil
import sqlite3
import tempfile

import dbapi20
import pytest

import util


def _xfail(name, reason, base=dbapi20.DatabaseAPI20Test):
    """The suite's test ``name`` as a strict xfail, without touching the suite's class."""
    test = getattr(base, name)

    @pytest.mark.xfail(strict=True, reason=reason)
    @functools.wraps(test)
    def wrapper(self):
        return test(self)
    return wrapper


class _TempDatabase:
    """Each test connects to a fresh file in its own temp directory."""

    def setUp(self):
        self._tmp = tempfile.mkdtemp(prefix="dbapi20-")
        self.connect_args = (os.path.join(self._tmp, "dbapi20.db"),)
        super().setUp()

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)


class Sqlite3Conventions(_TempDatabase, dbapi20.DatabaseAPI20Test):
    """The suite, with sqlite3's documented behaviour where it differs."""
    __test__ = False
    driver = None

    def _both(self, scenario):
        """``scenario(driver, path)`` run with sqlite3 and with the driver under test,
        each on its own file; returns (sqlite3's result, the driver's result)."""
        results = []
        for i, driver in enumerate((sqlite3, self.driver)):
            results.append(scenario(driver, os.path.join(self._tmp, f"side{i}.db")))
        return tuple(results)

    def _ddl1(self, cur):
        cur.execute(self.ddl1)

    # sqlite3: fetchone/fetchmany/fetchall "return None / [] when no more rows are
    # available" -- also before any execute() and after a statement that returns
    # no rows.  The suite expects an Error there.
    def _fetch_without_rows(self, fetch):
        insert = "%s into %sbooze values ('Victoria Bitter')" % (self.insert, self.table_prefix)

        def scenario(driver, path):
            con = driver.connect(path)
            try:
                cur = con.cursor()
                seen = [fetch(cur)]                    # nothing executed yet
                self._ddl1(cur)
                seen.append(fetch(cur))                # after DDL
                cur.execute(insert)
                seen.append(fetch(cur))                # after INSERT
                return seen
            finally:
                con.close()
        return self._both(scenario)

    def test_fetchone(self):
        ref, got = self._fetch_without_rows(lambda cur: cur.fetchone())
        assert ref == got == [None, None, None]
        self._run_without_fetch_errors(dbapi20.DatabaseAPI20Test.test_fetchone)

    def test_fetchmany(self):
        ref, got = self._fetch_without_rows(lambda cur: cur.fetchmany(4))
        assert ref == got == [[], [], []]
        self._run_without_fetch_errors(dbapi20.DatabaseAPI20Test.test_fetchmany)

    def test_fetchall(self):
        ref, got = self._fetch_without_rows(lambda cur: cur.fetchall())
        assert ref == got == [[], [], []]
        self._run_without_fetch_errors(dbapi20.DatabaseAPI20Test.test_fetchall)

    def _run_without_fetch_errors(self, test):
        """Run the suite's ``test`` with its 'fetch* must raise Error' assertions
        turned into 'fetch* must return the empty answer' (checked above)."""
        original = self.assertRaises

        def assert_raises(exc, func, *args, **kwargs):
            if getattr(func, "__name__", "") in ("fetchone", "fetchmany", "fetchall"):
                result = func(*args, **kwargs)
                assert result in (None, []), result
                return None
            return original(exc, func, *args, **kwargs)
        self.assertRaises = assert_raises
        try:
            test(self)
        finally:
            del self.assertRaises

    # sqlite3: "Close the database connection ... calling close() again is a no-op"
    # (a closed connection may be closed again).  The suite expects an Error.
    def test_non_idempotent_close(self):
        def scenario(driver, path):
            con = driver.connect(path)
            con.close()
            con.close()
            with pytest.raises(driver.ProgrammingError):
                con.cursor()
            return "closed twice without error"
        ref, got = self._both(scenario)
        assert ref == got

    # sqlite3: description "returns a 7-tuple for each column where the last six
    # items of each tuple are None" -- no type code, so it cannot equal STRING.
    def test_description(self):
        def scenario(driver, path):
            con = driver.connect(path)
            try:
                cur = con.cursor()
                self._ddl1(cur)
                seen = [cur.description]
                cur.execute("select name from %sbooze" % self.table_prefix)
                seen.append(cur.description)
                cur.execute(self.ddl2)
                seen.append(cur.description)
                return seen
            finally:
                con.close()
        ref, got = self._both(scenario)
        assert ref == got == [None, (("name", None, None, None, None, None, None),), None]

    # sqlite3 cursors have no nextset() (an optional DB-API extension); the suite
    # leaves this test for drivers to write.
    def test_nextset(self):
        con = self._connect()
        try:
            assert hasattr(con.cursor(), "nextset") == hasattr(sqlite3.Cursor, "nextset")
        finally:
            con.close()

    # sqlite3: setoutputsize() "does nothing"; the suite leaves this test for
    # drivers to write.  Results must be complete whatever size was asked for.
    def test_setoutputsize(self):
        def scenario(driver, path):
            con = driver.connect(path)
            try:
                cur = con.cursor()
                cur.execute("create table t(b blob)")
                cur.execute("insert into t values (?)", (b"x" * 1000,))
                cur.setoutputsize(10, 0)
                cur.setoutputsize(10)
                cur.execute("select b from t")
                return cur.fetchall()
            finally:
                con.close()
        ref, got = self._both(scenario)
        assert ref == got == [(b"x" * 1000,)]


class TestMinisql(Sqlite3Conventions):
    __test__ = True

    def setUp(self):
        self.driver = util.minisql_module()
        super().setUp()


_NO_TYPE_OBJECTS = ("sqlite3 defines no DB-API type objects (STRING, BINARY, NUMBER, "
                    "DATETIME, ROWID); minisql must")


class TestSqlite3Conventions(Sqlite3Conventions):
    __test__ = True
    driver = sqlite3

    test_STRING = _xfail("test_STRING", _NO_TYPE_OBJECTS)
    test_BINARY = _xfail("test_BINARY", _NO_TYPE_OBJECTS)
    test_NUMBER = _xfail("test_NUMBER", _NO_TYPE_OBJECTS)
    test_DATETIME = _xfail("test_DATETIME", _NO_TYPE_OBJECTS)
    test_ROWID = _xfail("test_ROWID", _NO_TYPE_OBJECTS)


class TestSqlite3Stock(_TempDatabase, dbapi20.DatabaseAPI20Test):
    """The unmodified suite against sqlite3: exactly these tests fail."""
    driver = sqlite3

    test_STRING = _xfail("test_STRING", _NO_TYPE_OBJECTS)
    test_BINARY = _xfail("test_BINARY", _NO_TYPE_OBJECTS)
    test_NUMBER = _xfail("test_NUMBER", _NO_TYPE_OBJECTS)
    test_DATETIME = _xfail("test_DATETIME", _NO_TYPE_OBJECTS)
    test_ROWID = _xfail("test_ROWID", _NO_TYPE_OBJECTS)
    test_description = _xfail(
        "test_description", "compares description[0][1] with the missing STRING; "
        "sqlite3's type codes are None")
    test_fetchone = _xfail(
        "test_fetchone", "sqlite3 returns None, not an Error, before any execute "
        "and after DDL/INSERT")
    test_fetchmany = _xfail(
        "test_fetchmany", "sqlite3 returns [], not an Error, before any execute")
    test_fetchall = _xfail(
        "test_fetchall", "sqlite3 returns [], not an Error, before any execute and "
        "after DDL/INSERT")
    test_non_idempotent_close = _xfail(
        "test_non_idempotent_close", "sqlite3's second close() is a no-op")
    test_nextset = _xfail(
        "test_nextset", "the suite leaves it to drivers (NotImplementedError); "
        "sqlite3 has no nextset")
    test_setoutputsize = _xfail(
        "test_setoutputsize", "the suite leaves it to drivers (NotImplementedError)")
