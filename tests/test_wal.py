"""The -wal and -shm formats against sqlite3: checksums, parsing WALs that
sqlite3 wrote, the wal-index we build, recovery of damaged logs, restarts.

sqlite3 runs in child processes whenever a live connection is involved
(formats doc 4.3); files are compared byte for byte where SQLite's result
is deterministic.
"""
import os
import random
import shutil
import struct

import pytest
from hypothesis import given, settings, strategies as st

from faultvfs import sqlite_in_child
from minisql import errors
from minisql.storage import wal as W
from minisql.storage import walindex as WI
from minisql.storage.pager import Pager

# -- helpers -----------------------------------------------------------------

MAKE_WAL = r"""
import json, os, random, shutil, sqlite3, sys
path, ps, ncommits, snap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
con = sqlite3.connect(path, isolation_level=None)
con.execute("PRAGMA synchronous=OFF")     # fsyncs do not change the files
con.execute(f"PRAGMA page_size={ps}")
con.execute("PRAGMA journal_mode=wal")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
con.execute("CREATE INDEX ib ON t(b)")
r = random.Random(ps + ncommits)
for i in range(ncommits):
    con.execute("BEGIN")
    for j in range(r.randint(1, 12)):
        con.execute("INSERT OR REPLACE INTO t VALUES(?, ?)",
                    (r.randint(1, 400), "%x" % r.getrandbits(8 * r.randint(1, 120))))
    if r.random() < 0.2:
        con.execute("DELETE FROM t WHERE a % 7 = ?", (r.randint(0, 6),))
    con.execute("COMMIT")
# The connection is idle: db, -wal and -shm are mutually consistent.
for ext in ("", "-wal", "-shm"):
    shutil.copy(path + ext, os.path.join(snap, "db" + ext))
print(json.dumps(con.execute("SELECT count(*) FROM t").fetchone()[0]))
"""

CHECKPOINTED_IMAGE = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
try:
    n = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(json.dumps({"pages": n, "ok": con.execute("PRAGMA integrity_check").fetchall()}))
except sqlite3.Error as e:
    print(json.dumps({"error": str(e)}))
