"""One b-tree page: its decoded view (``MemPage``) and cell-level edits.

The view lives in ``Page.extra`` (like SQLite's MemPage in the pager's extra
space) so that a hot page answers a seek by bisecting cached keys instead of
re-parsing cells.  Every edit goes through this module, which changes
``data`` and the view together; the pager resets ``extra`` to None when it
restores a page image (rollback), and the next access decodes afresh.

Page layout (header at offset 100 on page 1, 0 elsewhere; big-endian):

    off size
      0   1   type: 0x02 interior index, 0x05 interior table,
                    0x0A leaf index, 0x0D leaf table
      1   2   first freeblock (0 = none)
      3   2   number of cells
      5   2   start of the cell content area (0 means 65536)
      7   1   fragmented free bytes inside the content area
      8   4   interior pages only: right-most child
    then the cell pointer array (2 bytes per cell, in key order), the
    unallocated gap, and the cell content area up to the usable size U.

Cells (P = payload size, L = local part, see ``local_size``):

    0x0D table leaf      varint P . varint rowid . L bytes . [u32 overflow]
    0x05 table interior  u32 left child . varint key
    0x0A index leaf      varint P . L bytes . [u32 overflow]
    0x02 index interior  u32 left child . varint P . L bytes . [u32 overflow]

    A cell occupies at least 4 bytes (so that freeing it can always make a
    freeblock); shorter cells are padded with zeros.

Free space: a freeblock is a run of >= 4 free bytes in the content area:
u16 next freeblock (0 = last), u16 size including these 4 bytes; the chain
ascends by offset and neighbours are never adjacent (closer than 4 bytes
they are merged, the bytes between counted as fragments until merged).
Runs of 1..3 bytes are fragments, counted only in header byte 7.

Invariants kept by every edit here:
  1. nfree == gap + sum(freeblock sizes) + fragment count, where gap =
     content start - end of the pointer array (SQLite's MemPage.nFree).
  2. The content start is the lowest cell or freeblock offset: a cell freed
     at the top of the content area widens the gap instead of becoming a
     freeblock, so no free run sits at the content start.
  3. Freed bytes are zeroed (as this build of SQLite, SECURE_DELETE, does).
  4. The fragment count stays <= 60 (a freeblock is not split into a cell
     and a fragment once it passes 57; the gap or a defragment is used).
  5. ``cells`` and ``children`` mirror the pointer array (a leaf read from
     disk holds its pointers as one ``array('H')``: no int object per cell
     to make on a cache miss nor to free on eviction); ``keys`` does too
     when it is not None.  Keys are cached lazily: table interior pages
     parse theirs on load (every seek bisects them); table leaves and index
     pages start without, answer their first searches by parsing only the
     probed cells (``probes`` counts them), and build the cache once a page
     proves hot.  An index page's keys are the sort keys of one KeyInfo
     (``kinfo``); kinfo is None whenever keys is None.
  6. ``checked``: every cell offset was verified to lie in the content area
     (content start .. U - 4).  Interior pages are checked on load; a leaf
     read for a point lookup is not (as SQLite's btreeInitPage skips it
     unless cell_size_check is on): its readers bound what they read, and
     ``check_cells`` runs before any edit or whole-page pass.
"""

import struct
import sys
from array import array
from bisect import bisect_left
from functools import partial
from itertools import accumulate

from .. import errors
from .record import get_varint

U16 = struct.Struct(">H")
U32 = struct.Struct(">I")
_u16 = U16.unpack_from
_u16x2 = struct.Struct(">HH").unpack_from      # cell count, content start
_u32 = U32.unpack_from
_pack16 = U16.pack_into
_pack32 = U32.pack_into

LEAF_TABLE = 0x0D
INTERIOR_TABLE = 0x05
LEAF_INDEX = 0x0A
INTERIOR_INDEX = 0x02

_SIGN64 = 0x8000000000000000
_TWO64 = 0x10000000000000000

_PTR_STRUCTS = {}
_SWAP = sys.byteorder == "little"     # array('H') is native-endian

# Searches of a table leaf answered by parsing only the probed cells before
# its rowid cache is built: one lookup in a cold page costs three parses
# (dense rowids, see search_rowid) to ~log2(n), not n; a page that keeps
# being searched gets the cache (n parses: worth it after a dozen or so).
LAZY_PROBES = 16


