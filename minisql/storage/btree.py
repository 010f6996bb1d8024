"""Table and index b-trees over the pager: cursors, insert/delete, balance.

A b-tree is named by its root page, which never moves.  Table b-trees
(intkey) keep rows in leaves keyed by a signed 64-bit rowid, interior cells
holding only keys (every rowid in the left subtree <= key < every rowid to
the right; we write the largest rowid of the left subtree, as SQLite does).
Index b-trees keep records (the indexed columns then the rowid) in every
cell, interior ones included; their order is ``record.KeyInfo``'s.
Byte layouts: btreepage.py (pages and cells), overflow.py, freelist.py.

Transactions belong to the pager: the engine calls begin_read/begin_write/
commit; every page is passed to ``pager.write`` before it changes.

Cursor states
    VALID      on an entry: ``_page``/``_v``/``_i`` (for an index cursor the
               entry may be on an interior page), ``_pages``/``_idxs`` the
               interior pages above it and the child index taken in each.
    EOF        not on an entry (after running off an end, or an empty tree).
    REQUIRESEEK  the tree changed under the cursor (or it deleted its own
               entry): ``_saved`` holds the key it was on; the next use
               re-seeks it (SQLite's saveCursorPosition/restoreCursorPosition).
    SKIPNEXT   re-seek found ``_saved`` gone and stopped on its successor:
               the next ``next()`` stays there, ``prev()`` moves normally.
    EOFSKIP    as SKIPNEXT with no successor: ``prev()`` goes to the last.

Invariants
  1. Before a cursor changes a tree, every other cursor on that tree saves
     its position (``_Tree.save_others``), so a cursor never reads a view
     another cursor has edited.
  2. Every non-root page holds at least one cell and all leaves are at the
     same depth (SQLite treats an empty child page as corrupt).
  3. A page's ``extra`` view matches its data after every edit (cells,
     cached keys, children, nfree).
  4. Pages leave a tree only through the freelist; the freelist is used
     before the file grows.
  5. Walks are bounded: depth <= MAX_DEPTH, a scan enters at most
     page_count pages between seeks, tree walks detect revisits; damage
     raises errors.corrupt, never IndexError/RecursionError or a hang.

Balancing (SQLite's balance(), rewritten).  A page needs balancing when an
insert leaves a cell that does not fit (held in ``ovfl_*`` on the view) or a
delete leaves it more than 2/3 empty; the loop then climbs, since each step
edits the parent:
  - overflow: the page alone is re-laid on as many pages as its cells need
    (two, evened), new pages from the freelist.  SQLite shares the load
    with two siblings instead, which packs pages tighter but re-lays three
    pages on every split -- too slow in Python.  Appending past the end of
    the right-most page keeps the old page full: balance_quick for table
    leaves (a new leaf with just the new cell), the same idea for index and
    interior pages (the old page's last cell moves up as the divider).
  - underfull: the page and up to two siblings are laid out afresh (cells
    left to right, then evened from the right) on as few pages as hold
    them; emptied pages go to the freelist.
  - the root: overflowing, it moves its content to a new child which is
    then split (balance_deeper); left with no cells, it swallows its only
    child when that fits (balance_shallower; page 1 has 100 bytes less).
"""

import weakref
from bisect import bisect_left, bisect_right
from itertools import repeat as _repeat
from operator import add as _add, itemgetter as _bytes_at

from .. import errors
from . import format as fmt
from . import freelist, overflow
from .btreepage import (INTERIOR_INDEX, INTERIOR_TABLE, LEAF_INDEX, LEAF_TABLE,
                        Geometry, MemPage, local_size)
from .record import (_FIXED_SIZE, _TEXT, DEFAULT_KEYINFO, decode_one, decode_record,
                     decode_record_prefix, encode_record, first_column, get_varint,
                     put_varint)

MAX_DEPTH = 20          # SQLite's BTCURSOR_MAX_DEPTH: deeper means a cycle

# Header offset of the auto-vacuum "largest root page" field (non-zero means
# the file has pointer-map pages); format.py has no name for it yet.

VALID, EOF, REQUIRESEEK, SKIPNEXT, EOFSKIP = 0, 1, 2, 3, 4

# Searches of a cold index page answered by decoding only the probed cells
# (~log2(n) records) before its key cache is built (n records, ~25x the
# cost of one lazy search): building pays off only for pages searched
# often while cached.
LAZY_INDEX_PROBES = 12

_U32 = fmt.U32
_u32 = _U32.unpack_from
_pack32 = _U32.pack


_VARINT1 = [bytes((n,)) for n in range(0x80)]    # one-byte varints


def _exact_index_cell(cell):
    """An index leaf cell without the padding that makes cells >= 4 bytes
    (needed before it gains a child pointer on an interior page)."""
    if len(cell) == 4 and cell[0] < 0x80 and cell[0] + 1 < 4:
        return cell[:cell[0] + 1]
    return cell


def _pad4(cell):
    return cell if len(cell) >= 4 else cell + bytes(4 - len(cell))


class _Tree:
    """Per-root bookkeeping: the cursors open on the tree (weakly held, so
    a cursor the engine drops without close() costs nothing)."""

    __slots__ = ("root", "cursors")

    def __init__(self, root):
        self.root = root
        self.cursors = {}           # weakref -> None, dropped when it dies

    def _gone(self, ref):
        self.cursors.pop(ref, None)

    def add(self, cursor):
        self.cursors[weakref.ref(cursor, self._gone)] = None

    def discard(self, cursor):
        # A new weakref to a live object compares equal to the stored one.
        self.cursors.pop(weakref.ref(cursor), None)

    def live(self):
        return [c for c in (r() for r in list(self.cursors)) if c is not None]

    def save_others(self, me):
        for c in self.live():
            if c is not me:
                c._save()