"""


def make_sqlite_wal(tmp_path, page_size=1024, commits=30):
    """A database + WAL (+ -shm) written by sqlite3, copied while open."""
    work = tmp_path / "work"
    snap = tmp_path / "snap"
    work.mkdir()
    snap.mkdir()
    sqlite_in_child(MAKE_WAL, work / "a.db", page_size, commits, snap)
    return snap


def copy_db(src_dir, dst_dir, with_shm=False):
    dst_dir.mkdir(exist_ok=True)
    for ext in ("", "-wal") + (("-shm",) if with_shm else ()):
        if (src_dir / ("db" + ext)).exists():
            shutil.copy(src_dir / ("db" + ext), dst_dir / ("db" + ext))
    return dst_dir / "db"


def sqlite_view(path):
    """Page images of the database as sqlite3 sees it (after it checkpoints
    a private copy), or its error message."""
    res = sqlite_in_child(CHECKPOINTED_IMAGE, path)
    if "error" in res:
        return res["error"]
    data = path.read_bytes()
    ps = int.from_bytes(data[16:18], "big")
    ps = 65536 if ps == 1 else ps
    assert res["ok"] == [["ok"]]
    return [data[i * ps:(i + 1) * ps] for i in range(res["pages"])]


def minisql_view(path):
    try:
        p = Pager(str(path), readonly=True)
    except errors.Error as e:
        return str(e)
    try:
        p.begin_read()
        pages = [bytes(p.get(i).data) for i in range(1, p.page_count + 1)]
        p.end_read()
        return pages
    except errors.Error as e:
        return str(e)
    finally:
        p.close()


def rewrite_wal(path, fn):
    data = bytearray(path.read_bytes())
    fn(data)
    path.write_bytes(bytes(data))


def frame_offset(n, ps):
    return 32 + (n - 1) * (ps + 24)


def free_byte(page, pgno):
    """Offset of a byte in the unallocated gap of a b-tree page (between the
    cell pointers and the cell content), which integrity_check ignores."""
    h = 100 if pgno == 1 else 0
    if page[h] not in (2, 5, 10, 13):
        return None
    ncell = int.from_bytes(page[h + 3:h + 5], "big")
    start = int.from_bytes(page[h + 5:h + 7], "big") or 65536
    end = h + (12 if page[h] in (2, 5) else 8) + 2 * ncell
    return end if end < start else None


def wal_frames(path):
    """[(pgno, commit)] of the frames physically present."""
    data = path.read_bytes()
    ps = struct.unpack(">I", data[8:12])[0]
    out = []
    off = 32
    while off + ps + 24 <= len(data):
        out.append(struct.unpack(">II", data[off:off + 8]))
        off += ps + 24
    return out


# -- checksums ---------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.sampled_from([512, 1024, 2048, 4096, 8192, 65536]), st.booleans(),
       st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**64),
       st.sampled_from([0x00, 0xFF, None]),
       st.lists(st.tuples(st.integers(0, 65535), st.integers(0, 255)), max_size=8))
def test_page_checksum_equals_reference_loop(page_size, big, s0, s1, seed, fill, pokes):
    # Random pages, or constant pages with a few bytes changed: each word
    # position, with extreme neighbours, must weigh exactly as in the loop.
    if fill is None:
        data = bytearray(random.Random(seed).randbytes(page_size))
    else:
        data = bytearray([fill]) * page_size
    for off, v in pokes:
        data[off % page_size] = v
    data = bytes(data)
    assert W.page_checksum(data, s0, s1, big) == WI.wal_checksum(data, s0, s1, big)


@pytest.mark.parametrize("fill", [0x00, 0xFF])
def test_page_checksum_extreme_words(fill):
    # All-ones words with all-ones initial sums drive every lane to its
    # largest intermediate value.
    data = bytes([fill]) * 4096
    m = 0xFFFFFFFF
    for big in (False, True):
        assert W.page_checksum(data, m, m, big) == WI.wal_checksum(data, m, m, big)


# -- reading what sqlite3 wrote ---------------------------------------------

@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_sqlite_wal_frames_validate_and_match_its_shm(tmp_path, page_size):
    snap = make_sqlite_wal(tmp_path, page_size, commits=25 if page_size < 65536 else 6)
    wal = (snap / "db-wal").read_bytes()
    magic, version, ps, seq, salt, c0, c1 = W.WAL_HDR.unpack(wal[:32])
    assert (magic, version, ps) == (W.WAL_MAGIC, W.WAL_VERSION, page_size)
    assert WI.wal_checksum(wal[:24]) == (c0, c1)
    # Every frame's stored checksum equals our chained computation.
    s = (c0, c1)
    fsz = ps + 24
    nframes = (len(wal) - 32) // fsz
    for n in range(1, nframes + 1):
        off = frame_offset(n, ps)
        pgno, commit, fsalt, k0, k1 = W.FRAME_HDR.unpack(wal[off:off + 24])
        assert fsalt == salt
        s = W.frame_checksum(pgno, commit, wal[off + 24:off + fsz], *s, False)
        assert s == (k0, k1), f"frame {n}"
    # sqlite3's own wal-index header describes the same last commit.
    shm = (snap / "db-shm").read_bytes()
    h = WI.IndexHeader.decode(shm[:48])
    assert (h.mx_frame, h.frame_cksum, h.salt, h.page_size) == (nframes, s, salt, page_size)


@pytest.mark.parametrize("page_size", [512, 1024, 65536])
def test_every_page_read_through_pager_equals_sqlite3_view(tmp_path, page_size):
    snap = make_sqlite_wal(tmp_path, page_size, commits=30 if page_size < 65536 else 5)
    ours = minisql_view(copy_db(snap, tmp_path / "m"))
    theirs = sqlite_view(copy_db(snap, tmp_path / "s"))
    assert isinstance(ours, list) and len(ours) >= 3
    assert ours == theirs


def test_recovered_shm_equals_sqlite3_shm(tmp_path):
    """Our recovery rebuilds the wal-index exactly as sqlite3 maintained it:
    header fields, aPgno and every hash slot (5000 frames span 2 blocks)."""
    work = tmp_path / "w"
    work.mkdir()
    code = r"""
import json, os, shutil, sqlite3, sys
path, snap = sys.argv[1], sys.argv[2]
con = sqlite3.connect(path, isolation_level=None)
con.execute("PRAGMA synchronous=OFF")
con.execute("PRAGMA page_size=512"); con.execute("PRAGMA journal_mode=wal")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
for i in range(1700):
    con.execute("INSERT INTO t VALUES(?, ?)", (i * 7919 % 1700, os.urandom(40)))
