"""The write-ahead log: the ``-wal`` file and SQLite's WAL protocol.

A transaction commits by appending one frame per changed page to the WAL,
the last frame carrying the database size ("commit frame"), then publishing
the new ``mxFrame`` in the wal-index header (walindex.py).  Readers pin a
snapshot (an mxFrame) with a read mark; a checkpoint copies frames that no
reader still needs back into the database file; once everything is copied
and nobody reads the WAL, the next writer restarts it from the top with new
salts.  All of it is SQLite's wal.c protocol, so sqlite3 connections and
minisql connections share one database live.

-wal file (all integers big-endian)::

    header, 32 bytes:
       0 magic 0x377F0682 (checksum words little-endian) / 0x377F0683 (big)
       4 format version 3007000
       8 page size (65536 stored as is)
      12 checkpoint sequence (the writing connection's own counter)
      16 salt-1 (+1 at every restart)     20 salt-2 (random at every restart)
      24 checksum-1, 28 checksum-2 over bytes 0..23
    frame n (1-based) at 32 + (n-1)*(page size + 24):
       0 page number           4 commit: db size in pages, 0 if not last
       8 salt-1, 12 salt-2 (must equal the header's)
      16 checksum-1, 20 checksum-2: cumulative over the header, every
         earlier frame, bytes 0..7 of this frame header and its page
      24 the page image

Checksum: words of the input (byte order chosen by the magic's low bit)
taken in pairs: s0 += w[i] + s1; s1 += w[i+1] + s0  (mod 2**32).  Written
as a single sequence z[n] = z[n-1] + z[n-2] + w[n], it is linear, so
(s0, s1) after n words are Fibonacci-weighted sums of the words; the page
routine below evaluates those sums with a few dozen wide-integer operations
instead of one Python step per word (see ``_PageChecksum``).  Linearity
also lets a writer update a page's sum from the last image of that page it
wrote (kept for a few recently committed pages, ``Wal._sums``): only the
32-byte spans that differ are reweighted, which is what a page committed
again with a row changed needs.  A page spilled, evicted, read back from
its frame and changed again is long gone from ``_sums``: for it the pager
passes that frame's image along (``write_frames`` ``bases``), and the
writer keeps just the expansion of each page's newest spilled frame
(``Wal._spill_sums``, two ints a page, at most _SPILL_SUMS pages, dropped
at the end of the write transaction).

Which frames count (recovery): frames are read in order while the page
number is non-zero, the salts match and the checksum chain holds; the log
ends at the last such frame with a commit field.  A torn, stale or damaged
tail is therefore ignored, never half-applied.

States of one connection (``Wal``):
    no snapshot     read_lock == -1
    reading         read_lock 0 (WAL ignored: everything was backfilled) or
                    1..4 (pinned on aReadMark[i] <= its mxFrame)
    writing         reading + WRITE held; the snapshot must be the newest
                    header (else SQLITE_BUSY_SNAPSHOT).  The transaction
                    may write frames before its commit frame (the pager
                    spills pages when its cache is full): they continue
                    the checksum chain after mxFrame (_wr_last, _wr_cksum)
                    and are indexed, but mxFrame stays where it was until
                    the commit frame is written, so they are visible to no
                    one else, and a rollback or crash simply abandons them.

Invariants:
  1. Frames are written (and, under synchronous=FULL, synced) before the
     header that makes them visible; on an I/O error nothing is
     published.  The published mxFrame is always a commit frame, so
     neither readers nor checkpoints (which copy at most mxFrame) ever use
     a frame of an uncommitted transaction.  Wal-index entries past
     mxFrame may exist (a spilling writer's, a committing writer's before
     its sync, or a dead writer's); readers ignore them and the next
     writer clears them.
  2. A checkpoint never copies a frame beyond any reader's mark
     (mxSafeFrame), and sets nBackfill only after the copies are written
     (and synced, unless synchronous=OFF).
  3. The WAL restarts only when nBackfill == mxFrame and no reader holds
     READ1..4, with salt-1 + 1 and a new salt-2, so old frames beyond the
     new end can never validate again.
  4. sync levels (formats doc section 5): OFF never syncs; NORMAL syncs
     the WAL after a new header and before a checkpoint, and the db file
     after a complete checkpoint; FULL also syncs the WAL at every commit.
"""

import bisect
import operator
import os
import struct
import sys
import time
from itertools import compress

from .. import errors
from . import walindex as wi
from .walindex import IndexHeader, WalIndex, wal_checksum

WAL_MAGIC = 0x377F0682
WAL_VERSION = 3007000
WAL_HDR = struct.Struct(">IIII8sII")   # magic, version, page size, seq, salts, cksum
assert WAL_HDR.size == 32
FRAME_HDR = struct.Struct(">II8sII")   # pgno, commit, salts, cksum
assert FRAME_HDR.size == 24
_PAIR = struct.Struct(">II")
_LE_PAIR = struct.Struct("<II")
NATIVE_BIG = int(sys.byteorder == "big")

SYNC_OFF, SYNC_NORMAL, SYNC_FULL = 0, 1, 2
PASSIVE, FULL, RESTART, TRUNCATE = 0, 1, 2, 3
MODES = {"PASSIVE": PASSIVE, "FULL": FULL, "RESTART": RESTART, "TRUNCATE": TRUNCATE}

_RETRY = object()            # walTryBeginRead's WAL_RETRY
_SUMS_BYTES = 1 << 18        # page images kept for incremental checksums
_SPILL_SUMS = 1 << 14        # spilled pages whose frame expansion is kept
_M32 = 0xFFFFFFFF


# -- checksums ------------------------------------------------------------

def _fib_mod32(n):
    f = [0, 1]
    for _ in range(n):
        f.append((f[-1] + f[-2]) & _M32)
    return f