class BTree:
    """The b-trees of one database, over one pager (one BTree per pager:
    cursor bookkeeping lives here)."""

    def __init__(self, pager):
        self.pager = pager
        self._usable = None
        self._geo = None
        self._trees = {}
        self._sync()
        # Cursors must re-seek after a rollback changes the pages they read.
        pager.restore_hooks.append(self.save_all_cursors)

    def _sync(self):
        u = self.pager.usable_size
        if u != self._usable:
            self._usable = u
            self._geo = Geometry(u)

    def _tree(self, root):
        t = self._trees.get(root)
        if t is None:
            t = self._trees[root] = _Tree(root)
        return t

    # -- database-level operations -----------------------------------------

    def new_database(self):
        """Initialise page 1 of an empty database: the 100-byte header and
        an empty sqlite_schema table leaf."""
        self._sync()
        pager = self.pager
        if self._usable < 480:
            # SQLite refuses such files ("file is not a database"): every
            # payload formula assumes room for four cells per page.
            raise errors.DatabaseError("usable page size below 480 bytes")
        if pager.page_count == 0:
            page = pager.append()
        else:
            page = pager.get(1)
            pager.write(page)
        page.data[:fmt.HEADER_SIZE] = fmt.DbHeader.new(
            pager.page_size, pager.reserved).pack()
        page.extra = MemPage.blank(1, page.data, self._geo, LEAF_TABLE)

    def get_meta(self, offset):
        return _u32(self.pager.get(1).data, offset)[0]

    def set_meta(self, offset, value):
        page = self.pager.get(1)
        self.pager.write(page)
        fmt.U32.pack_into(page.data, offset, value)

    def create_table(self):
        return self._create(LEAF_TABLE)

    def create_index(self):
        return self._create(LEAF_INDEX)

    def _create(self, t):
        self._sync()
        page = self._allocate()
        page.extra = MemPage.blank(page.pgno, page.data, self._geo, t)
        return page.pgno

    def drop_tree(self, root):
        """Free every page of the tree, the root included."""
        if root == 1:
            raise errors.InternalError("cannot drop sqlite_schema")
        self._sync()
        self._clear(root, free_root=True)
        self._trees.pop(root, None)

    def clear_tree(self, root):
        """Delete every entry; the root stays as an empty leaf.  Returns the
        number of entries removed."""
        self._sync()
        return self._clear(root, free_root=False)

    def count(self, root):
        """Number of entries (rows of a table, keys of an index)."""
        self._sync()
        n = 0
        for page, v in self._walk(root):
            if v.leaf or not v.intkey:
                n += v.ncell
        return n

    def leaves(self, root):
        """The views of a tree's leaf pages, in key order (walked and
        checked as count() walks)."""
        self._sync()
        for _, v in self._walk(root):
            if v.leaf:
                yield v

    def _walk(self, root):
        """Yield (page, view) for every b-tree page of a tree, parents first;
        a page reached twice or a tree larger than the file is corrupt."""
        seen = set()
        limit = self.pager.page_count
        stack = [(root, None)]
        while stack:
            pgno, intkey = stack.pop()
            if pgno in seen or len(seen) >= limit:
                raise errors.corrupt(f"b-tree {root}: page {pgno} reached twice")
            seen.add(pgno)
            page = self._get(pgno)
            v = self._view(page)
            if intkey is not None and (v.intkey != intkey or not v.ncell):
                raise errors.corrupt(f"b-tree {root}: bad child page {pgno}")
            yield page, v
            if not v.leaf:
                stack.append((v.right, v.intkey))
                stack.extend((c, v.intkey) for c in reversed(v.children))

    def _clear(self, root, free_root):
        for c in self._tree(root).live():
            c._invalidate()
        n = 0
        pages = []
        for page, v in self._walk(root):
            if v.leaf or not v.intkey:
                n += v.ncell
                for i in range(v.ncell):
                    self._free_cell_overflow(v, i)
            pages.append(page)
        root_page = pages[0]
        for page in pages[1:]:
            freelist.free(self.pager, self._usable, page)
        if free_root:
            freelist.free(self.pager, self._usable, root_page)
        else:
            v = self._view(root_page)
            self.pager.write(root_page)
            v.reset(LEAF_TABLE if v.intkey else LEAF_INDEX, self._geo)
        return n

    def delete_rowids(self, root, rowids):
        """Delete the rows of table b-tree ``root`` whose rowids are listed
        (ascending, no repeats; absent ones are skipped).  Returns how many
        were deleted.  One descent per leaf page, not per row: the page's
        doomed cells go in one rebuild, then the page is balanced if that
        left it underfull (as TableCursor.delete would for its last row)."""
        self._sync()
        cur = TableCursor(self, root)
        self._tree(root).save_others(cur)
        pager = self.pager
        usable = self._usable
        n = 0
        k = 0
        m = len(rowids)
        while k < m:
            cur._descend(rowids[k])
            page, v = cur._page, cur._v
            # A leaf that is one run (see _leaf_run) needs no cell parsed:
            # its rowids are a range and each cell ends where its payload does.
            run = _leaf_run(v, v.cells) if v.ncell > 1 else None
            if run is not None and run[1] + min(run[3]) < 4:
                run = None                  # (a padded cell: sized by parsing)
            keys = v.keys
            if keys is None:
                keys = list(range(run[0], run[0] + v.ncell)) if run else v.table_keys()
            hi = bisect_right(rowids, keys[-1], k) if keys else k
            if hi == k:                 # rowids[k] is not in the table
                k += 1
                continue
            doomed = []
            for r in rowids[k:hi]:
                i = bisect_left(keys, r)
                if keys[i] == r:
                    doomed.append(i)
            k = hi
            if not doomed:
                continue
            pager.write(page)
            if run is not None:
                data = bytes(v.data)        # (slices of bytes: one copy each)
                _, h, offs, sizes = run
                cells = [data[o:o + h + p] for o, p in zip(offs, sizes)]
            else:
                cells = v.all_cells()
            kept_cells = []
            kept_keys = []
            prev = 0
            for i in doomed:
                if cells[i][0] >= 0x80:     # P >= 128: it may spill
                    self._free_cell_overflow(v, i)
                kept_cells += cells[prev:i]
                kept_keys += keys[prev:i]
                prev = i + 1
            kept_cells += cells[prev:]
            kept_keys += keys[prev:]
            v.rebuild(kept_cells, kept_keys)
            n += len(doomed)
            if cur._pages and v.nfree * 3 > usable * 2:
                self._balance(cur._pages + [page], cur._idxs + [0])
        cur.close()
        return n

    def save_all_cursors(self):
        """Make every cursor re-seek its key on next use.  The pager calls
        this just before a rollback restores page images (a restore hook):
        the keys are read from the pages, which the rollback then changes
        under the cursors."""
        for t in self._trees.values():
            for c in t.live():
                c._save()

    # -- cursors -----------------------------------------------------------

    def table(self, root):
        self._sync()
        return TableCursor(self, root)

    def index(self, root, key_info=None):
        self._sync()
        return IndexCursor(self, root, key_info or DEFAULT_KEYINFO)

    # -- point reads (no cursor) -------------------------------------------
    #
    # A lookup that reads a row or two and is done -- the usual point query
    # -- needs no cursor: there is no position to keep, nothing changes the
    # tree while it runs, and no cursor bookkeeping (a weak reference per
    # cursor, the stacks of pages walked) is worth making.  These descend
    # with the cursors' steps: the keys cached on the page views, the lazy
    # searches of cold leaves.

    def row(self, root, rowid, n=None):
        """The record of ``rowid`` in table ``root`` decoded (its first n
        columns when n is given), or None when there is no such row."""
        if type(rowid) is not int:
            raise _not_a_rowid(rowid)
        if self.pager.usable_size != self._usable:
            self._sync()
        page, v, i = self._table_leaf(root, rowid)
        if i == v.ncell or (v.keys[i] if v.keys is not None else v.rowid_at(i)) != rowid:
            return None
        return self._record(v, i, n)

    def _table_leaf(self, root, rowid, pages=None, idxs=None):
        """(page, view, bisect position of ``rowid``) of the leaf of table
        ``root`` where rowid is or would be.  With ``pages`` and ``idxs``
        (a cursor's path) the pages walked above it and the child taken in
        each are appended to them.  The descent of every rowid seek."""
        get = self.pager.get
        page = get(root)
        v = page.extra or self._view(page)
        if not v.intkey:
            raise errors.corrupt(f"page {root} is not a table b-tree")
        depth = 0
        while not v.leaf:
            i = bisect_left(v.keys, rowid)
            if pages is not None:
                pages.append(page)
                idxs.append(i)
            page = get(v.children[i] if i < v.ncell else v.right)
            v = page.extra or self._view(page)
            depth += 1
            if not v.intkey or not v.ncell or depth > MAX_DEPTH:
                raise errors.corrupt(f"b-tree {root}: bad child page {page.pgno}")
        keys = v.keys
        return page, v, (bisect_left(keys, rowid) if keys is not None
                         else v.search_rowid(rowid))

    def _index_leaf(self, root, kinfo, sk, ncols=None, probe=None, pages=None,
                    idxs=None):
        """(page, view, i, hit) of a walk in index ``root`` towards the
        first entry >= sk (a key of ncols columns in the order ``kinfo``,
        None meaning a whole entry; ``probe`` as _search_page takes it):
        hit when an interior entry equals sk (i is its position there),
        else i is the bisect position in the leaf reached.  With ``pages``
        and ``idxs`` (a cursor's path) the pages walked above and the child
        taken in each are appended to them.  The descent of every index
        seek."""
        get = self.pager.get
        page = get(root)
        v = page.extra or self._view(page)
        if v.intkey:
            raise errors.corrupt(f"page {root} is not an index b-tree")
        depth = 0
        while True:
            keys = v.keys
            if keys is not None and v.kinfo is kinfo:
                i = bisect_left(keys, sk)
            else:
                i = _search_page(self, kinfo, v, sk, ncols, probe)
                keys = v.keys if v.kinfo is kinfo else None
            if v.leaf:
                return page, v, i, False
            if i < v.ncell and (keys[i] if keys is not None
                                else self._record_key(v, i, kinfo)) == sk:
                return page, v, i, True
            if pages is not None:
                pages.append(page)
                idxs.append(i)
            page = get(v.children[i] if i < v.ncell else v.right)
            v = page.extra or self._view(page)
            depth += 1
            if v.intkey or not v.ncell or depth > MAX_DEPTH:
                raise errors.corrupt(f"b-tree {root}: bad child page {page.pgno}")

    def index_run(self, root, kinfo, key):
        """The entry of index ``root`` whose first len(key) columns equal
        ``key`` (a list of values, as the index compares them) as a list of
        it, decoded (the rowid last), or [] when there is none; None when
        one leaf does not decide it: more than one entry, or a run of them
        that may go on past the leaf (onto an interior entry or the next
        leaf).  The caller then steps a cursor, which follows a run
        anywhere."""
        if self.pager.usable_size != self._usable:
            self._sync()
        sk = kinfo.sort_key(key)
        # (An interior entry equal to key follows all of the child the walk
        # takes: a run reaching it reaches the end of the leaf below.  A key
        # shorter than an entry never stops the walk above the leaves.)
        page, v, i, hit = self._index_leaf(root, kinfo, sk, len(key), kinfo.probe(key))
        if hit:
            return None
        keys = v.keys if v.kinfo is kinfo else None
        n = v.ncell
        if i + 1 >= n and page.pgno != root:
            return None             # the run may go on past this leaf
        if i == n:
            return []
        m = len(sk)
        if keys is not None:
            if keys[i][:m] != sk:
                return []
            if i + 1 < n and keys[i + 1][:m] == sk:
                return None
            return [self._record(v, i)]
        entry = self._record(v, i)
        nk = len(key)
        if any(kinfo.collations[:nk]):
            def equal(values):
                return kinfo.sort_key(values) == sk
        else:
            def equal(values):
                # (Python's == is BINARY's equality: numbers by value, text
                # and blobs bytewise, never each other.)
                return values == key
        if not equal(entry[:nk]):
            return []
        if i + 1 < n and equal(self._record(v, i + 1, nk)):
            return None
        return [entry]

    def integrity_check(self, trees, max_errors=100):
        from .integrity import check
        self._sync()
        return check(self, trees, max_errors)

    # -- pages -------------------------------------------------------------

    def _get(self, pgno):
        if pgno < 1 or pgno > self.pager.page_count:
            raise errors.corrupt(f"page {pgno} out of range")
        return self.pager.get(pgno)

    def _view(self, page):
        v = page.extra
        if v is None:
            v = page.extra = MemPage.load(page.pgno, page.data, self._geo)
        return v

    def _allocate(self):
        self._check_no_autovacuum()
        return freelist.allocate(self.pager, self._usable)

    def _free_page(self, page):
        self._check_no_autovacuum()
        freelist.free(self.pager, self._usable, page)

    def _check_no_autovacuum(self):
        """Auto-vacuum files keep pointer-map pages (child -> parent links)
        that every page allocation, free or move must update; we do not
        maintain them, so such files may be read and edited in place but
        not restructured."""
        if _u32(self.pager.get(1).data, fmt.OFF_AUTOVACUUM_ROOT)[0]:
            raise errors.NotSupportedError(
                "minisql cannot restructure an auto-vacuum database")

    # -- payloads and cells ------------------------------------------------

    def _payload(self, v, i):
        p, start, local, ovfl = v.payload_info(i)
        if not ovfl:
            return bytes(v.data[start:start + p])
        return overflow.read_payload(self.pager, v.data, start, p, local, ovfl,
                                     self._usable)

    def _record(self, v, i, n=None):
        """Cell i's record decoded (its first n columns when n is given),
        straight from the page unless its payload overflows."""
        p, start, local, ovfl = v.payload_info(i)
        if not ovfl:
            return decode_one(v.data, start, start + p, n)
        payload = overflow.read_payload(self.pager, v.data, start, p, local, ovfl,
                                        self._usable)
        return decode_record(payload) if n is None else decode_record_prefix(payload, n)

    def _free_cell_overflow(self, v, i):
        p, start, local, ovfl = v.payload_info(i)
        if ovfl:
            self._check_no_autovacuum()
            overflow.free_chain(self.pager, self._usable, p, local, ovfl)

    def _spill(self, prefix, payload, max_local):
        """A cell: ``prefix`` then the payload, spilling to an overflow chain
        when it exceeds ``max_local``."""
        p = len(payload)
        if p <= max_local:
            cell = prefix + payload
            return cell if len(cell) >= 4 else _pad4(cell)
        geo = self._geo
        local = local_size(p, max_local, geo.min_local, geo.usable)
        first = overflow.write_chain(self.pager, geo.usable, payload, local)
        return prefix + payload[:local] + _pack32(first)

    def _table_cell(self, rowid, payload):
        p = len(payload)
        head = _VARINT1[p] if p < 0x80 else put_varint(p)
        head += _VARINT1[rowid] if 0 <= rowid < 0x80 else put_varint(rowid)
        if p <= self._geo.max_leaf:
            cell = head + payload
            return cell if len(cell) >= 4 else _pad4(cell)
        return self._spill(head, bytes(payload), self._geo.max_leaf)

    def _index_cell(self, record):
        return self._spill(put_varint(len(record)), record, self._geo.max_local)

    def _record_key(self, v, i, kinfo, ncols=None):
        """Sort key of index cell i (of its first ncols columns)."""
        p, start, local, ovfl = v.payload_info(i)
        if not ovfl:
            return kinfo.record_key(v.data, start, start + p, ncols)
        return kinfo.record_key(overflow.read_payload(
            self.pager, v.data, start, p, local, ovfl, self._usable), 0, None, ncols)

    def _index_keys(self, v, kinfo):
        """Build (and cache on the view) the sort keys of an index page."""
        record_key = self._record_key
        keys = [record_key(v, i, kinfo) for i in range(v.ncell)]
        v.keys = keys
        v.kinfo = kinfo
        return keys

    # -- balancing ---------------------------------------------------------

    def _balance(self, pages, idxs, min_level=None):
        """Rebalance the path ``pages`` (root first) from its last page up.
        ``idxs[k]`` is the child index taken in pages[k].  A level that needs
        nothing stops the climb once at or above ``min_level``.  Returns the
        new leaf position (page, index of the appended cell) when
        balance_quick handled an append and nothing above needed work."""
        self._check_no_autovacuum()
        usable = self._usable
        level = len(pages) - 1
        quick = None
        while level >= 0:
            page = pages[level]
            v = self._view(page)
            if v.ovfl_at < 0:
                nfree = v.nfree if v.nfree is not None else v.compute_free()
                if nfree * 3 <= usable * 2 or level == 0:
                    if min_level is None or level <= min_level:
                        break
                    level -= 1
                    continue
            if level == 0:
                self._balance_deeper(pages, idxs)
                level = 1
                quick = None
                continue
            parent = pages[level - 1]
            pidx = idxs[level - 1]
            pv = self._view(parent)
            if (v.ovfl_at >= 0 and v.leaf and v.intkey and v.ovfl_at == v.ncell
                    and len(v.ovfl_cells) == 1 and v.ncell and pv.ovfl_at < 0
                    and pidx == pv.ncell):
                quick = self._balance_quick(parent, pv, page, v)
            else:
                self._balance_nonroot(parent, pv, pidx, level == 1, pages[:level - 1],
                                      v.ovfl_at >= 0)
                quick = None
            level -= 1
        return quick

    def _balance_deeper(self, pages, idxs):
        """The root overflows: move its content to a new child, which the
        caller then splits; the root becomes an interior page over it."""
        root = pages[0]
        rv = self._view(root)
        pager = self.pager
        pager.write(root)
        child = self._allocate()
        cells, keys = self._gather(rv)
        cv = MemPage.blank(child.pgno, child.data, self._geo, rv.type)
        cv.kinfo = rv.kinfo if keys is not None else None
        cv.ovfl_at = 0
        cv.ovfl_cells = cells
        cv.ovfl_keys = keys if keys is not None else [None] * len(cells)
        if keys is not None:
            cv.keys = []
        if not cv.leaf:
            cv.set_child(0, rv.right)
        child.extra = cv
        kinfo = rv.kinfo
        rv.reset(INTERIOR_TABLE if rv.intkey else INTERIOR_INDEX, self._geo)
        rv.kinfo = kinfo if not rv.intkey else None
        if not rv.intkey:
            rv.keys = []
        rv.set_child(0, child.pgno)
        pages.insert(1, child)
        idxs.insert(0, 0)

    def _balance_quick(self, parent, pv, page, v):
        """Append fast path: the new last cell of the right-most table leaf
        goes alone on a new right-most leaf."""
        pager = self.pager
        pager.write(parent)
        new = self._allocate()
        nv = MemPage.blank(new.pgno, new.data, self._geo, LEAF_TABLE)
        new.extra = nv
        cell, key = v.ovfl_cells[0], v.ovfl_keys[0]
        nv.insert_cell(0, cell, key)
        v.ovfl_at = -1
        v.ovfl_cells = v.ovfl_keys = None
        last = v.rowid_at(v.ncell - 1)
        div = _pack32(page.pgno) + put_varint(last)
        n = pv.ncell
        pv.set_child(n, new.pgno)
        if not pv.insert_cell(n, div, last):
            pv.ovfl_at = n
            pv.ovfl_cells = [div]
            pv.ovfl_keys = [last]
        return new, nv

    def _gather(self, v):
        """All cells of a page including pending overflow cells, with keys
        (None when the view has no key cache)."""
        cells = v.all_cells()
        if v.intkey:
            keys = list(v.table_keys() if v.leaf else v.keys)
        else:
            keys = None if v.keys is None else list(v.keys)
        if v.ovfl_at >= 0:
            a = v.ovfl_at
            cells[a:a] = v.ovfl_cells
            if keys is not None:
                if any(k is None for k in v.ovfl_keys):
                    keys = None
                else:
                    keys[a:a] = v.ovfl_keys
        return cells, keys

    def _balance_nonroot(self, parent, pv, pidx, parent_is_root, above, split):
        """Redistribute child ``pidx`` of ``parent`` and up to two siblings
        (an underfull page), or only the child itself (``split``: a page
        with pending overflow cells is split; sharing with siblings as
        SQLite does would keep pages fuller, but re-laying three pages on
        every overflow costs too much in Python).

        The parent normally has no pending overflow cell and is edited in
        place.  After an index interior delete it may carry one (the
        replacement entry did not fit); then its cells are handled as a list
        and the page rewritten (SQLite's apDiv-from-apOvfl case)."""
        pager = self.pager
        geo = self._geo
        usable = geo.usable
        pager.write(parent)
        listed = pv.ovfl_at >= 0
        if listed:
            pcells, pkeys = self._gather(pv)
            pchildren = [_u32(c, 0)[0] for c in pcells]
            pchildren.append(pv.right)
            pcount = len(pcells)
        else:
            pchildren = pv.children + [pv.right]
            pcount = pv.ncell
        nchild = pcount + 1
        if split:
            first, n = pidx, 1
        elif nchild <= 3:
            first, n = 0, nchild
        else:
            first = min(max(pidx - 1, 0), nchild - 3)
            n = 3
        old_pages = []
        old_views = []
        path = {p.pgno for p in above}
        path.add(parent.pgno)
        for j in range(n):
            pgno = pchildren[first + j]
            if pgno in path:
                raise errors.corrupt(f"page {parent.pgno}: child {pgno} repeats")
            path.add(pgno)
            page = self._get(pgno)
            ov = self._view(page)
            if ov.intkey != pv.intkey or (old_views and ov.leaf != old_views[0].leaf):
                raise errors.corrupt(f"page {parent.pgno}: child {pgno} of wrong type")
            old_pages.append(page)
            old_views.append(ov)
        leaf = old_views[0].leaf
        intkey = pv.intkey
        kinfo = None
        if not intkey:
            kinfo = pv.kinfo
            if kinfo is None or any(ov.kinfo is not kinfo and ov.kinfo != kinfo
                                    for ov in old_views):
                kinfo = None
        if listed and pkeys is None:
            kinfo = None

        # Gather every cell of the siblings, dividers from the parent between
        # them (table leaves drop theirs: they are recomputed).
        cells = []
        keys = [] if (intkey or kinfo is not None) else None
        for j, ov in enumerate(old_views):
            c, k = self._gather(ov)
            cells += c
            if keys is not None:
                if k is None:
                    keys = None
                else:
                    keys += k
            if j < n - 1 and not (leaf and intkey):
                di = first + j
                d = pcells[di] if listed else pv.cell_bytes(di)
                if leaf:
                    cells.append(_pad4(d[4:]))
                else:
                    cells.append(_pack32(ov.right) + d[4:])
                if keys is not None:
                    keys.append(pkeys[di] if listed else pv.keys[di])
        right_final = old_views[-1].right
        if keys is None:
            kinfo = None

        # Lay the cells out on pages.
        cap = usable - (8 if leaf else 12)
        sizes = [len(c) + 2 for c in cells]
        ov = old_views[0]
        if leaf and intkey:
            groups, divs = _partition_leafdata(sizes, cap), None
        elif (split and ov.ovfl_at == ov.ncell >= 2 and len(ov.ovfl_cells) == 1
              and pidx == pcount):
            # Appending past the end of the right-most page: keep the old
            # page full (its last cell moves up), the new cell starts the
            # next page -- balance_quick for index and interior pages.
            m = len(cells)
            groups, divs = [(0, m - 2), (m - 1, m)], [m - 2]
        else:
            groups, divs = _partition_dividers(sizes, cap)
        k = len(groups)

        # Pages: reuse the old ones, take more from the freelist, free the
        # rest; in page-number order, so that scans tend to read forward.
        new_pages = old_pages[:k]
        while len(new_pages) < k:
            new_pages.append(self._allocate())
        for page in old_pages[k:]:
            self._free_page(page)
        new_pages.sort(key=lambda p: p.pgno)
        t = old_views[0].type
        for g, page in enumerate(new_pages):
            pager.write(page)
            a, b = groups[g]
            nv = MemPage.blank(page.pgno, page.data, geo, t)
            if leaf:
                right = 0
            elif g < k - 1:
                right = _u32(cells[divs[g]], 0)[0]
            else:
                right = right_final
            nv.rebuild(cells[a:b], keys[a:b] if keys is not None else None, right)
            nv.kinfo = kinfo
            page.extra = nv

        # New dividers for the parent.
        new_divs = []
        new_keys = []
        for g in range(k - 1):
            pg = _pack32(new_pages[g].pgno)
            if leaf and intkey:
                key = keys[groups[g][1] - 1]
                new_divs.append(pg + put_varint(key))
                new_keys.append(key)
            else:
                c = cells[divs[g]]
                new_divs.append(pg + (_exact_index_cell(c) if leaf else c[4:]))
                new_keys.append(keys[divs[g]] if keys is not None else None)
        last = new_pages[-1].pgno

        if listed:
            self._replace_dividers_listed(pv, pcells, pkeys, first, n, new_divs,
                                          new_keys, last)
        else:
            for _ in range(n - 1):
                pv.drop_cell(first)
            pv.set_child(first, last)
            for g, c in enumerate(new_divs):
                key = new_keys[g]
                if pv.ovfl_at >= 0 or not pv.insert_cell(first + g, c, key):
                    if pv.ovfl_at < 0:
                        pv.ovfl_at = first + g
                        pv.ovfl_cells = []
                        pv.ovfl_keys = []
                    pv.ovfl_cells.append(c)
                    pv.ovfl_keys.append(key)
        if keys is None and not intkey:
            pv.keys = None
            pv.kinfo = None

        if parent_is_root and pv.ncell == 0 and pv.ovfl_at < 0:
            self._balance_shallower(parent, pv, new_pages[0])

    def _replace_dividers_listed(self, pv, pcells, pkeys, first, n, new_divs,
                                 new_keys, last):
        """Parent update when its cells are a list: splice, then rewrite the
        page with as many cells as fit, the rest pending as overflow."""
        right = pv.right
        del pcells[first:first + n - 1]
        if pkeys is not None:
            del pkeys[first:first + n - 1]
        if first < len(pcells):
            pcells[first] = _pack32(last) + pcells[first][4:]
        else:
            right = last
        pcells[first:first] = new_divs
        if pkeys is not None:
            if any(k is None for k in new_keys):
                pkeys = None
            else:
                pkeys[first:first] = new_keys
        kinfo = pv.kinfo if pkeys is not None else None
        room = self._usable - pv.cell0
        m = 0
        for c in pcells:
            room -= len(c) + 2
            if room < 0:
                break
            m += 1
        pv.rebuild(pcells[:m], pkeys[:m] if pkeys is not None else None, right)
        pv.kinfo = kinfo
        if m < len(pcells):
            pv.ovfl_at = m
            pv.ovfl_cells = pcells[m:]
            pv.ovfl_keys = pkeys[m:] if pkeys is not None else [None] * (len(pcells) - m)

    def _balance_shallower(self, root, rv, child):
        """The root has no cells left: pull its only child up into it if the
        child's content fits (page 1 has 100 bytes less)."""
        cv = self._view(child)
        need = cv.content_bytes()
        if need > self._usable - rv.hdr - (8 if cv.leaf else 12):
            return
        cells = cv.all_cells()
        if cv.intkey and cv.leaf:
            cv.table_keys()
        keys = None if cv.keys is None else list(cv.keys)
        rv.reset(cv.type, self._geo)
        rv.rebuild(cells, keys, cv.right)
        rv.kinfo = cv.kinfo
        self._free_page(child)


