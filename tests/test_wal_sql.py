"""WAL concurrency at the SQL level (minisql.connect): a bank-transfer
workload where writers move money and readers check that the total never
changes inside a transaction, in threads and in processes, and a sqlite3
process sharing the database with minisql, each seeing the other's commits.

Contention contract (SQLite's): ``BEGIN IMMEDIATE`` from autocommit mode
waits for the write lock up to the busy timeout and never fails with
SQLITE_BUSY_SNAPSHOT, because no snapshot was in use yet -- the engine must
start such a transaction with ``pager.begin_write()`` (which re-snapshots
and retries) rather than ``begin_read()`` + schema check + ``begin_write()``.
"""
import multiprocessing
import os
import sqlite3
import threading

import pytest

import minisql
from faultvfs import SqliteProc, rng_for, sqlite_in_child

ACCOUNTS = 50
TOTAL = 100 * ACCOUNTS


def make_bank(path):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)")
    con.execute("CREATE TABLE log(n INTEGER PRIMARY KEY, src, dst, amount)")
    con.executemany("INSERT INTO acct VALUES(?, 100)", [(i,) for i in range(ACCOUNTS)])
    con.close()


def transfer(con, rng, n):
    a, b = rng.sample(range(ACCOUNTS), 2)
    amount = rng.randint(1, 20)
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("UPDATE acct SET bal = bal - ? WHERE id = ?", (amount, a))
        con.execute("UPDATE acct SET bal = bal + ? WHERE id = ?", (amount, b))
        con.execute("INSERT INTO log VALUES(?, ?, ?, ?)", (n, a, b, amount))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def audit(con):
    """Two reads in one transaction: the same snapshot, the same total."""
    con.execute("BEGIN")
    try:
        # fetchall: each statement runs to completion (this file is about
        # the WAL, not about the lifetime of half-read cursors).
        (t1, n1), = con.execute("SELECT sum(bal), (SELECT count(*) FROM log) FROM acct").fetchall()
        (t2, n2), = con.execute("SELECT sum(bal), (SELECT count(*) FROM log) FROM acct").fetchall()
    finally:
        con.execute("COMMIT")
    return t1, n1, t2, n2


@pytest.fixture
def bankdb(tmp_path):
    path = str(tmp_path / "bank.db")
    make_bank(path)
    return path


def test_bank_transfers_in_threads(bankdb):
    errs, done = [], []
    stop = threading.Event()

    def writer(seed, base):
        con = minisql.connect(bankdb, isolation_level=None, timeout=20)
        con.execute("PRAGMA wal_autocheckpoint=50").fetchall()
        rng = rng_for(seed)
        try:
            for i in range(40):
                transfer(con, rng, base + i)
                done.append(base + i)
        except Exception as e:            # pragma: no cover - reported below
            errs.append(e)
        finally:
            con.close()

    def reader():
        con = minisql.connect(bankdb, isolation_level=None, timeout=20)
        try:
            while not stop.is_set():
                t1, n1, t2, n2 = audit(con)
                if (t1, t2) != (TOTAL, TOTAL) or n1 != n2:
                    errs.append((t1, n1, t2, n2))
        except Exception as e:            # pragma: no cover
            errs.append(e)
        finally:
            con.close()
    writers = [threading.Thread(target=writer, args=(s, 1000 * s)) for s in (1, 2, 3)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errs
    assert len(done) == 120
    code = r"""
import json, sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(json.dumps([con.execute("PRAGMA integrity_check").fetchone()[0],
                  con.execute("SELECT sum(bal) FROM acct").fetchone()[0],
                  con.execute("SELECT count(*) FROM log").fetchone()[0]]))
"""
    assert sqlite_in_child(code, bankdb) == ["ok", TOTAL, 120]


def _process_worker(path, seed, role, q):
    try:
        con = minisql.connect(path, isolation_level=None, timeout=30)
        rng = rng_for(seed)
        bad = []
        if role == "writer":
            for i in range(25):
                transfer(con, rng, seed * 1000 + i)
        else:
            for _ in range(30):
                t1, n1, t2, n2 = audit(con)
                if (t1, t2) != (TOTAL, TOTAL) or n1 != n2:
                    bad.append((t1, n1, t2, n2))
        con.close()
        q.put(("ok", bad))
    except Exception as e:
        q.put(("error", repr(e)))


def test_bank_transfers_in_processes_with_a_sqlite3_writer(bankdb):
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(bankdb, s, role, q))
             for s, role in ((1, "writer"), (2, "writer"), (3, "reader"), (4, "reader"))]
    for p in procs:
        p.start()
    # Meanwhile a sqlite3 process transfers too, through the same WAL.
    rng = rng_for(9)
    with SqliteProc(bankdb, timeout=30) as s:
        for i in range(25):
            a, b = rng.sample(range(ACCOUNTS), 2)
            s.sql("BEGIN IMMEDIATE")
            s.sql("UPDATE acct SET bal = bal - 5 WHERE id = ?", (a,))
            s.sql("UPDATE acct SET bal = bal + 5 WHERE id = ?", (b,))
            s.sql("INSERT INTO log VALUES(?, ?, ?, 5)", (9000 + i, a, b))
            s.sql("COMMIT")
        results = [q.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(30)
        assert all(r == ("ok", []) for r in results), results
        assert s.sql("SELECT sum(bal), count(*) FROM acct, (SELECT 1)") == [[TOTAL, ACCOUNTS]]
        assert s.sql("SELECT count(*) FROM log") == [[75]]
        assert s.sql("PRAGMA integrity_check") == [["ok"]]


def test_sqlite3_and_minisql_alternate_on_one_open_database(bankdb):
    con = minisql.connect(bankdb, isolation_level=None)
    with SqliteProc(bankdb, timeout=5) as s:
        for i in range(20):
            if i % 2:
                s.sql("INSERT INTO log VALUES(?, 0, 1, 1)", (i,))
                s.sql("UPDATE acct SET bal = bal - 1 WHERE id = 0")
                s.sql("UPDATE acct SET bal = bal + 1 WHERE id = 1")
            else:
                con.execute("INSERT INTO log VALUES(?, 1, 0, 1)", (i,))
                con.execute("UPDATE acct SET bal = bal - 1 WHERE id = 1")
                con.execute("UPDATE acct SET bal = bal + 1 WHERE id = 0")
            q = "SELECT group_concat(n) FROM (SELECT n FROM log ORDER BY n)"
            mine = con.execute(q).fetchall()
            theirs = s.sql(q)
            assert [list(mine[0])] == theirs == [[",".join(map(str, range(i + 1)))]]
        assert con.execute("SELECT bal FROM acct WHERE id < 2 ORDER BY id").fetchall() == \
            [(100,), (100,)]
        s.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert os.path.getsize(bankdb + "-wal") == 0
        con.execute("INSERT INTO log VALUES(100, 0, 0, 0)")   # restarts the emptied log
        assert s.sql("SELECT max(n) FROM log") == [[100]]
        assert s.sql("PRAGMA integrity_check") == [["ok"]]
    con.close()
