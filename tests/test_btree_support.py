"""Shared helpers for the storage b-tree tests (no tests of its own).

sqlite3 is the oracle: databases built with ``BTree`` over a memory pager
are written out as plain database files (page images concatenated) for
sqlite3 to integrity-check and query; files sqlite3 built are loaded into a
memory pager for the b-tree to read and modify.
"""
import os
import sqlite3

from minisql.storage import format as fmt
from minisql.storage.btree import BTree
from minisql.storage.pager import Pager
from minisql.storage.record import encode_record


def mem_db(page_size=4096, reserved=0):
    """A fresh one-page database in a memory pager, in a write transaction."""
    pager = Pager(":memory:", page_size=page_size, reserved=reserved)
    pager.begin_write()
    bt = BTree(pager)
    bt.new_database()
    return pager, bt


def add_schema(bt, typ, name, tbl, root, sql):
    """Append a row to sqlite_schema (and bump the schema cookie)."""
    cur = bt.table(1)
    rowid = cur.max_rowid() + 1
    cur.insert(rowid, encode_record([typ, name, tbl, root, sql]))
    bt.set_meta(fmt.OFF_SCHEMA_COOKIE, bt.get_meta(fmt.OFF_SCHEMA_COOKIE) + 1)
    cur.close()
    return rowid


def image(pager):
    """The database file image: page 1..page_count, with the header's page
    count and change counters as the pager stamps them at commit, and the
    legacy (rollback) version bytes so that sqlite3 opens it without a WAL."""
    pages = []
    for pgno in range(1, pager.page_count + 1):
        pages.append(bytes(pager.get(pgno).data))
    head = bytearray(pages[0])
    fmt.U32.pack_into(head, fmt.OFF_PAGE_COUNT, pager.page_count)
    counter = fmt.U32.unpack_from(head, fmt.OFF_CHANGE_COUNTER)[0]
    fmt.U32.pack_into(head, fmt.OFF_VERSION_VALID_FOR, counter)
    head[18] = head[19] = 1
    pages[0] = bytes(head)
    return b"".join(pages)


def dump(pager, path):
    with open(path, "wb") as f:
        f.write(image(pager))
    return path


def sqlite_ro(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def sqlite_integrity(path):
    con = sqlite_ro(path)
    try:
        return [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()


def sqlite_query(path, sql, params=()):
    con = sqlite_ro(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def load(path, write=True):
    """Load a database file into a memory pager (in a write transaction
    unless write=False) and return (pager, bt)."""
    with open(path, "rb") as f:
        raw = f.read()
    hdr = fmt.DbHeader.unpack(raw[:100])
    ps = hdr.page_size
    pager = Pager(":memory:", page_size=ps, reserved=hdr.reserved)
    pager.begin_write()
    for off in range(0, len(raw), ps):
        page = pager.append()
        page.data[:] = raw[off:off + ps]
    if not write:
        pager.commit()
    return pager, BTree(pager)


def sqlite_build(path, script, page_size=4096, params=None):
    """Build a database with sqlite3 (rollback journal, so the file alone is
    the whole database)."""
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.executescript(script)
    if params:
        for sql, rows in params:
            con.executemany(sql, rows)
    con.commit()
    con.close()
    return path


def schema_roots(bt):
    """[(root, is_index)] for every b-tree in sqlite_schema, plus page 1."""
    out = [(1, False)]
    cur = bt.table(1)
    ok = cur.first()
    while ok:
        typ, _name, _tbl, root, sql = cur.record()
        if typ in ("table", "index") and root:
            out.append((root, typ == "index" or (sql or "").upper().rstrip().endswith(
                "WITHOUT ROWID")))
        ok = cur.next()
    cur.close()
    return out
