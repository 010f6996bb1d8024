"""The wal-index: the ``-shm`` file through which connections share one WAL.

SQLite's layout, byte for byte, so that sqlite3 and minisql connections can
use one database at the same time.  The file is memory-mapped in 32 KiB
blocks; every integer is in the host's native byte order (little-endian on
x86-64).  It is transient: recovery can rebuild all of it from the -wal.

Block 0 (bytes 0..32767)::

      off  size  field
        0    48  WalIndexHdr, copy 1  (readers copy it, then copy 2, compare)
       48    48  WalIndexHdr, copy 2  (writers store copy 2 first)
       96     4  nBackfill           frames 1..nBackfill are in the db file
      100    20  aReadMark[0..4]     0xFFFFFFFF = unused; [0] is always 0
      120     8  lock bytes          never read or written, only locked
      128     4  nBackfillAttempted  a checkpoint started copying up to here
      132     4  unused
      136 16248  aPgno[4062]         page number of frames 1..4062
    16384 16384  aHash[8192]         u16 hash slots, 1-based index into aPgno

Block k >= 1 (bytes 32768k..): aPgno[4096] (frames iZero+1..iZero+4096 with
iZero = 4062 + (k-1)*4096), then aHash[8192] at +16384.

WalIndexHdr (48 bytes)::

       0 u32 iVersion (3007000)    4 u32 unused       8 u32 iChange
      12 u8  isInit                13 u8  bigEndCksum  14 u16 szPage (1 = 65536)
      16 u32 mxFrame              20 u32 nPage        24 u32[2] aFrameCksum
      32 8 bytes aSalt (verbatim WAL header bytes 16..23)
      40 u32[2] aCksum = wal checksum of bytes 0..39, native word order

Hash: slot ``(pgno * 383) & 8191``, linear probing, never more than half
full (4096 entries per 8192 slots), so a probe chain always ends at an
empty slot; 8192 probes without one means the -shm is corrupt.  We write
aHash exactly as SQLite does (sqlite3 readers use it); our own lookups go
through aPgno instead (wal.py keeps a per-connection map built from it),
which gives the same answers without walking long probe chains in Python.

Probe hints (writer-local): a page committed again and again (a counter
row, a table's last leaf) makes its probe chain as long as its number of
frames in the block.  A block's hash is always exactly what inserting its
frames one by one, in frame order, into an empty table gives: entries go
only by walCleanupHash, which drops the newest frames (undoing their
insertions exactly), or with the whole block (a restart starts a new
generation, with new salts).  So once this connection put frame F into
slot s probing from slot h, slots h..s stay occupied as long as F stays
committed in the same generation, and the next probe from h may start at
s + 1.  ``_hints`` maps (block, h) -> (s, F); a hint is used only when the
published salts are those it was recorded under and F <= the committed
mxFrame, and all hints go when this connection cleans up (its own
rollback: another writer may reuse its frame numbers).

Lock bytes (offset 120 + n), taken with the VFS's OFD byte-range locks::

      n  name     shared by                     exclusive by
      0  WRITE    -                             the writer, recovery
      1  CKPT     -                             the checkpointer
      2  RECOVER  probe "recovery running?"     recovery
      3  READ0    reader ignoring the WAL        checkpointer while copying
    4-7  READ1-4  reader pinned on aReadMark[i] whoever changes aReadMark[i]
      8  DMS      every connection, for life     the first opener, briefly

Invariants:
  1. Hash entries exist for every frame written, committed or not; readers
     filter by their snapshot (minFrame <= frame <= mxFrame).
  2. The file is only grown by a holder of WRITE (or during recovery), by
     writing one zero byte at the end of each new 4 KiB page as SQLite does;
     it is only truncated by the first opener while it holds DMS exclusively.
     So a region we mapped never shrinks under us (no SIGBUS).
  3. Fields other processes read concurrently (marks, nBackfill, aPgno,
     aHash) are stored through ``memoryview.cast`` items: CPython copies one
     native item with a single memcpy of its size, i.e. one aligned store.
"""

import mmap
import struct

from .. import errors

