"""The pager: page cache, transactions and savepoints over the WAL.

The pager hands the b-tree layer pages by number and makes a transaction's
page changes atomic.  It never interprets page content except the 100-byte
header on page 1 (page count and change counter at commit).

Pages
    ``Page.data`` is a ``bytearray`` of exactly ``page_size`` bytes.
    ``Page.extra`` belongs to the b-tree layer (its decoded view of the page,
    like SQLite's MemPage living in the pager's "extra" space); the pager
    clears it whenever it replaces ``data`` behind the b-tree's back
    (rollback).  A caller must call ``write(page)`` before changing
    ``page.data``.

Where a page comes from (read path)
    cache -> newest WAL frame for it within the read snapshot (wal-index
    hash lookup) -> the database file.  A ``:memory:`` database has no files
    at all: its pages live only in the cache, which is then unbounded.

States
    NONE  - no snapshot.  ``begin_read`` -> READ.
    READ  - a snapshot is held (WAL read mark); pages read are consistent.
            ``begin_write`` -> WRITE, ``end_read`` -> NONE.
    WRITE - the WAL write lock is held.  Dirty pages stay in memory until
            ``commit`` appends them to the WAL as frames, the last marked as
            the commit frame.  ``rollback`` restores the original images.

Invariants
    1. Dirty pages are never evicted; a clean page is evicted only when no
       one else holds a reference to it (CPython's reference count is the
       pin count), so a cursor's page object is always the cached one.
    2. ``self.journal`` holds the image of every page as it was when the
       write transaction began (None for pages the transaction appended);
       ``savepoints[i]`` holds the images as of savepoint i.  Rolling back
       restores them in place, so Page objects stay valid.
    3. At commit, if the page count changed or page 1 is dirty, page 1 is
       rewritten with page count, change counter, version-valid-for and
       version number updated as SQLite does.
    4. Nothing is written to the database file outside a checkpoint, except
       page 1 of a brand-new database (SQLite writes a 1-page database
       before the first WAL frame: an empty file next to a WAL is deleted
       by openers).
"""

import os
import sys
import time

from .. import errors
from . import format as fmt
from .vfs import DEFAULT_VFS

# PRAGMA synchronous levels.
SYNC_OFF, SYNC_NORMAL, SYNC_FULL, SYNC_EXTRA = 0, 1, 2, 3

NONE, READ, WRITE = 0, 1, 2

DEFAULT_CACHE_SIZE = -2000   # SQLite's default: negative means KiB, so 2 MB


class Page:
    __slots__ = ("pgno", "data", "extra", "dirty")

    def __init__(self, pgno, data):
        self.pgno = pgno
        self.data = data
        self.extra = None
        self.dirty = False


