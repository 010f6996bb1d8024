"""Bulk building of an index b-tree from its table (CREATE INDEX, REINDEX).

SQLite builds an index by scanning the table into a sorter (which spills
sorted runs to temporary files and merges them when they outgrow its
memory), then appending the sorted entries so that pages fill left to
right.  This module does the same in three stages, streaming, so that the
build's memory is bounded whatever the table's size:

  1. ``scan_table``: one pass over the table b-tree's leaves in rowid order.
     For each row it makes the index record (the key columns' serial types
     and bodies copied from the table record, then the rowid) and a
     *native* sort value of the key columns (see below), appended to a
     ``Sorter``.  Rows it cannot take apart in place (overflowing payloads,
     headers with multi-byte varints, columns missing from a short record,
     REAL columns stored as integers or holding integral floats, anything
     malformed) go through the general decoder (``decode_record``/
     ``encode_record``), which raises corrupt where the record is damaged.
  2. ``Sorter``: a stable sort of the rowid-ordered entries by their key
     columns only (ties therefore stay in rowid order, which is the order of
     the whole entry, the rowid being its last column) and the UNIQUE check
     on neighbours of the sorted sequence.  Entries are gathered in chunks
     of at most ``CHUNK_BYTES``; a table that fits in one chunk is sorted in
     memory; otherwise each chunk is sorted and written to an anonymous
     temporary file as a run, and the runs are merged (layout, order and
     states in the class comment).
  3. ``load_index``: the sorted cells laid on pages left to right as they
     arrive, each level of interior pages filled from the dividers of the
     level below as its pages are written, the top level written into the
     (empty) root page, which never moves.

Native sort values.  Ordering by ``KeyInfo.record_key`` (what the b-tree
compares) costs a Python loop per entry; for the common case a plain Python
value orders the same and sorts in C.  Per key column:
    integer/real -> int/float (Python compares int and float exactly, as
                    SQLite's sqlite3IntFloatCompare does)
    text         -> its UTF-8 bytes (BINARY collation is memcmp of those)
    NULL         -> None;  blob -> ``_BLOB`` (neither orders natively)
A single key column is the value itself, several make a tuple.  The native
order is used only when the KeyInfo is plain (BINARY, ascending) and every
key column holds only numbers or only text; anything else sorts by
``record_key`` over the records, the b-tree's own order.

Page layout (SQLite's index b-tree pages, btreepage.py): every page filled
as far as it holds, one divider cell between neighbours moving up a level,
the last pages of a level evened out by ``btree._partition_dividers`` (the
layout balance uses), so that no page is left empty (btree.py invariant 2).
A level keeps at most about four pages of cells unwritten (``_Level``): the
evening out reaches only those, where a whole-level partition could reach
a few pages further back.  Payloads beyond ``max_local`` spill to overflow
chains as in any index insert (``BTree._index_cell``).  Pages are allocated
as they are written, so leaves and the interior pages above them
interleave in the file.
"""

import heapq
import pickle
import struct
import tempfile
from itertools import islice
from operator import itemgetter

from .. import errors
from .btree import _VARINT1, _exact_index_cell, _pad4, _partition_dividers
from .btreepage import INTERIOR_INDEX, LEAF_INDEX, MemPage
from .format import U32
from .record import (decode_record, decode_record_prefix, encode_record, get_varint, put_varint,
                     real_stored)

_pack32 = U32.pack
_u32 = U32.unpack_from
_unpack_real = struct.Struct(">d").unpack

# Body sizes of one-byte serial types (0..127); 10 and 11 are reserved and
# sent to the general decoder, which calls them corrupt.
_BODY = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1] + [(t - 12) >> 1 for t in range(12, 128)]
_SIZES = bytes(max(s, 0) for s in _BODY) + bytes(128)
_SIZE1 = list(_SIZES)           # the same, indexed by one serial type
# The header of a two-column index record whose serial types are one byte.
_HEAD2 = [[bytes((3, t, rt)) for rt in range(10)] for t in range(0x80)]


class _Blob:
    """The native value of a blob: it never orders natively."""


_BLOB = _Blob()
_NATIVE_OK = ({int}, {float}, {int, float}, {bytes})

# (serial type, body bytes) of a rowid by bit length, taken from the
# canonical encoder; rowids 0, 1, negative or beyond 2**47 use it directly.
_ROWID_TYPE = [None, None] + [
    (r[1], len(r) - 2) for r in (encode_record(((1 << bl) - 1,)) for bl in range(2, 48))]


_ROWID_FAST = 1 << 47


