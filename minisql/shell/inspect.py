"""Looking inside the file: .dbinfo, .page N, .btree NAME and .wal.

These are for people learning how a SQLite file is built.  Pages come from
the connection when it offers them (minisql's ``Connection.minisql_page``,
which sees committed WAL frames too); for any other connection they are
read from the database file itself, which does not show frames still in
the WAL (the commands say so).  Page decoding reuses the storage layer
(btreepage, record, overflow, freelist): the shell adds only the words.
"""

import os
from types import SimpleNamespace

from ..storage import btreepage, format as fmt, freelist, overflow, record

_TYPE_NAMES = {
    btreepage.LEAF_TABLE: "leaf table b-tree page",
    btreepage.INTERIOR_TABLE: "interior table b-tree page",
    btreepage.LEAF_INDEX: "leaf index b-tree page",
    btreepage.INTERIOR_INDEX: "interior index b-tree page",
}
_MAX_DEPTH = 40


class Pages:
    """Pages of the open database, shaped like the pager for the storage
    helpers (``get(pgno).data`` and ``page_count``)."""

    def __init__(self, sh):
        conn = sh.open_db()
        self.sh = sh
        self.reader = getattr(conn, "minisql_page", None)
        self.path = None
        self.note = None
        if self.reader is None:
            path = _main_file(conn)
            if not path:
                raise _Unavailable("this connection does not expose its pages "
                                   "and has no database file to read them from")
            self.path = path
            self.file = open(path, "rb")
            wal = path + "-wal"
            if os.path.exists(wal) and os.path.getsize(wal) > 32:
                self.note = ("note: %s holds frames that may not be in the database "
                             "file yet; pages are shown as the database file has them"
                             % wal)
        head = self.read(1)
        self.header = fmt.DbHeader.unpack(head[:fmt.HEADER_SIZE])
        self.page_size = self.header.page_size
        self.geo = btreepage.Geometry(self.header.usable_size)
        if self.path:
            self.page_count = os.path.getsize(self.path) // self.page_size
        else:
            self.page_count = self.header.page_count

    def read(self, pgno):
        if self.reader is not None:
            return bytes(self.reader(pgno))
        size = getattr(self, "page_size", None)
        if size is None:              # page 1 before the header is known
            self.file.seek(0)
            first = self.file.read(fmt.HEADER_SIZE)
            size = fmt.DbHeader.unpack(first).page_size
        self.file.seek((pgno - 1) * size)
        data = self.file.read(size)
        if len(data) < size:
            raise _Unavailable("page %d is beyond the end of the file" % pgno)
        return data

    def get(self, pgno):
        return SimpleNamespace(data=self.read(pgno))

    def close(self):
        if self.path:
            self.file.close()


class _Unavailable(Exception):
    pass


def _main_file(conn):
    try:
        for _, name, path in conn.execute("PRAGMA database_list"):
            if name == "main":
                return path
    except Exception:
        return None
    return None


def _pages(sh):
    try:
        pages = Pages(sh)
    except _Unavailable as e:
        sh.error("Error: %s" % e)
        return None
    except sh.dbapi.Error as e:
        sh.error("Error: %s" % e)
        return None
    if pages.note:
        sh.error(pages.note)
    return pages


# -- .dbinfo ----------------------------------------------------------------

def dbinfo(sh):
    """The header fields and schema counts, laid out as sqlite3's .dbinfo."""
    pages = _pages(sh)
    if pages is None:
        return 1
    try:
        raw = pages.read(1)[:fmt.HEADER_SIZE]
    finally:
        pages.close()
    u32 = fmt.U32.unpack_from
    w = sh.write
    ps = int.from_bytes(raw[16:18], "big")
    w("%-20s %d\n" % ("database page size:", 65536 if ps == 1 else ps))
    w("%-20s %d\n" % ("write format:", raw[18]))
    w("%-20s %d\n" % ("read format:", raw[19]))
    w("%-20s %d\n" % ("reserved bytes:", raw[20]))
    for label, off in (("file change counter:", 24), ("database page count:", 28),
                       ("freelist page count:", 36), ("schema cookie:", 40),
                       ("schema format:", 44), ("default cache size:", 48),
                       ("autovacuum top root:", 52), ("incremental vacuum:", 64),
                       ("text encoding:", 56), ("user version:", 60),
                       ("application id:", 68), ("software version:", 96)):
        v = u32(raw, off)[0]
        extra = ""
        if off == 56:
            extra = {1: " (utf8)", 2: " (utf16le)", 3: " (utf16be)"}.get(v, "")
        w("%-20s %d%s\n" % (label, v, extra))
    conn = sh.conn
    for label, sql in (("number of tables:", "SELECT count(*) FROM main.sqlite_schema WHERE type='table'"),
                       ("number of indexes:", "SELECT count(*) FROM main.sqlite_schema WHERE type='index'"),
                       ("number of triggers:", "SELECT count(*) FROM main.sqlite_schema WHERE type='trigger'"),
                       ("number of views:", "SELECT count(*) FROM main.sqlite_schema WHERE type='view'"),
                       ("schema size:", "SELECT total(length(sql)) FROM main.sqlite_schema")):
        w("%-20s %d\n" % (label, int(conn.execute(sql).fetchone()[0])))
    w("%-20s %d\n" % ("data version", conn.execute("PRAGMA data_version").fetchone()[0]))
    return 0


