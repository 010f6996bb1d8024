"""Write transactions larger than the page cache: the pager spills dirty
pages to the WAL as uncommitted frames (SQLite's pagerStress), so the cache
stays bounded, while no reader -- another minisql connection, a live
sqlite3 process, a checkpoint, recovery after a crash -- ever sees those
frames before the commit frame.  Rollback and ROLLBACK TO after spilling
restore what was there.  sqlite3 is the oracle for every file.
"""
import os
import random
import shutil
import signal
import sqlite3
import time

import pytest

import minisql
from faultvfs import FaultVFS, PowerLoss, SqliteProc, rng_for
from minisql.storage import walindex as WI
from minisql.storage.pager import SYNC_FULL, SYNC_NORMAL, Pager, empty_page1
from util import sqlite3_check, sqlite3_contents

CACHE = -200                  # 200 KiB: about 48 pages of 4096 bytes


def shm_mx_frame(path):
    with open(path + "-shm", "rb") as f:
        return WI.IndexHeader.decode(f.read(48)).mx_frame


def watch_cache(pager):
    """Record the cache size each time a sweep starts (the cache only grows
    between sweeps, so this is its peak)."""
    seen = [0]
    shrink = pager._shrink_cache

    def wrapped():
        seen[0] = max(seen[0], len(pager.cache))
        shrink()
    pager._shrink_cache = wrapped
    return seen


def load(module, path, rows, seed=1, cache=CACHE):
    """One transaction: a table with an index on random keys (index pages
    change again and again, so pages are spilled more than once)."""
    con = module.connect(path)
    if module is sqlite3:
        con.execute("PRAGMA journal_mode=wal")
    con.execute(f"PRAGMA cache_size={cache}")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
    con.execute("CREATE INDEX t_a ON t(a)")
    rng = random.Random(seed)
    con.executemany("INSERT INTO t(a, b) VALUES (?, ?)",
                    [(rng.randrange(10**9), "v%d-" % i + "x" * rng.randrange(50, 400))
                     for i in range(rows)])
    return con


def test_big_transaction_spills_keeps_cache_bounded_and_matches_sqlite3(tmp_path):
    mine, ref = str(tmp_path / "m.db"), str(tmp_path / "s.db")
    con = minisql.connect(mine)
    con.execute("CREATE TABLE seed(x)")      # a committed WAL before the load
    con.execute("INSERT INTO seed VALUES (1)")
    con.commit()
    pager = con._db.pager
    con.execute(f"PRAGMA cache_size={CACHE}")
    peak = watch_cache(pager)
    rng = random.Random(1)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
    con.execute("CREATE INDEX t_a ON t(a)")        # (autocommit, like sqlite3)
    mx_before = shm_mx_frame(mine)
    con.executemany("INSERT INTO t(a, b) VALUES (?, ?)",
                    [(rng.randrange(10**9), "v%d-" % i + "x" * rng.randrange(50, 400))
                     for i in range(12_000)])        # ~4 MB: 20x the cache
    assert pager.spilled, "nothing was spilled"
    assert os.path.getsize(mine + "-wal") > 2_000_000
    assert shm_mx_frame(mine) == mx_before            # nothing published yet
    con.commit()
    limit = pager._limit
    assert peak[0] <= limit + limit // 4 + 16, (peak[0], limit)
    assert len(pager.cache) <= limit
    con.close()

    s = load(sqlite3, ref, 12_000)
    s.execute("CREATE TABLE seed(x)")
    s.execute("INSERT INTO seed VALUES (1)")
    s.commit()
    s.close()
    got, want = sqlite3_contents(mine, ref)
    assert got["integrity"] == ["ok"]
    assert got["tables"] == want["tables"]


