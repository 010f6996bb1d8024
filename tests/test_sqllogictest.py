"""SQLite's sqllogictest scripts (../shared/sqllogictest) through our runner.

Every file runs on a fresh temp-file database, once with stdlib sqlite3 (which
validates the runner: every record must pass) and once with minisql (which must
pass every record not listed, with a reason, in sqllogictest_skips.txt).  Each run
reports '<file>: <passed>/<total> passed' in the terminal summary.

The scripts are not part of the repository; without them these tests skip.
"""
import sqlite3
import textwrap
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import slt
import util
from util import db_path  # noqa: F401 - fixture

SLT_DIR = util.SHARED_DIR / "sqllogictest"
SKIP_LIST = Path(__file__).with_name("sqllogictest_skips.txt")
MISSING = (f"{SLT_DIR} not found: the sqllogictest scripts live next to the repository "
           "in the project workspace, not in a clone")


def _script_names():
    if not SLT_DIR.is_dir():
        return []
    names = [p.name for p in sorted(SLT_DIR.glob("*.test"))]
    names += [f"evidence/{p.name}" for p in sorted((SLT_DIR / "evidence").glob("*.test"))]
    return names


SCRIPTS = _script_names() or [pytest.param(None, marks=pytest.mark.skip(reason=MISSING))]


def _skip_entries():
    return slt.parse_skip_list(SKIP_LIST.read_text(encoding="utf-8"))


def _run(engine, name, db_path, request, expected_failures=frozenset()):
    module = util.engine_module(engine)
    result = slt.run_file(module, SLT_DIR / name, db_path, expected_failures, name=name)
    request.node.user_properties.append(
        ("summary", f"sqllogictest [{engine}] {result.summary()}"))
    problems = [f"{name}:{f.line}: {f.message}\n    {f.sql[:300]!r}" for f in result.failures]
    problems += [f"{name}:{line}: listed in {SKIP_LIST.name} but passes now: remove it"
                 for line in result.stale_expected]
    assert not problems, (f"{result.summary()}; {len(problems)} problem(s):\n"
                          + "\n".join(problems[:40]))
    return result


@pytest.mark.parametrize("name", SCRIPTS)
def test_sqlite3_passes_every_record(name, db_path, request):
    """The runner itself: stdlib sqlite3 passes 100% (the skip list does not apply)."""
    result = _run("sqlite3", name, db_path, request)
    assert result.passed > 0 and result.halted_at is None


@pytest.mark.parametrize("name", SCRIPTS)
def test_minisql(name, db_path, request):
    listed = frozenset(e.line for e in _skip_entries() if e.file == name)
    _run("minisql", name, db_path, request, listed)
    assert util.sqlite3_check(db_path) == ["ok"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCRIPTS)
def test_minisql_in_memory(name, request):
    listed = frozenset(e.line for e in _skip_entries() if e.file == name)
    _run("minisql", name, ":memory:", request, listed)


def test_skip_list_is_well_formed():
    entries = _skip_entries()   # raises on a malformed line
    assert all(e.reason.strip() for e in entries)
    seen = set()
    for e in entries:
        assert (e.file, e.line) not in seen, f"duplicate skip entry {e.file}:{e.line}"
        seen.add((e.file, e.line))
    if not SLT_DIR.is_dir():
        pytest.skip(MISSING)
    for e in entries:
        path = SLT_DIR / e.file
        assert path.is_file(), f"skip list line {e.source_line}: no such script {e.file}"
        lines = {r.line for r in slt.parse_script(path.read_text(encoding="utf-8"))
                 if r.kind in ("statement", "query")}
        assert e.line in lines, (f"skip list line {e.source_line}: {e.file}:{e.line} "
                                 "is not the first line of a statement or query")


# -- the runner can fail: small scripts through sqlite3 -----------------------------

def _run_text(text, expected_failures=frozenset()):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        return slt.Runner(sqlite3, conn).run_script(text, "inline", expected_failures)
    finally:
        conn.close()