for ext in ("", "-wal", "-shm"):
    shutil.copy(path + ext, os.path.join(snap, "db" + ext))
print(1)
"""
    sqlite_in_child(code, work / "a.db", tmp_path)
    theirs = (tmp_path / "db-shm").read_bytes()
    os.unlink(tmp_path / "db-shm")
    p = Pager(str(tmp_path / "db"))
    p.begin_read()          # first opener: recovery builds a fresh -shm
    frames = p.wal.hdr.mx_frame
    p.end_read()
    ours = (tmp_path / "db-shm").read_bytes()
    assert frames > 4062     # more than one hash block
    mine, other = WI.IndexHeader.decode(ours[:48]), WI.IndexHeader.decode(theirs[:48])
    for field in ("mx_frame", "n_page", "frame_cksum", "salt", "page_size", "big_end"):
        assert getattr(mine, field) == getattr(other, field), field
    nblocks = WI.block_of(frames) + 1
    assert len(ours) >= nblocks * WI.BLOCK
    assert ours[WI.HDR_SIZE:nblocks * WI.BLOCK] == theirs[WI.HDR_SIZE:nblocks * WI.BLOCK]
    p.close()


def test_big_endian_wal_is_read_and_appended_in_its_byte_order(tmp_path):
    snap = make_sqlite_wal(tmp_path, 1024, commits=10)

    def to_big_endian(data):
        ps = struct.unpack(">I", data[8:12])[0]
        struct.pack_into(">I", data, 0, W.WAL_MAGIC | 1)
        s = WI.wal_checksum(bytes(data[:24]), big_endian=True)
        struct.pack_into(">II", data, 24, *s)
        off = 32
        while off + ps + 24 <= len(data):
            s = WI.wal_checksum(bytes(data[off:off + 8]), *s, big_endian=True)
            s = WI.wal_checksum(bytes(data[off + 24:off + 24 + ps]), *s, big_endian=True)
            struct.pack_into(">II", data, off + 16, *s)
            off += ps + 24
    mine = copy_db(snap, tmp_path / "m")
    rewrite_wal(mine.parent / "db-wal", to_big_endian)
    theirs = sqlite_view(copy_db(snap, tmp_path / "s"))
    assert minisql_view(mine) == theirs
    # Append a transaction: it must continue the big-endian chain.
    p = Pager(str(mine), wal_autocheckpoint=0)
    p.begin_write()
    pg = p.get(2)
    p.write(pg)
    p.commit()
    p.end_read()
    assert p.wal.hdr.big_end == 1
    n = p.wal.hdr.mx_frame
    shutil.copy(mine.parent / "db-wal", tmp_path / "copy-wal")
    p.close()
    data = (tmp_path / "copy-wal").read_bytes()
    assert struct.unpack(">I", data[:4])[0] == W.WAL_MAGIC | 1
    assert len(wal_frames(tmp_path / "copy-wal")) == n
    # sqlite3 accepts the whole chain, our frame included.
    d2 = tmp_path / "s2"
    d2.mkdir()
    shutil.copy(snap / "db", d2 / "db")
    shutil.copy(tmp_path / "copy-wal", d2 / "db-wal")
    code = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(json.dumps(con.execute("PRAGMA wal_checkpoint").fetchone()))
"""
    busy, log, done = sqlite_in_child(code, d2 / "db")
    assert (busy, log, done) == (0, n, n)


# -- recovery of damaged logs: same view as sqlite3 -------------------------