def _partition_leafdata(sizes, cap):
    """Table leaves: consecutive groups that each fit ``cap``, filled left to
    right and then evened from the right (a right page takes cells while it
    stays no bigger than its left neighbour)."""
    groups = []
    start = 0
    total = 0
    for i, s in enumerate(sizes):
        if total + s > cap:
            groups.append([start, i, total])
            start, total = i, s
        else:
            total += s
    groups.append([start, len(sizes), total])
    for g in range(len(groups) - 1, 0, -1):
        left, right = groups[g - 1], groups[g]
        while left[1] - left[0] > 1:
            s = sizes[left[1] - 1]
            if right[2] + s <= left[2] - s:
                left[1] -= 1
                right[0] -= 1
                left[2] -= s
                right[2] += s
            else:
                break
    return [(a, b) for a, b, _ in groups]


def _partition_dividers(sizes, cap):
    """Index pages and interior pages: groups separated by single divider
    cells that move up to the parent.  Returns ([(start, end)], [divider
    index]) with every group non-empty."""
    groups = []
    divs = []
    start = 0
    total = 0
    n = len(sizes)
    for i in range(n):
        s = sizes[i]
        if total + s > cap:
            groups.append([start, i, total])
            divs.append(i)
            start, total = i + 1, 0
        else:
            total += s
    groups.append([start, n, total])
    for g in range(len(groups) - 1, 0, -1):
        left, right = groups[g - 1], groups[g]
        while left[1] - left[0] > 1:
            d = divs[g - 1]
            sd = sizes[d]
            last = sizes[left[1] - 1]
            if right[2] == 0 or (right[2] + sd <= left[2] - last
                                 and right[2] + sd <= cap):
                # Rotate: the divider joins the right page, the left page's
                # last cell becomes the divider.
                right[0] = d
                right[2] += sd
                divs[g - 1] = left[1] - 1
                left[1] -= 1
                left[2] -= last
            else:
                break
        if right[1] == right[0]:
            raise errors.InternalError("balance left an empty page")
    return [(a, b) for a, b, _ in groups], divs


