"""Helpers for the shell tests (no tests here): run the minisql shell and the
real sqlite3 shell on the same input and compare what they print.

The shell runs in a subprocess on the DB-API module named by the engine
parameter (``MINISQL_SHELL_DBAPI``): ``sqlite3`` exercises the shell itself
today, ``minisql`` skips until minisql.connect works (util.engine_module).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import util

REPO = Path(__file__).resolve().parent.parent
SQLITE3 = shutil.which("sqlite3")

needs_sqlite3_shell = pytest.mark.skipif(
    SQLITE3 is None,
    reason="the sqlite3 command-line shell is not installed (apt-get install sqlite3); "
           "it is the oracle these tests compare with")

# The DB-API modules the shell is tested on: its own engine, and the stdlib
# module (which pins the shell's behaviour to the real sqlite3 shell's).
ENGINES = ["sqlite3", "minisql"]

# While the package's __init__ cannot be imported (the DB-API is still being
# written), the shell's own modules are loaded without it; once `import
# minisql` works this is a plain import.
BOOT = """\
import sys, types
try:
    import minisql
except Exception:
    m = types.ModuleType("minisql")
    m.__path__ = [%r]
    sys.modules["minisql"] = m
from minisql.cli import main
sys.exit(main())
""" % str(REPO / "minisql")


def shell_cmd(args):
    return [sys.executable, "-c", BOOT] + list(args)


def shell_env(engine, **extra):
    env = dict(os.environ)
    env["MINISQL_SHELL_DBAPI"] = engine
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["MINISQL_HISTORY"] = ""
    env["HOME"] = extra.pop("home", env.get("HOME", "/tmp"))
    env.update(extra)
    return env


def run_minisql(engine, args, stdin=b"", cwd=None, timeout=60):
    if engine == "minisql":
        util.engine_module("minisql")        # skips until minisql.connect works
    p = subprocess.run(shell_cmd(args), input=_b(stdin), capture_output=True,
                       cwd=cwd, env=shell_env(engine), timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run_sqlite3(args, stdin=b"", cwd=None, timeout=60):
    env = dict(os.environ)
    env["HOME"] = str(cwd or "/tmp")          # no ~/.sqliterc of the user
    p = subprocess.run([SQLITE3] + list(args), input=_b(stdin), capture_output=True,
                       cwd=cwd, env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def _b(s):
    return s.encode() if isinstance(s, str) else s


def make_db(path, sql):
    """Build a database file with the sqlite3 library (the fixture data)."""
    import sqlite3
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.close()


def both(engine, tmp_path, args, stdin=b"", setup=None):
    """Run both shells in twin directories holding the same x.db."""
    results = []
    for name, runner in (("sqlite3", run_sqlite3), ("minisql", None)):
        d = tmp_path / name
        d.mkdir(parents=True, exist_ok=True)
        if setup is not None:
            make_db(d / "x.db", setup)
        if runner is None:
            results.append(run_minisql(engine, args, stdin, cwd=d))
        else:
            results.append(runner(args, stdin, cwd=d))
    return results


def assert_same(engine, tmp_path, args, stdin=b"", setup=None, stderr=True):
    (rc1, out1, err1), (rc2, out2, err2) = both(engine, tmp_path, args, stdin, setup)
    assert out2 == out1
    if stderr:
        assert err2 == err1
    assert rc2 == rc1
    return out1


FIXTURE = """\
create table t(a integer primary key, b text, c real, d blob, e);
insert into t values(1,'hello',1.5,x'0102',NULL),(2,'wörld ünïcode',1e20,NULL,3),
 (3,'a,b"c',0.1,x'',-7.25),(4,'line
two',100.0,'x',1e-5),(5,'tab	here',-0.0,x'00ff',9223372036854775807),
 (6,'it''s',1e300,'',-9223372036854775808),(7,'',2.5e-300,'日本語テキスト',1.0/3),
 (8,'cr'||char(13)||char(10)||'lf', 123456789.123, x'e697a5', 'mixed'),
 (9, 'a very wide value that goes on and on past the sixty column wrap of the box modes', 2.0, NULL, 0);
create table "weird name"("col 1", "select");
insert into "weird name" values(1, 'x'), (NULL, NULL);
create table empty(x);
create index ib on t(b);
create view v as select a, b from t;
create trigger tr after insert on t begin select 1; end;
"""
