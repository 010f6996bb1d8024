"""The freelist: pages no b-tree uses, kept for reuse before the file grows.

Layout (all big-endian):

    page 1 header  32  u32  first trunk page (0 = empty freelist)
                   36  u32  number of freelist pages, trunks and leaves
    trunk page      0  u32  next trunk (0 = last)
                    4  u32  n = number of leaf page numbers that follow
                    8  n x u32 leaf page numbers
    leaf page          no structure (we zero it, as SQLite's SECURE_DELETE)

Readers accept n <= U/4 - 2; SQLite never writes more than U/4 - 8 leaves
per trunk (compatibility with old readers that mis-sized the array), and
neither do we.

Allocation (SQLite's allocateBtreePage without a "nearby" hint): take the
head trunk's first leaf, moving its last leaf into the hole; a trunk with
no leaves is itself handed out and its successor becomes the head.  Only an
empty freelist grows the file (``pager.append``, which skips the lock-byte
page).

Freeing (SQLite's freePage): the page becomes a leaf of the head trunk
while that has room, else the new head trunk.

Invariant: header count == trunks + leaves reachable from the head; every
page handed out is zeroed, writable and has no decoded view (extra None).
"""

import struct

from .. import errors
from . import format as fmt

_U32 = fmt.U32
_u32 = _U32.unpack_from
_pack32 = _U32.pack_into


def max_leaves_written(usable):
    return usable // 4 - 8


def max_leaves_read(usable):
    return usable // 4 - 2


def allocate(pager, usable):
    """A zeroed, writable page for a new use."""
    page1 = pager.get(1)
    d1 = page1.data
    count = _u32(d1, fmt.OFF_FREELIST_COUNT)[0]
    if count == 0:
        page = pager.append()
        page.extra = None
        return page
    trunk = _u32(d1, fmt.OFF_FREELIST_TRUNK)[0]
    if trunk < 2 or trunk > pager.page_count or count > pager.page_count:
        raise errors.corrupt(f"freelist: bad trunk page {trunk} (count {count})")
    tpage = pager.get(trunk)
    td = tpage.data
    n = _u32(td, 4)[0]
    if n > max_leaves_read(usable):
        raise errors.corrupt(f"freelist: trunk {trunk} claims {n} leaves")
    pager.write(page1)
    _pack32(d1, fmt.OFF_FREELIST_COUNT, count - 1)
    if n == 0:
        # The trunk itself is handed out; its successor becomes the head.
        pager.write(tpage)
        _pack32(d1, fmt.OFF_FREELIST_TRUNK, _u32(td, 0)[0])
        page = tpage
    else:
        leaf = _u32(td, 8)[0]
        if leaf < 2 or leaf > pager.page_count or leaf == trunk:
            raise errors.corrupt(f"freelist: trunk {trunk} lists bad leaf {leaf}")
        pager.write(tpage)
        if n > 1:
            td[8:12] = td[4 + 4 * n:8 + 4 * n]
        td[4 + 4 * n:8 + 4 * n] = b"\0\0\0\0"
        _pack32(td, 4, n - 1)
        page = pager.get(leaf)
        pager.write(page)
    data = page.data
    data[:] = bytes(len(data))
    page.extra = None
    return page


def free(pager, usable, page):
    """Put ``page`` (a Page no longer used by anything) on the freelist."""
    page1 = pager.get(1)
    d1 = page1.data
    pager.write(page1)
    pager.write(page)
    count = _u32(d1, fmt.OFF_FREELIST_COUNT)[0]
    trunk = _u32(d1, fmt.OFF_FREELIST_TRUNK)[0]
    data = page.data
    data[:] = bytes(len(data))
    page.extra = None
    _pack32(d1, fmt.OFF_FREELIST_COUNT, count + 1)
    if trunk:
        if trunk > pager.page_count or trunk == page.pgno:
            raise errors.corrupt(f"freelist: bad trunk page {trunk}")
        tpage = pager.get(trunk)
        td = tpage.data
        n = _u32(td, 4)[0]
        if n > max_leaves_read(usable):
            raise errors.corrupt(f"freelist: trunk {trunk} claims {n} leaves")
        if n < max_leaves_written(usable):
            pager.write(tpage)
            _pack32(td, 8 + 4 * n, page.pgno)
            _pack32(td, 4, n + 1)
            return
    # The freed page becomes the new head trunk, pointing at the old one.
    _pack32(data, 0, trunk)
    _pack32(d1, fmt.OFF_FREELIST_TRUNK, page.pgno)


def walk(pager, usable):
    """Yield (trunk pgno, [leaf pgnos]) along the chain, bounded by the
    page count (a cycle raises corrupt instead of looping)."""
    d1 = pager.get(1).data
    trunk = _u32(d1, fmt.OFF_FREELIST_TRUNK)[0]
    seen = 0
    while trunk:
        seen += 1
        if trunk > pager.page_count or seen > pager.page_count:
            raise errors.corrupt(f"freelist: bad trunk page {trunk}")
        td = pager.get(trunk).data
        n = _u32(td, 4)[0]
        if n > max_leaves_read(usable):
            raise errors.corrupt(f"freelist: trunk {trunk} claims {n} leaves")
        yield trunk, list(struct.unpack_from(">%dI" % n, td, 8))
        trunk = _u32(td, 0)[0]
