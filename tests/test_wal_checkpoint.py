"""Checkpoints against sqlite3: the same situation is built twice, once with
sqlite3 connections (child processes) as reader and checkpointer and once
with minisql Pagers in those roles; the frames are written by a sqlite3
child in both, so frame numbers agree, and PRAGMA wal_checkpoint's
(busy, log, checkpointed) must be the same for every mode.
"""
import fcntl
import os
import struct

import pytest

from faultvfs import SqliteProc, sqlite_in_child
from minisql.storage import walindex as WI
from minisql.storage.pager import Pager

SETUP = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=wal")
con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
con.execute("INSERT INTO t VALUES(1, 'x')")
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(1)
"""

MODES = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"]
TIMEOUT = 0.1


class Engine:
    """Reader and checkpointer roles for one engine."""

    def __init__(self, kind, path):
        self.kind, self.path = kind, str(path)
        self.readers = []

    def pin_reader(self):
        if self.kind == "sqlite":
            r = SqliteProc(self.path)
            r.sql("BEGIN")
            r.sql("SELECT count(*) FROM t")
        else:
            r = Pager(self.path)
            r.begin_read()
            r.get(2)
        self.readers.append(r)

    def release_readers(self):
        for r in self.readers:
            if self.kind == "sqlite":
                r.sql("COMMIT")
                r.close()
            else:
                r.end_read()
                r.close()
        self.readers = []

    def checkpoint(self, mode):
        if self.kind == "sqlite":
            with SqliteProc(self.path, timeout=TIMEOUT) as c:
                c.sql("PRAGMA wal_autocheckpoint=0")
                return tuple(c.sql(f"PRAGMA wal_checkpoint({mode})")[0])
        p = Pager(self.path, busy_timeout=TIMEOUT, wal_autocheckpoint=0)
        try:
            return p.checkpoint(mode)
        finally:
            # Not the last connection (the writer child stays open), so
            # closing does not checkpoint.
            p.close()


def shm_state(path):
    shm = open(str(path) + "-shm", "rb").read(WI.HDR_SIZE)
    nbackfill, *marks = struct.unpack_from("=6I", shm, 96)
    return nbackfill, marks


def run(kind, tmp_path, script):
    d = tmp_path / kind
    d.mkdir()
    path = d / "db"
    sqlite_in_child(SETUP, path)
    writer = SqliteProc(str(path))
    writer.sql("PRAGMA wal_autocheckpoint=0")
    eng = Engine(kind, path)
    out = []
    n = [1]

    def commit(k=1):
        for _ in range(k):
            n[0] += 1
            writer.sql("INSERT INTO t VALUES(?, ?)", (n[0], "y" * 300))
    try:
        script(eng, writer, commit, out, path)
    finally:
        eng.release_readers()
        writer.close()
    return out


def all_modes(eng, out, path):
    for mode in MODES:
        out.append((mode, eng.checkpoint(mode), shm_state(path)[0]))


def s_idle(eng, writer, commit, out, path):
    commit(5)
    all_modes(eng, out, path)
    commit(2)                       # the next writer restarts the log
    out.append(("after-restart", eng.checkpoint("PASSIVE")))


def s_reader_pinned(eng, writer, commit, out, path):
    commit(3)
    eng.pin_reader()
    commit(3)
    all_modes(eng, out, path)
    eng.release_readers()
    out.append(("released", eng.checkpoint("TRUNCATE"), os.path.getsize(str(path) + "-wal")))


def s_reader_current(eng, writer, commit, out, path):
    commit(4)
    eng.pin_reader()                 # reads the newest snapshot
    all_modes(eng, out, path)
    eng.release_readers()
    out.append(("released", eng.checkpoint("RESTART")))


def s_two_readers(eng, writer, commit, out, path):
    commit(2)
    eng.pin_reader()
    commit(2)
    eng.pin_reader()
    commit(2)
    all_modes(eng, out, path)


def s_writer_active(eng, writer, commit, out, path):
    commit(3)
    writer.sql("BEGIN IMMEDIATE")    # holds the WAL write lock
    all_modes(eng, out, path)
    writer.sql("COMMIT")


def s_checkpoint_lock_held(eng, writer, commit, out, path):
    commit(3)
    # Another connection is checkpointing: it holds CKPT (shm byte 121).
    fd = os.open(str(path) + "-shm", os.O_RDWR)
    try:
        fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0,
                                         WI.LOCK_BASE + WI.CKPT, 1, 0))
        all_modes(eng, out, path)
    finally:
        os.close(fd)
    out.append(("free", eng.checkpoint("PASSIVE")))


@pytest.mark.parametrize("script", [s_idle, s_reader_pinned, s_reader_current,
                                    s_two_readers, s_writer_active,
                                    s_checkpoint_lock_held],
                         ids=lambda f: f.__name__[2:])
def test_checkpoint_results_match_sqlite3(tmp_path, script):
    theirs = run("sqlite", tmp_path, script)
    ours = run("minisql", tmp_path, script)
    assert ours == theirs