def test_readers_and_checkpoints_ignore_spilled_frames(tmp_path):
    path = str(tmp_path / "r.db")
    con = load(minisql, path, 2_000)
    con.commit()
    other = minisql.connect(path)
    with SqliteProc(path) as proc:
        assert proc.sql("SELECT count(*) FROM t") == [[2000]]
        con.execute("UPDATE t SET b = b || 'y'")           # every old page
        con.executemany("INSERT INTO t(a, b) VALUES (?, ?)",
                        [(i, "n" * 300) for i in range(6_000)])
        assert con._db.pager.spilled
        # Old snapshot everywhere: another minisql connection, sqlite3.
        assert other.execute("SELECT count(*), sum(length(b)) FROM t").fetchone() == \
            con.execute("SELECT 2000, sum(length(b)) - 2000 FROM t WHERE id <= 2000"
                        ).fetchone()
        assert proc.sql("SELECT count(*) FROM t WHERE b LIKE '%y'") == [[0]]
        assert proc.sql("PRAGMA integrity_check") == [["ok"]]
        # Checkpoints copy committed frames only.
        mx = shm_mx_frame(path)
        assert other.execute("PRAGMA wal_checkpoint").fetchone() == (0, mx, mx)
        assert proc.sql("PRAGMA wal_checkpoint") == [[0, mx, mx]]
        other.commit()
        con.commit()
        assert other.execute("SELECT count(*) FROM t WHERE b LIKE '%y'").fetchone() == (2000,)
        assert proc.sql("SELECT count(*) FROM t") == [[8000]]
        assert proc.sql("PRAGMA integrity_check") == [["ok"]]
    other.close()
    con.close()
    assert sqlite3_check(path) == ["ok"]


def _copy(path, dest):
    shutil.copy(path, dest)
    if os.path.exists(path + "-wal"):
        shutil.copy(path + "-wal", dest + "-wal")
    return dest


def test_rollback_after_spilling_restores_the_old_contents(tmp_path):
    path = str(tmp_path / "rb.db")
    con = load(minisql, path, 3_000)
    con.commit()
    before = sqlite3_contents(_copy(path, str(tmp_path / "before.db")))[0]
    pager = con._db.pager
    for _ in range(2):
        con.execute("UPDATE t SET b = upper(b), a = -a")
        con.execute("DELETE FROM t WHERE id % 3 = 0")
        con.executemany("INSERT INTO t(a, b) VALUES (?, ?)",
                        [(i, "r" * 200) for i in range(4_000)])
        assert pager.spilled
        con.rollback()
        assert not pager.spilled
        assert con.execute("SELECT count(*), sum(a < 0) FROM t").fetchone() == (3000, 0)
    # The abandoned frames are overwritten by the next transaction.
    con.execute("INSERT INTO t(a, b) VALUES (1, 'after')")
    con.commit()
    con.execute("DELETE FROM t WHERE b = 'after'")
    con.commit()
    con.close()
    after = sqlite3_contents(path)[0]
    assert after == before
    assert after["integrity"] == ["ok"]


def respill(con, rng):
    """Small changes at random keys, again and again in one transaction,
    with a savepoint rolled back midway: pages are spilled, evicted, read
    back from their own frames, changed a little and spilled again."""
    con.execute("SAVEPOINT s")
    for rnd in range(6):
        for _ in range(400):
            con.execute("UPDATE t SET a = a + 1, b = substr(b, 1, 9) || ? WHERE id = ?",
                        ("%05d" % rng.randrange(10**5), rng.randrange(1, 3_001)))
        if rnd == 2:
            con.execute("ROLLBACK TO s")
    con.execute("RELEASE s")