def _leaf_run(v, cells, stop=None, bodies=True):
    """-> (first rowid, h, offsets, payload sizes) of these table-leaf cells,
    up to rowid ``stop`` if given, when they are the common run that needs
    no cell parsed: every payload under 128 bytes (a one-byte size, all of
    it on the page) and the rowids consecutive.  Rowids ascend within a
    leaf, so first..last spanning len(cells) - 1 means each is its
    predecessor + 1, and (varints being shortest) all have the length of
    the first and last: each payload starts h bytes into its cell, and the
    cell ends with it.  None otherwise (and for fewer than two cells).
    Without ``bodies`` (the caller reads no payload) only the rowids are
    checked: -> (first rowid, None, offsets, None)."""
    data, hdr = v.data, v.hdr
    try:
        r0, k = _cell_rowid(data, cells[0])
        if r0 >= 1 << 63:
            return None             # negative rowids: the general loop
        if stop is not None and r0 + len(cells) - 1 > stop:
            # If it is a run, its rows up to stop are these.
            m = stop - r0 + 1
            if m < 2:
                return None
            cells = cells[:m]
        r1, k1 = _cell_rowid(data, cells[-1])
        if r1 - r0 != len(cells) - 1:
            return None
        if not bodies:
            return r0, None, cells, None
        if k != k1 or k < 0:
            return None
        cells = list(cells)         # (ints once, not per pass over an array)
        sizes = _bytes_at(*cells)(data)
    except IndexError:
        return None                 # the general loop reports it
    # Every cell within the content area (the page's cell offsets may not
    # have been checked yet).
    if max(sizes) >= 0x80 or max(map(_add, cells, sizes)) + k + 1 > v.usable or \
            min(cells) < ((data[hdr + 5] << 8 | data[hdr + 6]) or 65536):
        return None
    return r0, k + 1, cells, sizes


