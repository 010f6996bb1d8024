"""The pager: page cache, transactions and savepoints over the WAL.

The pager hands the b-tree layer pages by number and makes a transaction's
page changes atomic.  It interprets page content only in the 100-byte header
on page 1 (page count, change counter, file format bytes 18/19) and in the
optional page checksums.

Pages
    ``Page.data`` is a ``bytearray`` of exactly ``page_size`` bytes.
    ``Page.extra`` belongs to the b-tree layer (its decoded view of the page,
    like SQLite's MemPage living in the pager's "extra" space); the pager
    clears it whenever it replaces ``data`` behind the b-tree's back
    (rollback).  A caller must call ``write(page)`` before changing
    ``page.data`` -- again after any pager call if it did not hold the
    page meanwhile: the page may have been spilled (below) and be clean.

Where a page comes from (read path)
    cache -> newest WAL frame for it within the read snapshot (looked up in
    the wal-index, never by scanning the WAL) -> the database file.  A
    ``:memory:`` database has no files at all: its pages live only in the
    cache, which is then unbounded.

Journal modes
    WAL    - header bytes 18/19 = 2, or a -wal file exists next to a
             non-empty database.  The connection holds SHARED on the
             database file for its whole life (a sqlite3 connection that
             closes while nobody holds it would think it is the last one and
             delete the WAL), plus the Wal object (-wal and -shm).
    NOWAL  - an empty database, or one sqlite3 left in rollback-journal mode
             (18/19 = 1, no -wal).  SHARED is held only during a read
             transaction, as a rollback-mode reader does, so sqlite3 writers
             can still commit between our transactions.  Every read
             transaction first rolls back a hot journal (below).  The first
             write transaction converts the database to WAL: under an
             EXCLUSIVE lock it rewrites bytes 18/19 = 2 (and the change
             counter, 92, 96) in place -- or, for an empty file, writes a
             1-page empty database as SQLite does -- syncs, creates the -wal,
             downgrades to SHARED and continues in WAL mode.  The in-place
             header write needs no journal: every mix of old and new values
             of those fields is a valid header.

Hot journals
    A ``-journal`` left by a crashed sqlite3 writer (it exists, its first
    byte is non-zero, the database is non-empty and nobody holds RESERVED)
    is rolled back the way SQLite does it: under EXCLUSIVE, every segment's
    page records whose checksum is valid are written back, the file is cut
    to the original size, synced, and the journal is deleted.  If the
    journal names a super-journal that no longer exists, the multi-database
    transaction had committed: the journal is just deleted.  A read-only
    connection cannot roll back and raises 'attempt to write a readonly
    database', leaving the files untouched.

Page checksums (optional)
    A database created with ``checksums=True`` reserves 4 bytes at the end
    of every page (header byte 20 = 4) holding the big-endian CRC32C of the
    rest of the page.  A database is recognised as checksummed by exactly
    that: reserved bytes == 4 (SQLite itself never reserves bytes unless an
    extension asks).  The CRC is written into every page at commit and
    checked on every page read from the database file or the WAL; a mismatch
    raises ``DatabaseError('checksum mismatch on page N')``.  sqlite3 can
    read such a database (it ignores reserved bytes) but does not maintain
    the CRC: a page another engine writes keeps a stale CRC and is then
    reported as a mismatch by minisql -- do not let other engines write to a
    checksummed database.

States
    NONE  - no snapshot.  ``begin_read`` -> READ.
    READ  - a snapshot is held (WAL read mark); pages read are consistent.
            ``begin_write`` -> WRITE, ``end_read`` -> NONE.
    WRITE - the WAL write lock is held.  Dirty pages stay in memory until
            ``commit`` appends them to the WAL as frames, the last marked as
            the commit frame -- or until the cache must spill (below).
            ``rollback`` restores the snapshot's images.
    ``begin_write`` on a stale snapshot (another connection committed since
    it was taken) raises SQLITE_BUSY_SNAPSHOT (517) at once if the
    transaction has read a page; if it has read nothing, the pager takes a
    fresh snapshot and retries under the busy handler, as SQLite does.

Spilling (SQLite's pagerStress in WAL mode)
    The cache stays within ``cache_size`` during a write transaction of any
    size.  When a sweep finds too few clean, unreferenced pages to evict,
    it writes unreferenced dirty pages (CLOCK order, hot pages spared) to
    the WAL as non-commit frames (``Wal.write_frames`` with no commit size)
    and evicts them.  Those frames lie past the published mxFrame, so no
    reader -- in this process or another, sqlite3 included -- sees them,
    no checkpoint copies them, and recovery after a crash drops them (they
    have no commit frame after them).  ``self.spilled`` maps each page
    spilled by this transaction to its newest frame; ``_read`` looks there
    before the snapshot.  A page spilled again gets a new frame (later
    frame wins) instead of SQLite's overwrite in place plus checksum
    rewrite at commit: frames of the open transaction are then immutable,
    which is what lets savepoint images name them (below); the price is a
    longer WAL when the same page is spilled many times.
    A page read back from its spilled frame and made dirty again keeps a
    copy of that frame's image (``self.bases``, pgno -> (frame, image))
    until it is spilled again, committed or rolled back: the WAL then
    updates the new frame's checksum from that frame's (the page is long
    gone from the WAL's few recent images) by reweighting only the changed
    bytes.  ``bases`` only holds dirty pages, which are all cached
    (invariant 1), so it holds at most one extra image per cached page.
    ``commit`` writes the remaining dirty pages, the last one as the commit
    frame; if nothing is dirty any more it writes page 1 again as the
    commit frame, as SQLite does.  ``rollback`` just forgets the frames
    (the next writer overwrites them; their wal-index entries are cleared
    as a crashed writer's are).

Autocheckpoint
    As SQLite's default wal hook does, a commit that leaves at least
    ``wal_autocheckpoint`` frames in the WAL makes the end of the read
    transaction run a PASSIVE checkpoint.  Unlike SQLite, after an attempt
    that could not copy everything (readers pinned older snapshots, or
    another checkpoint was running) the next one waits until the WAL has
    grown by another quarter of that interval (or was restarted): every
    attempt that copies syncs the WAL, and beside readers that always pin
    a snapshot a commit or two old, SQLite's retry after every commit
    costs one sync per commit to copy a frame or two.

Undo images (journal and savepoints)
    A page's image is what ``rollback``/``rollback_to`` restores: bytes
    (the content existed only in memory), None (the page did not exist),
    or, in a file database, an int naming where the content is on disk:
    0 = the read snapshot, F > 0 = frame F written by this transaction.
    So ``self.journal`` (full rollback) holds no page contents at all: a
    rolled-back page is re-read from the snapshot, which the read lock
    keeps intact.  A savepoint records, on the first write of a page after
    it opened, bytes only if the page was dirty then (so at most about one
    cache of bytes per open savepoint), else the int.  Restoring an int
    that still names the page's newest on-disk version leaves the page
    clean; any other image makes the page dirty again, so that the commit
    supersedes frames this transaction spilled after the savepoint.
    ``:memory:`` databases have no disk: their images are always bytes.

Invariants
    1. A dirty page is evicted only after it was spilled (then it is
       clean); a page is evicted only when no one else holds a reference
       to it (CPython's reference count is the pin count), so a cursor's
       page object is always the cached one.
    2. In WRITE, every clean page of a file database (cached or not) holds
       exactly its newest on-disk version: frame ``spilled[pgno]`` if the
       transaction spilled it, else the snapshot's.  Hence committing the
       dirty pages makes the newest frame of every page its final content.
       ``spilled`` only grows during a transaction (a frame, once written,
       stays the newest unless the page is spilled again).
    3. ``self.journal`` has an entry for every page the write transaction
       changed (None for pages it appended); each savepoint has the images
       as of its start of the pages changed since (pages dropped by
       ``truncate`` included).  Rolling back restores them in place, so
       Page objects stay valid.
    4. At commit, if the page count changed or page 1 was changed, page 1
       is rewritten with page count, change counter, version-valid-for and
       version number updated as SQLite does (and 18/19 = 2).
    5. Nothing is written to the database file outside a checkpoint, a hot
       journal rollback or the NOWAL -> WAL conversion.
"""