class _PageChecksum:
    """The WAL checksum of one page, chained from (s0, s1), exact.

    Algebra: map the state to s1*x + s0 in R = Z[x]/(x^2 - x - 1, 2^32).
    Each word does state = (state + w) * x, so a page of n words gives
    state * x^n + E with E = sum(w[i] * x^(n-i)); and x^k = F(k)x + F(k-1)
    (Fibonacci numbers), which makes the final combination cheap.

    E is computed in c lanes: the page is read as rows of c consecutive
    words; lane r accumulates the words of column r by Horner's rule in
    y = x^c.  Since y^2 = L(c)*y - 1 (c even, L = Lucas number), a Horner
    step on a lane pair (a, b) meaning a*y + b is
        a' = a*L + b,   b' = w - a
    which is done for all c lanes at once on one Python int holding c lanes
    of 72 bits (products never exceed 66 bits, so lanes do not interact);
    lanes are masked back to 32 bits each row.  Finally lane r is weighted
    by x^(c-r): two dot products of length c (packed weights, as below).

    ``update`` gets E of a page from E of an earlier image of it: for each
    SPAN-byte span that differs (found by comparing 256-byte chunks, then
    the spans of the chunks that differ), E += sum((new[i] - old[i]) *
    x^(n-i)), both coefficients of x^(n-i) packed into one int (F(n-i) <<
    96 | F(n-i-1)), so one dot product of the word differences per span
    gives both sums (the low one signed, below 2^95 in magnitude, so it is
    recovered from the low 96 bits of the total).
    """

    LANE = 9                   # bytes per lane: 72 bits > 66-bit worst case
    CHUNK = 256                # bytes compared first by ``update``
    SPAN = 32                  # bytes reweighted together by ``update``
    MAX_SPANS = 12             # beyond this many changed spans, recompute

    def __init__(self, page_size, big_endian):
        n = page_size // 4
        c = 16 if n <= 256 else 32 if n <= 2048 else 64
        lb = self.LANE
        self.n, self.c, self.row = n, c, lb * c
        self.big = big_endian
        self.mask = int.from_bytes((b"\xff" * 4 + b"\0" * (lb - 4)) * c, "little")
        self.two32 = int.from_bytes((b"\0" * 4 + b"\x01" + b"\0" * (lb - 5)) * c, "little")
        f = _fib_mod32(max(n, 2 * c) + 2)
        self.lucas = (f[c + 1] + f[c - 1]) & _M32
        # x^(2c-r) weights lane a-values, x^(c-r) lane b-values; both
        # coefficients of x^k (F(k) x + F(k-1)) packed into one int, as for
        # ``update``, so that one dot product per lane vector gives both.
        self.wa = [(f[2 * c - r] << 96) | f[2 * c - r - 1] for r in range(c)]
        self.wb = [(f[c - r] << 96) | f[c - r - 1] for r in range(c)]
        self.lanes = struct.Struct("<" + ("I%dx" % (lb - 4)) * c).unpack
        self.fn, self.fn1 = f[n], f[n - 1]      # x^n = F(n) x + F(n-1)
        w = self.SPAN // 4
        self.span_words = struct.Struct((">" if big_endian else "<") + "%dI" % w).unpack_from
        weights = [(f[n - i] << 96) | f[n - i - 1] for i in range(n)]
        self.span_weights = [weights[i:i + w] for i in range(0, n, w)]
        # ``update`` cuts both images into chunks, and a differing chunk
        # into spans, with one unpack each, and compares them pairwise with
        # map(): no Python step per chunk or span that did not change.
        # Spans are numbered across the page (span_ids[i]: those of chunk
        # i); span_mask gives a span's position in its chunk.
        ch, sp = self.CHUNK, self.SPAN
        per = ch // sp
        assert per & (per - 1) == 0
        self.span_mask = per - 1
        self.chunk_ids = range(page_size // ch)
        self.span_ids = [range(i * per, (i + 1) * per) for i in self.chunk_ids]
        self.chunks = struct.Struct("%ds" % ch * (page_size // ch)).unpack
        self.spans = struct.Struct("%ds" % sp * per).unpack

    def __call__(self, data, s0, s1):
        return self.chain(self.expansion(data), s0, s1)

    def chain(self, e, s0, s1):
        """The checksum of a page with expansion ``e`` chained from (s0, s1)."""
        e1, e0 = e
        p, q = self.fn, self.fn1
        # (s1 x + s0) * (p x + q) + (e1 x + e0); x^2 = x + 1.
        return (s1 * p + s0 * q + e0) & _M32, (s1 * (p + q) + s0 * p + e1) & _M32

    def update(self, e, old, new):
        """The expansion of ``new`` from ``e``, that of ``old`` (both bytes,
        of the same size); None if so many spans differ that ``expansion``
        is cheaper."""
        return self.update_chunks(e, self.chunks(old), new)[0]

    def update_chunks(self, e, old, new):
        """``update`` from ``old`` cut into chunks (``chunks``); returns
        (the expansion or None, ``new`` cut into chunks).  A writer keeps a
        committed page as its chunks: they are the next commit's ``old``,
        so each image is cut (and copied) once."""
        new = self.chunks(new)
        if old == new:
            return e, new
        words, weights, spans = self.span_words, self.span_weights, self.spans
        mul, sub = operator.mul, operator.sub
        span_ids, mask, sp = self.span_ids, self.span_mask, self.SPAN
        budget = self.MAX_SPANS
        # t = d1 << 96 + d0 summed over the differing spans, d0 signed and
        # of magnitude < 2**95 (at most n products of 32-bit numbers).
        t = 0
        for i in compress(self.chunk_ids, map(operator.ne, old, new)):
            o, n = old[i], new[i]
            for j in compress(span_ids[i], map(operator.ne, spans(o), spans(n))):
                budget -= 1
                if budget < 0:
                    return None, new
                b = (j & mask) * sp
                t += sum(map(mul, map(sub, words(n, b), words(o, b)), weights[j]))
        half = 1 << 95
        d0 = ((t + half) & ((1 << 96) - 1)) - half
        e1, e0 = e
        e1 += (t - d0) >> 96
        e0 += d0
        return (e1 & _M32, e0 & _M32), new

    def expansion(self, data):
        """E = e1 x + e0 of a page image, as (e1, e0)."""
        lb = self.LANE
        buf = bytearray(lb * self.n)
        if self.big:
            buf[3::lb] = data[0::4]
            buf[2::lb] = data[1::4]
            buf[1::lb] = data[2::4]
            buf[0::lb] = data[3::4]
        else:
            buf[0::lb] = data[0::4]
            buf[1::lb] = data[1::4]
            buf[2::lb] = data[2::4]
            buf[3::lb] = data[3::4]
        mv = memoryview(buf)
        row = self.row
        frombytes = int.from_bytes
        lucas, mask, two32 = self.lucas, self.mask, self.two32
        a = 0
        b = frombytes(mv[:row], "little")
        for off in range(row, len(buf), row):
            a, b = (a * lucas + b) & mask, two32 - a + frombytes(mv[off:off + row], "little")
        mul = operator.mul
        # Lane values < 2^32, weights' low halves < 2^32: the low sum stays
        # far below 2^96 and never reaches the high half.
        t = sum(map(mul, self.lanes(a.to_bytes(row, "little")), self.wa)) + \
            sum(map(mul, self.lanes((b & mask).to_bytes(row, "little")), self.wb))
        return (t >> 96) & _M32, t & _M32


_page_checksums = {}


def _checksummer(page_size, big_endian):
    key = (page_size, big_endian)
    fn = _page_checksums.get(key)
    if fn is None:
        fn = _page_checksums[key] = _PageChecksum(page_size, big_endian)
    return fn


def page_checksum(data, s0, s1, big_endian):
    """Checksum of a page image (any power-of-two size >= 512) chained from
    (s0, s1); equal to ``wal_checksum(data, s0, s1, big_endian)``."""
    return _checksummer(len(data), big_endian)(data, s0, s1)


def _frame_header_sum(pgno, commit, s0, s1, big_endian):
    """The chain continued over a frame header's first 8 bytes (page
    number and commit field, big-endian in the file, read as words in the
    checksum's byte order)."""
    if big_endian:
        w0, w1 = pgno, commit
    else:
        w0, w1 = _LE_PAIR.unpack(_PAIR.pack(pgno, commit))
    s0 = (s0 + w0 + s1) & _M32
    return s0, (s1 + w1 + s0) & _M32


def frame_checksum(pgno, commit, page, s0, s1, big_endian):
    """Checksum stored in a frame: the chain continued over the frame
    header's first 8 bytes and its page."""
    s0, s1 = _frame_header_sum(pgno, commit, s0, s1, big_endian)
    return page_checksum(page, s0, s1, big_endian)


def _busy_snapshot():
    return errors.OperationalError("database is locked", code=errors.SQLITE_BUSY_SNAPSHOT)


class Wal:
    """One connection's use of the WAL and wal-index of database ``db_path``."""

    def __init__(self, vfs, db_path, db_file, *, readonly=False, page_size=4096):
        self.vfs = vfs
        self.db_path = db_path
        self.wal_path = db_path + "-wal"
        self.db_file = db_file
        self.readonly = readonly
        self.page_size = page_size
        self.index = WalIndex(vfs, db_path + "-shm")
        self.wal_file = None
        self._dir_sync_pending = False
        self.hdr = None            # snapshot header (IndexHeader) or None
        self.read_lock = -1
        self.write_lock = False
        self.ckpt_lock = False
        self.min_frame = 1
        self.n_ckpt = 0            # this connection's checkpoint sequence
        self._changed = False
        self._prev_hdr = None      # header of the previous snapshot
        self._last_lock = -1       # read lock of the previous snapshot
        # pgno -> its frames (ascending) among frames 1.._mapped of the WAL
        # generation with salts _map_salt, read from the wal-index's aPgno.
        # Committed aPgno entries never change until the log restarts
        # (which changes the salts), so the map only ever grows.
        self._map = {}
        self._mapped = 0
        self._map_salt = None
        # Writer-local: the open write transaction's frames, past the
        # published mxFrame.  _wr_hdr is the header its commit will publish
        # (new salts if it started the log), None until it writes a frame;
        # _wr_last and _wr_cksum continue the frame checksum chain.
        self._wr_hdr = None
        self._wr_last = 0
        self._wr_cksum = (0, 0)
        # pgno -> (checksummer, image cut into its chunks, its expansion)
        # of the last frames written, newest last: ``update`` starts from
        # them (module comment).
        self._sums = {}
        self._framing = (None, None)    # see _framing_for
        # Write transaction: pgno -> (frame, expansion of its image) for the
        # newest frame it spilled of each page, oldest spill first.
        self._spill_sums = {}

    # -- the -wal file -----------------------------------------------------

    def _open_wal(self, create):
        """Open the -wal lazily: it may not exist until the first frame is
        written (an empty -wal next to an empty database would be deleted
        by a sqlite3 opener)."""
        if self.wal_file is None:
            exists = self.vfs.exists(self.wal_path)
            if not exists and (not create or self.readonly):
                return None
            self.wal_file = self.vfs.open(self.wal_path, readonly=self.readonly)
            self._dir_sync_pending = not exists
        return self.wal_file

    def _sync_wal(self):
        self.wal_file.sync()
        if self._dir_sync_pending:
            # First sync of a -wal we created: make its directory entry
            # durable too (SQLite's UNIXFILE_DIRSYNC).
            self._dir_sync_pending = False
            self.vfs.sync_directory(self.wal_path)

    def _wal_file_for_read(self):
        f = self._open_wal(False)
        if f is None:
            raise errors.corrupt("wal-index describes frames but there is no -wal file")
        return f

    # -- reading the wal-index header (walIndexReadHdr) --------------------

    def _read_index_header(self):
        h = self.index.try_header(self.hdr)
        if h is None:
            had_write = self.write_lock
            if not had_write and not self.index.lock(wi.WRITE, 1, True):
                raise errors.busy()
            try:
                self.index.block(0, extend=True)
                h = self.index.try_header()
                if h is None:
                    h = self._recover()
                    self._changed = True
            finally:
                if not had_write:
                    self.index.unlock(wi.WRITE)
        if h.version != wi.VERSION:
            raise errors.cantopen()
        if self.hdr is None or h.raw != self.hdr.raw:
            self._changed = True
            self.hdr = h

    # -- recovery (walIndexRecover) ----------------------------------------

    def _recover(self):
        """Rebuild the wal-index from the -wal.  Caller holds WRITE."""
        first = wi.CKPT + (1 if self.ckpt_lock else 0)
        if not self.index.lock(first, wi.READ0 - first, True):
            raise errors.busy()
        try:
            return self._rebuild_index()
        finally:
            self.index.unlock(first, wi.READ0 - first)

    def _rebuild_index(self):
        mx_frame = n_page = page_size = big = 0
        frame_cksum = (0, 0)
        salt = bytes(8)
        pgnos = []
        f = self._open_wal(False)
        size = f.size() if f is not None else 0
        if size > WAL_HDR.size:
            raw = f.read(0, WAL_HDR.size)
            magic, version, ps, seq, hsalt, c0, c1 = WAL_HDR.unpack(raw)
            if (magic & ~1) == WAL_MAGIC and ps & (ps - 1) == 0 and 512 <= ps <= 65536:
                big = magic & 1
                salt = hsalt
                self.n_ckpt = seq
                chain = wal_checksum(raw[:24], big_endian=bool(big))
                if chain == (c0, c1):
                    if version != WAL_VERSION:
                        raise errors.cantopen()
                    pgnos, mx_frame, n_page, frame_cksum = self._scan(f, size, ps, big, salt, chain)
                    page_size = ps if mx_frame else 0
        # Index every valid frame (committed or not, as SQLite does).
        k = 0
        while wi.izero(k) < len(pgnos):
            lo = wi.izero(k)
            hi = min(len(pgnos), wi.izero(k + 1))
            self.index.store_block(k, pgnos[lo:hi])
            k += 1
        h = IndexHeader.build(change=0, big_end=big, page_size=page_size,
                              mx_frame=mx_frame, n_page=n_page,
                              frame_cksum=frame_cksum, salt=salt)
        self.index.write_header(h)
        self.index.nbackfill = 0
        self.index.nbackfill_attempted = mx_frame
        self.index.set_read_mark(0, 0)
        for i in range(1, wi.NREADER):
            if self.index.lock(wi.READ(i), 1, True):
                self.index.set_read_mark(i, mx_frame if i == 1 and mx_frame else wi.NOT_USED)
                self.index.unlock(wi.READ(i))
        return h

    @staticmethod
    def _scan(f, size, ps, big, salt, chain):
        """Validate frames in order; returns (page numbers of all valid
        frames, last commit frame, its db size, its checksum)."""
        fsz = ps + FRAME_HDR.size
        last = (size - WAL_HDR.size) // fsz
        pgnos = []
        mx_frame = n_page = 0
        frame_cksum = (0, 0)
        s0, s1 = chain
        batch = max(1, (1 << 20) // fsz)
        frame = 1
        while frame <= last:
            n = min(batch, last - frame + 1)
            buf = f.read(WAL_HDR.size + (frame - 1) * fsz, n * fsz)
            for i in range(len(buf) // fsz):
                off = i * fsz
                pgno, commit, fsalt, c0, c1 = FRAME_HDR.unpack_from(buf, off)
                if fsalt != salt or pgno == 0:
                    return pgnos, mx_frame, n_page, frame_cksum
                s0, s1 = frame_checksum(pgno, commit, buf[off + 24:off + fsz], s0, s1, big)
                if (s0, s1) != (c0, c1):
                    return pgnos, mx_frame, n_page, frame_cksum
                pgnos.append(pgno)
                if commit:
                    mx_frame, n_page, frame_cksum = frame + i, commit, (s0, s1)
            if len(buf) < n * fsz:
                break
            frame += n
        return pgnos, mx_frame, n_page, frame_cksum

    # -- read transactions -------------------------------------------------

    def begin_read(self):
        """Take a snapshot and a read mark.  Returns True if the database may
        differ from this connection's previous snapshot (drop the cache).
        Raises a busy error if it cannot (the caller's busy handler may
        retry)."""
        assert self.read_lock < 0
        if self._begin_read_again():
            return False
        self._changed = False
        self._prev_hdr = self.hdr
        cnt = 0
        while True:
            cnt += 1
            if self._try_begin_read(cnt, False) is not _RETRY:
                return self._changed

    def changed_pages(self):
        """After a ``begin_read`` that reported a change: the pages that may
        differ from the previous snapshot's, or None if any may.  Within one
        WAL generation (same salts; salt-1 grows at every restart) frames
        are only appended, and a frame's page is the same whether read from
        the WAL or, once backfilled, from the database file -- so only the
        pages of the frames between the two mxFrames changed."""
        prev, h = self._prev_hdr, self.hdr
        if prev is None or prev.salt != h.salt or h.mx_frame < prev.mx_frame:
            return None
        return set(self.index.page_numbers(prev.mx_frame + 1, h.mx_frame))

    def _begin_read_again(self):
        """Fast path of walTryBeginRead for the common case: the header is
        still the one of our previous snapshot, so reading it again would
        find it unchanged.  If the read lock we used then still fits it
        (READ0 with everything backfilled, or a mark equal to mxFrame), take
        that lock again; else pin a mark as the general path does (after
        our own commit: our mark is the previous mxFrame).  Same checks,
        same order, fewer steps; False means "take the general path"."""
        h = self.hdr
        i = self._last_lock
        index = self.index
        if h is None or i < 0 or not index.maps:
            return False
        mm, _, u32, _ = index.maps[0]
        if mm[0:96] != h.raw2:
            return False
        mx = h.mx_frame
        if i == 0:
            if u32[wi.NBACKFILL_U32] != mx:
                return False                       # nBackfill moved
        # READ0 is preferred whenever it applies (readers on marks keep the
        # WAL from restarting), so only a mark == mxFrame with frames still
        # to backfill takes this path.
        elif u32[wi.NBACKFILL_U32] == mx:
            return False
        elif u32[wi.READMARK_U32 + i] != mx:
            return self._pin_mark(h, u32) is not _RETRY
        try:
            index.take_read[i]()
        except OSError:
            return False                           # busy: the general path decides
        if i:
            self.min_frame = u32[wi.NBACKFILL_U32] + 1
        if mm[0:48] != h.raw or (i and u32[wi.READMARK_U32 + i] != mx):
            index.drop_read[i]()
            return False
        self.read_lock = i
        return True

    def _try_begin_read(self, cnt, use_wal):
        """walTryBeginRead; returns _RETRY or None."""
        if cnt > 5:
            if cnt > 100:
                raise errors.OperationalError("locking protocol", code=errors.SQLITE_PROTOCOL)
            time.sleep(1e-6 if cnt < 10 else (cnt - 9) ** 2 * 39e-6)
        index = self.index
        if not use_wal:
            try:
                self._read_index_header()
            except errors.OperationalError as e:
                if e.sqlite_errorcode != errors.SQLITE_BUSY:
                    raise
                if not index.maps:
                    return _RETRY
                if index.lock(wi.RECOVER, 1, False):
                    index.unlock(wi.RECOVER)
                    return _RETRY
                raise errors.OperationalError("database is locked", code=errors.SQLITE_BUSY_RECOVERY)
        hdr = self.hdr
        if not use_wal and index.nbackfill == hdr.mx_frame:
            # Everything is in the database file: read it, ignore the WAL.
            if index.lock(wi.READ0, 1, False):
                if index.live_raw() != hdr.raw:
                    index.unlock(wi.READ0)
                    return _RETRY
                self.read_lock = 0
                return None
        return self._pin_mark(hdr, index.maps[0][2])

    def _pin_mark(self, hdr, u32):
        """walTryBeginRead from the choice of a read mark on (formats doc
        3.3, steps 3-4): ``hdr`` was just read and nBackfill < its mxFrame
        (or READ0 was busy); ``u32`` is block 0's u32 view.  Locks go
        through the index's C-level lock callables; one that fails is tried
        once more through ``lock``, which tells busy from an I/O error."""
        index = self.index
        mx = hdr.mx_frame
        marks = u32[wi.READMARK_U32 + 1:wi.READMARK_U32 + wi.NREADER].tolist()  # 1..4
        # The largest mark <= mxFrame (the last of equal ones); if it is
        # below mxFrame (always, right after our own commit), claim one.
        if mx in marks:
            best_mark, best = mx, wi.NREADER - 1 - marks[::-1].index(mx)
        else:
            best_mark = best = 0
            for i in range(1, wi.NREADER):
                try:
                    index.claim_read[i]()
                except OSError:
                    if not index.lock(wi.READ(i), 1, True):
                        continue
                u32[wi.READMARK_U32 + i] = mx
                best_mark, best = mx, i
                index.drop_read[i]()
                break
            else:
                for i, m in enumerate(marks, 1):
                    if best_mark <= m <= mx:
                        best_mark, best = m, i
                if best == 0:
                    return _RETRY
        try:
            index.take_read[best]()
        except OSError:
            if not index.lock(wi.READ(best), 1, False):
                return _RETRY
        self.min_frame = u32[wi.NBACKFILL_U32] + 1
        if u32[wi.READMARK_U32 + best] != best_mark or index.maps[0][0][0:48] != hdr.raw:
            index.drop_read[best]()
            return _RETRY
        self.read_lock = best
        if mx != self._mapped or hdr.salt != self._map_salt:
            self._sync_map()
        return None

    def _sync_map(self, h=None, tail=None):
        """Bring the page -> frames map up to the snapshot's mxFrame (of
        header ``h``, by default the snapshot's).  ``tail``: page numbers
        of the snapshot's last frames, if the caller has them (a commit);
        used when they are exactly the ones missing."""
        if h is None:
            h = self.hdr
        if h.salt != self._map_salt or h.mx_frame < self._mapped:
            self._map = {}
            self._mapped = 0
            self._map_salt = h.salt
        first = self._mapped + 1
        if h.mx_frame >= first:
            m = self._map
            if tail is None or len(tail) != h.mx_frame - first + 1:
                tail = self.index.page_numbers(first, h.mx_frame)
            for frame, pgno in enumerate(tail, first):
                frames = m.get(pgno)
                if frames is None:
                    m[pgno] = [frame]
                else:
                    frames.append(frame)
            self._mapped = h.mx_frame

    def end_read(self):
        if self.write_lock:
            self.end_write()
        i = self._last_lock = self.read_lock
        if i >= 0:
            self.index.drop_read[i]()
            self.read_lock = -1

    def db_size(self):
        """Database size in pages of the snapshot if the WAL holds any of it,
        else 0 (then the database file's size applies)."""
        h = self.hdr
        return h.n_page if h is not None and h.mx_frame else 0

    def snapshot_page_size(self):
        """Page size recorded with the snapshot's frames, or 0 if none."""
        h = self.hdr
        return h.page_size if h is not None and h.mx_frame else 0

    def find_frame(self, pgno):
        """Newest frame within the snapshot holding ``pgno``, or 0 (then the
        page comes from the database file).  Frames before min_frame were
        backfilled already, so the file holds what they held."""
        if self.read_lock <= 0:
            return 0
        frames = self._map.get(pgno)
        if not frames:
            return 0
        f = frames[-1]
        if f > self.hdr.mx_frame:
            i = bisect.bisect_right(frames, self.hdr.mx_frame)
            if not i:
                return 0
            f = frames[i - 1]
        return f if f >= self.min_frame else 0

    def read_frame(self, frame):
        """The page image in ``frame`` (one of the snapshot's, or one this
        connection's open write transaction wrote)."""
        ps = self.page_size
        f = self.wal_file or self._wal_file_for_read()
        return f.read(WAL_HDR.size + (frame - 1) * (ps + FRAME_HDR.size) + FRAME_HDR.size, ps)

    def frame_count(self):
        return self.hdr.mx_frame if self.hdr is not None else 0

    # -- write transactions ------------------------------------------------

    def begin_write(self):
        """Take the WAL write lock.  Busy if another writer holds it;
        SQLITE_BUSY_SNAPSHOT if our snapshot is no longer the newest."""
        if self.readonly:
            raise errors.readonly()
        assert self.read_lock >= 0 and not self.write_lock
        index = self.index
        try:
            index.take_write()
        except OSError:
            if not index.lock(wi.WRITE, 1, True):     # (busy, or raises an I/O error)
                raise errors.busy() from None
        self.write_lock = True
        if index.maps[0][0][0:48] != self.hdr.raw:
            index.drop_write()
            self.write_lock = False
            raise _busy_snapshot()

    def end_write(self):
        """Release WRITE.  Frames written but not committed (a rolled-back
        transaction that spilled) are abandoned: the next writer overwrites
        them; their wal-index entries go now (walCleanupHash, as
        sqlite3WalUndo does), though readers would ignore them anyway."""
        if self.write_lock:
            if self._wr_hdr is not None:
                mx = self.hdr.mx_frame
                if self._wr_last > mx:
                    self.index.cleanup(mx)
                if self._mapped > mx:
                    # A commit that failed at its sync had mapped its
                    # frames: map the snapshot's frames again.
                    self._map = {}
                    self._mapped = 0
                    self._sync_map()
                self._wr_hdr = None
            self._spill_sums.clear()
            self.index.drop_write()
            self.write_lock = False

    def write_frames(self, pages, n_page, sync, bases=None):
        """Append frames for ``pages``, a list of (pgno, page image), after
        those this write transaction wrote already; returns the frame
        number of the first.  ``n_page`` > 0 commits: the last frame gets
        the commit size, and the transaction's frames become visible only
        once all are written (and synced under FULL).  ``n_page`` == 0
        spills (pager.py): the frames continue the checksum chain and are
        indexed, but mxFrame is not published, so only this connection
        reads them (pager's ``spilled`` map) until a commit frame follows.
        ``bases`` may map a pgno to (frame, image): a frame this write
        transaction spilled of that page and its exact image, from which
        the new image's checksum is updated if the frame is the page's
        newest spilled one still in ``_spill_sums``."""
        assert self.write_lock and pages
        hdr = self._wr_hdr
        if hdr is None:
            if self.read_lock == 0:
                self._restart_log()
            if self.wal_file is None:
                self._open_wal(True)
            hdr = self.hdr
            if hdr.mx_frame == 0:
                hdr = self._write_wal_header(sync)
            self._wr_hdr, self._wr_last, self._wr_cksum = hdr, hdr.mx_frame, hdr.frame_cksum
        f = self.wal_file
        ps = hdr.page_size
        big = hdr.big_end
        salt = hdr.salt
        framing = self._framing
        if framing[0] != ps or framing[1] != big:
            framing = self._framing = self._framing_for(ps, big)
        _, _, summer, fn, fn1, fn2, keep, chunk = framing
        s0, s1 = self._wr_cksum
        first = self._wr_last + 1
        last_frame = first + len(pages) - 1 if n_page else 0
        # A commit keeps its images for the next commit's ``update``; a
        # spill keeps only expansions: its pages are evicted, and come back
        # with their frame's image as ``bases``.
        sums = self._sums if n_page else None
        spill_sums = None if n_page else self._spill_sums
        expansion = self._expansion
        pack, swap = _PAIR.pack, _LE_PAIR.unpack
        pack_frame = FRAME_HDR.pack
        pgnos = []
        for start in range(0, len(pages), chunk):
            part = pages[start:start + chunk] if len(pages) > chunk else pages
            out = []
            for frame, (pgno, data) in enumerate(part, first + start):
                if len(data) != ps:
                    raise errors.InternalError(
                        f"page {pgno}: {len(data)} bytes, WAL pages are {ps}")
                commit = n_page if frame == last_frame else 0
                w0, w1 = (pgno, commit) if big else swap(pack(pgno, commit))
                s0 = (s0 + w0 + s1) & _M32
                s1 = (s1 + w1 + s0) & _M32
                e, chunks = expansion(summer, pgno, data, bases.get(pgno) if bases else None)
                e1, e0 = e
                s0, s1 = (s1 * fn + s0 * fn1 + e0) & _M32, (s1 * fn2 + s0 * fn + e1) & _M32
                if spill_sums is None:
                    if len(sums) >= keep:
                        del sums[next(iter(sums))]
                    sums[pgno] = (summer, chunks or summer.chunks(data), e)
                else:
                    spill_sums.pop(pgno, None)
                    if len(spill_sums) >= _SPILL_SUMS:
                        del spill_sums[next(iter(spill_sums))]
                    spill_sums[pgno] = (frame, e)
                out.append(pack_frame(pgno, commit, salt, s0, s1))
                out.append(data)
                pgnos.append(pgno)
            f.write(WAL_HDR.size + (first + start - 1) * (ps + FRAME_HDR.size), b"".join(out))
        last = first + len(pages) - 1
        # Everything but publishing happens before the sync: index entries
        # past mxFrame are invisible (invariant 1; end_write drops them if
        # the sync fails), and code run right after a sync runs on cold
        # CPU caches, so the less of it the better.
        index = self.index
        index.append_frames(first, pgnos, self.hdr.mx_frame)
        self._wr_last, self._wr_cksum = last, (s0, s1)
        if not n_page:
            return first
        new = IndexHeader.build(change=(hdr.change + 1) & _M32, big_end=big,
                                page_size=ps, mx_frame=last, n_page=n_page,
                                frame_cksum=(s0, s1), salt=salt)
        # The frames go into this connection's page -> frames map before
        # the sync too (if the commit fails, end_write maps the snapshot
        # again).
        self._sync_map(new, pgnos)
        if sync >= SYNC_FULL:
            if self._dir_sync_pending:
                self._sync_wal()
            else:
                f.sync()
        index.write_header(new)
        self.hdr = new
        self._wr_hdr = None
        return first

    @staticmethod
    def _framing_for(page_size, big_end):
        """What ``write_frames`` derives from the page size and checksum
        byte order: (page size, big_end, checksummer, F(n), F(n-1),
        F(n+1) -- the page's x^n, for summer.chain inline --, pages kept
        in ``_sums``, frames per write)."""
        summer = _checksummer(page_size, bool(big_end))
        fn, fn1 = summer.fn, summer.fn1
        return (page_size, big_end, summer, fn, fn1, fn + fn1,
                max(2, _SUMS_BYTES // page_size),
                max(1, (1 << 20) // (page_size + FRAME_HDR.size)))

    def _expansion(self, summer, pgno, data, base):
        """The checksum expansion of ``data``, the image of ``pgno``, and
        ``data`` cut into chunks if that was done on the way (else None):
        updated from the last image of that page written (taken out of
        ``_sums``: the caller records the new one), or else from ``base``
        (frame, its image) if its expansion is known, when few chunks
        changed; else computed."""
        prev = self._sums.pop(pgno, None)
        if prev is not None and prev[0] is summer:
            e, chunks = summer.update_chunks(prev[2], prev[1], data)
            return (e if e is not None else summer.expansion(data)), chunks
        if base is not None:
            known = self._spill_sums.get(pgno)
            if known is not None and known[0] == base[0]:
                e = summer.update(known[1], base[1], data)
                if e is not None:
                    return e, None
        return summer.expansion(data), None

    def _write_wal_header(self, sync):
        """Start the -wal from frame 1 (new or restarted log)."""
        hdr = self.hdr
        salt = hdr.salt if self.n_ckpt else os.urandom(8)
        ps = self.page_size
        magic = WAL_MAGIC | NATIVE_BIG
        head = WAL_HDR.pack(magic, WAL_VERSION, ps, self.n_ckpt, salt, 0, 0)[:24]
        c = wal_checksum(head, big_endian=bool(NATIVE_BIG))
        self.wal_file.write(0, head + _PAIR.pack(*c))
        if sync >= SYNC_NORMAL:
            self._sync_wal()
        # Not published: the header reaches the wal-index with the commit.
        return hdr.replace(big_end=NATIVE_BIG, page_size=ps, frame_cksum=c, salt=salt)

    def _restart_log(self):
        """walRestartLog: a writer whose snapshot ignores the WAL (read lock
        0, so nBackfill == mxFrame) restarts the log if no reader uses it,
        then moves to a real read mark."""
        if self.read_lock != 0:
            return
        index = self.index
        if index.nbackfill > 0:
            if index.lock(wi.READ(1), wi.NREADER - 1, True):
                try:
                    self._restart_header()
                finally:
                    index.unlock(wi.READ(1), wi.NREADER - 1)
        index.unlock(wi.READ0)
        self.read_lock = -1
        cnt = 0
        while True:
            cnt += 1
            if self._try_begin_read(cnt, True) is not _RETRY:
                return

    def _restart_header(self):
        """walRestartHdr: empty log, salt-1 + 1, fresh salt-2."""
        self.n_ckpt += 1
        h = self.hdr
        salt1 = (int.from_bytes(h.salt[:4], "big") + 1) & _M32
        salt = salt1.to_bytes(4, "big") + os.urandom(4)
        new = h.replace(mx_frame=0, salt=salt)
        index = self.index
        index.write_header(new)
        self.hdr = new
        index.nbackfill = 0
        index.nbackfill_attempted = 0
        index.set_read_mark(1, 0)
        for i in range(2, wi.NREADER):
            index.set_read_mark(i, wi.NOT_USED)

    # -- checkpoint --------------------------------------------------------

    def checkpoint(self, mode, sync, busy_handler=None):
        """PRAGMA wal_checkpoint(mode): returns (busy, log, checkpointed) as
        sqlite3 does: (1, -1, -1) if another checkpoint is running."""
        if self.readonly:
            raise errors.readonly()
        assert self.read_lock < 0 and not self.write_lock
        mode = MODES[mode.upper()] if isinstance(mode, str) else mode
        busy = busy_handler if mode != PASSIVE else None
        index = self.index
        if not index.lock(wi.CKPT, 1, True):
            return (1, -1, -1)
        self.ckpt_lock = True
        eff_mode = mode
        before = self.hdr.raw if self.hdr is not None else None
        try:
            if mode != PASSIVE:
                if self._busy_lock(wi.WRITE, 1, busy):
                    self.write_lock = True
                else:
                    eff_mode, busy = PASSIVE, None
            try:
                self._read_index_header()
            except errors.OperationalError as e:
                if e.sqlite_errorcode & 0xFF == errors.SQLITE_BUSY:
                    return (1, -1, -1)
                raise
            hdr = self.hdr
            if hdr.mx_frame and hdr.page_size != self.page_size:
                raise errors.corrupt("WAL page size differs from the database's")
            ok = self._checkpoint(eff_mode, busy, sync)
            result = (0 if ok and eff_mode == mode else 1, self.hdr.mx_frame, index.nbackfill)
        finally:
            self.end_write()
            index.unlock(wi.CKPT)
            self.ckpt_lock = False
        if self.hdr is not None and self.hdr.raw != before:
            # We loaded a newer header outside a read transaction: make the
            # next begin_read report a change so the pager drops its cache.
            self.hdr = None
        return result

    def _busy_lock(self, n, count, busy):
        while not self.index.lock(n, count, True):
            if busy is None or not busy():
                return False
        return True

    def _checkpoint(self, mode, busy, sync):
        """walCheckpoint; False means SQLITE_BUSY."""
        index = self.index
        hdr = self.hdr
        ps = hdr.page_size
        if index.nbackfill < hdr.mx_frame:
            mx_safe, mx_page = hdr.mx_frame, hdr.n_page
            for i in range(1, wi.NREADER):
                y = index.read_mark(i)
                if mx_safe > y:
                    if self._busy_lock(wi.READ(i), 1, busy):
                        index.set_read_mark(i, mx_safe if i == 1 else wi.NOT_USED)
                        index.unlock(wi.READ(i))
                    else:
                        mx_safe, busy = y, None
            nbackfill = index.nbackfill
            if nbackfill < mx_safe and self._busy_lock(wi.READ0, 1, busy):
                try:
                    self._backfill(nbackfill, mx_safe, mx_page, ps, sync)
                finally:
                    index.unlock(wi.READ0)
        if mode == PASSIVE:
            return True
        if index.nbackfill < hdr.mx_frame:
            return False
        if mode >= RESTART:
            if not self._busy_lock(wi.READ(1), wi.NREADER - 1, busy):
                return False
            try:
                if mode == TRUNCATE:
                    self._restart_header()
                    if self._open_wal(False) is not None:
                        self.wal_file.truncate(0)
            finally:
                self.index.unlock(wi.READ(1), wi.NREADER - 1)
        return True

    def _backfill(self, nbackfill, mx_safe, mx_page, ps, sync):
        """Copy, for each page, its newest frame in (nBackfill, mxFrame] if
        that frame is <= mx_safe, into the database file; caller holds
        READ0 exclusively."""
        index = self.index
        hdr = self.hdr
        # Later frames of a page overwrite earlier ones: its newest frame.
        newest = dict(zip(index.page_numbers(nbackfill + 1, hdr.mx_frame),
                          range(nbackfill + 1, hdr.mx_frame + 1)))
        index.nbackfill_attempted = mx_safe
        f = self._wal_file_for_read()
        if sync >= SYNC_NORMAL:
            self._sync_wal()
        db = self.db_file
        need = mx_page * ps
        size = db.size()
        if size < need and size + 65536 + hdr.mx_frame * ps < need:
            raise errors.corrupt("checkpoint would grow the database beyond the WAL's content")
        fsz = ps + FRAME_HDR.size
        # Pages with consecutive numbers go to the file in one write (up
        # to 64 KiB: a checkpoint holds little memory): one pread per page,
        # one pwrite per run of pages.
        run, run_first, run_max = [], 0, max(1, (1 << 16) // ps)
        for pgno in sorted(newest):
            frame = newest[pgno]
            if frame > mx_safe or pgno > mx_page:
                continue
            data = f.read(WAL_HDR.size + (frame - 1) * fsz + FRAME_HDR.size, ps)
            if len(data) != ps:
                raise errors.corrupt(f"WAL frame {frame} is truncated")
            if run and (pgno != run_first + len(run) or len(run) >= run_max):
                db.write((run_first - 1) * ps, b"".join(run))
                run = []
            if not run:
                run_first = pgno
            run.append(data)
        if run:
            db.write((run_first - 1) * ps, b"".join(run))
        if mx_safe == index.live_mx_frame():
            db.truncate(hdr.n_page * ps)
            if sync >= SYNC_NORMAL:
                db.sync()
        index.nbackfill = mx_safe

    # -- closing and inspection --------------------------------------------

    def close(self, last, sync=SYNC_FULL):
        """Release everything.  ``last``: the caller holds the database file
        EXCLUSIVE, so no other connection exists: checkpoint, and if all of
        the WAL reached the database file, delete the -wal and the -shm."""
        self.end_read()
        delete = False
        try:
            if last and not self.readonly:
                busy, log, done = self.checkpoint(PASSIVE, sync)
                delete = busy == 0 and log == done
        finally:
            self.index.close(delete)
            if self.wal_file is not None:
                self.wal_file.close()
                self.wal_file = None
            if delete:
                self.vfs.delete(self.wal_path)

    def info(self):
        """What the shell's .wal command shows."""
        h = self.index.try_header()
        f = self._open_wal(False)
        size = f.size() if f is not None else 0
        ps = (h.page_size if h and h.page_size else self.page_size)
        frames = max(0, (size - WAL_HDR.size) // (ps + FRAME_HDR.size)) if size else 0
        out = {
            "wal_file": self.wal_path,
            "wal_size": size,
            "frames_in_file": frames,
            "page_size": ps,
        }
        if f is not None and size >= WAL_HDR.size:
            magic, version, wps, seq, salt, c0, c1 = WAL_HDR.unpack(f.read(0, WAL_HDR.size))
            out.update(magic=hex(magic), checkpoint_seq=seq,
                       salt1=int.from_bytes(salt[:4], "big"),
                       salt2=int.from_bytes(salt[4:], "big"))
        if h is not None:
            out.update(last_commit_frame=h.mx_frame, db_pages=h.n_page,
                       change_counter=h.change, nbackfill=self.index.nbackfill,
                       nbackfill_attempted=self.index.nbackfill_attempted,
                       read_marks=[None if m == wi.NOT_USED else m
                                   for m in self.index.read_marks()])
        return out
