"""PRAGMA integrity_check at the b-tree level, worded as SQLite 3.40 words it.

Walk (SQLite's sqlite3BtreeIntegrityCheck order, so that the first message
for a given damage is the one SQLite prints first):

  1. Mark the lock-byte page used (if the file reaches it).
  2. The freelist, prefix "Main freelist: ": trunk chain, leaf counts,
     total against header offset 36.
  3. Each tree, in the order given: checkTreePage(root) recursively -- the
     right child first, then the cells from last to first: cell offset in
     [content start, U-4], cell inside the page, rowid order against the
     bounds handed down (interior keys strictly below the subtree to their
     right, leaf keys <= the key above them), overflow chain length, the
     left child, equal child depths; then coverage: cells and freeblocks
     must not overlap, and the bytes none of them covers must equal the
     fragment count in header byte 7.
  4. Every page 1..page_count referenced exactly once ("Page N is never
     used", "2nd reference to page N", "invalid page number N").

Messages carry SQLite's prefixes: "Page N: " while a page header is being
decoded, "On tree page N cell M: " inside the cell loop (also for the right
child, which SQLite checks before the loop while that prefix is set),
nothing for a root's own reference errors.

Beyond SQLite 3.40: when a tree is given with a ``KeyInfo`` instead of
True, index entries are also checked to ascend in that order
("Index key out of order").

Every page is read once and every walk is bounded by the page count, so a
damaged file yields messages, never an exception or a hang.
"""

import struct

from .. import errors
from . import format as fmt
from .btreepage import local_size
from .record import KeyInfo, decode_record, get_varint

_u16 = struct.Struct(">H").unpack_from
_u32 = struct.Struct(">I").unpack_from

_LARGEST = (1 << 63) - 1
_MAX_RECURSION = 100
_TYPES = {0x02: (False, False), 0x05: (False, True),
          0x0A: (True, False), 0x0D: (True, True)}      # type -> (leaf, intkey)


class _Stop(Exception):
    """max_errors reached."""


