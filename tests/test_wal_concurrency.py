"""Many connections, one WAL: snapshots, read marks, checkpoints under
readers, restarts, busy handling -- among minisql connections (threads and
processes) and with live sqlite3 processes on the same database.

The workload is BankDb (tests/faultvfs.py): page-level transfers that keep
the sum of the balances constant and bump a commit counter, so any reader
can check that it sees one consistent snapshot.
"""
import multiprocessing
import os
import re
import shutil
import struct
import threading
import time

import pytest

from faultvfs import SqliteProc, bank, rng_for, sqlite_bank_state  # noqa: F401 - fixture
from minisql import errors
from minisql.storage import walindex as WI
from minisql.storage.pager import Pager
from minisql.errors import SQLITE_BUSY_SNAPSHOT


def shm_header(path):
    with open(path + "-shm", "rb") as f:
        return WI.IndexHeader.decode(f.read(48))


BALANCE = "CAST(substr(v,1,8) AS INTEGER)"
SQL_TRANSFER = [
    "BEGIN IMMEDIATE",
    f"UPDATE t SET v = printf('%08d', {BALANCE} - ?) || substr(v, 9) WHERE id = ?",
    f"UPDATE t SET v = printf('%08d', {BALANCE} + ?) || substr(v, 9) WHERE id = ?",
    f"UPDATE t SET v = printf('%08d', {BALANCE} + 1) || substr(v, 9) WHERE id = 1",
    "COMMIT",
]


def sqlite_transfer(proc, rng, accounts):
    a, b = rng.sample(range(2, accounts + 2), 2)
    amount = rng.randint(1, 30)
    proc.sql(SQL_TRANSFER[0])
    proc.sql(SQL_TRANSFER[1], (amount, a))
    proc.sql(SQL_TRANSFER[2], (amount, b))
    proc.sql(SQL_TRANSFER[3])
    proc.sql(SQL_TRANSFER[4])


def sqlite_state(proc):
    total = proc.sql("SELECT sum(CAST(substr(v,1,8) AS INTEGER)) FROM t WHERE id > 1")[0][0]
    counter = proc.sql("SELECT CAST(substr(v,1,8) AS INTEGER) FROM t WHERE id = 1")[0][0]
    return total, counter


# -- interoperability with a live sqlite3 process ----------------------------

RECOVERY_LOCK = re.compile(r"F_WRLCK, l_whence=SEEK_SET, l_start=(121, l_len=2|122,)")


def sqlite_read_traced(path, trace):
    """sqlite3 (child) reads the bank; returns its state and whether it
    ran WAL recovery (strace shows the RECOVER lock; None without strace)."""
    use_strace = shutil.which("strace") is not None
    with SqliteProc(path, strace_to=trace if use_strace else None) as s:
        state = sqlite_state(s)
        assert s.sql("PRAGMA integrity_check") == [["ok"]]
    if not use_strace:
        return state, None
    text = open(trace).read()
    assert "l_start=128" in text          # it did attach to the -shm
    return state, bool(RECOVERY_LOCK.search(text))


def test_sqlite3_reads_our_shm_without_recovery(bank, tmp_path):
    p = Pager(bank.path)
    rng = rng_for(1)
    for _ in range(40):
        bank.transfer(p, rng)
    change = shm_header(bank.path).change
    assert change >= 40
    state, recovered = sqlite_read_traced(bank.path, str(tmp_path / "t1"))
    assert state == bank.state(p)
    # Recovery would have rewritten the header with iChange = 0 and taken
    # the RECOVER lock.
    assert shm_header(bank.path).change == change
    assert recovered in (False, None)
    # Control: with the header destroyed, sqlite3 does recover (so the
    # detection above can fail).
    bank.transfer(p, rng)
    with open(bank.path + "-shm", "r+b") as f:
        f.write(bytes(96))
    state, recovered = sqlite_read_traced(bank.path, str(tmp_path / "t2"))
    assert state == (bank.total, 41)
    assert shm_header(bank.path).change == 0
    assert recovered in (True, None)
    p.close()


def test_alternating_writers_sqlite3_and_minisql_see_each_other(bank):
    p = Pager(bank.path, wal_autocheckpoint=30)
    rng = rng_for(2)
    with SqliteProc(bank.path, timeout=5) as s:
        expected = 0
        for i in range(40):
            if i % 2:
                sqlite_transfer(s, rng, bank.accounts)
            else:
                bank.transfer(p, rng)
            expected += 1
            # Each side sees the other's commit in its next transaction.
            assert bank.state(p) == (bank.total, expected)
            assert sqlite_state(s) == (bank.total, expected)
            if i % 10 == 9:
                s.sql("PRAGMA wal_checkpoint(PASSIVE)")
        assert s.sql("PRAGMA integrity_check") == [["ok"]]
    p.close()
    ok, total, counter = sqlite_bank_state(bank.path)
    assert (ok, total, counter) == ([("ok",)], bank.total, 40)