def _line_of(text, marker, nth=1):
    """Line number of the nth line of ``text`` starting with ``marker``."""
    hits = [i for i, line in enumerate(text.split("\n"), 1) if line.startswith(marker)]
    return hits[nth - 1]


BASE = textwrap.dedent("""\
    statement ok
    CREATE TABLE t(a INTEGER, b TEXT, c REAL)

    statement ok
    INSERT INTO t VALUES(1,'x',1.5); INSERT INTO t VALUES(2,'',NULL);
    INSERT INTO t VALUES(3,'y' || char(10) || 'é',-2.0005)
""")


def _script(body):
    return BASE + "\n" + textwrap.dedent(body)


def test_runner_passes_correct_records():
    r = _run_text(_script("""\
        # a comment inside a record does not end it
        query IT rowsort
        SELECT a, b
        # comment
        FROM t
        ----
        1
        x
        2
        (empty)
        3
        y@@@

        query R valuesort
        SELECT c FROM t
        ----
        -2.001
        1.500
        NULL

        query T valuesort
        SELECT CAST(a AS TEXT) FROM t UNION ALL SELECT 1e20 UNION ALL SELECT 0.5
        ----
        0.5
        1
        1.0e+20
        2
        3

        statement error
        SELECT * FROM nosuchtable

        skipif sqlite
        statement ok
        this is not sql

        onlyif mysql
        query I
        this is not sql either
        ----
        1

        query I nosort
        SELECT sum(a) FROM t WHERE a < 0
        ----
        NULL
        """))
    assert (r.passed, r.failures, r.skipped) == (7, [], 2)


def test_runner_hash_threshold_and_labels():
    text = _script("""\
        hash-threshold 2

        query I nosort label-1
        SELECT a FROM t ORDER BY a
        ----
        3 values hashing to %s

        query I nosort label-1
        SELECT a FROM t ORDER BY a DESC
        ----
        3 values hashing to %s

        query I nosort label-1
        SELECT a FROM t ORDER BY a
        ----
        3 values hashing to %s
        """ % (slt.hash_values(["1", "2", "3"]), slt.hash_values(["3", "2", "1"]),
               slt.hash_values(["1", "2", "3"])))
    r = _run_text(text)
    assert [f.line for f in r.failures] == [_line_of(text, "query", 2)]
    assert "does not agree" in r.failures[0].message
    assert r.passed == 4


@pytest.mark.parametrize("record, message", [
    ("query I nosort\nSELECT a FROM t ORDER BY a\n----\n1\n2\n4", "wrong result"),
    ("query I nosort\nSELECT a FROM t ORDER BY a\n----\n1\n2", "wrong result"),
    ("query I nosort\nSELECT a FROM t ORDER BY a", "wrong result"),
    ("query II nosort\nSELECT a FROM t\n----\n1", "wrong number of result columns"),
    ("query I nosort\nSELECT * FROM nosuchtable\n----", "query failed"),
    ("statement ok\nINSERT INTO nosuchtable VALUES(1)", "statement failed"),
    ("statement error\nINSERT INTO t VALUES(4,'z',0)", "expected an error"),
    ("statement ok\nINSERT INTO t VALUES(4,'z',0); INSERT INTO nosuch VALUES(1)",
     "statement failed"),
])
def test_runner_reports_failures(record, message):
    r = _run_text(_script(record))
    assert len(r.failures) == 1 and message in r.failures[0].message, r.failures


def test_runner_runtime_error_keeps_rows_fetched_before_it():
    # The C runner stops at sqlite3_step's error and keeps what it had (the
    # slt_lang_aggfunc.test query at line 480 relies on it).
    r = _run_text(textwrap.dedent("""\
        statement ok
        CREATE TABLE t(x INTEGER)

        statement ok
        INSERT INTO t VALUES(9223372036854775807); INSERT INTO t VALUES(1)

        query I nosort
        SELECT sum(x) FROM t
        ----
        """))
    assert (r.passed, r.failures) == (3, [])