def test_pages_respilled_from_their_own_frames_have_exact_checksums(tmp_path):
    """A page read back from its spilled frame keeps that frame's image as
    the base of its next frame checksum (pager.bases): every frame must
    still validate, so that recovery from the -wal alone (the copies below
    have no -shm) keeps the whole transaction, as sqlite3 reads it."""
    mine, ref = str(tmp_path / "m.db"), str(tmp_path / "s.db")
    con = load(minisql, mine, 3_000)
    con.commit()
    con.execute("PRAGMA wal_autocheckpoint=0")     # keep every frame in the -wal
    pager = con._db.pager
    wal = pager.wal
    from_base = [0]
    expansion = wal._expansion

    def counted(summer, pgno, data, base):
        if base is not None and wal._spill_sums.get(pgno, (0,))[0] == base[0]:
            from_base[0] += 1
        return expansion(summer, pgno, data, base)
    wal._expansion = counted
    respill(con, random.Random(7))
    con.commit()
    assert from_base[0] > 100, from_base            # the path under test ran
    assert not pager.bases and not wal._spill_sums
    copy = _copy(mine, str(tmp_path / "copy.db"))
    con.close()

    s = load(sqlite3, ref, 3_000)
    s.commit()
    respill(s, random.Random(7))
    s.commit()
    s.close()
    got, want = sqlite3_contents(copy, ref)
    assert got["integrity"] == ["ok"]
    assert got["tables"] == want["tables"]


def _gen(n, select):
    return select + f" FROM nums WHERE value <= {n}"


def _pad(length, ch):
    return f"substr(replace(hex(zeroblob(200)), '0', '{ch}'), 1, {length})"


SAVEPOINT_SCRIPT = [
    "PRAGMA cache_size=-200",
    "CREATE TABLE nums(value INTEGER PRIMARY KEY)",
    "INSERT INTO nums(value) SELECT NULL",
] + ["INSERT INTO nums(value) SELECT NULL FROM nums"] * 12 + [     # 4096 numbers
    "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)",
    "CREATE INDEX t_a ON t(a)",
    "INSERT INTO t(a, b) " + _gen(3000, "SELECT (value * 7919) % 10007, "
                                  + _pad("100 + value % 300", "o")),
    "COMMIT",
    "BEGIN",
    "UPDATE t SET b = b || 'first' WHERE id % 2 = 0",
    "INSERT INTO t(a, b) " + _gen(2000, f"SELECT value, {_pad(300, 'p')}"),
    "SAVEPOINT s1",
    "UPDATE t SET b = b || 'second', a = a + 1",
    "DELETE FROM t WHERE id % 5 = 0",
    "SAVEPOINT s2",
    "INSERT INTO t(a, b) " + _gen(3000, f"SELECT value, {_pad(250, 'q')}"),
    "ROLLBACK TO s2",
    "INSERT INTO t(a, b) VALUES (-1, 'kept')",
    "ROLLBACK TO s1",
    "UPDATE t SET b = 'third' WHERE id % 7 = 0",
    "SAVEPOINT s3",
    "DELETE FROM t WHERE id > 4000",
    "RELEASE s3",
    "COMMIT",
]


def run_script(module, path):
    con = module.connect(path, isolation_level=None)
    if module is sqlite3:
        con.execute("PRAGMA journal_mode=wal")
    con.execute("BEGIN")
    for sql in SAVEPOINT_SCRIPT:
        if module is minisql and sql.startswith("ROLLBACK TO"):
            assert con._db.pager.spilled        # the case under test
        con.execute(sql)
    return con


def test_rollback_to_savepoints_after_spilling_matches_sqlite3(tmp_path):
    mine, ref = str(tmp_path / "m.db"), str(tmp_path / "s.db")
    con = run_script(minisql, mine)
    con.close()
    run_script(sqlite3, ref).close()
    got, want = sqlite3_contents(mine, ref)
    assert got["integrity"] == ["ok"]
    assert got["tables"] == want["tables"]


# -- the pager against a model ------------------------------------------------

def new_db(path):
    p = Pager(path)
    p.begin_write()
    p.append().data[:] = empty_page1(p.page_size, p.reserved)
    p.commit()
    p.end_read()
    return p