def test_snapshot_isolation_across_engines(bank):
    p = Pager(bank.path)
    rng = rng_for(3)
    with SqliteProc(bank.path, timeout=5) as s:
        s.sql("BEGIN")
        before = sqlite_state(s)
        bank.transfer(p, rng)
        assert sqlite_state(s) == before              # still its old snapshot
        s.sql("COMMIT")
        assert sqlite_state(s)[1] == before[1] + 1    # next transaction sees it
        # And the other way round.
        p.begin_read()
        mine = bank.read(p, 1)
        sqlite_transfer(s, rng, bank.accounts)
        assert bank.read(p, 1) == mine
        p.end_read()
        assert bank.state(p)[1] == mine + 1
    p.close()


def test_write_locks_exclude_each_other_across_engines(bank):
    p = Pager(bank.path, busy_timeout=0.2)
    with SqliteProc(bank.path, timeout=0.1) as s:
        s.sql("BEGIN IMMEDIATE")
        t0 = time.monotonic()
        with pytest.raises(errors.OperationalError, match="database is locked"):
            p.begin_write()
        assert time.monotonic() - t0 >= 0.2
        p.end_read()
        s.sql("COMMIT")
        p.begin_write()
        with pytest.raises(Exception, match="database is locked"):
            s.sql("INSERT INTO t VALUES(1000, 'x')")
        p.rollback()
        p.end_read()
        s.sql("INSERT INTO t VALUES(1000, 'x')")
    p.close()


# -- minisql connections among themselves -----------------------------------

def test_busy_snapshot_after_reading_and_retry_when_nothing_read(bank):
    a = Pager(bank.path)
    b = Pager(bank.path)
    rng = rng_for(4)
    b.begin_read()
    bank.read(b, 2)                      # b's transaction has read
    bank.transfer(a, rng)
    with pytest.raises(errors.OperationalError) as ei:
        b.begin_write()
    assert ei.value.sqlite_errorcode == SQLITE_BUSY_SNAPSHOT
    b.end_read()
    b.begin_read()                        # nothing read yet in this one
    bank.transfer(a, rng)
    b.begin_write()                       # moves to the newest snapshot
    assert bank.read(b, 1) == 2
    b.rollback()
    b.end_read()
    a.close()
    b.close()


def test_reader_snapshot_is_stable_while_writer_commits_and_checkpoints(bank):
    w = Pager(bank.path, wal_autocheckpoint=20)
    r = Pager(bank.path)
    rng = rng_for(5)
    bank.transfer(w, rng)
    r.begin_read()
    first = [bank.read(r, i) for i in range(1, bank.accounts + 2)]
    r.cache.clear()                       # force re-reads from WAL / db file
    for _ in range(60):                   # several autocheckpoints happen
        bank.transfer(w, rng)
    marks = r.wal.index.read_marks()
    assert r.wal.index.nbackfill <= marks[r.wal.read_lock]
    again = [bank.read(r, i) for i in range(1, bank.accounts + 2)]
    assert again == first
    r.end_read()
    assert bank.state(r) == (bank.total, 61)
    w.close()
    r.close()


def test_checkpoint_never_copies_past_a_pinned_reader(bank):
    w = Pager(bank.path, wal_autocheckpoint=0)
    r = Pager(bank.path)
    rng = rng_for(6)
    for _ in range(3):
        bank.transfer(w, rng)
    r.begin_read()
    pinned = r.wal.hdr.mx_frame
    counter_page, off = bank.slots[1]
    for _ in range(5):
        bank.transfer(w, rng)
    busy, log, done = w.checkpoint("PASSIVE")
    assert (busy, log, done) == (0, w.wal.hdr.mx_frame, pinned)
    # The database file holds nothing newer than the pinned snapshot (that
    # page's newest frame is past the reader's mark, so SQLite's rule skips
    # it entirely and the reader keeps finding its version in the WAL).
    with open(bank.path, "rb") as f:
        f.seek((counter_page - 1) * 1024 + off)
        assert int(f.read(8)) <= 3
    assert bank.read(r, 1) == 3
    r.end_read()
    assert w.checkpoint("PASSIVE") == (0, log, log)
    w.close()
    r.close()