def _rowid_piece(rowid):
    if 2 <= rowid < _ROWID_FAST:
        t, n = _ROWID_TYPE[rowid.bit_length()]
        return t, rowid.to_bytes(n, "big")
    r = encode_record((rowid,))
    return r[1], r[2:]


def native(v):
    """The native sort value of one key column value (see the module
    comment)."""
    tv = type(v)
    if tv is int or tv is float:
        return v
    if tv is str:
        return v.encode("utf-8", "surrogateescape")
    if v is None:
        return None
    return _BLOB


# -- 1. the scan ---------------------------------------------------------------

def scan_table(bt, root, cols, reals, defaults, sorter):
    """Append the index entries of every row of table b-tree ``root`` to
    ``sorter`` (a Sorter) in rowid order, calling its ``check`` between
    leaves.  ``cols``: per key column its position in the table record, -1
    for the rowid; ``reals``: per key column whether it has REAL affinity
    (integers stored in it read as floats); ``defaults``: per key column the
    value a record too short to hold it stands for."""
    bt._sync()
    add_native = sorter.natives.append
    add_rec = sorter.recs.append
    check = sorter.check
    n = len(cols)
    hsize = n + 2
    if hsize >= 0x80:       # a header too long for one varint byte
        for page, v in bt._walk(root):
            if v.leaf:
                for i, rowid in enumerate(v.table_keys()):
                    _general(bt, v, i, rowid, cols, reals, defaults, add_native, add_rec)
                check()
        return
    # The one-column index of an integer or text column is the hot case:
    # it is taken apart inline before the general loop over key columns.
    col0 = cols[0] if n == 1 and not reals[0] else -1
    any_real = any(reals)
    frombytes = int.from_bytes
    for page, v in bt._walk(root):
        if not v.leaf:
            continue
        check()                 # the entries of the previous leaf
        data = v.data
        max_local = v.max_local
        for off in v.cells:
            # Cell: varint P, varint rowid, the record.
            try:
                p = data[off]
                j = off + 1
                if p >= 0x80:
                    p, k = get_varint(data, off)
                    j = off + k
                c = data[j]
                if c < 0x80:
                    rowid = c
                    j += 1
                elif data[j + 1] < 0x80:
                    rowid = (c & 0x7F) << 7 | data[j + 1]
                    j += 2
                elif data[j + 2] < 0x80:
                    rowid = (c & 0x7F) << 14 | (data[j + 1] & 0x7F) << 7 | data[j + 2]
                    j += 3
                else:
                    rowid, k = get_varint(data, j)
                    if rowid >= 1 << 63:
                        rowid -= 1 << 64
                    j += k
                hs = data[j]
                end = j + p
                hend = j + hs
                types = data[j + 1:hend]
            except IndexError:
                raise errors.corrupt(f"page {page.pgno}: cell extends off the page") from None
            if p > max_local or hs >= 0x80 or not types.isascii():
                _general(bt, v, v.cells.index(off), rowid, cols, reals, defaults,
                         add_native, add_rec)
                continue
            if col0 >= 0 and col0 < len(types):
                t = types[col0]
                if 0 < t < 7 or t >= 13 and t & 1:       # an integer or text
                    size = _BODY[t]
                    pos = hend + (_SIZE1[types[0]] if col0 == 1 else
                                  sum(types[:col0].translate(_SIZES)) if col0 else 0)
                    if pos + size <= end:
                        body = data[pos:pos + size]
                        if 2 <= rowid < _ROWID_FAST:
                            rt, rn = _ROWID_TYPE[rowid.bit_length()]
                            add_rec(_HEAD2[t][rt] + body + rowid.to_bytes(rn, "big"))
                        else:
                            rt, rbody = _rowid_piece(rowid)
                            add_rec(_HEAD2[t][rt] + body + rbody)
                        add_native(frombytes(body, "big", signed=True) if t < 7 else bytes(body))
                        continue
            ntypes = len(types)
            keyvals = []
            keytypes = []
            bodies = []
            for q, col in enumerate(cols):
                if col < 0:
                    t, body = _rowid_piece(rowid)
                    val = rowid
                else:
                    if col >= ntypes:
                        break
                    t = types[col]
                    size = _BODY[t]
                    if size < 0:
                        break
                    pos = hend + sum(types[:col].translate(_SIZES)) if col else hend
                    if pos + size > end:
                        break
                    body = data[pos:pos + size]
                    if t < 7:
                        if t:
                            if any_real and reals[q]:
                                break
                            val = frombytes(body, "big", signed=True)
                        else:
                            val = None
                    elif t >= 12:
                        val = bytes(body) if t & 1 else _BLOB
                    elif t == 7:
                        val = _unpack_real(body)[0]
                        if val != val:          # a NaN reads as NULL
                            break
                        if any_real and reals[q] and real_stored(val) is not val:
                            break               # (the key stores it as an integer)
                    else:
                        if any_real and reals[q]:
                            break
                        val = t - 8
                keyvals.append(val)
                keytypes.append(t)
                bodies.append(body)
            else:
                rt, rbody = _rowid_piece(rowid)
                keytypes.append(rt)
                bodies.append(rbody)
                add_rec(bytes((hsize, *keytypes)) + b"".join(bodies))
                add_native(keyvals[0] if n == 1 else tuple(keyvals))
                continue
            _general(bt, v, v.cells.index(off), rowid, cols, reals, defaults,
                     add_native, add_rec)


