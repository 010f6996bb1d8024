"""The WAL writer's per-commit shortcuts: the unrolled wal-index header
checksum, batched wal-index appends, index entries (and the writer's own
page -> frames map) written before the commit's sync, and the
packed-weight page checksum.  Each must leave exactly what the plain
algorithm (SQLite's) leaves."""

import random
import sqlite3
import struct
import sys

import pytest
from hypothesis import given, settings, strategies as st

from faultvfs import BankDb, FaultVFS, rng_for, sqlite_bank_state
import minisql
from minisql import errors
from minisql.storage import wal as W
from minisql.storage import walindex as WI
from minisql.storage.pager import Pager
from minisql.storage.vfs import DEFAULT_VFS
from test_wal import make_sqlite_wal
from test_wal_hints import sequential_hash


NATIVE_BIG = sys.byteorder == "big"     # the wal-index sums native words


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=40, max_size=40))
def test_header_checksum_equals_reference_loop(body):
    assert WI.header_checksum(body) == WI.wal_checksum(body, big_endian=NATIVE_BIG)


def test_header_checksum_of_extreme_words():
    for body in (bytes(40), b"\xff" * 40, b"\x00\x00\x00\x80" * 10):
        assert WI.header_checksum(body) == WI.wal_checksum(body, big_endian=NATIVE_BIG)


def test_replace_equals_build():
    h = WI.IndexHeader.build(change=7, big_end=0, page_size=65536, mx_frame=12,
                             n_page=40, frame_cksum=(1, 2**32 - 1), salt=b"saltsalt")
    fields = dict(change=7, big_end=0, page_size=65536, mx_frame=12, n_page=40,
                  frame_cksum=(1, 2**32 - 1), salt=b"saltsalt")
    for changes in ({}, {"mx_frame": 0}, {"change": 8, "frame_cksum": (3, 4)},
                    {"big_end": 1, "page_size": 512}, {"salt": b"\0" * 8, "n_page": 1}):
        want = WI.IndexHeader.build(**{**fields, **changes})
        assert h.replace(**changes).raw == want.raw
    assert WI.IndexHeader.decode(h.raw).cksum == WI.wal_checksum(h.raw[:40], big_endian=NATIVE_BIG)


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_checksums_match_what_sqlite3_writes(tmp_path, page_size):
    # sqlite3's frames chain exactly as page_checksum computes them, and its
    # wal-index header carries exactly header_checksum of its first 40 bytes.
    snap = make_sqlite_wal(tmp_path, page_size, commits=25 if page_size < 65536 else 6)
    wal = (snap / "db-wal").read_bytes()
    s = W.WAL_HDR.unpack(wal[:32])[-2:]
    fsz = page_size + 24
    n = (len(wal) - 32) // fsz
    assert n >= 6
    for i in range(n):
        off = 32 + i * fsz
        pgno, commit, _, k0, k1 = W.FRAME_HDR.unpack(wal[off:off + 24])
        s = W._frame_header_sum(pgno, commit, *s, False)
        s = W.page_checksum(wal[off + 24:off + fsz], *s, False)
        assert s == (k0, k1), f"frame {i + 1}"
    shm = (snap / "db-shm").read_bytes()
    for copy in (shm[:48], shm[48:96]):
        assert WI.header_checksum(copy[:40]) == struct.unpack("=2I", copy[40:48])
    assert WI.IndexHeader.decode(shm[:48]).frame_cksum == s


def _index(tmp_path):
    idx = WI.WalIndex(DEFAULT_VFS, str(tmp_path / "x-shm"))
    idx.write_header(WI.IndexHeader.build(change=0, big_end=0, page_size=4096, mx_frame=0,
                                          n_page=1, frame_cksum=(0, 0), salt=b"abcdefgh"))
    return idx


def _snapshot(idx, nblocks):
    return [(bytes(idx.block(k)[0][:WI.HASH_U16 * 2]), idx.block(k)[2][WI.HASH_U16:].tolist())
            for k in range(nblocks)]


