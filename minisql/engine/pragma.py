"""PRAGMA statements: the ones sqlite3 users reach for, answered as SQLite does.

Each handler returns ``(column_names, rows)``; rows are computed eagerly
(pragmas return little) inside a read or write transaction of their own.
Unknown pragmas return nothing, as in SQLite.
"""

from .. import errors
from ..storage import format as fmt
from . import values as V

_SYNC = {"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3, "0": 0, "1": 1, "2": 2, "3": 3}


def run_pragma(db, p):
    from .database import Result
    stmt = p.stmt
    name = stmt.name.lower()
    if stmt.schema not in (None, "main"):
        raise errors.OperationalError(f"unknown database {stmt.schema}")
    handler = _HANDLERS.get(name)
    if handler is None:
        p.column_names = None
        return Result(db, None)
    fn, writes = handler
    value = stmt.value
    write = writes and value is not None
    db._begin(write=write)
    try:
        names, rows = fn(db, value)
    except BaseException:
        if write:
            db.pager.rollback()
        db._statement_done()
        raise
    db._statement_done()
    p.column_names = names
    p.column_decltypes = [None] * len(names) if names else None
    return Result(db, (r for r in rows) if names else None)


def _int(value):
    v = V.apply_affinity(value, "INTEGER") if isinstance(value, str) else value
    if isinstance(v, float):
        v = int(v)
    if not isinstance(v, int):
        return 0
    return v


def _header_field(offset, name):
    def handler(db, value):
        if value is None:
            v = db.btree.get_meta(offset) if db.pager.page_count else 0
            return [name], [(v,)]
        db.btree.set_meta(offset, _int(value) & 0xFFFFFFFF)
        if offset == fmt.OFF_SCHEMA_COOKIE:
            db._schema_may_have_changed()
        return None, []
    return handler


def _signed(v):
    return v - (1 << 32) if v >= 1 << 31 else v


def user_version(db, value):
    names, rows = _header_field(fmt.OFF_USER_VERSION, "user_version")(db, value)
    return names, [(_signed(r[0]),) for r in rows]


def application_id(db, value):
    names, rows = _header_field(fmt.OFF_APPLICATION_ID, "application_id")(db, value)
    return names, [(_signed(r[0]),) for r in rows]


def page_size(db, value):
    if value is not None:
        db.pager.set_page_size(_int(value))
        return None, []
    return ["page_size"], [(db.pager.page_size,)]


def page_count(db, value):
    return ["page_count"], [(db.pager.page_count,)]


def freelist_count(db, value):
    n = db.btree.get_meta(fmt.OFF_FREELIST_COUNT) if db.pager.page_count else 0
    return ["freelist_count"], [(n,)]


def cache_size(db, value):
    if value is not None:
        db.pager.set_cache_size(_int(value))
        return None, []
    return ["cache_size"], [(db.pager.cache_size,)]


def journal_mode(db, value):
    mode = "memory" if db.pager.memory else "wal"
    if value is not None and str(value).lower() not in ("wal", mode):
        # minisql writes WAL only; asking for another mode leaves it as is,
        # and SQLite answers with the mode in force when it cannot switch.
        pass
    return ["journal_mode"], [(mode,)]


def synchronous(db, value):
    if value is not None:
        level = _SYNC.get(str(value).upper())
        if level is None:
            level = 1 if _int(value) else 0
        db.pager.synchronous = level
        return None, []
    return ["synchronous"], [(db.pager.synchronous,)]


def busy_timeout(db, value):
    if value is not None:
        db.pager.busy_timeout = max(_int(value), 0) / 1000.0
    return ["timeout"], [(int(db.pager.busy_timeout * 1000),)]


def wal_autocheckpoint(db, value):
    if value is not None:
        db.pager.wal_autocheckpoint = _int(value)
    return ["wal_autocheckpoint"], [(db.pager.wal_autocheckpoint,)]


def wal_checkpoint(db, value):
    mode = str(value).upper() if value is not None else "PASSIVE"
    if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
        mode = "PASSIVE"
    # Our own read mark must not hold the checkpoint back.
    idle = not db.explicit and not db.active
    if idle:
        db.pager.end_read()
    result = db.pager.checkpoint(mode)
    if idle:
        db.pager.begin_read()
    return ["busy", "log", "checkpointed"], [tuple(result)]


def table_info(db, value):
    if value is None:
        return None, []
    table = db.schema.tables.get(str(value).lower())
    names = ["cid", "name", "type", "notnull", "dflt_value", "pk"]
    if table is None:
        view = db.schema.views.get(str(value).lower())
        if view is None:
            return names, []
        from .select import compile_select
        plan = compile_select(db, view.select, db.env)
        cols = list(view.columns) if view.columns else plan.names
        return names, [(i, n, t or "", 0, None, 0)
                       for i, (n, t) in enumerate(zip(cols, plan.decltypes))]
    return names, [(i, c.name, c.decl_type, 1 if c.notnull else 0, c.default_text, c.pk)
                   for i, c in enumerate(table.columns)]


def index_list(db, value):
    names = ["seq", "name", "unique", "origin", "partial"]
    table = db.schema.tables.get(str(value).lower()) if value is not None else None
    if table is None:
        return names, []
    # SQLite lists the most recently created index first.
    ixs = list(reversed(table.indexes))
    return names, [(k, ix.name, 1 if ix.unique else 0, ix.origin,
                    1 if ix.where is not None else 0) for k, ix in enumerate(ixs)]


def index_info(db, value):
    names = ["seqno", "cid", "name"]
    ix = db.schema.indexes.get(str(value).lower()) if value is not None else None
    if ix is None:
        return names, []
    cols = ix.table.columns
    return names, [(k, c, None if c < 0 else cols[c].name) for k, c in enumerate(ix.columns)]


def integrity_check(db, value, quick=False):
    limit = _int(value) if value is not None else 100
    trees = [(1, False)]
    for t in db.schema.tables.values():
        if t.root > 1 and (t.root, t.without_rowid) not in trees:
            trees.append((t.root, t.without_rowid))
    for ix in db.schema.indexes.values():
        trees.append((ix.root, True))
    msgs = db.btree.integrity_check(trees, max_errors=limit) if db.pager.page_count else []
    if not quick and not msgs:
        from .dml import index_consistency
        msgs = index_consistency(db, limit)
    name = "quick_check" if quick else "integrity_check"
    return [name], [(m,) for m in msgs[:limit]] or [("ok",)]


def quick_check(db, value):
    return integrity_check(db, value, quick=True)


def schema_version(db, value):
    names, rows = _header_field(fmt.OFF_SCHEMA_COOKIE, "schema_version")(db, value)
    return names, rows


def data_version(db, value):
    return ["data_version"], [(db.pager.data_version,)]


def encoding(db, value):
    return ["encoding"], [("UTF-8",)]


def foreign_keys(db, value):
    # Foreign key enforcement is off by default in SQLite too; minisql keeps
    # the declarations but does not enforce them.
    if value is not None:
        return None, []
    return ["foreign_keys"], [(0,)]


_HANDLERS = {
    "user_version": (user_version, True),
    "application_id": (application_id, True),
    "schema_version": (schema_version, True),
    "page_size": (page_size, False),
    "page_count": (page_count, False),
    "freelist_count": (freelist_count, False),
    "cache_size": (cache_size, False),
    "journal_mode": (journal_mode, False),
    "synchronous": (synchronous, False),
    "busy_timeout": (busy_timeout, False),
    "wal_autocheckpoint": (wal_autocheckpoint, False),
    "wal_checkpoint": (wal_checkpoint, False),
    "table_info": (table_info, False),
    "index_list": (index_list, False),
    "index_info": (index_info, False),
    "integrity_check": (integrity_check, False),
    "quick_check": (quick_check, False),
    "encoding": (encoding, False),
    "data_version": (data_version, False),
    "foreign_keys": (foreign_keys, False),
}