class Pager:
    def __init__(self, path, *, vfs=DEFAULT_VFS, readonly=False,
                 page_size=fmt.DEFAULT_PAGE_SIZE, reserved=0,
                 busy_timeout=5.0, synchronous=SYNC_FULL,
                 cache_size=DEFAULT_CACHE_SIZE, wal_autocheckpoint=1000):
        self.path = path
        self.vfs = vfs
        self.memory = path == ":memory:"
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous
        self.wal_autocheckpoint = wal_autocheckpoint
        self.state = NONE
        self.cache = {}
        self.dirty = {}
        self.journal = {}
        self.savepoints = []
        self.file = None
        self.wal = None
        self.page_size = page_size
        self.reserved = reserved
        self.usable_size = page_size - reserved
        self.page_count = 0
        self._orig_page_count = 0
        self._db_locked = False
        self._want_checkpoint = False
        self.cache_size = cache_size
        if not self.memory:
            self._open_files()

    # -- opening and closing ------------------------------------------------

    def _open_files(self):
        from .wal import Wal
        self.file = self.vfs.open(self.path, readonly=self.readonly)
        # Hold SHARED on the database file for the connection's lifetime, as
        # SQLite does in WAL mode: a sqlite3 connection that closes while no
        # one else holds it believes it is the last and deletes the WAL.
        self._lock_shared()
        head = self.file.read(0, fmt.HEADER_SIZE)
        if head:
            hdr = fmt.DbHeader.unpack(head.ljust(fmt.HEADER_SIZE, b"\0"))
            self._set_page_size(hdr.page_size, hdr.reserved)
        self.wal = Wal(self.vfs, self.path, self.file, readonly=self.readonly,
                       page_size=self.page_size)

    def _lock_shared(self):
        deadline = time.monotonic() + self.busy_timeout
        while True:
            # SHARED = read-lock PENDING, read-lock the SHARED range, unlock
            # PENDING: a writer holding PENDING keeps new readers out.
            if self.file.lock(fmt.PENDING_BYTE, 1, False):
                ok = self.file.lock(fmt.SHARED_FIRST, fmt.SHARED_SIZE, False)
                self.file.unlock(fmt.PENDING_BYTE, 1)
                if ok:
                    self._db_locked = True
                    return
            if time.monotonic() >= deadline:
                raise errors.busy()
            time.sleep(0.001)

    def _set_page_size(self, page_size, reserved):
        self.page_size = page_size
        self.reserved = reserved
        self.usable_size = page_size - reserved

    def set_page_size(self, page_size):
        """PRAGMA page_size: only effective while the database is empty."""
        if fmt.valid_page_size(page_size) and self.page_count == 0 and not self.cache:
            self._set_page_size(page_size, self.reserved)
            if self.wal is not None:
                self.wal.page_size = page_size

    def set_reserved(self, reserved):
        if self.page_count == 0 and not self.cache:
            self._set_page_size(self.page_size, reserved)

    def close(self):
        if self.state == WRITE:
            self.rollback()
        if self.state == READ:
            self.end_read()
        if self.file is not None:
            # The last connection (it can take EXCLUSIVE on the database file)
            # checkpoints and removes the WAL and wal-index, as SQLite does.
            last = False
            if not self.readonly and self.file.lock(fmt.PENDING_BYTE, 1, True):
                last = self.file.lock(fmt.SHARED_FIRST, fmt.SHARED_SIZE, True)
            try:
                self.wal.close(last)
            finally:
                self.file.close()
                self.file = None
        self.cache.clear()

    # -- read transactions --------------------------------------------------

    def begin_read(self):
        if self.state != NONE:
            return
        if self.memory:
            self.state = READ
            return
        changed = self._busy_retry(self.wal.begin_read)
        if changed:
            self.cache.clear()
        self.state = READ
        self.page_count = self._snapshot_page_count()

    def _snapshot_page_count(self):
        n = self.wal.db_size()
        if n:
            return n
        size = self.file.size()
        if size < fmt.HEADER_SIZE:
            return 0
        hdr = fmt.DbHeader.unpack(self.file.read(0, fmt.HEADER_SIZE))
        if hdr.page_size != self.page_size or hdr.reserved != self.reserved:
            self._set_page_size(hdr.page_size, hdr.reserved)
            self.wal.page_size = hdr.page_size
            self.cache.clear()
        real = size // self.page_size
        if hdr.size_is_trusted():
            if hdr.page_count > real:
                raise errors.corrupt(
                    f"header says {hdr.page_count} pages, file holds {real}")
            return hdr.page_count
        return real

    def end_read(self):
        if self.state == WRITE:
            raise errors.InternalError("end_read inside a write transaction")
        if self.state == READ and not self.memory:
            self.wal.end_read()
        self.state = NONE
        if self._want_checkpoint:
            self._want_checkpoint = False
            try:
                self.wal.checkpoint("PASSIVE", self.synchronous)
            except errors.OperationalError:
                pass  # busy: a later commit tries again

    # -- write transactions -------------------------------------------------

    def begin_write(self):
        if self.readonly:
            raise errors.readonly()
        if self.state == NONE:
            self.begin_read()
        if self.state == WRITE:
            return
        if not self.memory:
            self._busy_retry(self.wal.begin_write)
        self.state = WRITE
        self._orig_page_count = self.page_count

    def commit(self):
        if self.state != WRITE:
            return
        if self.dirty:
            if self.page_count != self._orig_page_count or 1 in self.dirty:
                self._stamp_page1()
            if not self.memory:
                try:
                    self._write_dirty()
                except BaseException:
                    self.rollback()
                    raise
        self._finish_write()
        if not self.memory:
            self.wal.end_write()
            # Like SQLite's wal hook: checkpoint once the read mark is gone.
            self._want_checkpoint = (self.wal_autocheckpoint > 0 and
                                     self.wal.frame_count() >= self.wal_autocheckpoint)
        self.state = READ

    def _write_dirty(self):
        if self.page_count and self.file.size() == 0:
            self._write_first_page()
        pages = [(pgno, bytes(self.dirty[pgno].data)) for pgno in sorted(self.dirty)]
        self.wal.write_frames(pages, self.page_count, self.synchronous)

    def _write_first_page(self):
        """A new database gets a 1-page image in the main file before any WAL
        frame, as SQLite writes it (see invariant 4)."""
        page1 = self.dirty.get(1) or self.cache[1]
        img = bytearray(page1.data)
        fmt.U32.pack_into(img, fmt.OFF_PAGE_COUNT, 1)
        self.file.write(0, bytes(img))
        if self.synchronous:
            self.file.sync()
            self.vfs.sync_directory(self.path)

    def _stamp_page1(self):
        page1 = self.get(1)
        self.write(page1)
        d = page1.data
        counter = (fmt.U32.unpack_from(d, fmt.OFF_CHANGE_COUNTER)[0] + 1) & 0xFFFFFFFF
        fmt.U32.pack_into(d, fmt.OFF_CHANGE_COUNTER, counter)
        fmt.U32.pack_into(d, fmt.OFF_PAGE_COUNT, self.page_count)
        fmt.U32.pack_into(d, fmt.OFF_VERSION_VALID_FOR, counter)
        fmt.U32.pack_into(d, fmt.OFF_VERSION_NUMBER, fmt.SQLITE_VERSION_NUMBER)

    def _finish_write(self):
        for page in self.dirty.values():
            page.dirty = False
        self.dirty.clear()
        self.journal.clear()
        self.savepoints.clear()
        self._shrink_cache()

    def rollback(self):
        if self.state != WRITE:
            return
        self._restore(self.journal)
        self.page_count = self._orig_page_count
        self.dirty.clear()
        self.journal.clear()
        self.savepoints.clear()
        if not self.memory:
            self.wal.end_write()
        self.state = READ

    def _restore(self, images):
        for pgno, img in images.items():
            page = self.cache.get(pgno)
            if page is None:
                continue
            if img is None:          # appended by the rolled-back work
                del self.cache[pgno]
                self.dirty.pop(pgno, None)
                page.extra = None
            else:
                page.data[:] = img
                page.extra = None

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

    def rollback_to(self, depth):
        """Undo everything since savepoint ``depth`` was opened; it stays open."""
        while len(self.savepoints) > depth:
            self.release(len(self.savepoints))
        images, count = self.savepoints[depth - 1]
        self._restore(images)
        self.page_count = count
        images.clear()

    # -- pages --------------------------------------------------------------

    def get(self, pgno):
        page = self.cache.get(pgno)
        if page is not None:
            return page
        if pgno < 1 or pgno > self.page_count:
            raise errors.corrupt(f"page {pgno} is outside the database "
                                 f"({self.page_count} pages)")
        page = Page(pgno, self._read(pgno))
        if len(self.cache) >= self._cache_limit():
            self._shrink_cache()
        self.cache[pgno] = page
        return page

    def _read(self, pgno):
        if self.memory:
            return bytearray(self.page_size)
        frame = self.wal.find_frame(pgno)
        if frame:
            data = self.wal.read_frame(frame)
        else:
            data = self.file.read((pgno - 1) * self.page_size, self.page_size)
        if len(data) != self.page_size:
            # Beyond the end of the file but within the snapshot's page count
            # can only mean the file was truncated under us.
            raise errors.corrupt(f"page {pgno}: short read ({len(data)} bytes)")
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
        img = bytes(page.data)
        self.journal.setdefault(page.pgno, img)
        if self.savepoints:
            self.savepoints[-1][0].setdefault(page.pgno, img)
        page.dirty = True
        self.dirty[page.pgno] = page
        self.cache[page.pgno] = page

    def append(self):
        """Grow the database by one zeroed page and return it, writable.  The
        lock-byte page is skipped: it may never hold data."""
        if self.state != WRITE:
            raise errors.InternalError("page appended outside a write transaction")
        pgno = self.page_count + 1
        if pgno == fmt.lock_byte_page(self.page_size):
            pgno += 1
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
        for pgno in [p for p in self.cache if p > page_count]:
            page = self.cache.pop(pgno)
            self.dirty.pop(pgno, None)
            page.extra = None
        self.page_count = page_count

    # -- cache bounding -----------------------------------------------------

    def set_cache_size(self, n):
        self.cache_size = n

    def _cache_limit(self):
        if self.memory:
            return sys.maxsize
        n = self.cache_size
        if n < 0:
            n = (-n * 1024) // (self.page_size + 200)   # per-page overhead, as SQLite
        return max(n, 10)

    def _shrink_cache(self):
        """Evict clean, unreferenced pages, oldest first, down to 3/4 of the
        limit (so the scan is amortised over many reads)."""
        limit = self._cache_limit()
        if len(self.cache) < limit:
            return
        target = limit * 3 // 4
        excess = len(self.cache) - target
        victims = []
        getrefcount = sys.getrefcount
        for pgno, page in self.cache.items():
            # Referenced by: the dict, the loop variable, getrefcount's
            # argument.  Anything more is a cursor holding the page.
            if not page.dirty and getrefcount(page) <= 3:
                victims.append(pgno)
                if len(victims) >= excess:
                    break
        for pgno in victims:
            del self.cache[pgno]

    # -- checkpoint and locking helpers -------------------------------------

    def checkpoint(self, mode="PASSIVE"):
        if self.memory:
            return (0, -1, -1)
        if self.state == WRITE:
            raise errors.OperationalError("database table is locked")
        return self.wal.checkpoint(mode, self.synchronous,
                                   busy_handler=self._busy_handler())

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
                if e.sqlite_errorcode != errors.SQLITE_BUSY:
                    raise
                if retry is None:
                    retry = self._busy_handler()
                if not retry():
                    raise

    @property
    def in_write(self):
        return self.state == WRITE


def database_exists(path):
    return path != ":memory:" and os.path.exists(path) and os.path.getsize(path) > 0