def test_wal_stays_bounded_under_steady_writes_with_readers(bank):
    w = Pager(bank.path, wal_autocheckpoint=50)
    rng = rng_for(7)
    stop = threading.Event()
    errs = []

    def reader():
        # Readers come and go.  (Readers that never pause would keep some
        # read mark below mxFrame at every checkpoint: "checkpoint
        # starvation", in SQLite too.)
        r = Pager(bank.path)
        try:
            while not stop.is_set():
                total, _ = bank.state(r)
                if total != bank.total:
                    errs.append(total)
                time.sleep(0.001)
        except Exception as e:            # pragma: no cover - reported below
            errs.append(e)
        finally:
            r.close()
    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    salts = set()
    biggest = 0
    try:
        for _ in range(400):
            bank.transfer(w, rng)
            biggest = max(biggest, os.path.getsize(bank.path + "-wal"))
            with open(bank.path + "-wal", "rb") as f:
                salts.add(f.read(24)[16:20])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errs
    assert len(salts) >= 5                 # the log restarted many times
    frame = 1024 + 24
    assert biggest <= 32 + frame * 200, biggest   # ~50 frames + stragglers
    w.close()


def test_reader_threads_and_writer_threads(bank):
    stop = threading.Event()
    errs = []
    commits = []

    def writer(seed):
        p = Pager(bank.path, wal_autocheckpoint=40, busy_timeout=10)
        rng = rng_for(seed)
        try:
            for _ in range(60):
                commits.append(bank.transfer(p, rng))
        except Exception as e:            # pragma: no cover - reported below
            errs.append(e)
        finally:
            p.close()

    def reader():
        p = Pager(bank.path, busy_timeout=10)
        try:
            while not stop.is_set():
                p.begin_read()
                c1 = bank.read(p, 1)
                total = sum(bank.read(p, i) for i in range(2, bank.accounts + 2))
                c2 = bank.read(p, 1)
                p.end_read()
                if total != bank.total or c1 != c2:
                    errs.append((total, c1, c2))
        except Exception as e:            # pragma: no cover
            errs.append(e)
        finally:
            p.close()
    readers = [threading.Thread(target=reader) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(s,)) for s in (11, 12)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errs
    assert sorted(commits) == list(range(1, 121))
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 120)


def _process_reader(path, accounts, conn_ready, conn_go, out):
    import faultvfs
    b = faultvfs.BankDb.__new__(faultvfs.BankDb)
    b.slots, b.accounts = out["slots"], accounts
    p = Pager(path)
    p.begin_read()
    first = b.read(p, 1), sum(b.read(p, i) for i in range(2, accounts + 2))
    conn_ready.send(first)
    conn_go.recv()
    p.cache.clear()
    again = b.read(p, 1), sum(b.read(p, i) for i in range(2, accounts + 2))
    p.end_read()
    latest = b.state(p)
    conn_ready.send((again, latest))
    p.close()


def test_reader_processes_pinned_while_writer_commits(bank):
    ctx = multiprocessing.get_context("fork")
    w = Pager(bank.path, wal_autocheckpoint=25)
    rng = rng_for(8)
    for _ in range(5):
        bank.transfer(w, rng)
    procs = []
    for _ in range(3):
        ready_parent, ready_child = ctx.Pipe()
        go_parent, go_child = ctx.Pipe()
        pr = ctx.Process(target=_process_reader,
                         args=(bank.path, bank.accounts, ready_child, go_child,
                               {"slots": bank.slots}))
        pr.start()
        procs.append((pr, ready_parent, go_parent))
    firsts = [rp.recv() for _, rp, _ in procs]
    assert all(f == (5, bank.total) for f in firsts)
    for _ in range(50):
        bank.transfer(w, rng)
    w.checkpoint("PASSIVE")
    for _, _, gp in procs:
        gp.send(1)
    for pr, rp, _ in procs:
        again, latest = rp.recv()
        pr.join(10)
        assert again == (5, bank.total)
        assert latest == (bank.total, 55)
    w.close()


# -- lock protocol edges -------------------------------------------------------

def ofd_lock(path, start, exclusive=True, length=1):
    """Hold an OFD lock on ``path`` from a fresh descriptor (another
    connection, as far as every lock owner is concerned)."""
    import fcntl
    fd = os.open(path, os.O_RDWR)
    kind = fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK
    fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", kind, 0, start, length, 0))
    return fd


def test_we_attach_to_sqlite3s_live_shm_without_recovery(bank):
    with SqliteProc(bank.path, timeout=5) as s:
        s.sql("UPDATE t SET v = '00000007' || substr(v, 9) WHERE id = 1")
        change = shm_header(bank.path).change
        assert change > 0
        p = Pager(bank.path)
        assert bank.state(p) == (bank.total, 7)
        assert shm_header(bank.path).change == change      # no recovery
        p.close()


