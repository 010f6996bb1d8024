"""Shared test helpers: engines under test, temp databases, sqlite3 as the oracle.

Every harness here is parametrized by a DB-API module (``sqlite3`` or ``minisql``):
the same code runs the stdlib module against itself (which validates the harness)
and minisql against the stdlib module (which tests minisql).

- ``minisql_module()`` gives the package under test; an import failure fails the
  test, never skips it; every minisql-parametrized test reaches it through
  ``engine_module``.
- ``SideBySide`` feeds the same statements to a sqlite3 connection and to a
  connection of the module under test, each on its own temp file, and returns one
  ``Outcome`` per engine (rows, description, rowcount, lastrowid, error).
- ``both(module, *statements)`` is SideBySide in one call, on fresh temp files.
- ``sqlite3_check(path)`` / ``sqlite3_contents(*paths)`` look at database files
  with stdlib sqlite3 in a subprocess, on copies of the db and -wal files: the files
  under test are never modified, and no descriptor of them is opened and closed in
  a process that may hold live sqlite3 locks on them (formats doc 4.3).
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Material shared by the project workspace, next to the repository.  A user's clone
# does not have it, so tests that need it skip when it is absent.
SHARED_DIR = REPO_ROOT.parent / "shared"

ENGINES = ("sqlite3", "minisql")

DBAPI_ERRORS = ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
                "OperationalError", "IntegrityError", "InternalError",
                "ProgrammingError", "NotSupportedError")


def minisql_module():
    """The minisql package (an import failure fails the test, never skips it)."""
    import minisql
    return minisql


def engine_module(name):
    """The DB-API module called ``name`` (one of ENGINES)."""
    if name == "sqlite3":
        return sqlite3
    if name == "minisql":
        return minisql_module()
    raise ValueError(f"unknown engine {name!r}")


@pytest.fixture
def db_path(tmp_path):
    """Path of a database file that does not exist yet, in a private temp dir."""
    return str(tmp_path / "test.db")


# -- looking at files with sqlite3, without touching them ----------------------

_INSPECT = r"""
import json, os, shutil, sqlite3, sys, tempfile
what, sources = sys.argv[1], sys.argv[2:]


def enc(v):
    if isinstance(v, bytes):
        return {"blob": v.hex()}
    if isinstance(v, float):
        return {"real": v.hex()}
    return v


def inspect(src, tmp):
    copy = os.path.join(tmp, "copy.db")
    shutil.copyfile(src, copy)
    # The -wal holds committed transactions not yet checkpointed; sqlite3 recovers
    # them from the copy alone (no -shm needed).
    if os.path.exists(src + "-wal"):
        shutil.copyfile(src + "-wal", copy + "-wal")
    con = sqlite3.connect(copy)
    try:
        integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as e:
        # Some damage stops the check itself (SQLITE_CORRUPT from a step,
        # depending on what the process read before): not ok either.
        integrity = [str(e)]
    out = {"integrity": integrity}
    if what == "contents":
        out["schema"] = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"
                                    " ORDER BY type, name").fetchall()
        tables = {}
        for (name,) in con.execute("SELECT name FROM sqlite_schema WHERE type='table'"
                                   " ORDER BY name").fetchall():
            rows = con.execute('SELECT * FROM "%s"' % name.replace('"', '""')).fetchall()
            tables[name] = sorted(([enc(v) for v in r] for r in rows), key=json.dumps)
        out["tables"] = tables
        out["user_version"] = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    return out


results = []
for src in sources:
    with tempfile.TemporaryDirectory() as tmp:
        results.append(inspect(src, tmp))
print(json.dumps(results))
"""


def _inspect(what, paths):
    proc = subprocess.run([sys.executable, "-c", _INSPECT, what, *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode:
        raise AssertionError(f"sqlite3 could not read {paths}:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def sqlite3_check(path):
    """PRAGMA integrity_check of ``path`` by stdlib sqlite3: ['ok'] when sound.

    Runs on copies of the db and -wal in a subprocess, so the files are not mutated.
    """
    return _inspect("check", [path])[0]["integrity"]


def sqlite3_contents(*paths):
    """What sqlite3 reads in each of ``paths``: a dict per file with its integrity
    check, schema, every table's rows (sorted) and user_version; two files hold the
    same data when their dicts are equal."""
    return _inspect("contents", paths)


# -- scripts ---------------------------------------------------------------------

@dataclass
class Piece:
    """One statement of a script."""
    line: int           # line of its first token (1-based)
    comments: str       # the comments and whitespace in front of it
    sql: str            # the statement, from its first token, with its ';'


def split_script(script):
    """Split an SQL script into statements.

    Statement ends are decided by sqlite3.complete_statement (SQLite's own
    tokenizer: quotes, comments and CREATE TRIGGER bodies are respected), so the
    split is a property of the input alone and both engines get the same pieces.
    A trailing piece without ';' is kept as is; pieces holding only comments and
    whitespace are dropped.
    """
    bounds, start = [], 0
    pos = script.find(";")
    while pos != -1:
        if sqlite3.complete_statement(script[start:pos + 1]):
            bounds.append((start, pos + 1))
            start = pos + 1
        pos = script.find(";", pos + 1)
    bounds.append((start, len(script)))
    pieces = []
    for begin, end in bounds:
        raw = script[begin:end]
        sql = strip_comments_left(raw)
        if sql.strip(" \t\r\n;"):
            lead = raw[:len(raw) - len(sql)]
            line = script.count("\n", 0, begin) + lead.count("\n") + 1
            pieces.append(Piece(line, lead, sql))
    return pieces


def split_statements(script):
    """The statements of ``script`` (see split_script)."""
    return [p.sql for p in split_script(script)]


def strip_comments_left(sql):
    """``sql`` without the whitespace and comments in front of its first token."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i] in " \t\r\n\f":
            i += 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j == -1 else j + 1
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j == -1 else j + 2
        else:
            break
    return sql[i:]