def _ptr_struct(n):
    s = _PTR_STRUCTS.get(n)
    if s is None:
        s = _PTR_STRUCTS[n] = struct.Struct(">%dH" % n)
    return s


class Geometry:
    """Payload limits for one usable page size (SQLite's BtShared fields).

    max_leaf   table leaf: the most payload kept on the page (U - 35)
    max_local  index cells: (U - 12) * 64 / 255 - 23
    min_local  all cells: (U - 12) * 32 / 255 - 23, the least kept locally
               once a payload spills
    """

    __slots__ = ("usable", "max_leaf", "max_local", "min_local", "mx_cell")

    def __init__(self, usable):
        self.usable = usable
        self.max_leaf = usable - 35
        self.max_local = (usable - 12) * 64 // 255 - 23
        self.min_local = (usable - 12) * 32 // 255 - 23
        self.mx_cell = (usable - 8) // 6     # most cells a page can hold


def local_size(p, max_local, min_local, usable):
    """Bytes of a P-byte payload stored on the b-tree page itself (SQLite's
    formula: spill in whole overflow pages, keeping at least min_local)."""
    if p <= max_local:
        return p
    k = min_local + (p - min_local) % (usable - 4)
    return k if k <= max_local else min_local


def _corrupt(pgno, what):
    return errors.corrupt(f"page {pgno}: {what}")