class _Check:
    def __init__(self, bt, max_errors):
        self.bt = bt
        self.pager = bt.pager
        self.npage = bt.pager.page_count
        self.usable = bt._usable
        self.geo = bt._geo
        self.page_size = bt.pager.page_size
        self.mx = max_errors
        self.msgs = []
        self.ref = bytearray(self.npage + 1)
        self.pfx = None
        self.v1 = self.v2 = 0

    def msg(self, text):
        if self.mx <= 0:
            raise _Stop
        self.mx -= 1
        if self.pfx is not None:
            text = self.pfx.format(self.v1, self.v2) + text
        self.msgs.append(text)
        if self.mx <= 0:
            raise _Stop

    def check_ref(self, pgno):
        """True (and a message) if pgno is invalid or already used."""
        if pgno > self.npage or pgno == 0:
            self.msg(f"invalid page number {pgno}")
            return True
        if self.ref[pgno]:
            self.msg(f"2nd reference to page {pgno}")
            return True
        self.ref[pgno] = 1
        return False

    def data(self, pgno):
        # Padded so that a varint starting near the end of the page reads
        # zeros instead of running off the buffer.
        return bytes(self.pager.get(pgno).data) + bytes(32)

    # -- lists ---------------------------------------------------------------

    def check_list(self, is_freelist, pgno, n):
        """Walk a freelist or overflow chain expected to hold n pages."""
        expected = n
        errs_at_start = len(self.msgs)
        while pgno and self.mx > 0:
            if self.check_ref(pgno):
                break
            n -= 1
            d = self.data(pgno)
            if is_freelist:
                k = _u32(d, 4)[0]
                if k > self.usable // 4 - 2:
                    self.msg(f"freelist leaf count too big on page {pgno}")
                    n -= 1
                else:
                    for i in range(k):
                        self.check_ref(_u32(d, 8 + 4 * i)[0])
                    n -= k
            pgno = _u32(d, 0)[0]
        if n and errs_at_start == len(self.msgs):
            what = "size" if is_freelist else "overflow list length"
            self.msg(f"{what} is {(expected - n) & 0xFFFFFFFF} but should be {expected}")

    # -- trees ---------------------------------------------------------------

    def parse_cell(self, d, pc, leaf, intkey):
        """(size, key, payload, local) of the cell at pc (SQLite's
        xParseCell; size at least 4)."""
        if not leaf and intkey:
            key, k = get_varint(d, pc + 4)
            if key >= 1 << 63:
                key -= 1 << 64
            return 4 + k, key, 0, 0
        i = pc if leaf else pc + 4
        p, k = get_varint(d, i)
        i += k
        key = 0
        if intkey:
            key, k = get_varint(d, i)
            if key >= 1 << 63:
                key -= 1 << 64
            i += k
        geo = self.geo
        maxl = geo.max_leaf if intkey else geo.max_local
        if p <= maxl:
            size = i - pc + p
            return (size if size >= 4 else 4), key, p, p
        local = local_size(p, maxl, geo.min_local, self.usable)
        return i - pc + local + 4, key, p, local

    def check_tree_page(self, pgno, max_key, depth_now):
        """Returns (depth, min key); SQLite's checkTreePage."""
        saved = (self.pfx, self.v1, self.v2)
        depth = -1
        min_key = max_key
        try:
            if pgno == 0:
                return 0, max_key
            if self.check_ref(pgno):
                return 0, max_key
            self.pfx = "Page {0}: "
            self.v1 = pgno
            if depth_now > _MAX_RECURSION:
                self.msg(f"b-tree deeper than {_MAX_RECURSION} levels")
                return 0, max_key
            d = self.data(pgno)
            usable = self.usable
            hdr = 100 if pgno == 1 else 0
            kind = _TYPES.get(d[hdr])
            ncell = _u16(d, hdr + 3)[0]
            if kind is None or ncell > (self.page_size - 8) // 6:
                self.msg(f"btreeInitPage() returns error code {errors.SQLITE_CORRUPT}")
                return 0, max_key
            leaf, intkey = kind
            cell_start = hdr + (8 if leaf else 12)
            content = _u16(d, hdr + 5)[0] or 65536
            if not self.free_space_ok(d, hdr, content, cell_start + 2 * ncell):
                self.msg("free space corruption")
                return 0, max_key
            self.pfx = "On tree page {0} cell {1}: "
            key_can_be_equal = True
            do_coverage = True
            spans = []
            if not leaf:
                right = _u32(d, hdr + 8)[0]
                depth, max_key = self.check_tree_page(right, max_key, depth_now + 1)
                key_can_be_equal = False
            for i in range(ncell - 1, -1, -1):
                if self.mx <= 0:
                    break
                self.v2 = i
                pc = _u16(d, cell_start + 2 * i)[0]
                if pc < content or pc > usable - 4:
                    self.msg(f"Offset {pc} out of range {content}..{usable - 4}")
                    do_coverage = False
                    continue
                size, key, p, local = self.parse_cell(d, pc, leaf, intkey)
                if pc + size > usable:
                    self.msg("Extends off end of page")
                    do_coverage = False
                    continue
                if intkey:
                    if (key > max_key) if key_can_be_equal else (key >= max_key):
                        self.msg(f"Rowid {key} out of order")
                    max_key = key
                    key_can_be_equal = False
                if p > local:
                    n = (p - local + usable - 5) // (usable - 4)
                    self.check_list(False, _u32(d, pc + size - 4)[0], n)
                if not leaf:
                    child = _u32(d, pc)[0]
                    d2, max_key = self.check_tree_page(child, max_key, depth_now + 1)
                    key_can_be_equal = False
                    if d2 != depth:
                        self.msg("Child page depth differs")
                        depth = d2
                spans.append((pc, pc + size - 1))
            min_key = max_key
            self.pfx = None
            if do_coverage and self.mx > 0:
                self.coverage(d, hdr, pgno, content, spans)
            return depth + 1, min_key
        finally:
            self.pfx, self.v1, self.v2 = saved

    def free_space_ok(self, d, hdr, top, first):
        """SQLite's btreeComputeFreeSpace validity rules."""
        usable = self.usable
        nfree = d[hdr + 7] + top
        pc = _u16(d, hdr + 1)[0]
        if pc:
            if pc < top:
                return False
            while True:
                if pc > usable - 4:
                    return False
                nxt, size = _u16(d, pc)[0], _u16(d, pc + 2)[0]
                nfree += size
                if nxt <= pc + size + 3:
                    break
                pc = nxt
            if nxt > 0 or pc + size > usable:
                return False
        return first <= nfree <= usable

    def coverage(self, d, hdr, pgno, content, spans):
        usable = self.usable
        pc = _u16(d, hdr + 1)[0]
        while pc > 0:
            size = _u16(d, pc + 2)[0]
            spans.append((pc, pc + size - 1))
            pc = _u16(d, pc)[0]
        spans.sort()
        nfrag = 0
        prev = content - 1
        emptied = True
        for k, (start, end) in enumerate(spans):
            if prev >= start:
                self.msg(f"Multiple uses for byte {start} of page {pgno}")
                # SQLite stops pulling from its heap here; the fragment
                # count is still compared if that emptied the heap.
                emptied = k == len(spans) - 1
                break
            nfrag += start - prev - 1
            prev = end
        nfrag += usable - prev - 1
        if emptied and nfrag != d[hdr + 7]:
            self.msg(f"Fragmentation of {nfrag} bytes reported as {d[hdr + 7]} "
                     f"on page {pgno}")

    def index_key(self, d, pc, leaf, kinfo):
        try:
            size, _key, p, local = self.parse_cell(d, pc, leaf, False)
            start = pc + size - local - (4 if p > local else 0)
            if p > local:
                payload = bytearray(d[start:start + local])
                ovfl = _u32(d, start + local)[0]
                remaining = p - local
                hops = 0
                while remaining > 0:
                    hops += 1
                    if ovfl < 2 or ovfl > self.npage or hops > self.npage:
                        return None
                    od = self.pager.get(ovfl).data
                    take = min(remaining, self.usable - 4)
                    payload += od[4:4 + take]
                    remaining -= take
                    ovfl = _u32(od, 0)[0]
                return kinfo.sort_key(decode_record(bytes(payload)))
            return kinfo.sort_key(decode_record(d, start, start + p))
        except (errors.DatabaseError, IndexError, struct.error, TypeError):
            return None