def _general(bt, v, i, rowid, cols, reals, defaults, add_native, add_rec):
    """One row through the general decoder (see scan_table)."""
    vals = decode_record(bt._payload(v, i))
    nvals = len(vals)
    key = []
    for q, col in enumerate(cols):
        if col < 0:
            x = rowid
        elif col < nvals:
            x = vals[col]
            if reals[q]:
                # The value the REAL column reads, stored as SQLite's
                # OP_MakeRecord stores it (record.real_stored).
                x = real_stored(float(x) if type(x) is int else x)
        else:
            x = defaults[q]
        key.append(x)
    add_native(native(key[0]) if len(cols) == 1 else tuple(map(native, key)))
    key.append(rowid)
    add_rec(encode_record(key))


# -- 2. the sort ---------------------------------------------------------------

# How much memory one sorted chunk may take, estimated as the Python objects
# it costs (``_ENTRY`` per entry beyond its record bytes: the record object,
# its native value or sort key, the list slots and sort indices around
# them; measured with tracemalloc).  SQLite sizes its in-memory sorter by
# the page cache: max(cache_size, 250 pages) of record bytes, 2 MB by
# default.  As Python objects a short entry costs ~15 times its record
# bytes, so the equivalent budget is ~32 MB: about 190,000 short entries
# still sort in one pass at full speed (no files), a larger table spills,
# and the build's memory no longer grows with the table.  Fixed, not read
# from the pager, so that the result and the speed do not depend on
# PRAGMA cache_size; tests lower it to force spilling.
CHUNK_BYTES = 32 << 20
_ENTRY = 160
# Runs merged at once (SQLite's SORTER_MAX_MERGE_COUNT): with more, groups
# of them are first merged into longer runs, so the blocks the merge holds
# (one per run, each about CHUNK_BYTES / _FANIN) stay within the budget.
_FANIN = 16
_first = itemgetter(0)
_second = itemgetter(1)


