"""PRAGMA statements: the ones sqlite3 users reach for, answered as SQLite does.

Each handler returns ``(column_names, rows)``; rows are computed eagerly
(pragmas return little) inside a read or write transaction of their own.
Unknown pragmas return nothing, as in SQLite.
"""

import re

from .. import errors
from ..storage import format as fmt

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


_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def _int(value):
    """sqlite3Atoi: the integer a pragma argument starts with ('7abc' is 7,
    '1.9' is 1), else 0."""
    if isinstance(value, (int, float)):
        return int(value)
    m = _LEADING_INT.match(str(value))
    return int(m.group(1)) if m else 0


def _flag(value):
    """sqlite3GetBoolean: ON/TRUE/YES/a non-zero number."""
    v = str(value).lower()
    if v in ("on", "true", "yes"):
        return True
    if v in ("off", "false", "no"):
        return False
    return _int(value) != 0


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
    """minisql writes in WAL mode only.  Asking for WAL converts a new or
    rollback-journal database right away, as SQLite does (a new database
    then gets its first page); asking for any other mode leaves the mode as
    it is, and the answer is the mode in force, as SQLite answers when it
    cannot switch."""
    pager = db.pager
    if value is not None and str(value).lower() == "wal" and pager.journal_mode == "delete" \
            and not pager.readonly and not db.explicit:
        db._begin(write=True)       # creates page 1 of a new database
        page1 = pager.get(1)
        pager.write(page1)          # the commit rewrites page 1 as a WAL database
        db._statement_done()
    return ["journal_mode"], [(pager.journal_mode,)]


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


_TABLE_INFO = ["cid", "name", "type", "notnull", "dflt_value", "pk"]


def table_info(db, value, extended=False):
    names = _TABLE_INFO + (["hidden"] if extended else [])
    if value is None:
        return names, []
    table = db.schema.tables.get(str(value).lower())
    if table is None:
        from .schema import find_view
        view = find_view(db, str(value))
        if view is None:
            return names, []
        from .select import _view_plan, unique_column_names
        plan = _view_plan(db, db.env, view)
        cols = list(view.columns) if view.columns else unique_column_names(plan.names)
        return names, [(i, n, t or "", 0, None, 0) + ((0,) if extended else ())
                       for i, (n, t) in enumerate(zip(cols, plan.decltypes))]
    return names, [(i, c.name, c.decl_type, 1 if c.notnull else 0, c.default_text, c.pk)
                   + ((_hidden(c),) if extended else ())
                   for i, c in enumerate(table.columns)]


def table_xinfo(db, value):
    return table_info(db, value, extended=True)


def _hidden(col):
    return 0 if not col.hidden else (3 if col.hidden == "stored" else 2)


def index_list(db, value):
    names = ["seq", "name", "unique", "origin", "partial"]
    table = db.schema.tables.get(str(value).lower()) if value is not None else None
    if table is None:
        return names, []
    ixs = table.indexes       # in SQLite's order already (see Schema.add_index)
    return names, [(k, ix.name, 1 if ix.unique else 0, ix.origin,
                    1 if ix.where is not None else 0) for k, ix in enumerate(ixs)]


def index_info(db, value, extended=False):
    names = ["seqno", "cid", "name"] + (["desc", "coll", "key"] if extended else [])
    ix = db.schema.indexes.get(str(value).lower()) if value is not None else None
    if ix is None:
        return names, []
    cols = ix.table.columns
    rows = []
    for k, c in enumerate(ix.columns):
        row = (k, c, cols[c].name if c >= 0 else None)
        if extended:
            row += (1 if ix.desc[k] else 0, ix.collations[k] or "BINARY", 1)
        rows.append(row)
    if extended:
        # The rowid that ends every entry of a rowid table's index.
        rows.append((len(ix.columns), -1, None, 0, "BINARY", 0))
    return names, rows


def index_xinfo(db, value):
    return index_info(db, value, extended=True)


def foreign_key_list(db, value):
    names = ["id", "seq", "table", "from", "to", "on_update", "on_delete", "match"]
    table = db.schema.tables.get(str(value).lower()) if value is not None else None
    if table is None:
        return names, []
    rows = []
    # SQLite numbers the constraints from the last declared to the first.
    for fid, (cols, clause) in enumerate(reversed(table.foreign_keys)):
        actions = dict(clause.actions)
        for seq, col in enumerate(cols):
            to = clause.columns[seq] if seq < len(clause.columns) else None
            rows.append((fid, seq, clause.table, col, to, actions.get("UPDATE", "NO ACTION"),
                         actions.get("DELETE", "NO ACTION"), "NONE"))
    return names, rows


def table_list(db, value):
    names = ["schema", "name", "type", "ncol", "wr", "strict"]
    want = str(value).lower() if value is not None else None
    rows = []
    # SQLite walks its schema hash: the most recently loaded object first.
    objs = [(n, t) for n, t in db.schema.tables.items() if n != "sqlite_schema"] + \
        [(n, v) for n, v in db.schema.views.items()]
    objs.sort(key=lambda nt: db.schema.order.get(nt[0], -1), reverse=True)
    for lname, obj in objs:
        if want is not None and lname != want and not (
                want in ("sqlite_schema", "sqlite_master") and lname == "sqlite_master"):
            continue
        if lname == "sqlite_master":
            rows.append(("main", "sqlite_schema", "table", 5, 0, 0))
        elif obj in db.schema.views.values():
            from .select import _view_plan
            try:
                n = len(obj.columns) if obj.columns else len(_view_plan(db, db.env, obj).names)
            except errors.Error:
                n = 0
            rows.append(("main", obj.name, "view", n, 0, 0))
        else:
            rows.append(("main", obj.name, "table", len(obj.columns),
                         1 if obj.without_rowid else 0, 1 if obj.strict else 0))
    if want is None or want in ("sqlite_temp_schema", "sqlite_temp_master"):
        rows.append(("temp", "sqlite_temp_schema", "table", 5, 0, 0))
    return names, rows


