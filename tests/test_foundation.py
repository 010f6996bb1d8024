"""The walking skeleton, end to end through the DB-API, with sqlite3 as the oracle.

Both directions: what minisql writes, sqlite3 reads and integrity-checks;
what sqlite3 writes (in WAL mode), minisql reads.  Both also with a WAL whose
frames are not checkpointed yet: the database and its -wal are copied while
the writer still has them open, as a crash would leave them, and the copy is
opened with the other engine.
"""
import os
import random
import shutil
import sqlite3
import subprocess
import sys

import pytest

import minisql
from util import sqlite3_check, sqlite3_contents


def _rows(n, seed=1):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        size = rnd.choice([0, 1, 10, 100, 1000, 5000])
        out.append((i, "".join(rnd.choice("abcxyzé") for _ in range(size))))
    return out


def test_skeleton_roundtrip(tmp_path):
    path = str(tmp_path / "t.db")
    con = minisql.connect(path)
    con.execute("CREATE TABLE t(a INTEGER, b TEXT)")
    rows = _rows(10_000)
    for r in rows:
        con.execute("INSERT INTO t VALUES (?, ?)", r)
    con.commit()
    assert con.execute("SELECT * FROM t").fetchall() == rows
    assert con.execute("SELECT a, b FROM t WHERE a > ?", (9_990,)).fetchall() == rows[9_991:]
    # rollback undoes what was not committed
    con.execute("INSERT INTO t VALUES (?, ?)", (-1, "gone"))
    con.rollback()
    assert con.execute("SELECT count(*) FROM t").fetchone() == (10_000,)
    # A WAL exists while the connection is open ...
    assert os.path.exists(path + "-wal")
    con.close()
    # ... and the last close checkpoints it into the database and removes it.
    assert not os.path.exists(path + "-wal")
    assert not os.path.exists(path + "-shm")
    assert sqlite3_check(path) == ["ok"]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as s:
        assert s.execute("SELECT * FROM t").fetchall() == rows
    s.close()
    con = minisql.connect(path)
    assert con.execute("SELECT count(*), sum(a) FROM t").fetchone() == (10_000, sum(range(10_000)))
    con.close()


def test_minisql_wal_with_uncheckpointed_frames_opens_in_sqlite3(tmp_path):
    path = str(tmp_path / "live.db")
    con = minisql.connect(path)
    con.execute("CREATE TABLE t(a INTEGER, b TEXT)")
    rows = _rows(500, seed=2)
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    assert os.path.getsize(path + "-wal") > 0
    crash = tmp_path / "crash"
    crash.mkdir()
    shutil.copyfile(path, crash / "live.db")
    shutil.copyfile(path + "-wal", crash / "live.db-wal")
    con.close()
    contents = sqlite3_contents(str(crash / "live.db"))[0]
    assert contents["integrity"] == ["ok"]
    assert sorted(map(tuple, contents["tables"]["t"])) == sorted(rows)


SQLITE_WRITER = r"""
import sqlite3, sys, shutil, random
path, copy = sys.argv[1], sys.argv[2]
con = sqlite3.connect(path)
con.execute("PRAGMA journal_mode=wal")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t(a INTEGER, b TEXT)")
rnd = random.Random(3)
con.executemany("INSERT INTO t VALUES (?, ?)",
                [(i, "v" * rnd.choice([0, 5, 500, 5000])) for i in range(2000)])
con.commit()
# Copy while the writer still holds the files: the WAL is not checkpointed.
shutil.copyfile(path, copy)
shutil.copyfile(path + "-wal", copy + "-wal")
print(con.execute("SELECT count(*), sum(length(b)) FROM t").fetchone())
con.close()
"""


def test_sqlite3_wal_database_reads_in_minisql(tmp_path):
    path, copy = str(tmp_path / "s.db"), str(tmp_path / "copy.db")
    out = subprocess.run([sys.executable, "-c", SQLITE_WRITER, path, copy],
                         capture_output=True, text=True, check=True).stdout
    expected = eval(out)
    # The checkpointed original (sqlite3 closed it) and the crash copy, whose
    # data lives only in the WAL.
    assert os.path.getsize(copy + "-wal") > 0
    for p in (path, copy):
        con = minisql.connect(p)
        assert con.execute("SELECT count(*), sum(length(b)) FROM t").fetchone() == expected
        assert con.execute("SELECT a, b FROM t WHERE a = 1999").fetchone()[0] == 1999
        con.close()


def test_bad_input_raises_dbapi_errors(tmp_path):
    con = minisql.connect(str(tmp_path / "e.db"))
    with pytest.raises(minisql.OperationalError) as e:
        con.execute("SELEC 1")
    assert str(e.value) == 'near "SELEC": syntax error'
    with pytest.raises(minisql.OperationalError) as e:
        con.execute("SELECT * FROM x")
    assert str(e.value) == "no such table: x"
    # the same wording as sqlite3
    s = sqlite3.connect(":memory:")
    for sql in ("SELEC 1", "SELECT * FROM x"):
        with pytest.raises(sqlite3.OperationalError) as e2:
            s.execute(sql)
        with pytest.raises(minisql.OperationalError) as e1:
            con.execute(sql)
        assert str(e1.value) == str(e2.value)
    con.close()


def test_quickstart_example_runs():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, os.path.join(root, "examples", "quickstart.py")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    readme = open(os.path.join(root, "README.md")).read()
    # The README shows exactly what the example prints.
    assert out.stdout.strip() in readme
