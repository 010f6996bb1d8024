"""Overflow chains: the part of a payload that does not fit on its b-tree page.

Layout of an overflow page (big-endian):

    0   u32  next overflow page (0 on the last page of the chain)
    4   ...  up to U - 4 payload bytes (the last page may be partly used;
             we leave the rest zero)

A cell whose payload P exceeds its page kind's limit keeps L bytes locally
(``btreepage.local_size``) followed by the u32 number of the first overflow
page; the chain then holds exactly ceil((P - L) / (U - 4)) pages, which
SQLite's integrity_check verifies.

Invariant: every walk here is bounded by that length, and page numbers are
checked against the page count before use, so a damaged chain (cycle,
pointer out of range) raises errors.corrupt instead of looping or failing
with IndexError.
"""

from .. import errors
from . import freelist
from .format import U32

_u32 = U32.unpack_from
_pack32 = U32.pack_into


def chain_length(p, local, usable):
    return (p - local + usable - 5) // (usable - 4)


def read_payload(pager, data, start, p, local, first, usable):
    """The whole payload: ``local`` bytes at ``data[start:]`` then the chain."""
    parts = [data[start:start + local]]
    remaining = p - local
    per_page = usable - 4
    npages = pager.page_count
    if chain_length(p, local, usable) > npages:
        raise errors.corrupt(f"overflow chain of {p} bytes longer than the file")
    pgno = first
    get = pager.get
    while remaining > 0:
        if pgno < 2 or pgno > npages:
            raise errors.corrupt(f"overflow page {pgno} out of range")
        d = get(pgno).data
        if remaining > per_page:
            parts.append(d[4:usable])
            remaining -= per_page
        else:
            parts.append(d[4:4 + remaining])
            remaining = 0
        pgno = _u32(d, 0)[0]
    return b"".join(parts)


def write_chain(pager, usable, payload, local):
    """Store ``payload[local:]`` on fresh overflow pages; returns the first."""
    per_page = usable - 4
    mv = memoryview(payload)
    first = 0
    prev = None
    for off in range(local, len(payload), per_page):
        page = freelist.allocate(pager, usable)
        chunk = mv[off:off + per_page]
        page.data[4:4 + len(chunk)] = chunk
        if prev is None:
            first = page.pgno
        else:
            _pack32(prev.data, 0, page.pgno)
        prev = page
    return first


def free_chain(pager, usable, p, local, first):
    """Put a cell's overflow pages on the freelist."""
    n = chain_length(p, local, usable)
    npages = pager.page_count
    if n > npages:
        raise errors.corrupt(f"overflow chain of {p} bytes longer than the file")
    pgno = first
    seen = set()
    for _ in range(n):
        if pgno < 2 or pgno > npages or pgno in seen:
            raise errors.corrupt(f"overflow page {pgno} out of range or reused")
        seen.add(pgno)
        page = pager.get(pgno)
        nxt = _u32(page.data, 0)[0]
        freelist.free(pager, usable, page)
        pgno = nxt