def test_runner_halt_and_skip_list():
    text = _script("""\
        query I nosort
        SELECT 1
        ----
        2

        query I nosort
        SELECT 1
        ----
        1

        halt

        statement ok
        not reached
        """)
    first, second = _line_of(text, "query", 1), _line_of(text, "query", 2)
    r = _run_text(text, expected_failures={first, second})
    assert r.halted_at == _line_of(text, "halt")
    assert [f.line for f in r.expected_failures] == [first]
    assert r.stale_expected == [second] and r.failures == []


def test_runner_rejects_malformed_scripts():
    for bad in ("query X\nSELECT 1", "statement maybe\nSELECT 1", "frobnicate",
                "query I sideways\nSELECT 1", "skipif sqlite"):
        with pytest.raises(slt.ScriptError):
            slt.parse_script(bad)


# -- value formatting against SQLite itself ----------------------------------------

ORACLE = sqlite3.connect(":memory:")


def _oracle(sql, value):
    return ORACLE.execute(sql, (value,)).fetchone()[0]


def examples(*values):
    """@example for each value."""
    def decorate(test):
        for v in reversed(values):
            test = example(v)(test)
        return test
    return decorate


def _int32(n):
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


NUMERIC_TEXT = st.from_regex(
    r"\A[ \t]{0,2}[+-]?[0-9]{0,22}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,3})?[ a-z]{0,2}\Z")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-(1 << 63), (1 << 63) - 1),
                 st.floats(allow_nan=False), NUMERIC_TEXT,
                 NUMERIC_TEXT.map(lambda s: s.encode())))
@examples(-(1 << 63), 2.0 ** 63, -2.0 ** 63, " 12abc")
@examples("99999999999999999999", "-9223372036854775809", b"7\x009")
def test_column_int_is_sqlite3_column_int(value):
    # printf('%d') shows sqlite3_value_int64; column_int is its low 32 bits.
    assert slt.column_int(value) == _int32(int(_oracle("SELECT printf('%d', ?)", value)))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
                 st.integers(-10 ** 12, 10 ** 12).map(lambda n: n / 1000),
                 st.from_regex(r"\A ?-?[0-9]{1,8}(\.[0-9]{1,5})?[a-z]?\Z")))
@examples(0.0005, -2.0005, 769.0005, 0.0625, -0.0, -0.0001, 1e-300)
def test_format_real_3f_is_sqlite_printf(value):
    # Below 1e9 the double-arithmetic printf of the expected results and sqlite3's
    # long-double printf give the same digits.
    expected = _oracle("SELECT printf('%.3f', ?)", value)
    assert slt.format_real_3f(slt.column_double(value)) == expected


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False))
@examples(4720024581345.0, -2.0 ** 63, 1e308, 5e-324, 769.0005)
def test_printf_algorithm_in_long_double_is_sqlite3s(value):
    # The same algorithm in long double arithmetic is sqlite3's printf digit for
    # digit, which checks the transcription format_real_3f shares.
    expected = _oracle("SELECT printf('%.3f', ?)", value)
    assert slt._printf_float(value, 3, False, False, slt._LongDouble) == expected


def test_format_real_3f_prints_16_significant_digits_as_the_scripts_expect():
    assert slt.format_real_3f(-2.0 ** 63) == "-9223372036854776000.000"
    assert slt.format_real_3f(-1.8446744073709552e19) == "-18446744073709550000.000"
    assert slt.format_real_3f(float("-inf")) == "-Inf"


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False))
@examples(1e20, 1.0, -0.0, 5e-324, 1e15, 2.0 ** 63)
@examples(123456789012345.0, 0.1, 1e-5, 753738357004287.5)
def test_column_text_of_reals_is_sqlite3_text(value):
    assert slt.column_text(value) == _oracle("SELECT CAST(? AS TEXT)", value)


@given(st.one_of(st.text(), st.binary()))
@examples("", "a\x00b", b"\x00x", "é~\x7f")
def test_column_text_of_strings(value):
    raw = value.encode() if isinstance(value, str) else value
    raw = raw.split(b"\0")[0]
    expected = "(empty)" if not raw else "".join(
        chr(b) if 32 <= b <= 126 else "@" for b in raw)
    assert slt.column_text(value) == expected
