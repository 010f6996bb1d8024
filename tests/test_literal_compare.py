"""Comparisons against a constant (engine/expr.py ``_literal_comparison``)
against the stdlib sqlite3 module: every operator, the literal on either
side, columns of every affinity and collation holding every storage class,
literals of every kind (integers near 2**53 and 2**63, -0.0, infinities,
numeric-looking text, blobs).  The constant's affinity conversion is done
once and the common case compared by Python's operators, so each case that
could go wrong there -- an affinity that changes the column's value, two
integers under TEXT affinity, a collation, int against float beyond 2**53
-- is compared value by value, type included."""

import sqlite3

import pytest

import minisql

OPS = ("=", "!=", "<", "<=", ">", ">=", "IS", "IS NOT")

COLUMNS = ("i INTEGER", "r REAL", "num NUMERIC", "t TEXT", "b BLOB", "x",
           "tn TEXT COLLATE NOCASE", "tr TEXT COLLATE RTRIM", "tu TEXT COLLATE rev")

# Column values, stored through each column's affinity.
VALUES = [None, 0, 1, -1, 5, 2 ** 53, 2 ** 53 + 1, 2 ** 63 - 1, -2 ** 63, 0.5, -0.0, 5.0,
          2.0 ** 53, 9.223372036854776e18, float("inf"), float("-inf"), "5", "5.0", " 5",
          "abc", "ABC", "abc  ", "9007199254740993", "", "1e999", b"", b"\x00", b"5",
          b"abc"]

# Literals as SQL text (the constant side).
LITERALS = ["0", "1", "-1", "5", "9007199254740992", "9007199254740993",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "0.5",
            "-0.0", "0.0", "5.0", "9007199254740992.0", "9.223372036854776e18", "1e999",
            "-1e999", "FALSE", "'5'", "'5.0'", "' 5'", "'abc'", "'ABC'", "'abc '", "''",
            "'9007199254740993'", "x''", "x'00'", "x'35'", "x'616263'", "NULL", "TRUE"]


def _rev(a, b):
    return (a < b) - (a > b)


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    d = tmp_path_factory.mktemp("litcmp")
    cons = []
    for mod, name in ((sqlite3, "s.db"), (minisql, "m.db")):
        con = mod.connect(str(d / name))
        con.create_collation("rev", _rev)
        con.execute(f"CREATE TABLE t(id INTEGER PRIMARY KEY, {', '.join(COLUMNS)})")
        ncol = len(COLUMNS)
        con.executemany(f"INSERT INTO t VALUES (NULL, {', '.join('?' * ncol)})",
                        [(v,) * ncol for v in VALUES])
        con.commit()
        cons.append(con)
    yield cons
    for con in cons:
        con.close()


def _same(engines, sql):
    s, m = engines
    want = s.execute(sql).fetchall()
    got = m.execute(sql).fetchall()
    assert [[(type(v), v) for v in r] for r in got] == \
        [[(type(v), v) for v in r] for r in want], sql


def _operands():
    """Column-side operands: each column, expressions without affinity over
    them (``x % y``, compared inline for an integer x), CAST (an affinity
    of its own) and an explicit collation."""
    names = [c.split()[0] for c in COLUMNS]
    return names + ["id % 3", "i % -3", "r % 2", "t % 4", "x % 3", "b % 5", "i + 0", "+t",
                    "CAST(t AS INTEGER)", "CAST(i AS TEXT)", "t COLLATE NOCASE",
                    "x COLLATE RTRIM"]


@pytest.mark.parametrize("lit", LITERALS)
def test_column_against_literal(engines, lit):
    exprs = []
    for col in _operands():
        for op in OPS:
            exprs.append(f"{col} {op} {lit}")
            exprs.append(f"{lit} {op} {col}")
    _same(engines, f"SELECT id, {', '.join(exprs)} FROM t ORDER BY id")


@pytest.mark.parametrize("lit", ["5", "'5'", "0.5", "'abc'", "x'35'", "9007199254740993",
                                 "-0.0", "1e999"])
def test_literal_filters(engines, lit):
    """The same comparisons as WHERE filters (a page's rows kept in C)."""
    for col in _operands():
        for op in OPS:
            _same(engines, f"SELECT id FROM t WHERE {col} {op} {lit} ORDER BY id")
            _same(engines, f"SELECT count(*) FROM t WHERE {lit} {op} {col}")


def test_literal_collation_operand(engines):
    """A COLLATE on the literal decides the collation (the general path)."""
    for col in ("t", "tn", "tr", "tu", "x"):
        for op in OPS:
            _same(engines, f"SELECT id, {col} {op} 'ABC' COLLATE NOCASE, "
                           f"'abc' COLLATE RTRIM {op} {col} FROM t ORDER BY id")


def test_compound_text_column_integers_compare_as_numbers(engines):
    """Two integers compare as numbers even under TEXT affinity."""
    _same(engines, "SELECT v, v = 5, v < 10, 10 > v, v IS 5, v = '5' FROM "
                   "(SELECT CAST(5 AS TEXT) AS v UNION ALL SELECT 5 UNION ALL "
                   "SELECT 40) ORDER BY 1")
    _same(engines, "SELECT a, a < 10, a = 5 FROM (SELECT t AS a FROM t UNION ALL "
                   "SELECT 5) ORDER BY 1")


def test_numeric_affinity_text_against_text_literal(engines):
    """NUMERIC affinity turns numeric-looking text in a column of a subquery
    into a number, which sorts before every text: '5' < '' is false as
    text, true as the number 5 (the constant staying text)."""
    for lit in ("''", "'abc'", "'5.0'", "' 5'"):
        _same(engines, f"SELECT a, a < {lit}, a > {lit}, a = {lit}, {lit} > a FROM "
                       f"(SELECT CAST(i AS INTEGER) AS a FROM t UNION ALL SELECT '5' "
                       f"UNION ALL SELECT '5.0') ORDER BY 1")
        _same(engines, f"SELECT v, v < {lit}, v = {lit} FROM "
                       f"(SELECT CAST('5' AS NUMERIC) AS v, 1 UNION ALL SELECT '7', 2) "
                       f"ORDER BY 2")