import os
import sys
import time

import crc32c as _crc32c

from .. import errors
from . import format as fmt
from .vfs import DEFAULT_VFS
from .wal import Wal

# PRAGMA synchronous levels.
SYNC_OFF, SYNC_NORMAL, SYNC_FULL, SYNC_EXTRA = 0, 1, 2, 3

NONE, READ, WRITE = 0, 1, 2

DEFAULT_CACHE_SIZE = -2000   # SQLite's default: negative means KiB, so 2 MB

CRC_RESERVED = 4             # reserved bytes that mark a checksummed database
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


class Page:
    __slots__ = ("pgno", "data", "extra", "dirty", "ref")

    def __init__(self, pgno, data):
        self.pgno = pgno
        self.data = data
        self.extra = None
        self.dirty = False
        self.ref = False        # used since the last eviction sweep (CLOCK bit)


def checksum_error(pgno):
    e = errors.DatabaseError(f"checksum mismatch on page {pgno}",
                             code=errors.SQLITE_CORRUPT)
    e.pgno = pgno
    return e


def empty_page1(page_size, reserved):
    """A 1-page empty WAL-mode database: header + empty table-leaf root of
    sqlite_schema, as SQLite writes before the first WAL frame."""
    h = fmt.DbHeader.new(page_size=page_size, reserved=reserved, wal=True)
    img = bytearray(page_size)
    img[:fmt.HEADER_SIZE] = h.pack()
    usable = page_size - reserved
    img[100] = fmt.LEAF_TABLE
    img[105:107] = (usable & 0xFFFF).to_bytes(2, "big")   # 65536 -> 0
    if reserved == CRC_RESERVED:
        put_crc(img)
    return img


def put_crc(data):
    data[-4:] = _crc32c.crc32c(memoryview(data)[:-4]).to_bytes(4, "big")