class Model:
    """Random page-level work through a Pager with a 10-page cache, checked
    against dicts: savepoints, rollbacks, truncates, pinned pages, and a
    reader that must keep seeing the last committed state."""

    def __init__(self, pager, rng):
        self.p, self.rng = pager, rng
        self.committed = {}             # pgno -> first 16 bytes (pages >= 2)
        self.pins = []

    def content(self, pgno):
        return bytes(self.p.get(pgno).data[:16])

    def txn(self):
        p, rng = self.p, self.rng
        p.begin_write()
        state = dict(self.committed)
        marks = []                       # (depth, state copy)
        for _ in range(rng.randrange(20, 200)):
            r = rng.random()
            n = p.page_count
            if r < 0.35 and n >= 2:
                pgno = rng.randrange(2, n + 1)
                page = p.get(pgno)
                p.write(page)
                v = rng.randbytes(16)
                page.data[:16] = v
                state[pgno] = v
            elif r < 0.6:
                page = p.append()
                v = rng.randbytes(16)
                page.data[:16] = v
                state[page.pgno] = v
            elif r < 0.65 and n > 2:
                keep = rng.randrange(2, n)
                p.truncate(keep)
                state = {k: v for k, v in state.items() if k <= keep}
            elif r < 0.72:
                marks.append((p.savepoint(), dict(state)))
            elif r < 0.78 and marks:
                i = rng.randrange(len(marks))
                depth, st = marks[i]
                del marks[i + 1:]
                p.rollback_to(depth)
                state = dict(st)
            elif r < 0.82 and marks:
                i = rng.randrange(len(marks))
                p.release(marks[i][0])
                del marks[i:]
            elif r < 0.86 and n >= 2:
                self.pins.append(p.get(rng.randrange(2, n + 1)))
                if len(self.pins) > 3:
                    self.pins.pop(0)
            elif n >= 2:
                pgno = rng.randrange(2, n + 1)
                assert self.content(pgno) == state.get(pgno, bytes(16)), pgno
        for pgno in range(2, p.page_count + 1):
            assert self.content(pgno) == state.get(pgno, bytes(16)), pgno
        if rng.random() < 0.3:
            p.rollback()
        else:
            p.commit()
            self.committed = state
        self.pins.clear()
        p.end_read()

    def check(self, reader):
        reader.begin_read()
        try:
            for pgno in range(2, reader.page_count + 1):
                assert bytes(reader.get(pgno).data[:16]) == \
                    self.committed.get(pgno, bytes(16)), pgno
        finally:
            reader.end_read()


@pytest.mark.parametrize("seed", range(4))
def test_pager_model_with_a_tiny_cache(tmp_path, seed):
    path = str(tmp_path / "model.db")
    p = new_db(path)
    p.set_cache_size(10)
    reader = Pager(path)
    m = Model(p, rng_for(seed))
    for _ in range(25):
        m.txn()
        m.check(reader)
        assert len(p.cache) <= 10 + 16
    p.close()
    reader.close()
    again = Pager(path)
    m.check(again)
    again.close()


def test_reader_inside_its_snapshot_during_spill(tmp_path):
    path = str(tmp_path / "snap.db")
    p = new_db(path)
    p.set_cache_size(10)
    m = Model(p, rng_for(9))
    m.txn()
    reader = Pager(path)
    reader.begin_read()
    snap = {pgno: bytes(reader.get(pgno).data[:16]) for pgno in range(2, reader.page_count + 1)}
    p.begin_write()
    for _ in range(200):
        p.append().data[:16] = b"z" * 16
    assert p.spilled
    for pgno in range(2, reader.page_count + 1):
        reader.cache.pop(pgno, None)        # force reads through the WAL
        assert bytes(reader.get(pgno).data[:16]) == snap[pgno]
    p.commit()
    p.end_read()
    reader.end_read()
    reader.close()
    p.close()


def test_a_transaction_that_only_truncates_commits(tmp_path):
    """Found by the model torture: a truncate whose savepoint restored
    nothing dirty still changes the page count, which must commit."""
    path = str(tmp_path / "tr.db")
    p = new_db(path)
    p.begin_write()
    for _ in range(30):
        p.append().data[:4] = b"full"
    p.commit()
    p.end_read()
    p.set_cache_size(10)
    p.cache.clear()
    p.begin_write()
    p.truncate(5)
    depth = p.savepoint()
    p.truncate(4)
    p.rollback_to(depth)
    p.commit()
    p.end_read()
    reader = Pager(path)
    reader.begin_read()
    assert reader.page_count == 5
    assert bytes(reader.get(5).data[:4]) == b"full"
    reader.end_read()
    reader.close()
    p.close()