def check(bt, trees, max_errors=100):
    """Check the whole database: ``trees`` lists (root, is_index) for every
    b-tree (page 1 included); is_index may be a ``KeyInfo`` to also check
    index key order.  Returns SQLite's messages, [] when all is well."""
    c = _Check(bt, max_errors)
    if c.npage == 0:
        return []
    try:
        lb = fmt.lock_byte_page(c.page_size)
        if lb <= c.npage:
            c.ref[lb] = 1
        d1 = c.data(1)
        if _u32(d1, 52)[0]:
            # Auto-vacuum: pointer-map pages are in use though no tree
            # refers to them (their entries are not verified here).
            for pgno in _ptrmap_pages(c.npage, c.usable, lb):
                c.ref[pgno] = 1
        c.pfx = "Main freelist: "
        c.check_list(True, _u32(d1, fmt.OFF_FREELIST_TRUNK)[0],
                     _u32(d1, fmt.OFF_FREELIST_COUNT)[0])
        c.pfx = None
        for root, is_index in trees:
            if c.mx <= 0:
                break
            c.check_tree_page(root, _LARGEST, 0)
            if isinstance(is_index, KeyInfo) and c.mx > 0:
                _index_tree_order(c, root, is_index)
        for pgno in range(1, c.npage + 1):
            if c.mx <= 0:
                break
            if not c.ref[pgno]:
                c.msg(f"Page {pgno} is never used")
    except _Stop:
        pass
    return c.msgs


def _ptrmap_pages(npage, usable, lock_byte):
    """Pointer-map pages: page 2, then every (U/5 + 1)-th page, moved past
    the lock-byte page (SQLite's ptrmapPageno)."""
    step = usable // 5 + 1
    pgno = 2
    while pgno <= npage:
        yield pgno + 1 if pgno == lock_byte else pgno
        pgno += step


def _index_tree_order(c, root, kinfo):
    """In-order walk of an index tree checking that keys ascend across
    pages (bounded: a page seen twice ends the walk; the reference checks
    report it)."""
    seen = set()
    prev = [None]

    def visit(pgno, depth):
        if pgno in seen or pgno < 1 or pgno > c.npage or depth > _MAX_RECURSION:
            return False
        seen.add(pgno)
        d = c.data(pgno)
        hdr = 100 if pgno == 1 else 0
        kind = _TYPES.get(d[hdr])
        if kind is None or kind[1]:
            return False
        leaf = kind[0]
        ncell = _u16(d, hdr + 3)[0]
        cell_start = hdr + (8 if leaf else 12)
        if ncell > (c.page_size - 8) // 6:
            return False
        for i in range(ncell):
            pc = _u16(d, cell_start + 2 * i)[0]
            if pc > c.usable - 4:
                return False
            if not leaf and not visit(_u32(d, pc)[0], depth + 1):
                return False
            sk = c.index_key(d, pc, leaf, kinfo)
            if sk is None:
                return False
            if prev[0] is not None and sk <= prev[0]:
                c.msg(f"Page {pgno} cell {i}: Index key out of order")
                return False
            prev[0] = sk
        if not leaf:
            return visit(_u32(d, hdr + 8)[0], depth + 1)
        return True

    visit(root, 0)