# -- .page N ----------------------------------------------------------------

def _roles(pages):
    """Page numbers of the freelist (trunks and leaves) and the lock-byte page."""
    roles = {}
    try:
        for trunk, leaves in freelist.walk(pages, pages.geo.usable):
            roles[trunk] = "freelist trunk page"
            for leaf in leaves:
                roles[leaf] = "freelist leaf page"
    except Exception as e:          # a damaged chain: say so, show the rest
        roles[0] = "freelist unreadable: %s" % e
    lock = fmt.lock_byte_page(pages.page_size)
    roles.setdefault(lock, "lock-byte page (never used for data)")
    return roles


def _short(v, width=24):
    if isinstance(v, str):
        s = repr(v)
    elif isinstance(v, (bytes, bytearray)):
        s = "x'" + bytes(v).hex() + "'"
    elif v is None:
        s = "NULL"
    else:
        s = repr(v)
    return s if len(s) <= width else s[:width - 3] + "..."


def page(sh, pgno):
    pages = _pages(sh)
    if pages is None:
        return 1
    try:
        if pgno > pages.page_count:
            sh.error("Error: page %d is past the end of the database (%d pages)"
                     % (pgno, pages.page_count))
            return 1
        data = pages.read(pgno)
        w = sh.write
        w("page %d of %d (page size %d, usable %d)\n"
          % (pgno, pages.page_count, pages.page_size, pages.geo.usable))
        if pgno == 1:
            w("bytes 0..99: the database header (see .dbinfo)\n")
        roles = _roles(pages)
        hdr = 100 if pgno == 1 else 0
        kind = data[hdr]
        if pgno in roles or kind not in _TYPE_NAMES:
            role = roles.get(pgno, "not a b-tree page: an overflow page or unused")
            w("type: %s\n" % role)
            if role == "freelist trunk page":
                u32 = fmt.U32.unpack_from
                n = u32(data, 4)[0]
                w("next trunk: %d\nleaf count: %d\n" % (u32(data, 0)[0], n))
            elif role.startswith("not a b-tree"):
                w("first 4 bytes (next overflow page if this is one): %d\n"
                  % fmt.U32.unpack_from(data, 0)[0])
            return 0
        mp = btreepage.MemPage.load(pgno, data, pages.geo)
        w("type: 0x%02x %s\n" % (kind, _TYPE_NAMES[kind]))
        w("first freeblock: %d\n" % int.from_bytes(data[hdr + 1:hdr + 3], "big"))
        w("cells: %d\n" % mp.ncell)
        w("cell content area: %d\n" % (int.from_bytes(data[hdr + 5:hdr + 7], "big") or 65536))
        w("fragmented free bytes: %d\n" % data[hdr + 7])
        w("free bytes: %d\n" % mp.compute_free())
        if not mp.leaf:
            w("right-most child: %d\n" % mp.right)
        w(_cell_table(pages, mp))
        return 0
    except sh.dbapi.Error as e:
        sh.error("Error: %s" % e)
        return 1
    finally:
        pages.close()


def _cell_table(pages, mp):
    """One line per cell: offset, size, key, child, payload and overflow."""
    lines = ["cell  offset  size  %-10s %-8s payload\n" % (
        "rowid" if mp.intkey else "", "child" if not mp.leaf else "")]
    for i, off in enumerate(mp.cells):
        size = mp.cell_size(off)
        child = str(mp.children[i]) if not mp.leaf else ""
        if mp.type == btreepage.INTERIOR_TABLE:
            key = str(record.get_varint(mp.data, off + 4)[0])
            lines.append("%4d  %6d  %4d  %-10s %-8s -\n" % (i, off, size, key, child))
            continue
        p, start, local, first = mp.payload_info(i)
        key = ""
        if mp.intkey:
            key = str(_cell_rowid(mp.data, off))
        try:
            full = overflow.read_payload(pages, mp.data, start, p, local, first, pages.geo.usable) \
                if first else bytes(mp.data[start:start + local])
            vals = record.decode_record(full)
            shown = "(" + ", ".join(_short(v) for v in vals) + ")"
        except Exception as e:      # show the damage instead of stopping
            shown = "<%s>" % e
        ovfl = ""
        if first:
            chain = overflow.chain_length(p, local, pages.geo.usable)
            ovfl = "  [%d bytes, %d local, overflow %d (+%d pages)]" % (
                p, local, first, chain - 1)
        lines.append("%4d  %6d  %4d  %-10s %-8s %s%s\n" % (i, off, size, key, child, shown, ovfl))
    return "".join(lines)