def test_dms_held_exclusively_means_busy(bank):
    open(bank.path + "-shm", "ab").close()
    fd = ofd_lock(bank.path + "-shm", WI.LOCK_BASE + WI.DMS)   # an opener resetting it
    try:
        t0 = time.monotonic()
        with pytest.raises(errors.OperationalError, match="database is locked"):
            Pager(bank.path, busy_timeout=0.1)
        assert time.monotonic() - t0 >= 0.1
    finally:
        os.close(fd)
    p = Pager(bank.path)
    assert bank.state(p) == (bank.total, 0)
    p.close()


def test_reader_waits_while_another_connection_recovers(bank):
    p = Pager(bank.path, busy_timeout=0.1)
    bank.transfer(p, rng_for(1))
    # Another connection found the header bad and is recovering: it holds
    # WRITE and CKPT+RECOVER, and the header is garbage meanwhile.
    with open(bank.path + "-shm", "r+b") as f:
        f.write(bytes(96))
    fd = ofd_lock(bank.path + "-shm", WI.LOCK_BASE + WI.WRITE, length=3)
    try:
        with pytest.raises(errors.OperationalError, match="database is locked") as ei:
            p.begin_read()
        assert ei.value.sqlite_errorcode & 0xFF == errors.SQLITE_BUSY
    finally:
        os.close(fd)
    # The "recovering" connection died: we recover ourselves.
    assert bank.state(p) == (bank.total, 1)
    p.close()


def test_restart_increments_salt1_and_sqlite3_follows(bank):
    p = Pager(bank.path, wal_autocheckpoint=0)
    rng = rng_for(2)
    for _ in range(3):
        bank.transfer(p, rng)

    def wal_header():
        with open(bank.path + "-wal", "rb") as f:
            return struct.unpack(">IIIIII", f.read(24))
    before = wal_header()
    size = os.path.getsize(bank.path + "-wal")
    assert p.checkpoint("PASSIVE") == (0, p.wal.frame_count(), p.wal.frame_count())
    bank.transfer(p, rng)                     # restarts the fully copied log
    after = wal_header()
    assert after[3] == before[3] + 1          # checkpoint sequence
    assert after[4] == (before[4] + 1) & 0xFFFFFFFF
    assert after[5] != before[5]
    assert p.wal.frame_count() < 10           # frames start again at 1
    assert os.path.getsize(bank.path + "-wal") == size   # reused, not shrunk
    p.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 4)


def test_reader_keeps_warm_pages_another_commit_did_not_touch(bank):
    """On another connection's commit a reader drops only the pages named
    by the new frames; after a WAL restart (new salts) it drops them all.
    Either way it reads exactly the writer's state (sqlite3 too)."""
    w = Pager(bank.path, wal_autocheckpoint=0)
    r = Pager(bank.path)
    rng = rng_for(21)
    bank.transfer(w, rng)
    assert bank.state(r) == bank.state(w)
    before = dict(r.cache)
    mx = w.wal.hdr.mx_frame
    bank.transfer(w, rng)
    touched = set(w.wal.index.page_numbers(mx + 1, w.wal.hdr.mx_frame))
    assert bank.state(r) == bank.state(w)
    kept = {pgno for pgno, page in before.items() if r.cache.get(pgno) is page}
    assert kept == set(before) - touched and kept
    # A restarted WAL (TRUNCATE, then a commit from frame 1): drop it all.
    assert w.checkpoint("TRUNCATE")[0] == 0
    bank.transfer(w, rng)
    before = dict(r.cache)
    assert bank.state(r) == bank.state(w)
    assert not any(r.cache.get(pgno) is page for pgno, page in before.items())
    w.close()
    r.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 3)


@pytest.mark.parametrize("engine", ["sqlite3", "minisql"])
def test_a_query_naming_no_table_holds_no_read_lock(tmp_path, engine):
    """SELECT 1 and the like take no read transaction (SQLite's rule): one
    left unfinished does not stop another process's TRUNCATE checkpoint,
    while an unfinished query of a table does.  Both engines alike."""
    import sqlite3
    import minisql
    path = str(tmp_path / "d.db")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t(x)")
    setup.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(3)])
    setup.commit()
    setup.close()
    con = (sqlite3 if engine == "sqlite3" else minisql).connect(path)
    seen = []
    with SqliteProc(path) as other:
        other.sql("INSERT INTO t VALUES (9)")
        for sql in ("SELECT 1 UNION ALL SELECT 2", "SELECT x FROM t"):
            cur = con.execute(sql)
            cur.fetchone()                          # unfinished: one row left
            other.sql("INSERT INTO t VALUES (9)")
            seen.append(other.sql("PRAGMA wal_checkpoint(TRUNCATE)")[0][0])
            cur.fetchall()
    con.close()
    assert seen == [0, 1]           # busy only while the table query is open