# -- crashes in the middle of a spilled transaction ---------------------------

def test_sigkill_while_spilling_leaves_the_last_commit(tmp_path):
    path = str(tmp_path / "k.db")
    con = load(minisql, path, 1_000)
    con.commit()
    con.close()
    want = sqlite3_contents(_copy(path, str(tmp_path / "want.db")))[0]
    for round_ in range(3):
        wal_size = os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0
        pid = os.fork()
        if pid == 0:
            try:
                c = minisql.connect(path)
                c.execute(f"PRAGMA cache_size={CACHE}")
                c.execute("UPDATE t SET b = 'doomed'")
                while True:
                    c.executemany("INSERT INTO t(a, b) VALUES (?, ?)",
                                  [(i, "k" * 300) for i in range(500)])
            finally:
                os._exit(1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(path + "-wal") and \
                    os.path.getsize(path + "-wal") > wal_size + 2_000_000:
                break
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert os.path.getsize(path + "-wal") > wal_size + 2_000_000, "child did not spill"
        got = sqlite3_contents(path)[0]           # recovery from the -wal alone
        assert got == want
        c = minisql.connect(path)                 # and minisql, first opener
        assert c.execute("SELECT count(*), sum(b = 'doomed') FROM t").fetchone() == (1000, 0)
        c.close()


@pytest.mark.parametrize("sync", [SYNC_FULL, SYNC_NORMAL])
def test_power_loss_during_a_spilled_transaction(tmp_path, sync):
    """Transactions of 100 appended pages through a 10-page cache (each one
    spills); the power fails at a random write/sync.  What the disk holds
    is the base plus a whole number of those transactions: under FULL the
    last acknowledged one or the one in flight."""
    rng = rng_for(40 + sync)
    base = str(tmp_path / "base.db")
    p = new_db(base)
    m = Model(p, rng_for(1))
    for _ in range(3):
        m.txn()
    n0 = p.page_count
    p.close()
    for i in range(12):
        d = tmp_path / str(i)
        d.mkdir()
        path = str(d / "db")
        shutil.copy(base, path)
        if os.path.exists(base + "-wal"):
            shutil.copy(base + "-wal", path + "-wal")
        vfs = FaultVFS()
        q = Pager(path, vfs=vfs, synchronous=sync)
        q.set_cache_size(10)
        vfs.power_off_after(rng.randint(1, 80))
        acked = 0
        try:
            for _ in range(3):
                q.begin_write()
                for _ in range(100):
                    pg = q.append()
                    pg.data[:16] = pg.pgno.to_bytes(16, "big")
                q.commit()
                q.end_read()
                acked += 1
        except PowerLoss:
            pass
        vfs.abandon()
        img = d / "image"
        img.mkdir()
        vfs.crash_image(str(img), rng)
        r = Pager(str(img / "db"))
        r.begin_read()
        n = r.page_count
        seen = {pg: bytes(r.get(pg).data[:16]) for pg in range(2, n + 1)}
        r.end_read()
        r.close()
        j, rest = divmod(n - n0, 100)
        assert rest == 0 and 0 <= j <= acked + 1, (n, n0, acked)
        if sync >= SYNC_FULL:
            assert j >= acked
        want = {pg: m.committed.get(pg, bytes(16)) for pg in range(2, n0 + 1)}
        want.update({pg: pg.to_bytes(16, "big") for pg in range(n0 + 1, n + 1)})
        assert seen == want


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 140))
def test_pager_model_torture(tmp_path, seed):
    path = str(tmp_path / "model.db")
    p = new_db(path)
    p.set_cache_size(10 + seed % 7)
    reader = Pager(path)
    m = Model(p, rng_for(seed))
    for _ in range(100):
        m.txn()
        m.check(reader)
    p.close()
    reader.close()