def test_batched_append_equals_one_frame_at_a_time(tmp_path):
    # Batches crossing the block-0 boundary, pages repeating (long probe
    # chains), and a batch after stale entries a dead writer left past
    # mxFrame: the same aPgno and aHash as single appends.
    rng = random.Random(5)
    pgnos = [rng.choice([2, 3, 5, 383, 8192 + 2, rng.randint(1, 10**6)]) for _ in range(5000)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, many = _index(tmp_path / "a"), _index(tmp_path / "b")
    for f, p in enumerate(pgnos, 1):
        one.append_frames(f, (p,), f - 1)
    pos = 0
    while pos < len(pgnos):
        n = rng.randint(1, 300)
        many.append_frames(pos + 1, pgnos[pos:pos + n], pos)
        pos += n
    assert _snapshot(one, 2) == _snapshot(many, 2)
    assert one.block(0)[2][WI.HASH_U16:].tolist() == sequential_hash(pgnos[:WI.NPAGE_ONE])
    # Stale entries past mxFrame = 4000 (a crashed writer), then a batch
    # from 4001: dropped first, as walIndexAppend does.
    for idx in (one, many):
        idx.append_frames(4001, [7] * 60, 4000)
        idx.append_frames(4001, [9, 9, 11], 4000)
    assert _snapshot(one, 2) == _snapshot(many, 2)
    assert one.page_numbers(3999, 4003) == pgnos[3998:4000] + [9, 9, 11]
    assert many.block(0)[1][34 + 4003:34 + 4062].tolist() == [0] * 59
    one.close(True)
    many.close(True)


def failed_sync_commit(bank, pager, vfs, rng):
    """A transfer whose commit fails at its sync (a disk I/O error)."""
    vfs.fail(lambda op, path: errors.ioerr() if op == "sync" else None)
    with pytest.raises(errors.OperationalError, match="disk I/O error"):
        bank.transfer(pager, rng)
    vfs.fail(None)


def test_failed_commit_sync_leaves_no_index_entries_past_mx_frame(tmp_path):
    # Index entries are written before the commit's sync; when the sync
    # fails they must go with the transaction, and the hash stays what
    # sequential insertion of the committed frames gives.
    bank = BankDb(str(tmp_path / "b.db"))
    vfs = FaultVFS()
    p = Pager(bank.path, vfs=vfs, wal_autocheckpoint=0)
    rng = rng_for(9)
    for _ in range(3):
        bank.transfer(p, rng)
    failed_sync_commit(bank, p, vfs, rng)
    idx = p.wal.index
    mx = idx.try_header().mx_frame
    _, u32, u16 = idx.block(0)
    assert u32[34 + mx:34 + mx + 10].tolist() == [0] * 10
    assert u16[WI.HASH_U16:WI.HASH_U16 + WI.NSLOT].tolist() == sequential_hash(idx.page_numbers(1, mx))
    assert bank.transfer(p, rng) == 4
    p.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 4)


def test_many_small_commits_are_what_sqlite3_reads(tmp_path):
    # The per-commit path end to end: one-row commits under FULL; sqlite3
    # reads a copy of the database and -wal without -shm, so it validates
    # every frame's checksum (recovery) before it answers.
    path = str(tmp_path / "m.db")
    con = minisql.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE log(id INTEGER PRIMARY KEY, at INTEGER, what TEXT)")
    con.commit()
    for i in range(300):
        con.execute("INSERT INTO log(at, what) VALUES (?, ?)", (i, f"event {i}"))
        con.commit()
        if i % 50 == 0:
            con.execute("UPDATE log SET what = what || '!' WHERE id = ?", (i // 2 + 1,))
            con.commit()
    want = con.execute("SELECT count(*), sum(at), group_concat(what) FROM log").fetchall()
    copy = tmp_path / "copy"
    copy.mkdir()
    for ext in ("", "-wal"):
        with open(path + ext, "rb") as src, open(str(copy / "c.db") + ext, "wb") as dst:
            dst.write(src.read())
    con.close()
    s = sqlite3.connect(f"file:{copy / 'c.db'}?mode=ro", uri=True)
    assert s.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert [tuple(r) for r in want] == s.execute(
        "SELECT count(*), sum(at), group_concat(what) FROM log").fetchall()
    s.close()


def test_reader_keeps_its_untouched_pages_when_most_of_its_cache_changed(tmp_path):
    # A reader of a tiny table caches page 1 and the table's one leaf; a
    # commit changes the leaf only.  Page 1 stays cached (the same object),
    # the leaf is re-read, and the reader sees exactly the writer's state.
    bank = BankDb(str(tmp_path / "b.db"), accounts=4)
    w = Pager(bank.path, wal_autocheckpoint=0)
    r = Pager(bank.path)
    rng = rng_for(3)
    bank.transfer(w, rng)
    assert bank.state(r) == bank.state(w)
    before = dict(r.cache)
    assert set(before) == {1, 2}
    mx = w.wal.hdr.mx_frame
    bank.transfer(w, rng)
    assert set(w.wal.index.page_numbers(mx + 1, w.wal.hdr.mx_frame)) == {2}
    assert bank.state(r) == bank.state(w)
    assert r.cache[1] is before[1] and r.cache[2] is not before[2]
    w.close()
    r.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 2)


def test_failed_commit_sync_then_another_writer_reuses_its_frame_numbers(tmp_path):
    # A commit maps its frames (page -> frames) before its sync; when the
    # sync fails, the map must forget them: another writer then commits
    # other pages at those frame numbers, and the first connection must
    # read that writer's pages, not its own abandoned ones.
    bank = BankDb(str(tmp_path / "b.db"))
    vfs = FaultVFS()
    a = Pager(bank.path, vfs=vfs, wal_autocheckpoint=0)
    b = Pager(bank.path, wal_autocheckpoint=0)
    rng = rng_for(11)
    for _ in range(3):
        bank.transfer(a, rng)
    failed_sync_commit(bank, a, vfs, rng)
    for _ in range(2):      # (about as many frames as the failed commit's)
        counter = bank.transfer(b, rng)
    assert counter == 5
    fresh = Pager(bank.path, wal_autocheckpoint=0)
    a.begin_read()
    fresh.begin_read()
    assert a.page_count == fresh.page_count
    assert [a.wal.find_frame(n) for n in range(1, a.page_count + 1)] == \
        [fresh.wal.find_frame(n) for n in range(1, a.page_count + 1)]
    a.end_read()
    fresh.close()
    assert bank.state(a) == (bank.total, 5)
    assert bank.transfer(a, rng) == 6
    a.close()
    b.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 6)