# -- running statements ------------------------------------------------------------

def error_kind(module, exc):
    """How ``exc`` presents itself to a DB-API user, comparable across modules.

    The DB-API class name for the module's own exceptions ("IntegrityError"), the
    builtin name for Python errors the stdlib module also raises ("OverflowError"),
    and a 'foreign' marker for anything else (a leaked internal error).
    """
    name = type(exc).__name__
    if name in DBAPI_ERRORS and isinstance(exc, getattr(module, name, ())):
        return name
    if type(exc).__module__ == "builtins":
        return name
    return f"foreign {type(exc).__module__}.{type(exc).__qualname__}"


@dataclass
class Outcome:
    """What one cursor.execute(...) showed the user."""
    rows: list = field(default_factory=list)   # fetched rows (before any error)
    description: object = None
    rowcount: int = -1
    lastrowid: object = None
    error: tuple = None        # (kind, message, phase) where phase is execute/fetch

    @property
    def error_class(self):
        return self.error[0] if self.error else None


def run_sql(module, conn, sql, params=()):
    """Execute ``sql`` on a fresh cursor of ``conn``, fetch everything, record it."""
    out = Outcome()
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
    except Exception as e:  # noqa: BLE001 - any escape is an observation
        out.error = (error_kind(module, e), str(e), "execute")
        return out
    out.description = cur.description
    try:
        while True:
            row = cur.fetchone()
            if row is None:
                break
            out.rows.append(tuple(row))
    except Exception as e:  # noqa: BLE001
        out.error = (error_kind(module, e), str(e), "fetch")
    out.rowcount = cur.rowcount
    out.lastrowid = cur.lastrowid
    return out


def typed(value):
    """A value with its Python type made explicit, so 1 == 1.0 == True stop agreeing.
    The sign of a float zero counts too."""
    if isinstance(value, float) and value == 0.0:
        return ("float", str(value))
    return (type(value).__name__, value)


def typed_rows(rows):
    return [tuple(typed(v) for v in r) for r in rows]


def typed_result(con, sql, params=()):
    """The typed rows of ``sql`` on ``con``, or ("error", class name,
    message): a light comparable view for tests that only compare rows."""
    try:
        rows = con.execute(sql, params).fetchall()
    except Exception as e:  # noqa: BLE001 - the two modules' exception classes differ
        return ("error", type(e).__name__, str(e))
    return typed_rows(rows)


def outcome_view(o):
    """The comparable content of an Outcome: rows typed, everything else as is."""
    return {"rows": typed_rows(o.rows), "description": o.description,
            "rowcount": o.rowcount, "lastrowid": o.lastrowid, "error": o.error}


def explain_difference(ref, got, name="target"):
    """The fields of two Outcomes that differ, rows reduced to the first differing
    row, one field per line (for assertion messages)."""
    ref_view, got_view = outcome_view(ref), outcome_view(got)
    lines = []
    for key in ref_view:
        a, b = ref_view[key], got_view[key]
        if a == b:
            continue
        if key == "rows":
            i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            lines.append(f"rows: {len(a)} from sqlite3, {len(b)} from {name}; first "
                         f"difference at row {i}:")
            a = a[i] if i < len(a) else "(none)"
            b = b[i] if i < len(b) else "(none)"
        lines.append(f"  sqlite3: {key} = {a}")
        lines.append(f"  {name}: {key} = {b}")
    return "\n".join("  " + line for line in lines)


class SideBySide:
    """A sqlite3 connection and a connection of ``module``, on two fresh temp files
    in ``directory``; ``run`` feeds both the same statement."""

    def __init__(self, module, directory, **connect_kwargs):
        self.module = module
        self.ref_path = os.path.join(directory, "sqlite3.db")
        self.path = os.path.join(directory, "target.db")
        self.ref = sqlite3.connect(self.ref_path, **connect_kwargs)
        self.conn = module.connect(self.path, **connect_kwargs)

    def run(self, sql, params=()):
        """(sqlite3 outcome, target outcome) of one statement."""
        return (run_sql(sqlite3, self.ref, sql, params),
                run_sql(self.module, self.conn, sql, params))

    def check(self, sql, params=()):
        """Run ``sql`` on both and assert the user sees the same; return the outcome."""
        ref, got = self.run(sql, params)
        assert outcome_view(got) == outcome_view(ref), f"{sql!r} differs"
        return got

    def close(self):
        self.ref.close()
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def both(module, *statements):
    """Run ``statements`` in order through sqlite3 and ``module`` (fresh temp files);
    return the list of (sqlite3 outcome, target outcome) pairs."""
    with tempfile.TemporaryDirectory() as tmp, SideBySide(module, tmp) as sbs:
        return [sbs.run(sql) for sql in statements]


# -- user aggregates for create_aggregate tests: a sum, and ones failing at each step --

class Sum:
    def __init__(self):
        self.n = 0

    def step(self, x):
        self.n += x

    def finalize(self):
        return self.n


class BadInit(Sum):
    def __init__(self):
        raise ValueError


class BadStep(Sum):
    def step(self, x):
        raise ValueError


class BadFinalize(Sum):
    def finalize(self):
        raise ValueError


class NoStep:
    def finalize(self):
        return 1
