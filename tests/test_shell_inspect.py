"""Looking inside the file: .dbinfo, .page, .btree, .wal and .checkpoint, checked
against the header bytes and the tables as sqlite3 reads them."""
import re
import sqlite3
import struct

import pytest

from test_shell_support import ENGINES, make_db, needs_sqlite3_shell, run_minisql, run_sqlite3

engines = pytest.mark.parametrize("engine", ENGINES)

SETUP = """\
pragma page_size=1024;
create table small(a integer primary key, b);
insert into small values(1, 'one'), (2, x'0203'), (3, 3.5);
create table many(k integer primary key, v text);
with recursive c(x) as (select 1 union all select x+1 from c where x < 600)
insert into many select x, printf('value %04d', x) from c;
create index many_v on many(v);
create table wide(id integer primary key, payload blob);
insert into wide values(1, zeroblob(5000));
delete from many where k between 100 and 300;
pragma user_version=7;
"""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "i.db"
    make_db(path, SETUP)
    return path


def _shell(engine, db, *commands):
    rc, out, err = run_minisql(engine, [str(db)] + list(commands))
    return rc, out.decode(), err.decode()


@engines
def test_dbinfo_reports_the_header(engine, db):
    rc, out, err = _shell(engine, db, ".dbinfo")
    assert rc == 0, err
    raw = db.read_bytes()[:100]
    fields = dict(re.findall(r"^(.+?:)\s+(\d+)", out, re.M))
    assert int(fields["database page size:"]) == struct.unpack(">H", raw[16:18])[0] == 1024
    for label, off in (("file change counter:", 24), ("database page count:", 28),
                       ("freelist page count:", 36), ("schema cookie:", 40),
                       ("user version:", 60), ("software version:", 96)):
        assert int(fields[label]) == struct.unpack(">I", raw[off:off + 4])[0], label
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n_tables = con.execute("select count(*) from sqlite_schema where type='table'").fetchone()[0]
    con.close()
    assert int(fields["number of tables:"]) == n_tables
    assert "text encoding:       1 (utf8)\n" in out
    assert re.search(r"^database page size:  1024$", out, re.M)   # sqlite3's layout


@engines
def test_page_one_is_the_schema_table(engine, db):
    rc, out, err = _shell(engine, db, ".page 1")
    assert rc == 0, err
    assert "bytes 0..99: the database header" in out
    assert "type: 0x0d leaf table b-tree page" in out
    assert "'many_v'" in out                  # the schema rows are decoded


@engines
def test_btree_walks_every_leaf(engine, db):
    rc, out, err = _shell(engine, db, ".btree many")
    assert rc == 0, err
    assert "interior table" in out            # 400 rows do not fit one 1K page
    leaves = re.findall(r"leaf table, (\d+) cells, rowids (\d+)\.\.(\d+)", out)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    keys = sorted(k for (k,) in con.execute("select k from many"))
    con.close()
    assert sum(int(n) for n, _, _ in leaves) == len(keys)
    # Leaves come in key order and every key falls in one leaf's range.
    ranges = [(int(lo), int(hi)) for _, lo, hi in leaves]
    assert ranges == sorted(ranges)
    assert all(any(lo <= k <= hi for lo, hi in ranges) for k in keys)


@engines
def test_btree_shows_overflow_chain(engine, db):
    rc, out, err = _shell(engine, db, ".btree wide")
    assert rc == 0, err
    chain = re.search(r"overflow: cell 0 -> ([\d >-]+)", out)
    assert chain, out
    pages = chain.group(1).split(" -> ")
    # The record is 5004 bytes (4 header bytes, the 5000-byte blob).  On 1024-byte
    # pages SQLite keeps K = minLocal + (P - minLocal) % (U - 4) bytes on the leaf
    # (K <= maxLocal) and the rest on ceil(rest / (U - 4)) overflow pages.
    usable, payload = 1024, 5004
    min_local = (usable - 12) * 32 // 255 - 23
    local = min_local + (payload - min_local) % (usable - 4)
    assert local <= usable - 35
    assert len(pages) == -(-(payload - local) // (usable - 4))
    rc, out, err = _shell(engine, db, ".page %s" % pages[0])
    assert "not a b-tree page" in out and "next overflow page" in out


@engines
def test_page_of_an_index_and_errors(engine, db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    root = con.execute("select rootpage from sqlite_schema where name='many_v'").fetchone()[0]
    con.close()
    rc, out, err = _shell(engine, db, ".btree many_v")
    assert rc == 0 and "index many_v: root page %d" % root in out
    rc, out, err = _shell(engine, db, ".page 100000")
    assert rc == 1 and "past the end of the database" in err
    rc, out, err = _shell(engine, db, ".btree nosuch")
    assert rc == 1 and "no such table or index: nosuch" in err


def test_wal_needs_a_minisql_connection(db):
    rc, out, err = _shell("sqlite3", db, ".wal")
    assert rc == 1 and "not available for this connection" in err


@needs_sqlite3_shell
@engines
@pytest.mark.parametrize("mode", ["", "PASSIVE", "FULL", "RESTART", "TRUNCATE"])
def test_checkpoint_prints_what_the_pragma_returns(engine, mode, tmp_path):
    """.checkpoint MODE prints the row of PRAGMA wal_checkpoint(MODE) as sqlite3
    prints it, on a WAL database with frames still in the log."""
    outs = []
    for name in ("sqlite3", "minisql"):
        d = tmp_path / name
        d.mkdir()
        con = sqlite3.connect(d / "w.db")
        con.executescript("pragma journal_mode=wal; pragma wal_autocheckpoint=0;"
                          "create table t(x); insert into t values(1); insert into t values(2);")
        # Copy the files while the connection is open, so the WAL keeps its frames.
        for suffix in ("", "-wal"):
            (d / ("x.db" + suffix)).write_bytes((d / ("w.db" + suffix)).read_bytes())
        con.close()
        if name == "sqlite3":
            outs.append(run_sqlite3(["x.db", "PRAGMA wal_checkpoint(%s)" % (mode or "PASSIVE")],
                                    cwd=d))
        else:
            outs.append(run_minisql(engine, ["x.db", ".checkpoint %s" % mode], cwd=d))
    assert outs[1] == outs[0]
    assert outs[0][1].count(b"|") == 2


def test_checkpoint_rejects_unknown_mode():
    rc, out, err = run_minisql("sqlite3", [":memory:", ".checkpoint BOGUS"])
    assert rc == 1 and err.startswith(b"Usage: .checkpoint")
