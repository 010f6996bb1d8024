"""The SQL scripts of tests/corpus/, statement by statement, through sqlite3 and the
module under test, side by side.

For every statement the user must see the same thing from both: the rows (with
their Python types, in order), cursor.description, rowcount, lastrowid, and the
exception class, message and phase (execute or fetch).  After the script both
connections are closed (an open transaction rolls back) and the two files must
hold the same schema and rows as read by sqlite3, and pass its integrity_check.

Script conventions:
- ``-- isolation_level: None`` (or DEFERRED, IMMEDIATE, EXCLUSIVE) in the first
  lines sets the connections' isolation_level; the default is sqlite3's ("").
- ``-- error`` among the comments in front of a statement says that sqlite3 raises
  there.  The sqlite3 run checks these marks in both directions, so a typo in the
  corpus cannot pass as an expected error.
- Queries use ORDER BY wherever SQL leaves the order open (joins, GROUP BY,
  DISTINCT, compounds); a plain scan of one table is in rowid order in SQLite, and
  programs rely on it, so the corpus does too.
- What minisql does not support yet lives in ``out_of_scope_*.sql`` scripts, each
  such statement marked ``-- minisql: not supported (reason)``: sqlite3 must accept
  it and minisql must refuse it with an error that names minisql (never a wrong
  answer).  A statement that only makes sense after one of those is marked
  ``-- minisql: skip (reason)`` and runs on sqlite3 alone.  Scripts with either
  mark are not compared file against file at the end (sqlite3 did more).
"""
import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

import util

CORPUS_DIR = Path(__file__).with_name("corpus")
SCRIPTS = sorted(CORPUS_DIR.glob("*.sql"))
_ISOLATION = re.compile(r"^-- isolation_level: (None|DEFERRED|IMMEDIATE|EXCLUSIVE)\s*$", re.M)
_ERROR_MARK = re.compile(r"^\s*-- error\b", re.M)
_MINISQL_MARK = re.compile(r"^\s*-- minisql: (not supported|skip) \((.+)\)\s*$", re.M)


def load_script(path):
    """(connect kwargs, [(Piece, expects_error, minisql mark)]) of a corpus script;
    the mark is None or ("not supported" | "skip", reason)."""
    text = path.read_text(encoding="utf-8")
    kwargs = {}
    m = _ISOLATION.search(text[:500])
    if m:
        kwargs["isolation_level"] = None if m.group(1) == "None" else m.group(1)
    pieces = []
    for p in util.split_script(text):
        mark = _MINISQL_MARK.search(p.comments)
        pieces.append((p, bool(_ERROR_MARK.search(p.comments)),
                       mark.groups() if mark else None))
    return kwargs, pieces


def test_corpus_is_large_enough():
    assert len(SCRIPTS) >= 24
    assert sum(len(load_script(p)[1]) for p in SCRIPTS) >= 600


@pytest.mark.parametrize("engine", util.ENGINES)
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_script(script, engine, tmp_path):
    module = util.engine_module(engine)
    kwargs, statements = load_script(script)
    problems = []
    marked = False
    with util.SideBySide(module, str(tmp_path), **kwargs) as sbs:
        for piece, expects_error, mark in statements:
            where = f"{script.name}:{piece.line}: {piece.sql[:200]!r}"
            if mark is not None and engine != "sqlite3":
                marked = True
                if mark[0] == "skip":
                    ref = util.run_sql(sqlite3, sbs.ref, piece.sql)
                    if (ref.error is not None) != expects_error:
                        problems.append(f"{where}\n  corpus mark wrong: sqlite3 gave "
                                        f"{ref.error}")
                else:
                    ref, got = sbs.run(piece.sql)
                    problems += _refusal_problems(where, ref, got)
                continue
            ref, got = sbs.run(piece.sql)
            if (ref.error is not None) != expects_error:
                problems.append(f"{where}\n  corpus mark wrong: '-- error' is "
                                f"{'present' if expects_error else 'absent'} but sqlite3 "
                                f"gave {ref.error}")
            if util.outcome_view(got) != util.outcome_view(ref):
                problems.append(f"{where}\n{util.explain_difference(ref, got, engine)}")
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems[:30])
    ref_file, got_file = util.sqlite3_contents(sbs.ref_path, sbs.path)
    assert got_file["integrity"] == ["ok"]
    if not marked:
        assert got_file == ref_file


def _refusal_problems(where, ref, got):
    """A statement marked 'not supported': sqlite3 runs it, the module under test
    refuses it clearly (a DB-API error naming minisql, raised by execute)."""
    if ref.error is not None:
        return [f"{where}\n  marked not supported, but sqlite3 rejects it too: {ref.error}"]
    if got.error is None:
        return [f"{where}\n  marked not supported, but it ran: {util.outcome_view(got)}"]
    kind, message, phase = got.error
    if kind not in ("NotSupportedError", "OperationalError") or "minisql" not in message \
            or phase != "execute":
        return [f"{where}\n  refused unclearly: {got.error}"]
    return []


# -- the helpers this runs on (tests/util.py) -----------------------------------------

def test_split_script_follows_sqlite_tokenizer():
    script = ("-- lead\nSELECT ';' ; /* c; */ SELECT 2;\n"
              "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\n"
              "-- error\nSELECT\n 3")
    pieces = util.split_script(script)
    assert [p.sql for p in pieces] == [
        "SELECT ';' ;", "SELECT 2;",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;", "SELECT\n 3"]
    assert [p.line for p in pieces] == [2, 2, 3, 5]
    assert "-- error" in pieces[3].comments and "-- lead" in pieces[0].comments


def test_both_reports_what_each_engine_showed():
    (create, _), (insert, _), (select, same), (bad, bad_too) = util.both(
        sqlite3, "CREATE TABLE t(a)", "INSERT INTO t VALUES (1.0)", "SELECT a, typeof(a) FROM t",
        "INSERT INTO nosuch VALUES (1)")
    assert create.error is None and insert.rowcount == 1 and insert.lastrowid == 1
    assert select.rows == [(1.0, "real")] and select.description[0][0] == "a"
    assert util.outcome_view(select) == util.outcome_view(same)
    assert bad.error == ("OperationalError", "no such table: nosuch", "execute") == bad_too.error
    assert util.typed_rows([(1, 1.0, -0.0)]) != util.typed_rows([(1.0, 1, 0.0)])


def test_error_kind_tells_leaked_errors_apart():
    assert util.error_kind(sqlite3, sqlite3.IntegrityError("x")) == "IntegrityError"
    assert util.error_kind(sqlite3, OverflowError("x")) == "OverflowError"
    assert util.error_kind(sqlite3, re.error("x")).startswith("foreign ")


def test_sqlite3_check_leaves_the_files_alone(tmp_path):
    path = str(tmp_path / "wal.db")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES ('in the wal only')")
    con.commit()
    digest = {s: hashlib.sha256(Path(path + s).read_bytes()).hexdigest() for s in ("", "-wal")}
    assert util.sqlite3_check(path) == ["ok"]
    (contents,) = util.sqlite3_contents(path)
    assert contents["tables"] == {"t": [["in the wal only"]]}
    assert {s: hashlib.sha256(Path(path + s).read_bytes()).hexdigest()
            for s in ("", "-wal")} == digest
    con.close()
    with open(path, "r+b") as f:    # damage the b-tree page of t
        f.seek(2 * 4096 - 100)
        f.write(b"\xff" * 100)
    assert util.sqlite3_check(path) != ["ok"]