class MemPage:
    """Decoded view of one b-tree page (see the module comment)."""

    __slots__ = ("pgno", "data", "hdr", "type", "leaf", "intkey", "cell0",
                 "ncell", "cells", "keys", "kinfo", "children", "right",
                 "nfree", "usable", "max_local", "min_local", "probes",
                 "ovfl_at", "ovfl_cells", "ovfl_keys", "checked")

    # -- decoding ----------------------------------------------------------

    @classmethod
    def load(cls, pgno, data, geo):
        """Decode the page; raises errors.corrupt on anything malformed."""
        self = cls.__new__(cls)
        self.pgno = pgno
        self.data = data
        hdr = self.hdr = 100 if pgno == 1 else 0
        usable = self.usable = geo.usable
        self.nfree = None
        self.probes = 0
        self.ovfl_at = -1
        self.ovfl_cells = self.ovfl_keys = None
        self.kinfo = None
        try:
            t = data[hdr]
            if t == LEAF_TABLE or t == LEAF_INDEX:
                # (_set_type's leaf cases inline: a leaf is what a cache
                # miss mostly loads.)
                self.type = t
                self.leaf = True
                if t == LEAF_TABLE:
                    self.intkey = True
                    self.max_local = geo.max_leaf
                else:
                    self.intkey = False
                    self.max_local = geo.max_local
                self.min_local = geo.min_local
                cell0 = self.cell0 = hdr + 8
            else:
                self._set_type(t, geo)
                cell0 = self.cell0
            n, top = _u16x2(data, hdr + 3)
            top = top or 65536
            self.ncell = n
            end = cell0 + 2 * n
            if end > top or top > usable or n > geo.mx_cell:
                raise _corrupt(pgno, "cell pointer array overlaps content")
            if self.leaf:
                cells = self.cells = array("H", data[cell0:end])
                if _SWAP:
                    cells.byteswap()
                self.checked = False
            elif n:
                cells = self.cells = list(_ptr_struct(n).unpack_from(data, self.cell0))
                self.checked = False
                self.check_cells()
            else:
                cells = self.cells = []
                self.checked = True
            # Leaf keys are parsed lazily (see search_rowid): a page read for
            # one lookup should not pay for parsing all of its cells.
            if t == INTERIOR_TABLE:
                self.right = _u32(data, hdr + 8)[0]
                self.children = [_u32(data, off)[0] for off in cells]
                self.keys = _table_interior_keys(data, cells)
            elif t == INTERIOR_INDEX:
                self.right = _u32(data, hdr + 8)[0]
                self.children = [_u32(data, off)[0] for off in cells]
                self.keys = None
            else:
                self.children = None
                self.right = 0
                self.keys = None
        except (IndexError, struct.error):
            raise _corrupt(pgno, "truncated cell") from None
        return self

    @classmethod
    def blank(cls, pgno, data, geo, t):
        """A new empty page of type t over ``data``."""
        self = cls.__new__(cls)
        self.pgno = pgno
        self.data = data
        self.hdr = 100 if pgno == 1 else 0
        self.usable = geo.usable
        self.probes = 0
        self.reset(t, geo)
        return self

    def check_cells(self):
        """Verify that every cell offset lies in the content area (once)."""
        if self.checked:
            return
        cells = self.cells
        if cells:
            # sorted() beats min() + max() several times over (its integer
            # compares are specialised; offsets written by rebuilds are one
            # descending run).
            srt = sorted(cells)
            top = _u16(self.data, self.hdr + 5)[0] or 65536
            if srt[0] < top or srt[-1] > self.usable - 4:
                raise _corrupt(self.pgno, "cell offset out of range")
        self.checked = True

    def _set_type(self, t, geo):
        if t == LEAF_TABLE:
            self.leaf, self.intkey = True, True
            self.max_local = geo.max_leaf
        elif t == INTERIOR_TABLE:
            self.leaf, self.intkey = False, True
            self.max_local = geo.max_leaf
        elif t == LEAF_INDEX:
            self.leaf, self.intkey = True, False
            self.max_local = geo.max_local
        elif t == INTERIOR_INDEX:
            self.leaf, self.intkey = False, False
            self.max_local = geo.max_local
        else:
            raise _corrupt(self.pgno, f"invalid page type {t}")
        self.type = t
        self.min_local = geo.min_local
        self.cell0 = self.hdr + (8 if self.leaf else 12)

    def compute_free(self):
        """Walk the freeblock chain (SQLite's btreeComputeFreeSpace): sets
        and returns nfree, raising corrupt on a malformed chain."""
        if not self.checked:
            self.check_cells()
        data, hdr, usable = self.data, self.hdr, self.usable
        top = _u16(data, hdr + 5)[0] or 65536
        nfree = data[hdr + 7] + top
        pc = _u16(data, hdr + 1)[0]
        if pc:
            if pc < top:
                raise _corrupt(self.pgno, "freeblock below the content area")
            while True:
                if pc > usable - 4:
                    raise _corrupt(self.pgno, "freeblock out of range")
                nxt, size = _u16(data, pc)[0], _u16(data, pc + 2)[0]
                nfree += size
                if nxt <= pc + size + 3:
                    if nxt:
                        raise _corrupt(self.pgno, "freeblocks out of order")
                    break
                pc = nxt
            if pc + size > usable:
                raise _corrupt(self.pgno, "freeblock extends off the page")
        first = self.cell0 + 2 * self.ncell
        if nfree > usable or nfree < first:
            raise _corrupt(self.pgno, "free space corruption")
        self.nfree = nfree - first
        return self.nfree

    # -- cells -------------------------------------------------------------

    def cell_size(self, off):
        """Bytes the cell at ``off`` occupies (at least 4)."""
        data = self.data
        try:
            if not self.leaf:
                if self.intkey:
                    i = off + 4
                    while data[i] >= 0x80 and i < off + 12:
                        i += 1
                    return i + 1 - off
                i = off + 4
            else:
                i = off
            p = data[i]
            if p < 0x80:
                i += 1
            else:
                p, k = get_varint(data, i)
                i += k
            if self.intkey:
                j = i
                while data[j] >= 0x80 and j < i + 8:
                    j += 1
                i = j + 1
        except IndexError:
            raise _corrupt(self.pgno, "cell extends off the page") from None
        if p <= self.max_local:
            n = i - off + p
        else:
            n = i - off + local_size(p, self.max_local, self.min_local, self.usable) + 4
        return n if n > 4 else 4

    def cell_bytes(self, i):
        if not self.checked:
            self.check_cells()
        off = self.cells[i]
        end = off + self.cell_size(off)
        if end > self.usable:
            raise _corrupt(self.pgno, "cell extends off the page")
        return bytes(self.data[off:end])

    def all_cells(self):
        """Bytes of every cell, in order.  When the content area holds
        nothing but cells (no freeblocks, no fragments: the usual case) the
        sizes are the distances between sorted offsets; otherwise each cell
        is parsed."""
        if not self.checked:
            self.check_cells()
        cells = self.cells
        if not cells:
            return []
        data, hdr, usable = self.data, self.hdr, self.usable
        if not (data[hdr + 1] or data[hdr + 2] or data[hdr + 7]):
            srt = sorted(cells)
            top = _u16(data, hdr + 5)[0] or 65536
            if srt[0] == top:
                srt.append(usable)
                ends = dict(zip(srt, srt[1:]))
                if len(ends) == len(cells):
                    return [bytes(data[o:ends[o]]) for o in cells]
        return [self.cell_bytes(i) for i in range(len(cells))]

    def payload_info(self, i):
        """(P, start, L, first overflow page or 0) of cell i's payload."""
        data = self.data
        off = self.cells[i]
        if off < self.cell0 + 2 * self.ncell:
            raise _corrupt(self.pgno, "cell offset out of range")
        try:
            j = off if self.leaf else off + 4
            p = data[j]
            if p < 0x80:
                j += 1
            else:
                p, k = get_varint(data, j)
                j += k
            if self.intkey:
                k = j
                while data[k] >= 0x80 and k < j + 8:
                    k += 1
                j = k + 1
            if p <= self.max_local:
                if j + p > self.usable:
                    raise _corrupt(self.pgno, "cell extends off the page")
                return p, j, p, 0
            n = local_size(p, self.max_local, self.min_local, self.usable)
            if j + n + 4 > self.usable:
                raise _corrupt(self.pgno, "cell extends off the page")
            return p, j, n, _u32(data, j + n)[0]
        except IndexError:
            raise _corrupt(self.pgno, "cell extends off the page") from None

    def child(self, i):
        """Page number of child i (i == ncell: the right-most child)."""
        return self.children[i] if i < self.ncell else self.right

    def rowid_at(self, i):
        """Rowid of cell i of a table leaf, parsed from the cell."""
        try:
            return _leaf_rowid(self.data, self.cells[i])
        except IndexError:
            raise _corrupt(self.pgno, "cell extends off the page") from None

    def table_keys(self):
        """The rowid cache of a table leaf, built on first need."""
        keys = self.keys
        if keys is None:
            data = self.data
            try:
                keys = self.keys = [_leaf_rowid(data, off) for off in self.cells]
            except IndexError:
                raise _corrupt(self.pgno, "cell extends off the page") from None
        return keys

    def search_rowid(self, rowid):
        """bisect_left of rowid among a table leaf's cells.  The first few
        searches of a page parse only the cells they probe; a page searched
        again gets its whole rowid cache.  A lazy search first guesses the
        position from the first and last rowids (interpolation: rowids are
        usually dense, so the guess is usually the answer, three cells
        parsed instead of log2(n)), then bisects (in C, one _leaf_rowid
        call per probe) on the side of the guess where the answer lies."""
        self.probes += 1
        if self.probes > LAZY_PROBES:
            return bisect_left(self.table_keys(), rowid)
        cells, data = self.cells, self.data
        n = len(cells)
        try:
            if n < 3:
                return bisect_left(cells, rowid, key=partial(_leaf_rowid, data))
            first = _leaf_rowid(data, cells[0])
            if rowid <= first:
                return 0
            last = _leaf_rowid(data, cells[n - 1])
            if rowid >= last:
                return n - 1 if rowid == last else n
            # first < rowid < last: the answer is in 1 .. n - 1.
            g = (rowid - first) * (n - 1) // (last - first)
            r = _leaf_rowid(data, cells[g])
            if r == rowid:
                return g
            if r < rowid:
                lo, hi = g + 1, n - 1
            else:
                lo, hi = 1, g
            return bisect_left(cells, rowid, lo, hi, key=partial(_leaf_rowid, data))
        except IndexError:
            raise _corrupt(self.pgno, "cell extends off the page") from None

    # -- edits (the caller has called pager.write on the page) -------------

    def insert_cell(self, i, cell, key):
        """Insert ``cell`` (bytes, >= 4 long) as cell i.  Returns False,
        changing nothing, if the page lacks room (the caller then balances)."""
        sz = len(cell)
        nfree = self.nfree
        if nfree is None:
            nfree = self.compute_free()
        if sz + 2 > nfree:
            return False
        data = self.data
        hdr = self.hdr
        n = self.ncell
        cell0 = self.cell0
        end = cell0 + 2 * n
        top = (data[hdr + 5] << 8 | data[hdr + 6]) or 65536
        if data[hdr + 1] or data[hdr + 2] or end + 2 + sz > top:
            off = self._allocate(sz)
        else:
            # The common case: no freeblocks, room in the gap.
            off = top - sz
            _pack16(data, hdr + 5, off)
        data[off:off + sz] = cell
        p = cell0 + 2 * i
        if p < end:
            data[p + 2:end + 2] = data[p:end]
        _pack16(data, p, off)
        self.ncell = n + 1
        _pack16(data, hdr + 3, n + 1)
        self.cells.insert(i, off)
        keys = self.keys
        if keys is not None:
            if key is None:
                self.keys = None
                self.kinfo = None
            else:
                keys.insert(i, key)
        if not self.leaf:
            self.children.insert(i, _u32(cell, 0)[0])
        self.nfree = nfree - sz - 2
        return True

    def replace_cell(self, i, cell):
        """Write ``cell`` over cell i, at its offset, when it is no larger
        (the same key: the pointer array, keys and children stay).  SQLite
        overwrites in place only a cell of the same size; a smaller one
        here too, its unused tail freed: a freeblock (merged with a
        neighbour), or 1..3 fragment bytes (invariant 4: not past 60).
        Returns False, changing nothing, when it does not fit so."""
        if not self.checked:
            self.check_cells()
        off = self.cells[i]
        old = self.cell_size(off)
        sz = len(cell)
        extra = old - sz
        if extra < 0:
            return False
        data = self.data
        if off + old > self.usable:
            raise _corrupt(self.pgno, "cell extends off the page")
        if extra:
            if extra < 4:
                frag = data[self.hdr + 7] + extra
                if frag > 60:
                    return False
                data[self.hdr + 7] = frag
                data[off + sz:off + old] = bytes(extra)
            else:
                # (The cell's head lies before the tail: never the content
                # start, never merged with a freeblock before it.)
                self._free_space(off + sz, extra)
            if self.nfree is not None:
                self.nfree += extra
        data[off:off + sz] = cell
        return True

    def drop_cell(self, i):
        """Remove cell i (its overflow pages are the caller's business)."""
        if self.nfree is None:
            self.compute_free()
        off = self.cells[i]
        sz = self.cell_size(off)
        if off + sz > self.usable:
            raise _corrupt(self.pgno, "cell extends off the page")
        self._free_space(off, sz)
        data = self.data
        n = self.ncell
        p = self.cell0 + 2 * i
        end = self.cell0 + 2 * n
        data[p:end - 2] = data[p + 2:end]
        data[end - 2:end] = b"\0\0"
        n -= 1
        self.ncell = n
        del self.cells[i]
        if self.keys is not None:
            del self.keys[i]
        if not self.leaf:
            del self.children[i]
        hdr = self.hdr
        if n == 0:
            # An empty page: no freeblocks, no fragments, content at U.
            data[hdr + 1:hdr + 8] = bytes((0, 0, 0, 0)) + U16.pack(
                self.usable & 0xFFFF) + b"\0"
            data[self.cell0:self.usable] = bytes(self.usable - self.cell0)
            self.nfree = self.usable - self.cell0
        else:
            _pack16(data, hdr + 3, n)
            self.nfree += sz + 2

    def set_child(self, i, pgno):
        if i >= self.ncell:
            self.right = pgno
            _pack32(self.data, self.hdr + 8, pgno)
        else:
            _pack32(self.data, self.cells[i], pgno)
            self.children[i] = pgno

    def reset(self, t, geo):
        """Turn the page into an empty page of type t."""
        data = self.data
        self._set_type(t, geo)
        hdr = self.hdr
        usable = self.usable
        data[hdr:usable] = bytes(usable - hdr)
        data[hdr] = t
        _pack16(data, hdr + 5, usable & 0xFFFF)
        self.ncell = 0
        self.cells = []
        self.keys = [] if self.intkey else None
        self.kinfo = None
        self.probes = 0
        self.checked = True
        self.children = None if self.leaf else []
        self.right = 0
        self.nfree = usable - self.cell0
        self.ovfl_at = -1
        self.ovfl_cells = self.ovfl_keys = None

    def rebuild(self, cells, keys, right=0):
        """Write ``cells`` (the page's whole content, in order) packed at the
        end of the page, cell 0 highest; ``keys`` becomes the key cache."""
        data = self.data
        usable = self.usable
        hdr = self.hdr
        n = len(cells)
        sizes = list(accumulate(map(len, cells)))
        total = sizes[-1] if n else 0
        top = usable - total
        end = self.cell0 + 2 * n
        if end > top:
            raise errors.InternalError(f"page {self.pgno}: rebuild overflows")
        offs = [usable - s for s in sizes]
        if n:
            data[top:usable] = b"".join(reversed(cells))
            data[self.cell0:end] = _ptr_struct(n).pack(*offs)
        data[end:top] = bytes(top - end)
        data[hdr + 1] = data[hdr + 2] = 0
        _pack16(data, hdr + 3, n)
        _pack16(data, hdr + 5, top & 0xFFFF)
        data[hdr + 7] = 0
        self.ncell = n
        self.cells = offs
        self.checked = True
        self.keys = keys
        if not self.leaf:
            self.children = [_u32(c, 0)[0] for c in cells]
            self.right = right
            _pack32(data, hdr + 8, right)
        self.nfree = top - end
        self.ovfl_at = -1
        self.ovfl_cells = self.ovfl_keys = None

    def content_bytes(self):
        """Bytes of all cells plus their pointers: what rebuild needs room
        for (the page's size minus its free space)."""
        if self.nfree is None:
            self.compute_free()
        return self.usable - self.cell0 - self.nfree

    # -- free space internals ----------------------------------------------

    def _allocate(self, sz):
        """Room for an sz-byte cell; the caller checked nfree >= sz + 2."""
        data, hdr = self.data, self.hdr
        gap = self.cell0 + 2 * self.ncell
        top = _u16(data, hdr + 5)[0] or 65536
        if gap + 2 <= top and (data[hdr + 1] or data[hdr + 2]):
            off = self._find_slot(sz)
            if off:
                return off
        if gap + 2 + sz > top:
            self._defragment()
            top = _u16(data, hdr + 5)[0] or 65536
        top -= sz
        _pack16(data, hdr + 5, top)
        return top

    def _find_slot(self, sz):
        """First fit in the freeblock chain; 0 if none fits."""
        try:
            return self._find_slot_in_chain(sz)
        except (IndexError, struct.error):
            raise _corrupt(self.pgno, "freeblock chain runs off the page") from None

    def _find_slot_in_chain(self, sz):
        data, hdr, usable = self.data, self.hdr, self.usable
        prev = hdr + 1
        pc = _u16(data, prev)[0]
        while pc:
            if pc > usable - 4:
                raise _corrupt(self.pgno, "freeblock out of range")
            size = _u16(data, pc + 2)[0]
            x = size - sz
            if x >= 0:
                if pc + size > usable:
                    raise _corrupt(self.pgno, "freeblock extends off the page")
                if x < 4:
                    if data[hdr + 7] > 57:
                        return 0
                    data[prev:prev + 2] = data[pc:pc + 2]
                    data[hdr + 7] += x
                    return pc
                _pack16(data, pc + 2, x)
                return pc + x
            prev = pc
            nxt = _u16(data, pc)[0]
            if nxt and nxt <= pc:
                raise _corrupt(self.pgno, "freeblocks out of order")
            pc = nxt
        return 0

    def _defragment(self):
        """Pack every cell at the end of the page (cell 0 highest), leaving
        one gap and no freeblocks or fragments."""
        data = self.data
        usable = self.usable
        cells = []
        for off in self.cells:
            end = off + self.cell_size(off)
            if end > usable:
                raise _corrupt(self.pgno, "cell extends off the page")
            cells.append(bytes(data[off:end]))
        n = len(cells)
        sizes = list(accumulate(map(len, cells)))
        top = usable - (sizes[-1] if n else 0)
        first = self.cell0 + 2 * n
        if top < first:
            raise _corrupt(self.pgno, "cells overlap")
        offs = [usable - s for s in sizes]
        if n:
            data[top:usable] = b"".join(reversed(cells))
            data[self.cell0:first] = _ptr_struct(n).pack(*offs)
        data[first:top] = bytes(top - first)
        hdr = self.hdr
        data[hdr + 1] = data[hdr + 2] = 0
        _pack16(data, hdr + 5, top & 0xFFFF)
        data[hdr + 7] = 0
        self.cells = offs
        self.nfree = top - first

    def _free_space(self, start, size):
        """Return [start, start+size) to the page (SQLite's freeSpace):
        merge with neighbouring freeblocks (absorbing fragments between),
        or widen the gap if it lies at the content start."""
        try:
            self._free_run(start, size)
        except (IndexError, struct.error):
            raise _corrupt(self.pgno, "freeblock chain runs off the page") from None

    def _free_run(self, start, size):
        data, hdr, usable = self.data, self.hdr, self.usable
        end = start + size
        if end > usable:
            raise _corrupt(self.pgno, "cell extends off the page")
        ptr = hdr + 1                     # where the pointer to us will live
        nxt = data[ptr] << 8 | data[ptr + 1]
        merged_prev = False
        if nxt:
            frag = 0
            while nxt and nxt < start:
                if nxt <= ptr and ptr != hdr + 1:
                    raise _corrupt(self.pgno, "freeblocks out of order")
                ptr = nxt
                nxt = data[nxt] << 8 | data[nxt + 1]
            if nxt > usable - 4:
                raise _corrupt(self.pgno, "freeblock out of range")
            if nxt and end + 3 >= nxt:
                if end > nxt:
                    raise _corrupt(self.pgno, "cell overlaps a freeblock")
                frag += nxt - end
                end = nxt + _u16(data, nxt + 2)[0]
                if end > usable:
                    raise _corrupt(self.pgno, "freeblock extends off the page")
                nxt = _u16(data, nxt)[0]
            if ptr > hdr + 1:
                prev_end = ptr + _u16(data, ptr + 2)[0]
                if prev_end + 3 >= start:
                    if prev_end > start:
                        raise _corrupt(self.pgno, "cell overlaps a freeblock")
                    frag += start - prev_end
                    start = ptr
                    merged_prev = True
            if frag > data[hdr + 7]:
                raise _corrupt(self.pgno, "fragment count too small")
            data[hdr + 7] -= frag
        data[start:end] = bytes(end - start)
        top = _u16(data, hdr + 5)[0] or 65536
        if start <= top:
            if start < top or merged_prev:
                raise _corrupt(self.pgno, "free space below the content area")
            _pack16(data, hdr + 1, nxt)
            _pack16(data, hdr + 5, end & 0xFFFF)
        else:
            if not merged_prev:
                _pack16(data, ptr, start)
            _pack16(data, start, nxt)
            _pack16(data, start + 2, end - start)


def _leaf_rowid(data, off):
    """Rowid of the table leaf cell at ``off``: skip the payload-size varint,
    read the rowid varint (1..3 bytes inline: rowids below 2**21; longer or
    negative ones through get_varint).  IndexError if it runs off the page."""
    if data[off] >= 0x80:
        end = off + 8
        off += 1
        while data[off] >= 0x80 and off < end:
            off += 1
    c = data[off + 1]
    if c < 0x80:
        return c
    c2 = data[off + 2]
    if c2 < 0x80:
        return (c & 0x7F) << 7 | c2
    c3 = data[off + 3]
    if c3 < 0x80:
        return (c & 0x7F) << 14 | (c2 & 0x7F) << 7 | c3
    v = get_varint(data, off + 1)[0]
    return v - _TWO64 if v >= _SIGN64 else v


def _table_interior_keys(data, cells):
    keys = []
    ap = keys.append
    for off in cells:
        c = data[off + 4]
        if c < 0x80:
            ap(c)
            continue
        v = get_varint(data, off + 4)[0]
        ap(v - _TWO64 if v >= _SIGN64 else v)
    return keys