def _cached_keys(v, kinfo):
    """Page v's key cache if it was built for the order ``kinfo``."""
    keys = v.keys
    if keys is None:
        return None
    if v.kinfo is kinfo:
        return keys
    if v.kinfo == kinfo:
        v.kinfo = kinfo
        return keys
    return None


def _search_page(bt, kinfo, v, sk, ncols, probe=None):
    """bisect_left of sk (a key of ncols columns, None = all, in the order
    ``kinfo``) among the entries of index page v.  Like search_rowid, a
    cold page first answers by reading only the cells probed: their first
    column when ``probe`` (KeyInfo.probe of the seek key) orders them by
    it, else (and on a tie) their sort keys of ncols columns, which order
    the same against a key of that many columns; a page searched often
    gets its whole key cache."""
    keys = _cached_keys(v, kinfo)
    if keys is None:
        v.probes += 1
        if v.probes <= LAZY_INDEX_PROBES:
            record_key = bt._record_key
            if probe is None:
                def ge(i):
                    return not record_key(v, i, kinfo, ncols) < sk
            elif ncols != 1:
                pc, px, after = probe
                desc = bool(kinfo.desc) and kinfo.desc[0]
                data, cells, max_local = v.data, v.cells, v.max_local
                skip = 0 if v.leaf else 4

                def ge(i):
                    off = cells[i] + skip
                    p = data[off]
                    if p < 0x80:
                        off += 1
                    else:
                        p, k = get_varint(data, off)
                        off += k
                    fc = first_column(data, off, off + p) if p <= max_local else None
                    if fc is not None:
                        c, x = fc
                        if c != pc:
                            return (c > pc) != desc
                        if x != px:
                            return (x > px) != desc
                    return not record_key(v, i, kinfo, ncols) < sk
            else:
                try:
                    px = probe[1]
                    if type(px) is int and not (kinfo.desc and kinfo.desc[0]):
                        i = _int_search(v, px, probe[2])
                        if i >= 0:
                            return i
                    return bisect_left(v.cells, True, key=_first_column_ge(
                        bt, kinfo, v, sk, probe))
                except IndexError:
                    raise errors.corrupt(
                        f"page {v.pgno}: cell extends off the page") from None
            try:
                return bisect_left(range(v.ncell), True, key=ge)
            except IndexError:
                raise errors.corrupt(
                    f"page {v.pgno}: cell extends off the page") from None
        keys = bt._index_keys(v, kinfo)
    return bisect_left(keys, sk)


def _first_column_ge(bt, kinfo, v, sk, probe):
    """-> ge(cell offset): does the entry there sort at or after sk, a
    one-column key?  Its first column decides (KeyInfo.probe: class,
    then value; equal, it extends the key: after it unless ``after``).
    A text probe first tries an inline read of the usual cell (one-byte
    sizes, a short text) with no (class, value) pair made; a record
    read elsewhere (overflowing, malformed) takes its sort key.
    (Integer probes mostly take _int_search instead.)  Closure variables
    are bound as defaults: this is the inner loop of a cold page's
    search."""
    pc, px, after = probe
    desc = bool(kinfo.desc) and kinfo.desc[0]
    data, cells, max_local = v.data, v.cells, v.max_local
    skip = 0 if v.leaf else 4
    record_key = bt._record_key

    def general(off):
        q = off + skip
        p = data[q]
        if p < 0x80:
            q += 1
        else:
            p, k = get_varint(data, q)
            q += k
        fc = first_column(data, q, q + p) if p <= max_local else None
        if fc is None:
            return not record_key(v, cells.index(off), kinfo, 1) < sk
        c, x = fc
        if c != pc:
            return (c > pc) != desc
        if x != px:
            return (x > px) != desc
        return not after

    if desc or pc != _TEXT:
        return general
    small = min(0x80, max_local + 1)      # a one-byte size, all on the page

    def ge(off, data=data, skip=skip, small=small, px=px, after=after,
           general=general):
        q = off + skip
        p = data[q]
        if p < small:
            h = data[q + 1]
            t = data[q + 2]
            if t & 1 and 13 <= t < 0x80 and 2 <= h <= p:
                pos = q + 1 + h
                end = pos + ((t - 13) >> 1)
                if end <= q + 1 + p:
                    x = data[pos:end]
                    if x != px:
                        return x > px
                    return not after
        return general(off)
    return ge


def _int_search(v, px, after):
    """bisect position of the integer probe px among the entries of page v
    of an ascending index, by their first column (after=True: past the
    entries equal to px), or -1 when a cell probed is not the usual one
    (a one-byte payload size, an integer first column, all on the page):
    the caller then searches by sort keys.

    A cold page's search, in one loop with no call per probe: the first
    and last cells bound the answer, then up to three interpolation steps
    guess its place from the values at the bounds (indexed integers are
    often spread evenly: a few probes instead of log2(n)), then plain
    bisection finishes, so skewed values cost at most log2(n) more."""
    data, cells = v.data, v.cells
    skip = 0 if v.leaf else 4
    small = min(0x80, v.max_local + 1)    # a one-byte size, all on the page
    sizes = _FIXED_SIZE
    frombytes = int.from_bytes
    lo, hi = 0, v.ncell           # the answer lies in lo..hi
    xlo = xhi = None              # the values at lo - 1 and at hi, once read
    guesses = 3
    while lo < hi:
        if xlo is None:
            g = lo
        elif xhi is None:
            g = hi - 1
        elif guesses and xhi > xlo:
            guesses -= 1
            g = lo + (px - xlo) * (hi - lo) // (xhi - xlo)
            if g >= hi:
                g = hi - 1
        else:
            g = (lo + hi) >> 1
        q = cells[g] + skip
        p = data[q]
        if p >= small:
            return -1
        h = data[q + 1]
        t = data[q + 2]
        if not 2 <= h < p:
            return -1
        if 0 < t < 7:
            pos = q + 1 + h
            end = pos + sizes[t]
            if end > q + 1 + p:
                return -1
            x = frombytes(data[pos:end], "big", signed=True)
        elif t == 8 or t == 9:
            x = t - 8
        else:
            return -1
        if x > px or (x == px and not after):
            hi, xhi = g, x
        else:
            lo, xlo = g + 1, x
    return lo


def _not_a_rowid(value):
    """The error for a rowid that is not an integer: one read from a damaged
    index entry (callers seek with integers they made themselves)."""
    return errors.corrupt(f"rowid {value!r} is not an integer")


def _cell_rowid(data, off):
    """(rowid as stored, unsigned; the length of its varint, or -1 when the
    payload size takes more than one byte) of the table-leaf cell at off."""
    if data[off] < 0x80:
        return get_varint(data, off + 1)
    q = get_varint(data, off)[1]
    return get_varint(data, off + q)[0], -1