def collation_list(db, value):
    # Newest first: the built-ins were registered BINARY, NOCASE, RTRIM.
    names = [c.name for c in db.collations.values()]
    return ["seq", "name"], list(enumerate(reversed(names)))


def database_list(db, value):
    import os
    path = "" if db.path in ("", ":memory:") else os.path.abspath(db.path)
    return ["seq", "name", "file"], [(0, "main", path)]


def _constant(name, v):
    def handler(db, value):
        return ([name], [(v,)]) if value is None else (None, [])
    return handler


def _refuse_on(name, feature, default=0):
    """A pragma minisql only supports in its default (off) state."""
    def handler(db, value):
        if value is None:
            return [name], [(default,)]
        if _flag(value):
            raise errors.NotSupportedError(f"{feature} is not supported by minisql")
        return None, []
    return handler


def _refuse(feature):
    def handler(db, value):
        raise errors.NotSupportedError(f"{feature} is not supported by minisql")
    return handler


def ignore_check_constraints(db, value):
    if value is None:
        on = getattr(db, "ignore_check_constraints", False)
        return ["ignore_check_constraints"], [(1 if on else 0,)]
    db.ignore_check_constraints = _flag(value)
    return None, []


def case_sensitive_like(db, value):
    if value is not None:
        # LIKE is compiled with it: every prepared statement recompiles.
        db.case_sensitive_like = _flag(value)
        db.schema_gen += 1
    return None, []


def integrity_check(db, value, quick=False):
    limit = _int(value) if value is not None else 100
    trees = [(1, False)]
    for t in db.schema.tables.values():
        if t.root > 1 and (t.root, t.without_rowid) not in trees:
            trees.append((t.root, t.without_rowid))
    for ix in db.schema.indexes.values():
        trees.append((ix.root, True))
    msgs = db.btree.integrity_check(trees, max_errors=limit) if db.pager.page_count else []
    # SQLite reports the page-level findings as one row headed by the
    # database's name, then each row/index mismatch as a row of its own.
    rows = [("*** in database main ***\n" + "\n".join(msgs[:limit]),)] if msgs else []
    if not quick and not msgs:
        from .dml import index_consistency
        rows = [(m,) for m in index_consistency(db, limit)[:limit]]
    name = "quick_check" if quick else "integrity_check"
    return [name], rows or [("ok",)]


def quick_check(db, value):
    return integrity_check(db, value, quick=True)


def schema_version(db, value):
    names, rows = _header_field(fmt.OFF_SCHEMA_COOKIE, "schema_version")(db, value)
    return names, rows


def data_version(db, value):
    return ["data_version"], [(db.pager.data_version,)]


def encoding(db, value):
    return ["encoding"], [("UTF-8",)]


# Foreign key enforcement is off by default in SQLite too; minisql keeps the
# declarations but cannot enforce them, so it refuses to switch it on.
foreign_keys = _refuse_on("foreign_keys", "foreign key enforcement (PRAGMA foreign_keys=ON)")


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
    "index_xinfo": (index_xinfo, False),
    "table_xinfo": (table_xinfo, False),
    "foreign_key_list": (foreign_key_list, False),
    "table_list": (table_list, False),
    "collation_list": (collation_list, False),
    "database_list": (database_list, False),
    "auto_vacuum": (_constant("auto_vacuum", 0), False),
    "recursive_triggers": (_refuse_on("recursive_triggers", "PRAGMA recursive_triggers=ON"),
                           False),
    "ignore_check_constraints": (ignore_check_constraints, False),
    "foreign_key_check": (_refuse("PRAGMA foreign_key_check"), False),
    "case_sensitive_like": (case_sensitive_like, False),
    "integrity_check": (integrity_check, False),
    "quick_check": (quick_check, False),
    "encoding": (encoding, False),
    "data_version": (data_version, False),
    "foreign_keys": (foreign_keys, False),
}

# The pragmas that also work as table-valued functions (SELECT ... FROM
# pragma_table_info('t')): the ones that only read.
_TABLE_VALUED = ("table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
                 "foreign_key_list", "table_list", "collation_list", "database_list",
                 "user_version", "application_id", "schema_version", "page_size",
                 "page_count", "freelist_count", "encoding", "auto_vacuum",
                 "integrity_check", "quick_check", "cache_size", "synchronous",
                 "journal_mode", "busy_timeout", "foreign_keys", "recursive_triggers",
                 "ignore_check_constraints", "wal_autocheckpoint")


def table_valued(name):
    """The handler(db, value) -> (names, rows) of pragma_NAME, or None."""
    if name not in _TABLE_VALUED:
        return None
    fn = _HANDLERS[name][0]

    def handler(db, value):
        names, rows = fn(db, value)
        if names is None:      # a setting pragma given an argument
            return fn(db, None)
        return names, rows
    return handler