def _cell_rowid(data, off):
    j = off
    _, k = record.get_varint(data, j)
    return record.get_varint_signed(data, j + k)[0]


# -- .btree NAME ---------------------------------------------------------------

def btree(sh, name):
    conn = sh.open_db()
    row = conn.execute("SELECT type, rootpage FROM sqlite_schema WHERE name=? COLLATE NOCASE "
                       "AND type IN ('table','index')", (name,)).fetchone()
    if row is None and name.lower() in ("sqlite_schema", "sqlite_master"):
        row = ("table", 1)
    if row is None:
        sh.error("Error: no such table or index: %s" % name)
        return 1
    if not row[1]:
        sh.error("Error: %s has no b-tree (a virtual table?)" % name)
        return 1
    pages = _pages(sh)
    if pages is None:
        return 1
    try:
        sh.write("%s %s: root page %d\n" % (row[0], name, row[1]))
        seen = set()
        _walk(sh, pages, row[1], 0, seen)
        return 0
    finally:
        pages.close()


def _walk(sh, pages, pgno, depth, seen):
    pad = "  " * (depth + 1)
    if pgno in seen or depth > _MAX_DEPTH or not 1 <= pgno <= pages.page_count:
        sh.write("%spage %d: <bad link: loop or out of range>\n" % (pad, pgno))
        return
    seen.add(pgno)
    try:
        mp = btreepage.MemPage.load(pgno, pages.read(pgno), pages.geo)
    except Exception as e:
        sh.write("%spage %d: <%s>\n" % (pad, pgno, e))
        return
    kind = _TYPE_NAMES[mp.type].replace(" b-tree page", "")
    desc = "%spage %d: %s, %d cells" % (pad, pgno, kind, mp.ncell)
    if mp.intkey and mp.ncell:
        if mp.leaf:
            desc += ", rowids %d..%d" % (_cell_rowid(mp.data, mp.cells[0]),
                                          _cell_rowid(mp.data, mp.cells[-1]))
        else:
            desc += ", keys %d..%d" % (record.get_varint(mp.data, mp.cells[0] + 4)[0],
                                        record.get_varint(mp.data, mp.cells[-1] + 4)[0])
    ovfl = []
    if mp.type != btreepage.INTERIOR_TABLE:
        for i in range(mp.ncell):
            p, _, local, first = mp.payload_info(i)
            if first:
                ovfl.append("cell %d -> %s" % (i, _chain(pages, first, p, local)))
    sh.write(desc + "\n")
    for o in ovfl:
        sh.write("%s  overflow: %s\n" % (pad, o))
    if not mp.leaf:
        for child in mp.children + [mp.right]:
            _walk(sh, pages, child, depth + 1, seen)


def _chain(pages, first, p, local):
    n = overflow.chain_length(p, local, pages.geo.usable)
    out = []
    pgno = first
    for _ in range(min(n, pages.page_count)):
        if not 2 <= pgno <= pages.page_count:
            out.append("<bad page %d>" % pgno)
            break
        out.append(str(pgno))
        pgno = fmt.U32.unpack_from(pages.read(pgno), 0)[0]
    return " -> ".join(out)


# -- .wal ------------------------------------------------------------------

_WAL_FIELDS = (
    ("file", "WAL file:"),
    ("size", "WAL size (bytes):"),
    ("page_size", "page size:"),
    ("frames", "frames in file:"),
    ("mx_frame", "last commit frame:"),
    ("n_backfill", "backfilled (nBackfill):"),
    ("checkpoint_seq", "checkpoint sequence:"),
    ("salt1", "salt-1:"),
    ("salt2", "salt-2:"),
)


def wal(sh):
    conn = sh.open_db()
    info_fn = getattr(conn, "minisql_info", None)
    if info_fn is None:
        sh.error("Error: .wal is not available for this connection "
                 "(it needs a minisql connection)")
        return 1
    info = info_fn()
    w = info.get("wal")
    if not w:
        sh.write("journal mode: %s (no WAL)\n" % info.get("journal_mode", "delete"))
        return 0
    for key, label in _WAL_FIELDS:
        if key in w:
            v = w[key]
            if key.startswith("salt"):
                v = "0x%08x" % v
            sh.write("%-24s %s\n" % (label, v))
    marks = w.get("read_marks")
    if marks is not None:
        held = w.get("readers", [False] * len(marks))
        for i, m in enumerate(marks):
            state = "held by a reader" if i < len(held) and held[i] else "free"
            sh.write("%-24s %s (%s)\n" % ("read mark %d:" % i,
                                          "unused" if m == 0xFFFFFFFF else m, state))
    return 0