def _damage_cases(ps, nframes, commits):
    """name -> function(bytearray) damaging a WAL."""
    mid = commits[len(commits) // 2]           # a commit frame in the middle

    def flip_page_byte(d):
        d[frame_offset(mid, ps) + 24 + 100] ^= 0x40

    def bad_salt(d):
        d[frame_offset(mid, ps) + 8] ^= 1

    def zero_pgno(d):
        d[frame_offset(mid, ps):frame_offset(mid, ps) + 4] = bytes(4)

    def clear_last_commit(d):
        off = frame_offset(nframes, ps)
        d[off + 4:off + 8] = bytes(4)

    def torn_tail(d):
        del d[frame_offset(nframes, ps) + 24 + ps // 2:]

    def torn_header_of_last(d):
        del d[frame_offset(nframes, ps) + 10:]

    def bad_header_checksum(d):
        d[24] ^= 1

    def bad_frame_checksum(d):
        d[frame_offset(mid, ps) + 20] ^= 0x80

    def garbage_after_end(d):
        d.extend(os.urandom(ps + 24) * 2)

    return {f.__name__: f for f in (flip_page_byte, bad_salt, zero_pgno, clear_last_commit,
                                     torn_tail, torn_header_of_last, bad_header_checksum,
                                     bad_frame_checksum, garbage_after_end)}


def test_damaged_wal_recovers_like_sqlite3(tmp_path):
    snap = make_sqlite_wal(tmp_path, 1024, commits=20)
    ps = 1024
    frames = wal_frames(snap / "db-wal")
    commits = [i + 1 for i, (_, c) in enumerate(frames) if c]
    cases = _damage_cases(ps, len(frames), commits)
    seen = set()
    for name, damage in cases.items():
        mine = copy_db(snap, tmp_path / ("m_" + name))
        theirs = copy_db(snap, tmp_path / ("s_" + name))
        rewrite_wal(mine.parent / "db-wal", damage)
        rewrite_wal(theirs.parent / "db-wal", damage)
        ours = minisql_view(mine)
        assert ours == sqlite_view(theirs), name
        seen.add(len(ours))
    assert len(seen) >= 3          # the cases really cut the log at different places


def test_wal_version_mismatch_cannot_open(tmp_path):
    snap = make_sqlite_wal(tmp_path, 1024, commits=3)

    def version(d):
        struct.pack_into(">I", d, 4, 3007001)
        struct.pack_into(">II", d, 24, *WI.wal_checksum(bytes(d[:24])))
    mine = copy_db(snap, tmp_path / "m")
    theirs = copy_db(snap, tmp_path / "s")
    rewrite_wal(mine.parent / "db-wal", version)
    rewrite_wal(theirs.parent / "db-wal", version)
    assert sqlite_view(theirs) == "unable to open database file"
    assert minisql_view(mine) == "unable to open database file"


def test_recovery_keeps_uncommitted_tail_out_and_next_writer_overwrites_it(tmp_path):
    snap = make_sqlite_wal(tmp_path, 1024, commits=6)
    mine = copy_db(snap, tmp_path / "m")
    frames = wal_frames(mine.parent / "db-wal")

    def clear_last_commit(d):
        off = frame_offset(len(frames), 1024)
        d[off + 4:off + 8] = bytes(4)
    rewrite_wal(mine.parent / "db-wal", clear_last_commit)
    before = minisql_view(mine)
    p = Pager(str(mine), wal_autocheckpoint=0)
    p.begin_read()
    mx = p.wal.hdr.mx_frame
    assert mx < len(frames)
    p.end_read()
    p.begin_write()
    pgno, off = next((n, free_byte(p.get(n).data, n)) for n in range(2, p.page_count + 1)
                     if free_byte(p.get(n).data, n) is not None)
    pg = p.get(pgno)
    p.write(pg)
    pg.data[off] ^= 0xFF
    p.commit()
    p.end_read()
    assert p.wal.hdr.mx_frame == mx + 1      # appended right after the last commit
    p.close()
    theirs = sqlite_view(mine)
    assert len(theirs) == len(before)
    assert theirs[pgno - 1][off] == before[pgno - 1][off] ^ 0xFF


# -- the wal-index hash, as sqlite3 walks it ----------------------------------

def sqlite_hash_lookup(index, pgno, min_frame, max_frame):
    """SQLite's walFindFrame over our aHash/aPgno, slot by slot: the
    reference for the hash we write (minisql's own lookups use aPgno)."""
    for k in range(WI.block_of(max_frame), WI.block_of(min_frame) - 1, -1):
        _, u32, u16 = index.block(k)
        base = 34 if k == 0 else 0
        best, h = 0, (pgno * 383) & (WI.NSLOT - 1)
        for _ in range(WI.NSLOT):
            v = u16[WI.HASH_U16 + h]
            if not v:
                break
            f = WI.izero(k) + v
            if min_frame <= f <= max_frame and u32[base + v - 1] == pgno:
                best = f
            h = (h + 1) & (WI.NSLOT - 1)
        else:
            raise AssertionError("probe chain without an empty slot")
        if best:
            return best
    return 0


def test_hash_lookup_agrees_with_frame_map_over_several_blocks(tmp_path):
    """5000 frames (2 hash blocks), hot pages with long probe chains, pages
    whose slots wrap around the end of aHash; every page, several
    snapshots: SQLite's hash walk finds what find_frame finds."""
    from faultvfs import BankDb, rng_for
    bank = BankDb(str(tmp_path / "b.db"), accounts=150, page_size=512)
    w = Pager(bank.path, wal_autocheckpoint=0, synchronous=0)
    rng = rng_for(1)
    snapshots = []
    while w.wal.frame_count() < 5000:
        bank.transfer(w, rng)
        if rng.random() < 0.01:
            snapshots.append(w.wal.frame_count())
    w.begin_read()
    idx = w.wal.index
    snapshots.append(w.wal.hdr.mx_frame)
    for mx in snapshots:
        w.wal.hdr = w.wal.hdr.replace(mx_frame=mx)     # look as a reader at mx
        for pgno in range(1, w.page_count + 1):
            for lo in (1, mx // 2 + 1):
                w.wal.min_frame = lo
                assert w.wal.find_frame(pgno) == sqlite_hash_lookup(idx, pgno, lo, mx)
    w.wal.hdr = None
    w.end_read()
    w.close()


def test_free_slot_scan_equals_linear_probe():
    rnd = random.Random(5)
    for _ in range(500):
        slots = [0] * WI.NSLOT
        start, n = rnd.randrange(WI.NSLOT), rnd.choice([0, 10, 500, 4000, WI.NSLOT - 1, WI.NSLOT])
        for i in range(n):
            slots[(start + i) % WI.NSLOT] = 1
        h = rnd.randrange(WI.NSLOT)
        expect = next(((h + i) % WI.NSLOT for i in range(WI.NSLOT)
                       if not slots[(h + i) % WI.NSLOT]), -1)
        assert WI._free_slot(slots, h) == expect


# -- fsync placement (formats doc section 5) ---------------------------------

@pytest.mark.parametrize("sync", [0, 1, 2])
def test_sync_placement_per_synchronous_level(tmp_path, sync):
    from faultvfs import BankDb, FaultVFS, rng_for
    bank = BankDb(str(tmp_path / "b.db"))
    vfs = FaultVFS()
    p = Pager(bank.path, vfs=vfs, synchronous=sync, wal_autocheckpoint=0)
    rng = rng_for(1)

    def syncs(fn):
        vfs.log.clear()
        fn()
        return [x for x in vfs.log if x[0] in ("sync", "dirsync")]
    # First commit: a new WAL header, synced before any frame (NORMAL and
    # FULL), plus the directory once; FULL also syncs after the commit frame.
    vfs.log.clear()
    bank.transfer(p, rng)
    log = [x for x in vfs.log if x[1] != "b.db-shm"]
    assert log[0] == ("write", "b.db-wal")                # the WAL header
    frames = log.index(("write", "b.db-wal"), 1)          # then the frames
    assert log[1:frames] == ([("sync", "b.db-wal"), ("dirsync", tmp_path.name)] if sync else [])
    assert log[frames + 1:] == ([("sync", "b.db-wal")] if sync == 2 else [])
    # Later commits: FULL syncs once per commit, NORMAL and OFF never.
    assert syncs(lambda: bank.transfer(p, rng)) == ([("sync", "b.db-wal")] if sync == 2 else [])
    # A checkpoint that copies everything: WAL synced before the db is
    # written, db synced after (not under OFF).
    vfs.log.clear()
    p.checkpoint("PASSIVE")
    log = [x for x in vfs.log if x != ("write", "b.db")]
    expect = [("sync", "b.db-wal"), ("truncate", "b.db"), ("sync", "b.db")] if sync \
        else [("truncate", "b.db")]
    assert log == expect
    if sync:
        assert vfs.log.index(("sync", "b.db-wal")) < vfs.log.index(("write", "b.db"))
    # A partial checkpoint (a reader pins the WAL): no db sync, no truncate.
    bank.transfer(p, rng)
    r = Pager(bank.path)
    r.begin_read()
    r.get(2)
    bank.transfer(p, rng)
    vfs.log.clear()
    busy, frames, done = p.checkpoint("PASSIVE")
    assert 0 < done < frames
    assert [x for x in vfs.log if x[0] != "write"] == ([("sync", "b.db-wal")] if sync else [])
    r.end_read()
    r.close()
    p.close()