class _Cursor:
    __slots__ = ("bt", "root", "tree", "_pages", "_idxs", "_page", "_v", "_i",
                 "_state", "_saved", "_walked", "__weakref__")

    def __init__(self, bt, root):
        self.bt = bt
        self.root = root
        tree = self.tree = bt._trees.get(root) or bt._tree(root)
        # (tree.add, inline: a cursor is made per lookup)
        tree.cursors[weakref.ref(self, tree._gone)] = None
        self._pages = []
        self._idxs = []
        self._page = None
        self._v = None
        self._i = 0
        self._state = EOF
        self._saved = None
        self._walked = 0

    def close(self):
        self._invalidate()
        self.tree.discard(self)

    def record_prefix(self, n):
        """The first n columns of the current entry's record (decoded from
        the page, the payload copied only when it overflows)."""
        if self._state or self._page.extra is not self._v:
            self._ensure()
        return self.bt._record(self._v, self._i, n)

    def _invalidate(self):
        self._pages = []
        self._idxs = []
        self._page = self._v = None
        self._state = EOF

    @property
    def eof(self):
        if self._state == REQUIRESEEK:
            self._restore()
        return self._state == EOF or self._state == EOFSKIP

    def _save(self):
        st = self._state
        if st == VALID:
            self._saved = self._key_here()
        elif st != SKIPNEXT and st != EOFSKIP:
            return
        self._state = REQUIRESEEK
        self._pages = []
        self._idxs = []
        self._page = self._v = None

    def _ensure(self):
        """Restore a saved position; raise if not on an entry."""
        st = self._state
        if st == VALID and self._page.extra is self._v:
            return
        if st == VALID:
            self._save()           # the page was rolled back under us
        if self._state == REQUIRESEEK:
            self._restore()
        if self._state != VALID and self._state != SKIPNEXT:
            raise errors.InternalError("cursor is not on an entry")

    def _restore(self):
        key = self._saved
        if self._seek_saved(key):
            self._state = VALID
        elif self._state == VALID:
            self._state = SKIPNEXT
            self._saved = key
        else:
            self._state = EOFSKIP
            self._saved = key

    def _step_slow(self, forward):
        st = self._state
        if st == VALID:             # a rolled-back page: re-seek first
            self._save()
            st = self._state
        if st == REQUIRESEEK:
            self._restore()
            st = self._state
        if st == SKIPNEXT:
            self._state = VALID
            if forward:
                return True
            return self._prev_fast()
        if st == EOFSKIP:
            self._state = EOF
            return False if forward else self.last()
        if st == VALID:
            return self._next_fast() if forward else self._prev_fast()
        return False

    def next(self):
        """Move to the next entry; False at the end."""
        if self._state or self._page.extra is not self._v:
            return self._step_slow(True)
        v = self._v
        i = self._i + 1
        if i < v.ncell and v.leaf:
            self._i = i
            return True
        return self._next_fast()

    def prev(self):
        """Move to the previous entry; False at the start."""
        if self._state or self._page.extra is not self._v:
            return self._step_slow(False)
        i = self._i
        if i and self._v.leaf:
            self._i = i - 1
            return True
        return self._prev_fast()

    # -- descent helpers ---------------------------------------------------

    def _child(self, pgno, intkey):
        """Enter child page ``pgno`` of the current path (type-checked)."""
        self._walked += 1
        bt = self.bt
        if self._walked > bt.pager.page_count or len(self._pages) > MAX_DEPTH:
            raise errors.corrupt(f"b-tree {self.root}: cycle through page {pgno}")
        page = bt._get(pgno)
        v = page.extra
        if v is None:
            v = bt._view(page)
        if v.intkey != intkey or not v.ncell:
            raise errors.corrupt(f"b-tree {self.root}: bad child page {pgno}")
        return page, v

    def _root(self):
        bt = self.bt
        page = bt._get(self.root)
        v = page.extra
        if v is None:
            v = bt._view(page)
        return page, v

    def _descend_left(self, page, v, intkey):
        pages, idxs = self._pages, self._idxs
        while not v.leaf:
            pages.append(page)
            idxs.append(0)
            page, v = self._child(v.children[0] if v.ncell else v.right, intkey)
        self._page, self._v, self._i = page, v, 0
        self._state = VALID
        return True

    def _descend_right(self, page, v, intkey):
        pages, idxs = self._pages, self._idxs
        while not v.leaf:
            pages.append(page)
            idxs.append(v.ncell)
            page, v = self._child(v.right, intkey)
        self._page, self._v, self._i = page, v, v.ncell - 1
        self._state = VALID
        return True

    def first(self):
        page, v = self._root()
        self._check_root(v)
        self._pages, self._idxs, self._walked = [], [], 0
        if v.leaf and not v.ncell:
            self._invalidate()
            return False
        return self._descend_left(page, v, v.intkey)

    def last(self):
        page, v = self._root()
        self._check_root(v)
        self._pages, self._idxs, self._walked = [], [], 0
        if v.leaf and not v.ncell:
            self._invalidate()
            return False
        return self._descend_right(page, v, v.intkey)


