"""Connection.backup() and Connection.iterdump(), against stdlib sqlite3.

Dumps of the same database must be identical line for line, and each
module must load either module's dump.  Backups follow sqlite3's progress
protocol; a backup taken while another connection writes is a consistent
snapshot that sqlite3's integrity_check accepts.
"""
import os
import shutil
import sqlite3
import threading

import pytest

import util
from test_dbapi_util import modules, ms, observe, same, same_in  # noqa: F401 - ms is a fixture

RICH = r"""
create table plain(a, b, c);
insert into plain values(1, 2.5, 'three'), (null, x'00ff10', ''), (-9223372036854775808,
    1e100, 'it''s'), (9223372036854775807, -0.5, 'line
break'), (0, 0.1, 'héllo €'), (3, 1e-300, '"quoted"');
create table "odd ""name"" here"("col 1" integer primary key, [col"2] text default 'x',
    `c3` blob);
insert into "odd ""name"" here" values(5, 'a', x''), (6, null, zeroblob(3));
create table auto(id integer primary key autoincrement, v);
insert into auto(v) values('a'), ('b'), ('c');
delete from auto where id = 2;
create table empty(x);
create table nums(i int, r real, t text, n numeric);
insert into nums values('12', '1.5', 12, '1e3'), (1.0, 2, 3.25, 'abc');
create index plain_b on plain(b);
create unique index nums_i on nums(i, t);
create view v as select a, c from plain where a > 0;
create trigger tr after insert on plain begin insert into empty values(new.a); end;
create table later(z);
insert into later values(1);
"""


def build(path, text=RICH, module=sqlite3):
    con = module.connect(path)
    con.executescript(text)
    con.commit()
    con.close()


def dump(module, path):
    con = module.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def copies(tmp_path, source):
    """A copy of ``source`` (and its -wal) per module."""
    out = []
    for m in modules():
        target = str(tmp_path / f"{m.__name__}-copy.db")
        shutil.copyfile(source, target)
        if os.path.exists(source + "-wal"):
            shutil.copyfile(source + "-wal", target + "-wal")
        out.append((m, target))
    return out


@pytest.mark.parametrize("builder", ["sqlite3", "minisql"])
def test_dump_is_sqlite3s_line_for_line(tmp_path, ms, builder):
    source = str(tmp_path / "source.db")
    build(source, module=sqlite3 if builder == "sqlite3" else ms)
    (m1, p1), (m2, p2) = copies(tmp_path, source)
    ref, got = dump(m1, p1), dump(m2, p2)
    assert len(ref) > 20
    assert got == ref


def test_dump_of_sqlite_stat1(tmp_path):
    source = str(tmp_path / "source.db")
    build(source, RICH + "analyze;")
    (m1, p1), (m2, p2) = copies(tmp_path, source)
    ref = dump(m1, p1)
    assert 'ANALYZE "sqlite_master";' in ref
    assert dump(m2, p2) == ref


def test_dump_of_an_empty_database():
    same(lambda m: list(m.connect(":memory:").iterdump()))


@pytest.mark.parametrize("dumper", ["sqlite3", "minisql"])
@pytest.mark.parametrize("loader", ["sqlite3", "minisql"])
def test_dump_loads_into_either_module(tmp_path, ms, dumper, loader):
    mods = {"sqlite3": sqlite3, "minisql": ms}
    source = str(tmp_path / "source.db")
    build(source)
    lines = dump(mods[dumper], source)
    target = str(tmp_path / "loaded.db")
    con = mods[loader].connect(target)
    con.executescript("\n".join(lines))
    con.close()
    original, loaded = util.sqlite3_contents(source, target)
    assert loaded["integrity"] == ["ok"]
    assert loaded == original
    assert dump(sqlite3, target) == dump(sqlite3, source)


def test_dump_streams_and_sees_the_connections_transaction():
    def run(m):
        con = m.connect(":memory:")
        con.execute("create table t(a)")
        con.executemany("insert into t values(?)", [(i,) for i in range(5)])
        dumper = con.iterdump()
        head = [next(dumper) for _ in range(3)]
        return head, list(dumper), con.in_transaction
    same(run)


def test_dump_on_a_closed_connection():
    def run(m):
        con = m.connect(":memory:")
        con.close()
        return con.iterdump()
    same(run)


# -- backup ------------------------------------------------------------------------------------

def source_copy(tmp_path, m, text=RICH):
    path = str(tmp_path / f"src-{m.__name__}.db")
    if not os.path.exists(path):
        build(path, text)
    return path