VERSION = 3007000
HDR = struct.Struct("=IIIBBHII2I8s2I")      # one WalIndexHdr copy
assert HDR.size == 48
_BODY = struct.Struct("=IIIBBHII2I8s")       # its first 40 bytes (what aCksum covers)
_CKSUM = struct.Struct("=2I")
HDR_SIZE = 136                              # both copies + checkpoint info
BLOCK = 32768                               # one mapped region
NPAGE_ONE = 4062                            # aPgno entries in block 0
NPAGE = 4096                                # aPgno entries in other blocks
NSLOT = 8192                                # hash slots per block
HASH_U16 = 8192                             # aHash offset in u16 items
NOT_USED = 0xFFFFFFFF                       # READMARK_NOT_USED
NREADER = 5

# u32 item indexes of the checkpoint-info fields in block 0.
NBACKFILL_U32 = 96 // 4
READMARK_U32 = 100 // 4
_NBACKFILL_ATTEMPTED = 128 // 4
_MXFRAME1 = 16 // 4                          # mxFrame of header copy 1

# Lock bytes.
LOCK_BASE = 120
WRITE, CKPT, RECOVER, READ0 = 0, 1, 2, 3
DMS = 8


def READ(i):
    return READ0 + i


def wal_checksum(data, s0=0, s1=0, big_endian=False):
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), chained
    from (s0, s1).  A plain loop: used for headers; wal.py has the fast
    routine for whole pages and is checked against this one."""
    n = len(data) // 4
    w = struct.unpack(("<" if not big_endian else ">") + "%dI" % n, data)
    for i in range(0, n, 2):
        s0 = (s0 + w[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + w[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


_HDR_WORDS = struct.Struct("=10I").unpack_from    # native, as SQLite sums it


def header_checksum(body):
    """``wal_checksum`` of a WalIndexHdr's first 40 bytes, unrolled (it is
    computed at every commit and every changed snapshot).  The sums are
    reduced mod 2**32 only at the end: the result is the same."""
    w0, w1, w2, w3, w4, w5, w6, w7, w8, w9 = _HDR_WORDS(body)
    s1 = w1 + w0
    s0 = w0 + w2 + s1
    s1 += w3 + s0
    s0 += w4 + s1
    s1 += w5 + s0
    s0 += w6 + s1
    s1 += w7 + s0
    s0 += w8 + s1
    s1 += w9 + s0
    return s0 & 0xFFFFFFFF, s1 & 0xFFFFFFFF


def _free_slot(slots, h):
    """First empty slot at or after ``h`` (wrapping), or -1 if none.

    Every frame of a page probes from the same start, so a page written
    many times builds a long run of occupied slots; it is skipped with C
    speed list scans over growing windows rather than one Python step per
    slot."""
    if not slots[h]:
        return h
    for lo, end in ((h + 1, NSLOT), (0, h)):
        size = 32
        while lo < end:
            hi = min(lo + size, end)
            run = slots[lo:hi]
            if not isinstance(run, list):
                run = run.tolist()
            try:
                return lo + run.index(0)
            except ValueError:
                lo, size = hi, size * 4
    return -1


def block_of(frame):
    """Hash block holding ``frame`` (1-based): 4062 frames in block 0, 4096
    in each later one."""
    return (frame + NPAGE - NPAGE_ONE - 1) // NPAGE


def izero(k):
    return 0 if k == 0 else NPAGE_ONE + (k - 1) * NPAGE


class IndexHeader:
    """One decoded WalIndexHdr.  ``raw`` (48 bytes) is what snapshots are
    compared by, as SQLite memcmp()s the whole structure."""

    __slots__ = ("raw", "raw2", "version", "change", "is_init", "big_end", "page_size",
                 "mx_frame", "n_page", "frame_cksum", "salt", "cksum")

    @classmethod
    def decode(cls, raw):
        h = cls()
        (h.version, _, h.change, h.is_init, h.big_end, sz, h.mx_frame,
         h.n_page, c0, c1, h.salt, k0, k1) = HDR.unpack(raw)
        h.page_size = (sz & 0xFE00) + ((sz & 1) << 16)
        h.frame_cksum = (c0, c1)
        h.cksum = (k0, k1)
        h.raw = raw
        h.raw2 = raw + raw          # both copies, as a consistent -shm holds them
        return h

    @classmethod
    def build(cls, *, change, big_end, page_size, mx_frame, n_page,
              frame_cksum, salt):
        """A complete, valid header (isInit = 1, checksum filled in).  Its
        fields are set from the arguments, as ``decode`` of its bytes would
        set them (a commit builds one: no second pass over the bytes)."""
        sz = (page_size & 0xFF00) | (page_size >> 16)
        c0, c1 = frame_cksum
        body = _BODY.pack(VERSION, 0, change, 1, big_end, sz, mx_frame, n_page, c0, c1, salt)
        h = cls()
        h.cksum = k = header_checksum(body)
        h.raw = raw = body + _CKSUM.pack(*k)
        h.raw2 = raw + raw
        h.version, h.change, h.is_init, h.big_end = VERSION, change, 1, int(big_end)
        h.page_size = (sz & 0xFE00) + ((sz & 1) << 16)
        h.mx_frame, h.n_page, h.frame_cksum, h.salt = mx_frame, n_page, (c0, c1), salt
        return h

    def replace(self, *, change=None, big_end=None, page_size=None, mx_frame=None,
                n_page=None, frame_cksum=None, salt=None):
        """This header with the given fields changed (None: kept)."""
        return IndexHeader.build(
            change=self.change if change is None else change,
            big_end=self.big_end if big_end is None else big_end,
            page_size=self.page_size if page_size is None else page_size,
            mx_frame=self.mx_frame if mx_frame is None else mx_frame,
            n_page=self.n_page if n_page is None else n_page,
            frame_cksum=self.frame_cksum if frame_cksum is None else frame_cksum,
            salt=self.salt if salt is None else salt)


class WalIndex:
    """One connection's view of the -shm: its own open file description
    (so its locks conflict with every other connection's) and its own
    mappings of the blocks."""

    def __init__(self, vfs, path):
        self.vfs = vfs
        self.path = path
        self.file = vfs.open(path, readonly=False, create=True)
        self.maps = []          # per block: (mmap, u8 view, u32 view, u16 view)
        self._hints = {}        # (block, probe start) -> (slot, frame): see above
        self._hint_salt = None
        # Per read lock i (READ0..READ4): C-level callables that take it
        # shared, take it exclusively (to set aReadMark[i]) and drop it
        # (File.lock_call), for the path every statement's read transaction
        # takes (Wal._begin_read_again); and the same for WRITE, which every
        # write transaction takes.
        self.take_read = [self.file.lock_call(LOCK_BASE + READ0 + i, 1, False)
                          for i in range(NREADER)]
        self.claim_read = [self.file.lock_call(LOCK_BASE + READ0 + i, 1, True)
                           for i in range(NREADER)]
        self.drop_read = [self.file.unlock_call(LOCK_BASE + READ0 + i, 1)
                          for i in range(NREADER)]
        self.take_write = self.file.lock_call(LOCK_BASE + WRITE, 1, True)
        self.drop_write = self.file.unlock_call(LOCK_BASE + WRITE, 1)
        try:
            self._attach()
        except BaseException:
            self.file.close()
            raise

    # -- the DMS protocol (SQLite's unixLockSharedMemory) ------------------

    def _attach(self):
        """Hold DMS shared for the connection's life.  If nobody holds it,
        no live connection uses the -shm: take it exclusively and truncate
        the file (to 3 bytes, as SQLite does), so that the next reader
        finds no valid header and rebuilds it from the WAL (recovery)."""
        holder = self.file.lock_holder(LOCK_BASE + DMS, 1)
        if holder == "exclusive":
            raise errors.busy()
        if holder is None:
            if not self.file.lock(LOCK_BASE + DMS, 1, True):
                raise errors.busy()          # lost a race with another opener
            self.file.truncate(3)
        if not self.file.lock(LOCK_BASE + DMS, 1, False):
            raise errors.busy()

    def close(self, delete=False):
        self._unmap()
        if delete:
            # Unlink while we still hold DMS, as SQLite does: nobody can
            # attach to the old inode in between.
            self.vfs.delete(self.path)
        self.file.close()

    def _unmap(self):
        for mm, u8, u32, u16 in self.maps:
            u8.release()
            u32.release()
            u16.release()
            mm.close()
        self.maps = []

    # -- mapping -----------------------------------------------------------

    def block(self, k, extend=False):
        """(u8, u32, u16) views of block ``k``; None if the file is too short
        and ``extend`` is false (only a WRITE-lock holder may grow it)."""
        maps = self.maps
        while len(maps) <= k:
            n = len(maps)
            need = (n + 1) * BLOCK
            size = self.file.size()
            if size < need:
                if not extend:
                    return None
                # SQLite writes one byte at the end of each new 4 KiB page
                # instead of ftruncate(), so the space is really allocated.
                for pg in range(size // 4096, need // 4096):
                    self.file.write(pg * 4096 + 4095, b"\0")
            mm = mmap.mmap(self.file.fd, BLOCK, mmap.MAP_SHARED,
                           mmap.PROT_READ | mmap.PROT_WRITE, offset=n * BLOCK)
            u8 = memoryview(mm)
            maps.append((mm, u8, u8.cast("I"), u8.cast("H")))
        m = maps[k]
        return m[1], m[2], m[3]

    # -- header ------------------------------------------------------------

    def try_header(self, known=None):
        """walIndexTryHdr: the header if both copies agree, isInit is set
        and the checksum matches; else None (being written, or garbage).
        ``known``: a header validated before; returned as is if unchanged."""
        b = self.block(0)
        if b is None:
            return None
        mm = self.maps[0][0]
        h1 = mm[0:48]                 # (slicing the mmap: one copy)
        h2 = mm[48:96]
        if h1 != h2:
            return None
        if known is not None and h1 == known.raw:
            return known
        h = IndexHeader.decode(h1)
        if not h.is_init or header_checksum(h1) != h.cksum:
            return None
        return h

    def live_raw(self):
        """The current header copy 1, for 'did anything change?' checks."""
        return self.maps[0][0][0:48]

    def live_mx_frame(self):
        return self.maps[0][2][_MXFRAME1]

    def write_header(self, h):
        """Publish ``h``: copy 2 first, then copy 1, so a reader that sees
        two equal copies sees a complete header."""
        u8 = self.maps[0][1] if self.maps else self.block(0, extend=True)[0]
        u8[48:96] = h.raw
        u8[0:48] = h.raw

    # -- checkpoint info ---------------------------------------------------

    @property
    def nbackfill(self):
        return self.maps[0][2][NBACKFILL_U32]

    @nbackfill.setter
    def nbackfill(self, v):
        self.maps[0][2][NBACKFILL_U32] = v

    @property
    def nbackfill_attempted(self):
        return self.maps[0][2][_NBACKFILL_ATTEMPTED]

    @nbackfill_attempted.setter
    def nbackfill_attempted(self, v):
        self.maps[0][2][_NBACKFILL_ATTEMPTED] = v

    def read_mark(self, i):
        return self.maps[0][2][READMARK_U32 + i]

    def set_read_mark(self, i, v):
        self.maps[0][2][READMARK_U32 + i] = v

    def read_marks(self):
        return self.maps[0][2][READMARK_U32:READMARK_U32 + NREADER].tolist()

    # -- locks -------------------------------------------------------------

    def lock(self, n, count, exclusive):
        """Non-blocking; False if another connection holds a conflicting
        lock.  SQLite never converts a held lock between shared and
        exclusive, and neither do we (an OFD lock would convert silently)."""
        return self.file.lock(LOCK_BASE + n, count, exclusive)

    def unlock(self, n, count=1):
        self.file.unlock(LOCK_BASE + n, count)

    # -- hash blocks -------------------------------------------------------

    def append_frames(self, first, pgnos, mx_frame):
        """walIndexAppend for frames first, first+1, ... holding ``pgnos``.
        ``mx_frame`` is the last committed frame: entries beyond it that a
        crashed or rolled-back writer left behind are dropped first."""
        # The published salts name the generation (the caller holds WRITE,
        # so they cannot change under us; a log being started is still
        # under the old ones, but then mx_frame is 0 and no hint applies).
        maps = self.maps
        salt = bytes((maps[0][1] if maps else self.block(0, extend=True)[0])[32:40])
        if salt != self._hint_salt:
            self._hints = {}
            self._hint_salt = salt
        hints = self._hints
        end = 0                   # last frame of the block mapped below
        for frame, pgno in enumerate(pgnos, first):
            if frame > end:
                # (block_of and izero, inline: this runs at every commit)
                k = (frame + NPAGE - NPAGE_ONE - 1) // NPAGE
                if k < len(maps):
                    _, _, u32, u16 = maps[k]
                else:
                    _, u32, u16 = self.block(k, extend=True)
                slots = u16[HASH_U16:HASH_U16 + NSLOT]
                iz = 0 if k == 0 else NPAGE_ONE + (k - 1) * NPAGE
                end = iz + (NPAGE_ONE if k == 0 else NPAGE)
                base = 34 if k == 0 else 0          # aPgno starts after the header
            idx = frame - iz
            if idx == 1:
                # First frame of a block: clear the block's aPgno and aHash.
                self.maps[k][1][base * 4:BLOCK] = bytes(BLOCK - base * 4)
            elif u32[base + idx - 1]:
                self.cleanup(mx_frame)
                hints = self._hints
            start = (pgno * 383) & (NSLOT - 1)
            probe = start
            hint = hints.get((k, start))
            if hint is not None and hint[1] <= mx_frame:
                probe = (hint[0] + 1) & (NSLOT - 1)
            h = probe if not slots[probe] else _free_slot(slots, probe)
            if h < 0:
                raise errors.corrupt(f"wal-index hash block {k} is full")
            u32[base + idx - 1] = pgno
            slots[h] = idx
            hints[(k, start)] = (h, frame)

    def cleanup(self, mx_frame):
        """walCleanupHash: forget hash entries for frames > ``mx_frame`` in
        the block holding ``mx_frame`` (later blocks are cleared when their
        first frame is appended)."""
        self._hints = {}
        if mx_frame == 0:
            return
        k = block_of(mx_frame)
        _, u32, u16 = self.block(k, extend=True)
        limit = mx_frame - izero(k)
        slots = u16[HASH_U16:HASH_U16 + NSLOT].tolist()
        for i, v in enumerate(slots):
            if v > limit:
                u16[HASH_U16 + i] = 0
        base = 34 if k == 0 else 0
        start = (base + limit) * 4
        end = (base + (NPAGE_ONE if k == 0 else NPAGE)) * 4
        self.maps[k][1][start:end] = bytes(end - start)

    def page_numbers(self, first, last):
        """Page numbers of frames first..last (inclusive), from aPgno."""
        out = []
        f = first
        while f <= last:
            k = block_of(f)
            b = self.block(k)
            if b is None:
                raise errors.corrupt(f"wal-index block {k} missing")
            iz = izero(k)
            end = min(last, iz + (NPAGE_ONE if k == 0 else NPAGE))
            base = 34 if k == 0 else 0
            out.extend(b[1][base + f - iz - 1:base + end - iz].tolist())
            f = end + 1
        return out

    def store_block(self, k, pgnos):
        """Recovery: write block ``k``'s aPgno (the page numbers of its
        frames, in order) and the matching hash, replacing what was there."""
        _, u32, u16 = self.block(k, extend=True)
        base = 34 if k == 0 else 0
        cap = NPAGE_ONE if k == 0 else NPAGE
        apgno = list(pgnos) + [0] * (cap - len(pgnos))
        ahash = [0] * NSLOT
        for idx, pgno in enumerate(pgnos, 1):
            ahash[_free_slot(ahash, (pgno * 383) & (NSLOT - 1))] = idx
        u8 = self.maps[k][1]
        u8[base * 4:(base + cap) * 4] = struct.pack("=%dI" % cap, *apgno)
        u8[HASH_U16 * 2:BLOCK] = struct.pack("=%dH" % NSLOT, *ahash)