class TableCursor(_Cursor):
    """A cursor over a table b-tree (rowid -> record)."""

    __slots__ = ()

    def _check_root(self, v):
        if not v.intkey:
            raise errors.corrupt(f"page {self.root} is not a table b-tree")

    def _key_here(self):
        keys = self._v.keys
        return keys[self._i] if keys is not None else self._v.rowid_at(self._i)

    def _seek_saved(self, rowid):
        return self.seek(rowid)

    def _descend(self, rowid):
        """Walk to the leaf where ``rowid`` is or would be; returns its
        bisect position there."""
        pages = self._pages = []
        idxs = self._idxs = []
        self._walked = 0
        self._page, self._v, i = self.bt._table_leaf(self.root, rowid, pages, idxs)
        return i

    def _next_fast(self):
        i = self._i + 1
        if i < self._v.ncell:
            self._i = i
            return True
        pages, idxs = self._pages, self._idxs
        bt = self.bt
        while pages:
            page = pages[-1]
            v = page.extra or bt._view(page)
            j = idxs[-1] + 1
            if j <= v.ncell:
                idxs[-1] = j
                child, cv = self._child(v.children[j] if j < v.ncell else v.right, True)
                return self._descend_left(child, cv, True)
            pages.pop()
            idxs.pop()
        self._invalidate()
        return False

    def _prev_fast(self):
        i = self._i - 1
        if i >= 0:
            self._i = i
            return True
        pages, idxs = self._pages, self._idxs
        bt = self.bt
        while pages:
            page = pages[-1]
            v = page.extra or bt._view(page)
            j = idxs[-1] - 1
            if j >= 0:
                idxs[-1] = j
                child, cv = self._child(v.children[j], True)
                return self._descend_right(child, cv, True)
            pages.pop()
            idxs.pop()
        self._invalidate()
        return False

    def seek(self, rowid):
        """Position at ``rowid``; True if it exists.  Otherwise the cursor
        is left where seek_ge would leave it."""
        if type(rowid) is not int:
            raise _not_a_rowid(rowid)
        i = self._descend(rowid)
        v = self._v
        if i < v.ncell:
            self._i = i
            self._state = VALID
            keys = v.keys
            return (keys[i] if keys is not None else v.rowid_at(i)) == rowid
        if not v.ncell:
            self._invalidate()
            return False
        self._i = v.ncell - 1
        self._state = VALID
        self._next_fast()
        return False

    def seek_ge(self, rowid):
        self.seek(rowid)
        return self._state == VALID

    def seek_le(self, rowid):
        i = self._descend(rowid)
        v = self._v
        if i < v.ncell and v.rowid_at(i) == rowid:
            self._i = i
            self._state = VALID
            return True
        if i > 0:
            self._i = i - 1
            self._state = VALID
            return True
        if not v.ncell:
            self._invalidate()
            return False
        self._i = 0
        self._state = VALID
        return self._prev_fast()

    def rowid(self):
        if self._state or self._page.extra is not self._v:
            self._ensure()
        keys = self._v.keys
        return keys[self._i] if keys is not None else self._v.rowid_at(self._i)

    def payload(self):
        """The whole record of the current row (overflow chain followed)."""
        if self._state or self._page.extra is not self._v:
            self._ensure()
        return self.bt._payload(self._v, self._i)

    def record(self):
        """The current row's record, decoded (no intermediate copy when it
        has no overflow)."""
        if self._state or self._page.extra is not self._v:
            self._ensure()
        return self.bt._record(self._v, self._i)

    def rows(self, n=None, pages=False, stop=None):
        """From the current row to the end: (rowid, values) pairs, where
        values is the decoded record (its first ``n`` columns when n is
        given).  The fast path of scans: a leaf page's cells are decoded in
        one loop instead of a next()/rowid()/record() round per row.

        The cursor stays on the row last yielded, so the usual protocol
        holds while the caller is suspended: if the tree changes (through
        another cursor, or a rollback), this cursor's position was saved and
        the scan resumes after that row.

        ``pages``: yield (rowids, values lists) per leaf page instead, the
        rest of the page at once, the cursor on its last row, and end after
        rowid ``stop`` if given.  For readers that do not change the table
        while they hold a page's rows (those were read before any change)."""
        if self._state == EOF:
            return
        from .record import decode_records     # (a page at a time: pages only)
        bt = self.bt
        if n is None:
            def dec(data, start, p):
                return decode_record(data, start, start + p)
        else:
            def dec(data, start, p):
                return decode_record_prefix(data, n, start, start + p)
        while True:
            if self._state or self._page.extra is not self._v:
                self._ensure()
                if self._state == SKIPNEXT:    # our row was deleted: go on
                    if not self.next():
                        return
            page, v = self._page, self._v
            data, keys, ncell, info = v.data, v.keys, v.ncell, v.payload_info
            i = self._i
            if pages:
                # The cells' records are decoded together (decode_records);
                # those that spill to overflow pages, one by one.
                cells, max_local, usable = v.cells, v.max_local, v.usable
                spilled = []
                last_rowid = (1 << 63) if stop is None else stop
                end = ncell
                run = _leaf_run(v, cells[i:ncell], stop, n != 0) if ncell - i > 1 else None
                if run is not None:
                    r0, h, offs, sizes = run
                    end = i + len(offs)
                    rids = list(range(r0, r0 + len(offs)))
                    if n == 0:
                        starts, ends = [], []
                    else:
                        starts = list(map(_add, offs, _repeat(h)))
                        ends = list(map(_add, starts, sizes))
                    todo = ()
                else:
                    starts, ends = [], []
                    rids = []
                    todo = cells[i:ncell]
                add_start, add_end, add_rid = starts.append, ends.append, rids.append
                try:
                    for j, off in enumerate(todo, i):
                        p = data[off]
                        if p < 0x80:
                            off += 1
                        else:
                            p, k = get_varint(data, off)
                            off += k
                        r = data[off]               # the rowid: 1..3 bytes inline
                        if r < 0x80:
                            off += 1
                        elif data[off + 1] < 0x80:
                            r = (r & 0x7F) << 7 | data[off + 1]
                            off += 2
                        elif data[off + 2] < 0x80:
                            r = (r & 0x7F) << 14 | (data[off + 1] & 0x7F) << 7 | data[off + 2]
                            off += 3
                        else:
                            r, k = get_varint(data, off)
                            off += k
                            if r >= 1 << 63:
                                r -= 1 << 64
                        if r > last_rowid:
                            end = j
                            break
                        add_rid(r)
                        if p <= max_local and off + p <= usable:
                            add_start(off)
                            add_end(off + p)
                        else:
                            spilled.append(j)
                except IndexError:
                    raise errors.corrupt(f"page {v.pgno}: cell extends off the page") from None
                if n == 0:
                    # No column wanted (a WHERE on the rowid alone): the
                    # records stay unread.
                    recs = [[] for _ in rids]
                else:
                    # (A bytes copy: its slices are the header keys
                    # decode_records looks up, without a second copy each.)
                    recs = decode_records(bytes(data), starts, ends, n)
                    for j in spilled:
                        vals = bt._record(v, j)
                        if n is not None:
                            del vals[n:]
                        recs.insert(j - i, vals)
                if recs:
                    self._i = end - 1
                    yield rids, recs
                if end < ncell or not self.next():
                    return
                continue
            while i < ncell:
                p, start, local, ovfl = info(i)
                if ovfl:
                    vals = bt._record(v, i)
                    if n is not None:
                        del vals[n:]
                else:
                    vals = dec(data, start, p)
                self._i = i
                yield (keys[i] if keys is not None else v.rowid_at(i)), vals
                if self._state or page.extra is not v:
                    break               # the tree changed while we were away
                i += 1
            else:
                self._i = ncell - 1
                if not ncell or not self._next_fast():
                    return
                continue
            if not self.next():
                return

    def max_rowid(self):
        """The largest rowid in the table, 0 if it is empty (the cursor is
        left on the last row)."""
        if not self.last():
            return 0
        return self._v.rowid_at(self._i)

    def insert(self, rowid, payload):
        """Insert a row, replacing any row with the same rowid; the cursor is
        left on it."""
        bt = self.bt
        if len(self.tree.cursors) > 1:
            self.tree.save_others(self)
        i = -1
        if not self._state:
            v = self._v
            if self._page.extra is v and self._i == v.ncell - 1:
                i = self._append_position(v, rowid)
        if i < 0:
            i = self._descend(rowid)
        page, v = self._page, self._v
        bt.pager.write(page)
        cell = bt._table_cell(rowid, payload)
        if i < v.ncell and v.rowid_at(i) == rowid:
            self._replace(page, v, i, cell, rowid)
            return
        self._put(page, v, i, cell, rowid)

    def overwrite(self, payload):
        """Replace the record of the row the cursor is on, its rowid kept:
        SQLite's insert with the cursor already on the key (the UPDATE of
        a row just found), so no descent.  The cursor stays on the row."""
        if self._state or self._page.extra is not self._v:
            self._ensure()
            if self._state == SKIPNEXT:
                raise errors.InternalError("cursor is not on an entry")
        if len(self.tree.cursors) > 1:
            self.tree.save_others(self)
        page, v, i = self._page, self._v, self._i
        keys = v.keys
        rowid = keys[i] if keys is not None else v.rowid_at(i)
        bt = self.bt
        bt.pager.write(page)
        self._replace(page, v, i, bt._table_cell(rowid, payload), rowid)

    def _replace(self, page, v, i, cell, rowid):
        """Put ``cell`` (row ``rowid``) in place of cell i of the written
        leaf: over the old cell when it is no larger, else re-inserted."""
        v.check_cells()
        p = v.data[v.cells[i]]
        if p >= 0x80 or p > v.max_local:     # (else too small to have spilled)
            self.bt._free_cell_overflow(v, i)
        if v.replace_cell(i, cell):
            self._i = i
            self._state = VALID
            return
        v.drop_cell(i)
        self._put(page, v, i, cell, rowid)

    def _put(self, page, v, i, cell, rowid):
        """Insert ``cell`` as cell i of the written leaf, balancing if it
        does not fit; the cursor is left on it."""
        bt = self.bt
        if v.insert_cell(i, cell, rowid):
            self._i = i
            self._state = VALID
            return
        bt._check_no_autovacuum()
        v.ovfl_at = i
        v.ovfl_cells = [cell]
        v.ovfl_keys = [rowid]
        pages = self._pages + [page]
        idxs = self._idxs + [i]
        quick = bt._balance(pages, idxs)
        if quick is not None and len(pages) == len(self._pages) + 1:
            # Still the same depth: the new leaf is the right-most child.
            new, nv = quick
            self._idxs[-1] = self._pages[-1].extra.ncell
            self._page, self._v, self._i = new, nv, 0
            self._state = VALID
            return
        self._saved = rowid
        self._state = REQUIRESEEK
        self._pages, self._idxs = [], []
        self._page = self._v = None

    def _append_position(self, v, rowid):
        """The cursor is on the last cell of its leaf: if that leaf is the
        right-most one and ``rowid`` is larger than its last, the insert
        position (no seek needed); else -1."""
        n = v.ncell
        keys = v.keys
        if (keys[n - 1] if keys is not None else v.rowid_at(n - 1)) >= rowid:
            return -1
        for page, j in zip(self._pages, self._idxs):
            pv = page.extra
            if pv is None or j != pv.ncell:
                return -1
        return n

    def delete(self):
        """Delete the current row; a following next() lands on the row after
        it, prev() on the row before it."""
        self._ensure()
        if self._state == SKIPNEXT:
            raise errors.InternalError("cursor is not on an entry")
        bt = self.bt
        tree = self.tree
        if len(tree.cursors) > 1:
            tree.save_others(self)
        page, v, i = self._page, self._v, self._i
        rowid = v.rowid_at(i)
        bt.pager.write(page)
        bt._free_cell_overflow(v, i)
        v.drop_cell(i)
        self._saved = rowid
        if not self._pages or v.nfree * 3 <= bt._usable * 2:
            if i < v.ncell:
                self._state = SKIPNEXT
                return
            self._state = REQUIRESEEK
            self._pages, self._idxs = [], []
            self._page = self._v = None
            return
        bt._balance(self._pages + [page], self._idxs + [i])
        self._state = REQUIRESEEK
        self._pages, self._idxs = [], []
        self._page = self._v = None