class Sorter:
    """Index entries in rowid order in, index records in index order out,
    in bounded memory (SQLite's VdbeSorter).

    Entries are appended to ``natives``/``recs`` (see ``scan_table``), the
    caller calling ``check`` now and then.  When the chunk's estimated size
    passes the budget it is sorted and written to an anonymous temporary
    file as a *run*, and the lists are emptied in place (so bound ``append``
    methods stay valid).  ``records`` then either sorts the one chunk in
    memory (no file at all) or merges the runs.

    Run file: blocks, each a U32 length and a pickle of (keys, records) --
    ``keys`` the sort keys of the block's entries (None when they are not
    plain data: a collation key function returning other objects).  A run
    remembers which kind its keys are, 'native' or 'record'.

    Order.  Each chunk sorts exactly as one in-memory sort would: stably by
    its native values when the KeyInfo is plain and the chunk's key columns
    are natively ordered (module comment), else by ``KeyInfo.record_key``.
    Ties keep rowid order.  The merge uses native keys only if every run
    did and the union of the runs' per-column value types still orders
    natively (ints in one run and texts in another do not); otherwise
    record keys, recomputed from the records where a run has none.  A run
    sorted natively is also in record-key order (the two orders agree on
    its values), so every run is sorted for the merge's key.  ``heapq.merge``
    breaks ties by run order, which is rowid order: the merged sequence is
    exactly the stable sort of the whole table.

    UNIQUE: neighbours of the sorted sequence with equal keys none of
    whose key columns is NULL.  In memory this is checked before the first
    record is returned; a merge finds it while the records stream into
    ``load_index``, so the pages loaded by then are undone by the
    statement's rollback.

    ``close`` (also on leaving a ``with`` block) closes -- so deletes --
    every run file, on success, error or interrupt alike."""

    def __init__(self, kinfo, ncols):
        self.natives = []
        self.recs = []
        self._kinfo = kinfo
        self._ncols = ncols
        self._plain = kinfo.nkey is None and not any(kinfo.desc) and \
            all(c is None for c in kinfo.collations)
        self._budget = CHUNK_BYTES
        self._size = 0          # estimated bytes of the chunk up to _mark
        self._mark = 0
        self._runs = []         # [file, keys kind]
        self._types = None      # per key column: value types of native chunks
        self._step = None       # entries per run block

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for run in self._runs:
            run[0].close()
        self._runs = []

    def check(self):
        """Account for the entries appended since the last call; spill the
        chunk as a run once it is over budget."""
        recs = self.recs
        m = len(recs)
        self._size += sum(map(len, recs[self._mark:])) + _ENTRY * (m - self._mark)
        self._mark = m
        if self._size > self._budget:
            self._spill()

    def _record_key(self, rec):
        return self._kinfo.record_key(rec, 0, None, self._ncols)

    def _sort_chunk(self):
        """(keys, order, 'native' or 'record') of the chunk."""
        natives, recs = self.natives, self.recs
        kind = "record"
        if self._plain:
            types = _column_types(natives, self._ncols)
            if all(t in _NATIVE_OK for t in types):
                kind = "native"
        if kind == "native":
            keys = natives
            self._types = types if self._types is None else \
                [a | b for a, b in zip(self._types, types)]
        else:
            keys = list(map(self._record_key, recs))
        return keys, sorted(range(len(recs)), key=keys.__getitem__), kind

    def _spill(self):
        keys, order, kind = self._sort_chunk()
        recs = self.recs
        m = len(recs)
        # Blocks of about budget / _FANIN bytes: what the merge holds per run.
        step = max(16, self._budget // _FANIN * m // max(self._size, 1))
        self._step = min(step, self._step or step)
        store = kind == "native" or type(keys[0]) is bytes
        blocks = ((list(map(keys.__getitem__, order[i:i + step])) if store else None,
                   list(map(recs.__getitem__, order[i:i + step])))
                  for i in range(0, m, step))
        self._write_run(blocks, kind)
        del keys, order
        self.natives.clear()
        recs.clear()
        self._size = self._mark = 0

    def _write_run(self, blocks, kind):
        f = tempfile.TemporaryFile()
        self._runs.append([f, kind])
        for block in blocks:
            data = pickle.dumps(block, pickle.HIGHEST_PROTOCOL)
            f.write(_pack32(len(data)))
            f.write(data)
        f.flush()

    def records(self, duplicate=None):
        """The records in index order (an iterable to pass to
        ``load_index``).  ``duplicate``: for a UNIQUE index, the exception
        to raise on two equal keys with no NULL among them."""
        ncols = self._ncols
        if not self._runs:
            keys, order, _ = self._sort_chunk()
            recs = self.recs
            if duplicate is None:
                out = list(map(recs.__getitem__, order))
            else:
                out = list(_unique(zip(map(keys.__getitem__, order),
                                       map(recs.__getitem__, order)), ncols, duplicate))
            self.natives = self.recs = None
            return out
        if self.recs:
            self._spill()
        kind = "native" if all(k == "native" for _, k in self._runs) and \
            all(t in _NATIVE_OK for t in self._types) else "record"
        # Too many runs to merge at once: merge each group of _FANIN
        # neighbours into one longer run, in place (run order is rowid
        # order, which breaks ties), and again until few enough are left.
        while len(self._runs) > _FANIN:
            level, self._runs = self._runs, []
            try:
                for i in range(0, len(level), _FANIN):
                    merged = self._merge(level[i:i + _FANIN], kind)
                    batches = iter(lambda: list(islice(merged, self._step)), [])
                    self._write_run(((list(map(_first, b)) if kind == "native" or
                                      type(b[0][0]) is bytes else None,
                                      list(map(_second, b))) for b in batches), kind)
            finally:
                for run in level:
                    run[0].close()
        merged = self._merge(self._runs, kind)
        if duplicate is None:
            return map(_second, merged)
        return _unique(merged, ncols, duplicate)

    def _merge(self, runs, kind):
        rkey = self._record_key
        return heapq.merge(*(_read_run(f, rkey, k == kind) for f, k in runs), key=_first)


def _read_run(f, rkey, stored):
    """(key, record) pairs of a run file: its stored keys if ``stored``
    and it has them, else keys made by ``rkey``."""
    f.seek(0)
    read = f.read
    while True:
        head = read(4)
        if not head:
            return
        keys, recs = pickle.loads(read(_u32(head)[0]))
        if not stored or keys is None:
            keys = map(rkey, recs)
        yield from zip(keys, recs)


def _unique(pairs, ncols, duplicate):
    """The records of sorted (key, record) pairs; ``duplicate`` raised at the
    first two neighbours with equal keys and no NULL key column."""
    prev = None         # equal to no key: keys are never None
    for key, rec in pairs:
        if key == prev and None not in decode_record_prefix(rec, ncols):
            raise duplicate
        prev = key
        yield rec


def _column_types(natives, ncols):
    if ncols == 1:
        return [set(map(type, natives))]
    return [set(map(type, col)) for col in zip(*natives)]


# -- 3. the pages --------------------------------------------------------------

class _Level:
    """One level of the tree being loaded: the cells not yet laid on pages.
    Pages fill greedily as cells arrive; a page is written once three full
    ones are pending, so at most about four pages' worth of cells wait here,
    and the last pages of the level can still be evened out by
    ``_partition_dividers`` when the level ends."""

    __slots__ = ("bt", "leaf", "cap", "cells", "total", "ends", "wrote", "parent")

    def __init__(self, bt, leaf):
        self.bt = bt
        self.leaf = leaf
        self.cap = bt._geo.usable - (8 if leaf else 12)
        self.cells = []
        self.total = 0          # bytes (cells + pointers) of the open page
        self.ends = []          # pending full pages: index of their divider
        self.wrote = False
        self.parent = None

    def add(self, cell):
        s = len(cell) + 2
        if self.total + s <= self.cap:
            self.total += s
            self.cells.append(cell)
            return
        ends = self.ends
        ends.append(len(self.cells))
        self.cells.append(cell)
        self.total = 0
        if len(ends) == 3:
            e = ends.pop(0)
            cells = self.cells
            self._page(cells[:e], cells[e])
            del cells[:e + 1]
            ends[:] = [x - e - 1 for x in ends]

    def _page(self, cells, div, right=None):
        """Write a page of ``cells``; ``div`` its divider moving up (None:
        the level's last page, whose right child is ``right``).  Returns
        its page number."""
        bt = self.bt
        if right is None:
            right = 0 if self.leaf else _u32(div, 0)[0]
        page = bt._allocate()
        nv = MemPage.blank(page.pgno, page.data, bt._geo,
                           LEAF_INDEX if self.leaf else INTERIOR_INDEX)
        nv.rebuild(cells, None, right)
        page.extra = nv
        self.wrote = True
        if div is not None:
            if self.parent is None:
                self.parent = _Level(bt, False)
            self.parent.add(_pack32(page.pgno) +
                            (_exact_index_cell(div) if self.leaf else div[4:]))
        return page.pgno

    def finish(self, right):
        """Write the level's remaining pages, the last two evened out as
        balance would; returns the last page's number."""
        cells = self.cells
        groups, divs = _partition_dividers([len(c) + 2 for c in cells], self.cap)
        last = len(groups) - 1
        for g, (a, b) in enumerate(groups):
            if g < last:
                self._page(cells[a:b], cells[divs[g]])
            else:
                right = self._page(cells[a:b], None, right)
        return right


def load_index(bt, root, recs):
    """Fill the empty index b-tree ``root`` with ``recs`` (an iterable of
    index records in index order, no two equal), page by page as they come:
    memory holds a few pages per level, not the index."""
    bt._sync()
    for c in bt._tree(root).live():
        c._invalidate()
    pager = bt.pager
    root_page = bt._get(root)
    rv = bt._view(root_page)
    if rv.intkey or not rv.leaf or rv.ncell:
        raise errors.InternalError(f"bulk load into page {root}: not an empty index")
    geo = bt._geo
    max_local = geo.max_local
    level = _Level(bt, True)
    add = level.add
    for r in recs:
        p = len(r)
        if p > max_local:
            add(bt._index_cell(r))
        elif p < 0x80:
            cell = _VARINT1[p] + r
            add(cell if p >= 3 else _pad4(cell))
        else:
            add(put_varint(p) + r)
    if not level.cells:
        return
    # The first level (from the leaves up) that was never split and fits in
    # the root page goes there; every level below ends with its last page
    # the right child of the level above.
    right = 0
    while level.wrote or \
            sum(len(c) + 2 for c in level.cells) > \
            geo.usable - rv.hdr - (8 if level.leaf else 12):
        right = level.finish(right)
        level = level.parent
    pager.write(root_page)
    nv = MemPage.blank(root, root_page.data, geo,
                       LEAF_INDEX if level.leaf else INTERIOR_INDEX)
    nv.rebuild(level.cells, None, right)
    root_page.extra = nv