@pytest.mark.parametrize("pages", [-1, 0, 1, 2, 3, 100])
@pytest.mark.parametrize("to_file", [False, True])
def test_backup_progress_and_result(tmp_path, pages, to_file):
    def run(m, directory):
        src = m.connect(source_copy(tmp_path, m))
        target_path = os.path.join(directory, "copy.db") if to_file else ":memory:"
        dst = m.connect(target_path)
        calls = []
        src.backup(dst, pages=pages, progress=lambda *a: calls.append(a))
        rows = dst.execute("select * from plain").fetchall()
        dst.close()
        if to_file:
            assert util.sqlite3_check(target_path) == ["ok"]
        return calls, rows
    same_in(tmp_path, run)


def test_backup_replaces_the_target_contents(tmp_path):
    def run(m, directory):
        dst = m.connect(os.path.join(directory, "target.db"))
        dst.execute("create table old(x)")
        dst.executemany("insert into old values(?)", [(i,) for i in range(500)])
        dst.commit()
        m.connect(source_copy(tmp_path, m)).backup(dst)
        return [r[0] for r in dst.execute("select name from sqlite_master order by name")]
    same_in(tmp_path, run)


@pytest.mark.parametrize("case", [
    "src.backup(5)", "src.backup(src)", "src.backup(dst, progress=5)",
    "src.backup(dst, name='nosuch')", "src.backup(dst, name='main')",
    "src.backup(dst, sleep='x')", "src.backup(dst, pages='x')",
    "src.backup(dst, progress=lambda *a: 1 / 0)", "closed_target()", "closed_source()",
    "target_reading()", "target_writing()",
])
def test_backup_errors(tmp_path, case):
    def run(m, directory):
        src = m.connect(source_copy(tmp_path, m))
        dst = m.connect(os.path.join(directory, "target.db"))
        dst.execute("create table mine(x)")
        dst.commit()

        def closed_target():
            dst.close()
            return src.backup(dst)

        def closed_source():
            src.close()
            return src.backup(dst)

        def target_reading():
            cur = dst.execute("select * from sqlite_master")
            cur.fetchone()
            return src.backup(dst)

        def target_writing():
            dst.execute("insert into mine values(1)")
            return src.backup(dst)
        outcome = observe(m, lambda m: eval(case, {"src": src, "dst": dst, **locals()}))
        if case == "closed_target()":
            return outcome
        dst.rollback()
        return outcome, [r[0] for r in dst.execute("select name from sqlite_master")]
    same_in(tmp_path, run)


def test_backup_while_another_connection_writes(tmp_path, ms):
    """The copy is one committed state of the source: every transfer of the
    writer is either in it or not, and sqlite3 finds the file sound."""
    path = str(tmp_path / "busy.db")
    con = ms.connect(path)
    con.execute("create table acct(id integer primary key, balance, pad)")
    con.executemany("insert into acct values(?, 100, ?)", [(i, "p" * 200) for i in range(2000)])
    con.execute("create table log(n, note)")
    con.commit()
    stop = threading.Event()
    written = [0]
    errors = []

    def writer():
        try:
            w = ms.connect(path, timeout=30)
            n = 0
            while not stop.is_set():
                n += 1
                with w:
                    w.execute("update acct set balance = balance - 7 where id = ?", (n % 2000,))
                    w.execute("update acct set balance = balance + 7 where id = ?",
                              ((n * 37) % 2000,))
                    w.execute("insert into log values(?, ?)", (n, "x" * 300))
                written[0] = n
            w.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 5:
            stop.wait(0.01)
        target = str(tmp_path / "copy.db")
        dst = ms.connect(target)
        steps = []

        def progress(status, remaining, total):
            steps.append((status, remaining, total))
            stop.wait(0.005)          # let the writer commit between steps
        before = written[0]
        con.backup(dst, pages=1, progress=progress)
        during = written[0] - before
        dst.close()
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert len(steps) > 50 and steps[-1][0] == sqlite3.SQLITE_DONE
    assert during > 5, "the writer committed while the backup ran"
    assert util.sqlite3_check(target) == ["ok"]
    check = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    total, = check.execute("select sum(balance) from acct").fetchone()
    logged, = check.execute("select count(*) from log").fetchone()
    check.close()
    assert total == 2000 * 100
    assert 0 <= logged <= written[0]


def test_backup_copies_uncommitted_changes_of_the_source(tmp_path, ms):
    """minisql copies what the source connection sees, its own pending
    changes included.  (sqlite3 cannot: its backup retries until the source's
    write transaction ends, which on one thread is never.)"""
    src = ms.connect(source_copy(tmp_path, ms))
    src.execute("insert into later values(2)")
    dst = ms.connect(":memory:")
    src.backup(dst)
    assert src.in_transaction
    assert dst.execute("select * from later").fetchall() == [(1,), (2,)]