class IndexCursor(_Cursor):
    """A cursor over an index b-tree; keys are records (the indexed columns
    then the rowid) ordered by ``kinfo``."""

    __slots__ = ("kinfo",)

    def __init__(self, bt, root, kinfo):
        _Cursor.__init__(self, bt, root)
        self.kinfo = kinfo

    def _check_root(self, v):
        if v.intkey:
            raise errors.corrupt(f"page {self.root} is not an index b-tree")

    def _key_at(self, v, i):
        keys = _cached_keys(v, self.kinfo)
        if keys is not None:
            return keys[i]
        return self.bt._record_key(v, i, self.kinfo)

    def _key_here(self):
        return self._key_at(self._v, self._i)

    def _seek_saved(self, sk):
        i, hit = self._descend(sk)
        if hit:
            self._state = VALID
            return True
        self._settle_ge(i)
        return self._state == VALID and self._key_at(self._v, self._i) == sk

    def _descend(self, sk, ncols=None, probe=None):
        """BTree._index_leaf from the root, the path kept: the cursor is
        left on the leaf reached (or on the interior entry equal to sk).
        Returns (i, hit) as _index_leaf does."""
        pages = self._pages = []
        idxs = self._idxs = []
        self._walked = 0
        self._page, self._v, i, hit = self.bt._index_leaf(
            self.root, self.kinfo, sk, ncols, probe, pages, idxs)
        if hit:
            self._i = i
        return i, hit

    def _settle_ge(self, i):
        v = self._v
        if i < v.ncell:
            self._i = i
            self._state = VALID
            return True
        if not v.ncell:
            self._invalidate()
            return False
        self._i = v.ncell - 1
        self._state = VALID
        return self._up_next()

    def _settle_lt(self, i):
        v = self._v
        if i > 0:
            self._i = i - 1
            self._state = VALID
            return True
        if not v.ncell:
            self._invalidate()
            return False
        self._i = 0
        self._state = VALID
        return self._up_prev()

    def _next_fast(self):
        v = self._v
        if v.leaf:
            i = self._i + 1
            if i < v.ncell:
                self._i = i
                return True
            return self._up_next()
        # On an interior entry: its successor is the first entry of the
        # subtree to its right.
        j = self._i + 1
        self._pages.append(self._page)
        self._idxs.append(j)
        child, cv = self._child(v.children[j] if j < v.ncell else v.right, False)
        return self._descend_left(child, cv, False)

    def _prev_fast(self):
        v = self._v
        if v.leaf:
            i = self._i - 1
            if i >= 0:
                self._i = i
                return True
            return self._up_prev()
        j = self._i
        self._pages.append(self._page)
        self._idxs.append(j)
        child, cv = self._child(v.children[j], False)
        return self._descend_right(child, cv, False)

    def _up_next(self):
        pages, idxs = self._pages, self._idxs
        bt = self.bt
        while pages:
            page = pages.pop()
            j = idxs.pop()
            v = page.extra or bt._view(page)
            if j < v.ncell:
                self._page, self._v, self._i = page, v, j
                return True
        self._invalidate()
        return False

    def _up_prev(self):
        pages, idxs = self._pages, self._idxs
        bt = self.bt
        while pages:
            page = pages.pop()
            j = idxs.pop()
            v = page.extra or bt._view(page)
            if j > 0:
                self._page, self._v, self._i = page, v, j - 1
                return True
        self._invalidate()
        return False

    # -- seeks (comparing the first len(key) columns) ----------------------

    def seek_ge(self, key):
        """First entry whose prefix is >= key; False if none."""
        kinfo = self.kinfo
        i, hit = self._descend(kinfo.sort_key(key), len(key), kinfo.probe(key))
        if hit:
            self._state = VALID
            return True
        return self._settle_ge(i)

    def seek_gt(self, key):
        kinfo = self.kinfo
        i, _ = self._descend(kinfo.after(kinfo.sort_key(key)), len(key),
                             kinfo.probe(key, True))
        return self._settle_ge(i)

    def seek_le(self, key):
        kinfo = self.kinfo
        i, _ = self._descend(kinfo.after(kinfo.sort_key(key)), len(key),
                             kinfo.probe(key, True))
        return self._settle_lt(i)

    def seek_lt(self, key):
        kinfo = self.kinfo
        i, hit = self._descend(kinfo.sort_key(key), len(key), kinfo.probe(key))
        if hit:
            self._state = VALID
            return self._prev_fast()
        return self._settle_lt(i)

    def seek(self, key):
        """Position at the first entry whose first len(key) columns equal
        ``key``; True if there is one (an exact lookup when key is a whole
        entry, a prefix probe otherwise)."""
        kinfo = self.kinfo
        sk = kinfo.sort_key(key)
        i, hit = self._descend(sk, len(key), kinfo.probe(key))
        if hit:
            self._state = VALID
            return True
        if not self._settle_ge(i):
            return False
        return self._key_at(self._v, self._i)[:len(sk)] == sk

    def seek_near(self, key):
        """seek(key), first trying the leaf the cursor is on: when its
        cached keys bracket key (first < key <= last), the first entry >=
        key is on this leaf and no descent is needed.  The inner loop of a
        join probing an index with ascending keys mostly stays on a leaf
        (SQLite skips the descent likewise when the next key is near)."""
        v = self._v
        if not self._state and v is not None and v.leaf and self._page.extra is v:
            kinfo = self.kinfo
            keys = v.keys if v.kinfo is kinfo else _cached_keys(v, self.kinfo)
            if keys is not None:
                sk = kinfo.sort_key(key)
                if keys[0] < sk <= keys[-1]:
                    i = self._i = bisect_left(keys, sk)
                    return keys[i][:len(sk)] == sk
        return self.seek(key)

    def position(self):
        """A token equal to a later one only while the cursor stays on the
        same entry of an unchanged tree (any change saves the cursor, see
        invariant 1), None when it is not on an entry: what a caller learnt
        of the entry there still holds while the tokens match."""
        v = self._v
        if self._state or v is None or self._page.extra is not v:
            return None
        return v, self._i

    # -- reading -----------------------------------------------------------

    def key(self):
        """The current entry, decoded (its last value is the rowid)."""
        if self._state or self._page.extra is not self._v:
            self._ensure()
        return self.bt._record(self._v, self._i)

    def payload(self):
        if self._state or self._page.extra is not self._v:
            self._ensure()
        return self.bt._payload(self._v, self._i)

    # -- writing -----------------------------------------------------------

    def insert(self, values):
        """Insert the entry ``values`` (an equal entry is replaced); the
        cursor is left on it."""
        self.insert_record(encode_record(values), self.kinfo.sort_key(values))

    def insert_record(self, record, sk=None):
        if sk is None:
            sk = self.kinfo.sort_key(decode_record(record))
        bt = self.bt
        tree = self.tree
        if len(tree.cursors) > 1:
            tree.save_others(self)
        i, hit = self._descend(sk)
        page, v = self._page, self._v
        bt.pager.write(page)
        cell = bt._index_cell(record)
        if hit:
            child = v.children[i]
            bt._free_cell_overflow(v, i)
            v.drop_cell(i)
            cell = _pack32(child) + _exact_index_cell(cell)
        elif i < v.ncell and self._key_at(v, i) == sk:
            bt._free_cell_overflow(v, i)
            v.drop_cell(i)
        if v.insert_cell(i, cell, sk):
            self._i = i
            self._state = VALID
            return
        v.ovfl_at = i
        v.ovfl_cells = [cell]
        v.ovfl_keys = [sk]
        bt._balance(self._pages + [page], self._idxs + [i])
        self._saved = sk
        self._state = REQUIRESEEK
        self._pages, self._idxs = [], []
        self._page = self._v = None

    def delete(self):
        """Delete the current entry; next() then lands on its successor."""
        self._ensure()
        if self._state == SKIPNEXT:
            raise errors.InternalError("cursor is not on an entry")
        bt = self.bt
        tree = self.tree
        if len(tree.cursors) > 1:
            tree.save_others(self)
        page, v, i = self._page, self._v, self._i
        sk = self._key_at(v, i)
        pager = bt.pager
        self._saved = sk
        if v.leaf:
            pager.write(page)
            bt._free_cell_overflow(v, i)
            v.drop_cell(i)
            if not self._pages or v.nfree * 3 <= bt._usable * 2:
                if i < v.ncell:
                    self._state = SKIPNEXT
                    return
            else:
                bt._balance(self._pages + [page], self._idxs + [i])
            self._state = REQUIRESEEK
            self._pages, self._idxs = [], []
            self._page = self._v = None
            return
        # An interior entry: replace it by its predecessor, the last entry
        # of its left subtree, then balance from that leaf up through here.
        level = len(self._pages)
        pages = self._pages + [page]
        idxs = self._idxs + [i]
        child = v.children[i]
        lp, lv = self._child(child, False)
        while not lv.leaf:
            pages.append(lp)
            idxs.append(lv.ncell)
            lp, lv = self._child(lv.right, False)
        pages.append(lp)
        last = lv.ncell - 1
        moved_key = self._key_at(lv, last)
        moved = _pack32(child) + _exact_index_cell(lv.cell_bytes(last))
        pager.write(page)
        pager.write(lp)
        bt._free_cell_overflow(v, i)
        v.drop_cell(i)
        if not v.insert_cell(i, moved, moved_key):
            v.ovfl_at = i
            v.ovfl_cells = [moved]
            v.ovfl_keys = [moved_key]
        lv.drop_cell(last)
        bt._balance(pages, idxs, min_level=level)
        self._state = REQUIRESEEK
        self._pages, self._idxs = [], []
        self._page = self._v = None
