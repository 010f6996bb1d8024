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
"""
import re
from pathlib import Path

import pytest

import util

CORPUS_DIR = Path(__file__).with_name("corpus")
SCRIPTS = sorted(CORPUS_DIR.glob("*.sql"))
_ISOLATION = re.compile(r"^-- isolation_level: (None|DEFERRED|IMMEDIATE|EXCLUSIVE)\s*$", re.M)
_ERROR_MARK = re.compile(r"^\s*-- error\b", re.M)


def load_script(path):
    """(connect kwargs, [(Piece, expects_error)]) of a corpus script."""
    text = path.read_text(encoding="utf-8")
    kwargs = {}
    m = _ISOLATION.search(text[:500])
    if m:
        kwargs["isolation_level"] = None if m.group(1) == "None" else m.group(1)
    return kwargs, [(p, bool(_ERROR_MARK.search(p.comments))) for p in util.split_script(text)]


def _show(outcome):
    view = util.outcome_view(outcome)
    if len(view["rows"]) > 8:
        view["rows"] = view["rows"][:8] + [f"... {len(outcome.rows)} rows"]
    return view


def test_corpus_is_large_enough():
    assert len(SCRIPTS) >= 24
    assert sum(len(load_script(p)[1]) for p in SCRIPTS) >= 600


@pytest.mark.parametrize("engine", util.ENGINES)
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_script(script, engine, tmp_path):
    module = util.engine_module(engine)
    kwargs, statements = load_script(script)
    problems = []
    with util.SideBySide(module, str(tmp_path), **kwargs) as sbs:
        for piece, expects_error in statements:
            where = f"{script.name}:{piece.line}: {piece.sql[:200]!r}"
            ref, got = sbs.run(piece.sql)
            if (ref.error is not None) != expects_error:
                problems.append(f"{where}\n  corpus mark wrong: '-- error' is "
                                f"{'present' if expects_error else 'absent'} but sqlite3 "
                                f"gave {ref.error}")
            if util.outcome_view(got) != util.outcome_view(ref):
                problems.append(f"{where}\n  sqlite3: {_show(ref)}\n  {engine}: {_show(got)}")
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems[:30])
    ref_file, got_file = util.sqlite3_contents(sbs.ref_path, sbs.path)
    assert got_file["integrity"] == ["ok"]
    assert got_file == ref_file