class Pager:
    def __init__(self, path, *, vfs=DEFAULT_VFS, readonly=False,
                 page_size=fmt.DEFAULT_PAGE_SIZE, reserved=0,
                 busy_timeout=5.0, synchronous=SYNC_FULL,
                 cache_size=DEFAULT_CACHE_SIZE, wal_autocheckpoint=1000,
                 checksums=False):
        self.path = path
        self.vfs = vfs
        self.memory = path == ":memory:"
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous
        self.wal_autocheckpoint = wal_autocheckpoint
        self.state = NONE
        self.restore_hooks = []     # called before a rollback restores pages
        self.data_version = 1
        self.cache = {}
        self.dirty = {}
        self.journal = {}
        self.savepoints = []
        self.spilled = {}           # WRITE: pgno -> newest frame this txn wrote
        self.bases = {}             # WRITE: dirty pgno -> (spilled frame, its image)
        self.file = None
        self.wal = None
        if checksums:
            reserved = CRC_RESERVED
        self.page_size = page_size
        self.reserved = reserved
        self.usable_size = page_size - reserved
        self.checksums = reserved == CRC_RESERVED and not self.memory
        self.page_count = 0
        self._orig_page_count = 0
        # Page size/reserved read from the file (or the file's first page
        # written): from then on PRAGMA page_size cannot change them.
        self._format_known = False
        self._write_version = 2
        self._shared = False               # SHARED held on the database file
        self._snapshot_used = False        # a page was fetched in this snapshot
        self._nowal_stamp = None           # NOWAL: (size, bytes 24..39) of last snapshot
        self._wal_page_count = None        # WAL: page count of the last snapshot
        self._want_checkpoint = False
        # WAL frame count at the last incomplete autocheckpoint, and the
        # count the next attempt waits for (module comment).
        self._ckpt_partial = self._ckpt_retry = 0
        self.cache_size = cache_size
        self._limit = self._next_sweep = self._cache_limit()
        # A file that is not a database opens, as in SQLite; every
        # transaction on it then fails with 'file is not a database'.
        self._not_a_database = False
        if not self.memory:
            try:
                self._open_files()
            except errors.DatabaseError as e:
                if e.sqlite_errorcode != errors.SQLITE_NOTADB:
                    raise
                self._not_a_database = True

    # -- opening and closing ------------------------------------------------

    def _open_files(self):
        self.file = self.vfs.open(self.path, readonly=self.readonly)
        try:
            self._lock_shared()
            self._check_hot_journal()
            head = self._read_format()
            wal_exists = self.vfs.exists(self.path + "-wal")
            if head is None and wal_exists and not self.readonly:
                # SQLite deletes a WAL found next to an empty database: it
                # cannot belong to it (writers put page 1 in the file first,
                # under EXCLUSIVE, which our SHARED lock excludes).
                self.vfs.delete(self.path + "-wal")
                wal_exists = False
            if head is not None and (head.read_version == 2 or wal_exists):
                self._open_wal()
            else:
                self._unlock_shared()
        except BaseException:
            self.file.close()
            self.file = None
            raise

    def _read_format(self):
        """Read page size and reserved bytes from the database file header
        (they never change once the file exists).  None if it is empty."""
        head = self.file.read(0, fmt.HEADER_SIZE)
        if not head:
            return None
        hdr = fmt.DbHeader.unpack(head.ljust(fmt.HEADER_SIZE, b"\0"))
        if not self._format_known or hdr.page_size != self.page_size \
                or hdr.reserved != self.reserved:
            self._set_page_size(hdr.page_size, hdr.reserved)
            self.cache.clear()
            self._format_known = True
        self._write_version = hdr.write_version
        return hdr

    def _open_wal(self):
        """Enter WAL mode: keep SHARED for life and attach to the -shm."""
        def attach():
            return Wal(self.vfs, self.path, self.file, readonly=self.readonly,
                       page_size=self.page_size)
        self.wal = self._busy_retry(attach)

    def _set_page_size(self, page_size, reserved):
        self.page_size = page_size
        self.reserved = reserved
        self.usable_size = page_size - reserved
        self.checksums = reserved == CRC_RESERVED
        self._limit = self._next_sweep = self._cache_limit()
        if self.wal is not None:
            self.wal.page_size = page_size

    def set_page_size(self, page_size):
        """PRAGMA page_size: only effective while the database is empty."""
        if fmt.valid_page_size(page_size) and self.page_count == 0 \
                and not self.cache and not self._format_known:
            self._set_page_size(page_size, self.reserved)

    def set_reserved(self, reserved):
        if self.page_count == 0 and not self.cache and not self._format_known:
            self._set_page_size(self.page_size, reserved)

    def close(self):
        if self.state == WRITE:
            self.rollback()
        if self.state == READ:
            self.end_read()
        if self.file is not None:
            try:
                if self.wal is not None:
                    # The last connection (it can take EXCLUSIVE on the
                    # database file) checkpoints and removes the WAL and
                    # wal-index, as SQLite does.
                    last = not self.readonly and self._try_exclusive()
                    self.wal.close(last, self.synchronous)
            finally:
                self.wal = None
                self.file.close()
                self.file = None
        self.cache.clear()

    # -- database file locks (SQLite's unix locking, section 4.1) -----------

    def _lock_shared(self):
        # SHARED = read-lock PENDING, read-lock the SHARED range, unlock
        # PENDING: a writer holding PENDING keeps new readers out.
        def take():
            f = self.file
            if f.lock(fmt.PENDING_BYTE, 1, False):
                ok = f.lock(fmt.SHARED_FIRST, fmt.SHARED_SIZE, False)
                f.unlock(fmt.PENDING_BYTE, 1)
                if ok:
                    self._shared = True
                    return
            raise errors.busy()
        self._busy_retry(take)

    def _unlock_shared(self):
        self.file.unlock(fmt.SHARED_FIRST, fmt.SHARED_SIZE)
        self._shared = False

    def _try_exclusive(self):
        f = self.file
        if f.lock(fmt.PENDING_BYTE, 1, True):
            if f.lock(fmt.SHARED_FIRST, fmt.SHARED_SIZE, True):
                return True
            f.unlock(fmt.PENDING_BYTE, 1)
        return False

    def _lock_exclusive(self):
        """SHARED -> EXCLUSIVE: PENDING (keeps new readers out), then the
        SHARED range exclusively once the readers have left (busy handler).
        On failure the caller is back at SHARED."""
        f = self.file

        def exclusive():
            if not f.lock(fmt.PENDING_BYTE, 1, True) or \
                    not f.lock(fmt.SHARED_FIRST, fmt.SHARED_SIZE, True):
                raise errors.busy()
        try:
            self._busy_retry(exclusive)
        except BaseException:
            self._downgrade()
            raise

    def _downgrade(self):
        """Back from RESERVED/EXCLUSIVE to SHARED (an OFD lock converts in
        place, so SHARED is never dropped in between)."""
        f = self.file
        f.lock(fmt.SHARED_FIRST, fmt.SHARED_SIZE, False)
        f.unlock(fmt.PENDING_BYTE, 1)
        f.unlock(fmt.RESERVED_BYTE, 1)

    # -- hot journals (rollback-mode crash recovery) ------------------------

    def _check_hot_journal(self):
        """Roll back a -journal left by a crashed rollback-mode writer (see
        the module comment).  Caller holds SHARED."""
        jpath = self.path + "-journal"
        if not self.vfs.exists(jpath):
            return
        if self.file.is_locked(fmt.RESERVED_BYTE, 1, True):
            return                       # a live writer owns that journal
        first = self._journal_first_byte(jpath)
        if first is None:
            return
        if self.file.size() == 0:
            # Nothing to restore into: SQLite just removes the journal.
            if not self.readonly and self.file.lock(fmt.RESERVED_BYTE, 1, True):
                self.vfs.delete(jpath)
                self.file.unlock(fmt.RESERVED_BYTE, 1)
            return
        if first == 0:
            return                       # zeroed header: committed
        if self.readonly:
            e = errors.readonly()
            e.add_note(f"{jpath} is a hot journal; a read-write connection must roll it back")
            raise e
        self._lock_exclusive()
        try:
            if self.vfs.exists(jpath) and self._journal_first_byte(jpath):
                self._playback(jpath)
                self.vfs.delete(jpath)
                self.cache.clear()
        finally:
            self._downgrade()

    def _journal_first_byte(self, jpath):
        try:
            jf = self.vfs.open(jpath, readonly=True, create=False)
        except errors.OperationalError:
            return None                  # removed meanwhile
        try:
            b = jf.read(0, 1)
        finally:
            jf.close()
        return b[0] if b else None

    def _playback(self, jpath):
        """pager_playback: restore original page images from a hot
        journal (journal header, then records pgno|page|checksum; a new
        header at each sector boundary)."""
        jf = self.vfs.open(jpath, readonly=True, create=False)
        try:
            jdata = jf.read(0, jf.size())
        finally:
            jf.close()
        if self._names_missing_super_journal(jdata):
            return
        u32 = fmt.U32.unpack_from
        off = 0
        sector = ps = orig = None
        done = set()
        db = self.file
        while True:
            if sector:
                off = (off + sector - 1) // sector * sector
            if off + 28 > len(jdata) or jdata[off:off + 8] != JOURNAL_MAGIC:
                break
            nrec, cksum_init, dbsize = u32(jdata, off + 8)[0], u32(jdata, off + 12)[0], \
                u32(jdata, off + 16)[0]
            if sector is None:
                sector, ps = u32(jdata, off + 20)[0], u32(jdata, off + 24)[0]
                if not fmt.valid_page_size(ps) or sector < 32 or sector > 65536 \
                        or sector & (sector - 1):
                    raise errors.corrupt(f"{jpath}: bad journal header")
                orig = dbsize
                db.truncate(orig * ps)
            off += sector
            if nrec == 0xFFFFFFFF:
                nrec = (len(jdata) - off) // (ps + 8)
            for _ in range(nrec):
                if off + ps + 8 > len(jdata):
                    return self._finish_playback()
                pgno = u32(jdata, off)[0]
                page = jdata[off + 4:off + 4 + ps]
                stored = u32(jdata, off + 4 + ps)[0]
                off += ps + 8
                if pgno == 0 or pgno == fmt.lock_byte_page(ps):
                    return self._finish_playback()
                if pgno > orig or pgno in done:
                    continue
                cksum = cksum_init
                for i in range(ps - 200, 0, -200):
                    cksum += page[i]
                if cksum & 0xFFFFFFFF != stored:
                    return self._finish_playback()
                db.write((pgno - 1) * ps, page)
                done.add(pgno)
        self._finish_playback()

    def _finish_playback(self):
        if self.synchronous:
            self.file.sync()

    def _names_missing_super_journal(self, jdata):
        """readSuperJournal: a multi-database transaction's journal ends with
        the super-journal's name; if that file is gone, it committed."""
        n = len(jdata)
        if n < 16 or jdata[n - 8:] != JOURNAL_MAGIC:
            return False
        length = fmt.U32.unpack_from(jdata, n - 16)[0]
        cksum = fmt.U32.unpack_from(jdata, n - 12)[0]
        if length == 0 or length > n - 20:
            return False
        name = jdata[n - 16 - length:n - 16]
        if sum(name) & 0xFFFFFFFF != cksum:
            return False
        name = name.split(b"\0", 1)[0]
        return bool(name) and not self.vfs.exists(os.fsdecode(name))

    # -- read transactions --------------------------------------------------

    def begin_read(self):
        if self.state != NONE:
            return
        self._snapshot_used = False
        wal = self.wal
        if wal is None:         # (never in a :memory: or not-a-database pager)
            if self._not_a_database:
                raise errors.notadb()
            if self.memory:
                self.state = READ
                return
            self._begin_read_nowal()
            wal = self.wal
            if wal is None:
                return
        try:
            changed = wal.begin_read()
        except errors.OperationalError:
            changed = self._busy_retry(wal.begin_read)
        if not changed and self._wal_page_count is not None:
            # The common case, the snapshot this connection had before: an
            # unchanged wal-index header means the same database
            # (checkpoints change the file's bytes, never its content).
            self.state = READ
            self.page_count = self._wal_page_count
            return
        try:
            self.state = READ
            self._drop_changed_pages()
            # PRAGMA data_version: moves when another connection committed.
            self.data_version += 1
            wps = wal.snapshot_page_size()
            if wps and wps != self.page_size:
                raise errors.corrupt(f"WAL page size {wps} differs from the "
                                     f"database's {self.page_size}")
            self._wal_page_count = None
            n = self._wal_page_count = self._snapshot_page_count(wal.db_size())
            for pgno in [p for p in self.cache if p > n]:
                del self.cache[pgno]
            self.page_count = n
            self._snapshot_used = False
        except BaseException:
            self.state = NONE
            wal.end_read()
            raise

    def _drop_changed_pages(self):
        """Another connection committed: forget the cached pages its frames
        name, keep the warm rest (all of it goes if the WAL was restarted or
        this is the first snapshot).  Pages beyond the new size go too,
        once it is known (begin_read)."""
        stale = self.wal.changed_pages() if self._wal_page_count is not None else None
        cache = self.cache
        if stale is None:
            cache.clear()
            return
        if len(stale) > len(cache):
            stale = [pgno for pgno in cache if pgno in stale]
        for pgno in stale:
            page = cache.pop(pgno, None)
            if page is not None:
                page.extra = None

    def _begin_read_nowal(self):
        self._lock_shared()
        try:
            self._check_hot_journal()
            head = self._read_format()
            wal_exists = self.vfs.exists(self.path + "-wal")
            if head is not None and (head.read_version == 2 or wal_exists):
                # Another connection converted the database to WAL.
                self.cache.clear()
                self._open_wal()
                return
            stamp = (self.file.size(), self.file.read(24, 16))
            if stamp != self._nowal_stamp:
                self.cache.clear()
                if self._nowal_stamp is not None:
                    self.data_version += 1
                self._nowal_stamp = stamp
            self.state = READ
            self.page_count = self._snapshot_page_count(0)
            self._snapshot_used = False
        except BaseException:
            if self.wal is None:
                self.state = NONE
                self._unlock_shared()
            raise

    def _snapshot_page_count(self, n):
        """Pages in the snapshot: ``n`` from the WAL, else the file size;
        the in-header size of page 1 wins when SQLite would trust it."""
        if n == 0:
            n = self.file.size() // self.page_size
        if n == 0:
            return 0
        self.page_count = n
        hdr = self.get(1).data
        counter = fmt.U32.unpack_from(hdr, fmt.OFF_CHANGE_COUNTER)[0]
        count = fmt.U32.unpack_from(hdr, fmt.OFF_PAGE_COUNT)[0]
        if count and counter == fmt.U32.unpack_from(hdr, fmt.OFF_VERSION_VALID_FOR)[0]:
            if count > n:
                raise errors.corrupt(f"header says {count} pages, database holds {n}")
            return count
        return n

    def end_read(self):
        state = self.state
        if state == READ:
            if self.wal is not None:
                self.wal.end_read()
            elif self._shared:          # (never in a :memory: pager)
                self._unlock_shared()
        elif state == WRITE:
            raise errors.InternalError("end_read inside a write transaction")
        self.state = NONE
        if self._want_checkpoint:
            self._want_checkpoint = False
            frames = self.wal.frame_count()
            try:
                busy, log, done = self.wal.checkpoint("PASSIVE", self.synchronous)
            except errors.OperationalError:
                busy = 1      # a later commit tries again
            if busy or done < log:
                self._ckpt_partial = frames
                self._ckpt_retry = frames + max(self.wal_autocheckpoint // 4, 1)
            else:
                self._ckpt_partial = self._ckpt_retry = 0

    # -- write transactions -------------------------------------------------

    def begin_write(self):
        if self.readonly:
            raise errors.readonly()
        if self.state == WRITE:
            return
        fresh = self.state == NONE or not self._snapshot_used
        self.begin_read()
        if not self.memory:
            if self.wal is None:
                self._reserve(fresh)
            if self.wal is None:
                self._convert_to_wal()
            else:
                self._begin_write_wal(fresh)
        self.state = WRITE
        self._orig_page_count = self.page_count

    def _begin_write_wal(self, fresh):
        retry = None
        while True:
            try:
                self.wal.begin_write()
                return
            except errors.OperationalError as e:
                code = e.sqlite_errorcode
                if code & 0xFF != errors.SQLITE_BUSY:
                    raise
                if code == errors.SQLITE_BUSY_SNAPSHOT:
                    if not fresh:
                        raise
                    # Nothing was read from the old snapshot: move to the
                    # newest one and try again.
                    self.end_read()
                    self.begin_read()
                if retry is None:
                    retry = self._busy_handler()
                if not retry():
                    raise

    def _reserve(self, fresh):
        """NOWAL: take RESERVED (one would-be writer at a time).  As SQLite
        does, a transaction that has read nothing waits for it without
        holding SHARED, so two would-be writers cannot deadlock; one that
        has read gets SQLITE_BUSY at once.  Returns with RESERVED held, or
        in WAL mode if another connection converted the database meanwhile."""
        if self._write_version > 2:
            raise errors.readonly()
        retry = None
        while not self.file.lock(fmt.RESERVED_BYTE, 1, True):
            if not fresh:
                raise errors.busy()
            self.end_read()
            if retry is None:
                retry = self._busy_handler()
            if not retry():
                raise errors.busy()
            self.begin_read()
            if self.wal is not None:
                return

    def _convert_to_wal(self):
        """NOWAL -> WAL on the first write (see the module comment).  The
        caller holds SHARED in a read transaction, and RESERVED; returns in
        WAL mode holding the WAL write lock.  The WAL snapshot and write
        lock are taken before EXCLUSIVE is released, so no other writer can
        commit between our read of the old file and our first commit."""
        self._lock_exclusive()
        try:
            size = self.file.size()
            if size == 0:
                self.file.write(0, empty_page1(self.page_size, self.reserved))
            else:
                self._stamp_wal_header_in_place()
            if self.synchronous:
                self.file.sync()
                if size == 0:
                    self.vfs.sync_directory(self.path)
            self._format_known = True
            self._open_wal()
            # Create the -wal while still EXCLUSIVE, so that no opener can
            # see it next to an empty database file.
            self.wal._open_wal(True)
            self._busy_retry(self.wal.begin_read)
            try:
                self._busy_retry(self.wal.begin_write)
            except BaseException:
                self.wal.end_read()
                raise
        finally:
            self._downgrade()

    def _stamp_wal_header_in_place(self):
        """Bytes 18/19 = 2, change counter + 1 (so rollback-mode readers
        notice), 92 and 96, written over the first 100 bytes of the file;
        the cached page 1 follows."""
        head = bytearray(self.file.read(0, fmt.HEADER_SIZE))
        head[18] = head[19] = 2
        counter = (fmt.U32.unpack_from(head, fmt.OFF_CHANGE_COUNTER)[0] + 1) & 0xFFFFFFFF
        fmt.U32.pack_into(head, fmt.OFF_CHANGE_COUNTER, counter)
        fmt.U32.pack_into(head, fmt.OFF_VERSION_VALID_FOR, counter)
        fmt.U32.pack_into(head, fmt.OFF_VERSION_NUMBER, fmt.SQLITE_VERSION_NUMBER)
        self.file.write(0, bytes(head))
        if self.checksums:
            p1 = bytearray(self.file.read(0, self.page_size))
            put_crc(p1)
            self.file.write(self.page_size - 4, bytes(p1[-4:]))
        page1 = self.cache.get(1)
        if page1 is not None:
            page1.data[:fmt.HEADER_SIZE] = head
            if self.checksums:
                put_crc(page1.data)

    def commit(self):
        if self.state != WRITE:
            return
        resized = self.page_count != self._orig_page_count
        if self.dirty or self.spilled or resized:
            if resized or 1 in self.journal:
                self._stamp_page1()
            if not self.memory:
                try:
                    self._write_dirty()
                except BaseException:
                    self.rollback()
                    raise
        self._finish_write()
        if not self.memory:
            self._wal_page_count = self.page_count     # our commit is the snapshot now
            self.wal.end_write()
            # Like SQLite's wal hook: checkpoint once the read mark is gone.
            frames = self.wal.frame_count()
            self._want_checkpoint = (
                0 < self.wal_autocheckpoint <= frames and
                not self._ckpt_partial <= frames < self._ckpt_retry)
        self.state = READ

    def _write_dirty(self):
        limit = self.page_count
        dirty = self.dirty
        if len(dirty) == 1 and not self.checksums:
            # (A one-page commit, the most frequent: no sort, no lists of
            # pages.)
            for pgno, page in dirty.items():
                if pgno <= limit:
                    self.wal.write_frames([(pgno, page.data)], limit, self.synchronous,
                                          self.bases)
                    return
        pages = [dirty[pgno] for pgno in sorted(dirty) if pgno <= limit]
        if not pages:
            if not self.spilled:
                return
            # Spilled frames need a commit frame after them: page 1 again.
            pages = [self.get(1)]
        self.wal.write_frames(self._frames(pages), self.page_count, self.synchronous,
                              self.bases)

    def _frames(self, pages):
        """(pgno, image) pairs for Wal.write_frames, CRCs filled in."""
        if self.checksums:
            for page in pages:
                put_crc(page.data)
        return [(page.pgno, page.data) for page in pages]

    def _spill(self, pages):
        """pagerStress: write dirty, unreferenced ``pages`` to the WAL as
        frames of the open transaction (no commit size: unpublished), so
        that they are clean and can be evicted (module comment)."""
        bases = self.bases
        first = self.wal.write_frames(self._frames(pages), 0, self.synchronous, bases)
        spilled = self.spilled
        dirty = self.dirty
        for i, page in enumerate(pages, first):
            spilled[page.pgno] = i
            page.dirty = False
            del dirty[page.pgno]
            bases.pop(page.pgno, None)

    def _stamp_page1(self):
        page1 = self.get(1)
        self.write(page1)
        d = page1.data
        counter = (fmt.U32.unpack_from(d, fmt.OFF_CHANGE_COUNTER)[0] + 1) & 0xFFFFFFFF
        fmt.U32.pack_into(d, fmt.OFF_CHANGE_COUNTER, counter)
        fmt.U32.pack_into(d, fmt.OFF_PAGE_COUNT, self.page_count)
        fmt.U32.pack_into(d, fmt.OFF_VERSION_VALID_FOR, counter)
        fmt.U32.pack_into(d, fmt.OFF_VERSION_NUMBER, fmt.SQLITE_VERSION_NUMBER)
        if not self.memory:
            d[18] = d[19] = 2
            if self._orig_page_count == 0:
                # A new database: the header must describe this pager.
                d[16:18] = (1 if self.page_size == 65536 else self.page_size).to_bytes(2, "big")
                d[20] = self.reserved

    def _finish_write(self):
        for page in self.dirty.values():
            page.dirty = False
        self.dirty.clear()
        self.journal.clear()
        self.savepoints.clear()
        self.spilled.clear()
        self.bases.clear()
        if len(self.cache) >= self._limit or self._next_sweep != self._limit:
            self._shrink_cache()

    def rollback(self):
        if self.state != WRITE:
            return
        self._before_restore()
        # Forget the spilled frames first: _read then gives the snapshot.
        self.spilled.clear()
        self.bases.clear()
        try:
            self._restore_journal()
        finally:
            for page in self.dirty.values():
                page.dirty = False
            self.page_count = self._orig_page_count
            self.dirty.clear()
            self.journal.clear()
            self.savepoints.clear()
            if not self.memory:
                self.wal.end_write()
            self.state = READ

    def _restore_journal(self):
        """Bring cached pages the transaction changed back to the snapshot
        (pages not cached are read from it when needed)."""
        cache = self.cache
        try:
            for pgno, img in self.journal.items():
                page = cache.get(pgno)
                if page is None:
                    continue
                page.extra = None
                if img is None:              # appended by the rolled-back work
                    del cache[pgno]
                else:
                    page.data[:] = img if img.__class__ is bytes else self._read(pgno, 0)
        except BaseException:
            # Could not re-read: no page may stay cached with undone content.
            for pgno in self.journal:
                page = cache.pop(pgno, None)
                if page is not None:
                    page.extra = None
            raise

    def _restore(self, images):
        """ROLLBACK TO: give every page in ``images`` its image back (see
        'Undo images' in the module comment)."""
        cache = self.cache
        dirty = self.dirty
        for pgno, img in images.items():
            page = cache.get(pgno)
            if img is None:          # appended since the savepoint
                if page is not None:
                    del cache[pgno]
                    page.extra = None
                    page.dirty = False
                dirty.pop(pgno, None)
                self.bases.pop(pgno, None)
                continue
            if img.__class__ is int:
                if img == self.spilled.get(pgno, 0):
                    # Its newest version on disk is the image: clean again.
                    if page is not None:
                        page.data[:] = self._read(pgno, img)
                        page.extra = None
                        if page.dirty:
                            page.dirty = False
                            del dirty[pgno]
                            self.bases.pop(pgno, None)
                    continue
                img = self._read(pgno, img)
            if page is None:
                # Evicted, or dropped by truncate() after the savepoint.
                if len(cache) >= self._next_sweep:
                    self._shrink_cache()
                page = Page(pgno, bytearray(img))
                cache[pgno] = page
            else:
                page.data[:] = img
                page.extra = None
            page.dirty = True
            dirty[pgno] = page

    # -- savepoints (statement and user savepoints) -------------------------

    def savepoint(self):
        """Open a savepoint; returns its depth for release/rollback_to."""
        self.savepoints.append(({}, self.page_count))
        return len(self.savepoints)

    def release(self, depth):
        """Forget savepoints >= depth; their images fold into the outer one
        so that rolling back the outer one still restores those pages."""
        while len(self.savepoints) >= depth:
            images, _ = self.savepoints.pop()
            if self.savepoints:
                outer = self.savepoints[-1][0]
                for pgno, img in images.items():
                    outer.setdefault(pgno, img)

    def _before_restore(self):
        """Tell the layer above that page images are about to change under
        it (the b-tree saves its cursors' positions, read from the pages)."""
        for hook in self.restore_hooks:
            hook()

    def rollback_to(self, depth):
        """Undo everything since savepoint ``depth`` was opened; it stays open."""
        while len(self.savepoints) > depth:
            self.release(len(self.savepoints))
        images, count = self.savepoints[depth - 1]
        self._before_restore()
        self._restore(images)
        self.page_count = count
        images.clear()

    # -- pages --------------------------------------------------------------

    def get(self, pgno):
        self._snapshot_used = True
        page = self.cache.get(pgno)     # (not try/except: a miss is common)
        if page is None:
            return self._fetch(pgno)
        page.ref = True
        return page

    def _fetch(self, pgno):
        if pgno < 1 or pgno > self.page_count:
            raise errors.corrupt(f"page {pgno} is outside the database "
                                 f"({self.page_count} pages)")
        if self.state == NONE:
            raise errors.InternalError("page read outside a transaction")
        page = Page(pgno, self._read(pgno))
        if len(self.cache) >= self._next_sweep:
            self._shrink_cache()
        self.cache[pgno] = page
        return page

    def _read(self, pgno, frame=-1):
        """The image of ``pgno``: its newest version (``frame`` -1), the
        read snapshot's (0) or that of WAL frame ``frame``."""
        if self.memory:
            return bytearray(self.page_size)
        if frame < 0:
            frame = self.spilled.get(pgno, 0)
        if not frame and self.wal is not None:
            frame = self.wal.find_frame(pgno)
        if frame:
            data = self.wal.read_frame(frame)
        else:
            data = self.file.read((pgno - 1) * self.page_size, self.page_size)
        if len(data) != self.page_size:
            # Beyond the end of the file but within the snapshot's page count
            # can only mean the file was truncated under us.
            raise errors.corrupt(f"page {pgno}: short read ({len(data)} bytes)")
        if self.checksums and \
                _crc32c.crc32c(memoryview(data)[:-4]) != int.from_bytes(data[-4:], "big"):
            raise checksum_error(pgno)
        return bytearray(data)

    def write(self, page):
        """Make ``page`` writable in the current write transaction."""
        if page.dirty:
            if self.savepoints:
                sp = self.savepoints[-1][0]
                if page.pgno not in sp:
                    sp[page.pgno] = bytes(page.data)
            return
        if self.state != WRITE:
            raise errors.InternalError("page written outside a write transaction")
        pgno = page.pgno
        if self.memory:
            img = bytes(page.data)
            self.journal.setdefault(pgno, img)
        else:
            # Clean: its content is on disk (invariant 2), name it.
            img = self.spilled.get(pgno, 0)
            self.journal.setdefault(pgno, 0)
            if img:
                self.bases[pgno] = (img, bytes(page.data))
        if self.savepoints:
            self.savepoints[-1][0].setdefault(pgno, img)
        page.dirty = True
        self.dirty[pgno] = page
        self.cache[pgno] = page

    def append(self):
        """Grow the database by one zeroed page and return it, writable.  The
        lock-byte page is skipped: it may never hold data."""
        if self.state != WRITE:
            raise errors.InternalError("page appended outside a write transaction")
        pgno = self.page_count + 1
        if pgno == fmt.lock_byte_page(self.page_size):
            pgno += 1
        if len(self.cache) >= self._next_sweep:
            self._shrink_cache()
        self.page_count = pgno
        page = Page(pgno, bytearray(self.page_size))
        page.dirty = True
        self.journal.setdefault(pgno, None)
        if self.savepoints:
            self.savepoints[-1][0].setdefault(pgno, None)
        self.dirty[pgno] = page
        self.cache[pgno] = page
        return page

    def truncate(self, page_count):
        """Shrink the database to ``page_count`` pages (vacuum)."""
        if self.state != WRITE:
            raise errors.InternalError("truncate outside a write transaction")
        sp = self.savepoints[-1][0] if self.savepoints else None
        for pgno in [p for p in self.cache if p > page_count]:
            page = self.cache.pop(pgno)
            if sp is not None and pgno not in sp:
                sp[pgno] = bytes(page.data) if page.dirty or self.memory \
                    else self.spilled.get(pgno, 0)
            self.dirty.pop(pgno, None)
            self.bases.pop(pgno, None)
            page.dirty = False
            page.extra = None
        if sp is not None and not self.memory:
            # The dropped pages not cached are on disk; a later append of
            # the same numbers must not hide that from rollback_to.
            for pgno in range(page_count + 1, self.page_count + 1):
                if pgno not in sp:
                    sp[pgno] = self.spilled.get(pgno, 0)
        self.page_count = page_count

    # -- cache bounding -----------------------------------------------------

    def set_cache_size(self, n):
        self.cache_size = n
        self._limit = self._next_sweep = self._cache_limit()

    def _cache_limit(self):
        if self.memory:
            return sys.maxsize
        n = self.cache_size
        if n < 0:
            n = (-n * 1024) // (self.page_size + 200)   # per-page overhead, as SQLite
        return max(n, 10)

    def _shrink_cache(self):
        """Evict unreferenced pages down to 3/4 of the limit (so the sweep
        is amortised over many reads), by CLOCK: the dict's order is the
        clock hand's, a page used since the last sweep (``ref``) gets a
        second chance and moves to the end.  Hot pages -- the root and
        interior pages every descent reads, whose decoded views are the
        costliest to rebuild -- so stay cached.  Clean pages go first; if
        there are too few, a write transaction spills dirty ones to the
        WAL and evicts them too (module comment).  When too few pages can
        go at all (pinned by cursors), the next sweep waits until the cache
        has grown by another quarter, instead of rescanning on every read."""
        limit = self._limit
        cache = self.cache
        if len(cache) < limit:
            self._next_sweep = limit
            return
        excess = len(cache) - limit * 3 // 4
        can_spill = self.state == WRITE and not self.memory
        victims = []
        spared = []
        dirty = []
        getrefcount = sys.getrefcount
        for pgno in cache:
            page = cache[pgno]
            # Referenced by: the dict, ``page``, getrefcount's argument,
            # and ``self.dirty`` if dirty.  Anything more is a cursor
            # holding the page.  (Not iterating items(): its reused result
            # tuple holds one more reference.)
            if getrefcount(page) > 3 + page.dirty:
                continue
            if page.ref:
                page.ref = False
                spared.append(pgno)
                continue
            if page.dirty:
                if can_spill:
                    dirty.append(page)
                continue
            victims.append(pgno)
            if len(victims) >= excess:
                break
        if len(victims) < excess and dirty:
            del dirty[excess - len(victims):]
            self._spill(dirty)
            victims += [page.pgno for page in dirty]
        for pgno in victims:
            del cache[pgno]
        for pgno in spared:
            cache[pgno] = cache.pop(pgno)
        n = len(cache)
        self._next_sweep = limit if n < limit else n + max(limit // 4, 16)

    # -- checkpoint, inspection and locking helpers -------------------------

    def checkpoint(self, mode="PASSIVE"):
        """PRAGMA wal_checkpoint(mode) -> (busy, log, checkpointed).  Like
        sqlite3, refused inside a transaction."""
        if self.memory or self.wal is None:
            return (0, -1, -1)
        if self.state != NONE:
            raise errors.OperationalError("database table is locked",
                                          code=errors.SQLITE_LOCKED)
        if self.readonly:
            raise errors.readonly()
        return self.wal.checkpoint(mode, self.synchronous,
                                   busy_handler=self._busy_handler())

    @property
    def journal_mode(self):
        return "memory" if self.memory else "wal" if self.wal is not None else "delete"

    def info(self):
        """For the shell's .wal command."""
        out = {"journal_mode": self.journal_mode, "page_size": self.page_size,
               "page_count": self.page_count, "checksums": self.checksums}
        if self.wal is not None:
            out.update(self.wal.info())
        return out

    def _busy_handler(self):
        deadline = time.monotonic() + self.busy_timeout

        def retry():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.0005)
            return True
        return retry

    def _busy_retry(self, fn):
        """Call ``fn`` until it stops raising SQLITE_BUSY or the busy timeout
        has passed (then the busy error propagates)."""
        retry = None
        while True:
            try:
                return fn()
            except errors.OperationalError as e:
                code = e.sqlite_errorcode
                if code & 0xFF != errors.SQLITE_BUSY or code == errors.SQLITE_BUSY_SNAPSHOT:
                    raise
                if retry is None:
                    retry = self._busy_handler()
                if not retry():
                    raise

    @property
    def in_write(self):
        return self.state == WRITE
