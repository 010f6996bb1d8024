"""Helpers shared by the DB-API test files (tests/test_dbapi_*.py); no tests here.

Every DB-API test runs the same code through the stdlib ``sqlite3`` module and
through ``minisql`` and compares what a user would see.  ``observe`` turns one
run into comparable data: the value returned, or the exception as (kind,
message) where kind is the DB-API class name (checked to be the module's own
class) or the builtin exception's name.
"""
import os
import sqlite3

import pytest

import util


def modules():
    """(sqlite3, minisql): the oracle first."""
    return sqlite3, util.minisql_module()


def kind(module, exc):
    return util.error_kind(module, exc)


def observe(module, fn, *args):
    """('ok', fn(module, *args)) or ('error', kind, message).  Messages name
    the module's classes ('sqlite3.Cursor', 'minisql.Cursor'): the module
    name is left out."""
    try:
        return ("ok", fn(module, *args))
    except Exception as e:  # noqa: BLE001 - every escape is an observation
        return ("error", kind(module, e), str(e).replace(f"{module.__name__}.", "<module>."))


def same(fn, *args):
    """Run ``fn(module, *args)`` with sqlite3 and with minisql, assert both
    show the same, and return sqlite3's observation."""
    ref, got = (observe(m, fn, *args) for m in modules())
    assert got == ref
    return ref


def same_in(tmp_path, fn):
    """Like ``same`` for a ``fn(module, directory)`` that works on files:
    each module gets a directory of its own."""
    results = []
    for m in modules():
        d = tmp_path / m.__name__
        d.mkdir()
        results.append(observe(m, fn, str(d)))
    assert results[1] == results[0]
    return results[0]


def steps(module, connection, actions, trace=True):
    """Run ``actions`` (callables taking the connection) in order; after each
    one record its outcome, in_transaction and the statements the connection's
    trace callback saw while it ran (nothing when ``trace`` is false)."""
    seen = []
    if trace:
        connection.set_trace_callback(seen.append)
    out = []
    for action in actions:
        outcome = observe(module, lambda m: _plain(m, action(connection)))
        out.append((outcome, connection.in_transaction, tuple(seen)))
        seen.clear()
    return out


def _plain(module, value):
    """Results as data: cursors are fetched, connections dropped."""
    if isinstance(value, module.Cursor):
        return [tuple(r) for r in value.fetchall()]
    if isinstance(value, module.Connection):
        return "connection"
    return value


def same_steps(tmp_path, actions, trace=True, **connect_kwargs):
    """``steps`` on a fresh file per module; asserts equal, returns sqlite3's."""
    results = []
    for m in modules():
        con = m.connect(os.path.join(tmp_path, f"{m.__name__}.db"), **connect_kwargs)
        try:
            results.append(steps(m, con, actions, trace))
        finally:
            con.close()
    for i, (ref, got) in enumerate(zip(*results)):
        assert got == ref, f"step {i}"
    return results[0]


def sql(statement, *params):
    """An action: connection.execute(statement, *params)."""
    return lambda con: con.execute(statement, *params)


def many(statement, seq):
    return lambda con: con.executemany(statement, seq)


def script(text):
    return lambda con: con.executescript(text)


def commit(con):
    return con.commit()


def rollback(con):
    return con.rollback()


@pytest.fixture
def ms():
    """The minisql module."""
    return util.minisql_module()
