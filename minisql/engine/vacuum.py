"""VACUUM: rebuild the database compactly, as SQLite's VACUUM does.

The schema is replayed into a fresh in-memory database of the same page
size, every table's rows are copied there cell by cell (same rowids, same
record bytes), indexes are built from the copied rows, views and triggers
follow, and the compact image then replaces the database's pages in one
write transaction of the original (the same page copy as backup()), so the
file shrinks to the pages it needs and the freelist is empty.  Readers of
the old snapshot keep it until they end their read transaction, as with any
other commit.
"""

from .. import errors
from ..storage import format as fmt
from .schema import SCHEMA_ROOT


def vacuum(db, stmt):
    if stmt.into is not None:
        raise errors.NotSupportedError("VACUUM INTO is not supported by minisql")
    if db.explicit:
        raise errors.OperationalError("cannot VACUUM from within a transaction")
    if db.active:
        raise errors.OperationalError("cannot VACUUM - SQL statements in progress")
    from .database import Database
    tmp = Database(":memory:")
    try:
        _rebuild(db, tmp)
        tmp.backup(db)
    finally:
        tmp.close()
    return 0


def _schema_rows(db):
    from ..storage.record import decode_record
    cur = db.btree.table(SCHEMA_ROOT)
    rows = []
    ok = cur.first()
    while ok:
        vals = decode_record(cur.payload()) + [None] * 5
        rows.append(vals[:5])
        ok = cur.next()
    return rows


def _run(tmp, sql):
    result = tmp.run(tmp.prepare(sql), [])
    for _ in result:
        pass


def _rebuild(db, tmp):
    tmp.pager.set_page_size(db.pager.page_size)
    tmp.pager.set_reserved(db.pager.reserved)
    rows = _schema_rows(db)
    # Tables first (sqlite_sequence comes with the first AUTOINCREMENT table).
    for typ, name, _, _, sql in rows:
        if typ == "table" and sql and name != "sqlite_sequence":
            _run(tmp, sql)
    # Rows, copied as they are stored.
    tmp._begin(write=True)
    for name, table in db.schema.tables.items():
        if table.root == SCHEMA_ROOT or name == "sqlite_schema":
            continue
        target = tmp.schema.table(table.name)
        src = db.btree.table(table.root)
        dst = tmp.btree.table(target.root)
        ok = src.first()
        while ok:
            dst.insert(src.rowid(), src.payload())
            ok = src.next()
            db.countdown -= 1               # interrupt() and the progress handler
            if db.countdown <= 0:
                db.tick()
    tmp._statement_done()
    # Implicit indexes are filled from the copied rows, the others built by
    # their CREATE INDEX; then views and triggers.
    for table in list(tmp.schema.tables.values()):
        if table.indexes:
            _run(tmp, f'REINDEX "{table.name}"')
    for typ, name, _, _, sql in rows:
        if typ == "index" and sql:
            _run(tmp, sql)
    for typ, name, _, _, sql in rows:
        if typ in ("view", "trigger") and sql:
            _run(tmp, sql)
    # Header fields that belong to the database, not to its layout; the
    # schema cookie moves on so that other connections reload the schema.
    tmp._begin(write=True)
    for off in (fmt.OFF_USER_VERSION, fmt.OFF_APPLICATION_ID):
        tmp.btree.set_meta(off, db.btree.get_meta(off))
    tmp.btree.set_meta(fmt.OFF_SCHEMA_COOKIE,
                       (db.btree.get_meta(fmt.OFF_SCHEMA_COOKIE) + 1) & 0xFFFFFFFF)
    tmp._statement_done()
