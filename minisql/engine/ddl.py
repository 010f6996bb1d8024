"""Schema statements: CREATE / DROP of tables, indexes, views, triggers; REINDEX.

Each one changes the catalog the way SQLite does it on disk: rows of
sqlite_schema (type, name, tbl_name, rootpage, sql) with the exact ``sql``
text SQLite stores, new b-trees for tables and indexes (implicit
``sqlite_autoindex_T_N`` indexes for UNIQUE and non-integer PRIMARY KEY
constraints), pages of dropped trees back on the freelist, and the schema
cookie bumped so that every other connection reloads its schema.
"""

from .. import errors
from . import collation as C
from ..sql import ast
from ..sql.lexer import KEYWORDS
from ..storage.record import encode_record
from . import schema as S


def _exists_error(db, name):
    lname = name.lower()
    if lname in db.schema.tables:
        return errors.OperationalError(f"table {name} already exists")
    if lname in db.schema.views:
        return errors.OperationalError(f"view {name} already exists")
    if lname in db.schema.indexes:
        return errors.OperationalError(f"there is already an index named {name}")
    return None


def _table_for(db, name):
    """The table a CREATE INDEX / TRIGGER names (SQLite's error says main.)."""
    table = db.schema.tables.get(name.lower())
    if table is None:
        raise errors.OperationalError(f"no such table: main.{name}")
    return table


def _check_name(name, kind="object"):
    if name.lower().startswith("sqlite_"):
        raise errors.OperationalError(f"object name reserved for internal use: {name}")


def _check_schema_name(schema):
    if schema is not None and schema.lower() not in ("main", "temp"):
        raise errors.OperationalError(f"unknown database {schema}")


def _is_temp(stmt):
    return stmt.temp or (stmt.schema is not None and stmt.schema.lower() == "temp")


def _temp_unsupported(kind):
    # TEMP objects live in a separate in-memory database in SQLite; creating
    # them in the main file instead would make them persistent.
    return errors.NotSupportedError(f"TEMP {kind}s are not supported by minisql")


def insert_schema_row(db, typ, name, tbl_name, root, sql):
    cur = db.btree.table(S.SCHEMA_ROOT)
    rowid = cur.max_rowid() + 1
    cur.insert(rowid, encode_record([typ, name, tbl_name, root, sql]))


def delete_schema_rows(db, pred):
    """Delete sqlite_schema rows for which pred(type, name, tbl_name) holds."""
    from ..storage.record import decode_record
    cur = db.btree.table(S.SCHEMA_ROOT)
    doomed = []
    ok = cur.first()
    while ok:
        vals = decode_record(cur.payload())
        if pred(vals[0], vals[1], vals[2]):
            doomed.append(cur.rowid())
        ok = cur.next()
    for rowid in doomed:
        if cur.seek(rowid):
            cur.delete()


# -- CREATE TABLE ------------------------------------------------------------------

def create_table(db, stmt):
    _check_schema_name(stmt.schema)
    err = _exists_error(db, stmt.name)
    if err is not None:
        if stmt.if_not_exists and stmt.name.lower() in db.schema.tables:
            return 0
        if stmt.if_not_exists and stmt.name.lower() in db.schema.views:
            return 0
        raise err
    _check_name(stmt.name)
    if _is_temp(stmt):
        raise _temp_unsupported("table")
    if stmt.as_select is not None:
        return _create_table_as(db, stmt)
    table = S.table_from_ast(stmt, 0)
    if stmt.without_rowid:
        if not table.pk_columns:
            raise errors.OperationalError(f"PRIMARY KEY missing on table {stmt.name}")
        raise errors.NotSupportedError("WITHOUT ROWID tables are not supported by minisql")
    if stmt.strict:
        raise errors.NotSupportedError("STRICT tables are not supported by minisql")
    if table.generated:
        raise errors.NotSupportedError("generated columns are not supported by minisql")
    _validate_table(db, stmt, table)
    _store_table(db, table, stmt.sql)
    return 0


def _validate_table(db, stmt, table):
    """What SQLite checks at CREATE TABLE beyond the grammar."""
    for col in table.columns:
        if col.collation is not None:
            C.lookup(col.collation, db.collations)
    for _, expr, _ in table.checks:
        if _has_subquery(expr):
            raise errors.OperationalError("subqueries prohibited in CHECK constraints")


def _has_subquery(e):
    from .expr import walk
    return any(isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect)) for n in walk(e))


def _store_table(db, table, sql):
    table.root = db.btree.create_table()
    insert_schema_row(db, "table", table.name, table.name, table.root, sql)
    for name in S.autoindex_names(table):
        root = db.btree.create_index()
        insert_schema_row(db, "index", name, table.name, root, None)
    if table.autoincrement and "sqlite_sequence" not in db.schema.tables:
        root = db.btree.create_table()
        insert_schema_row(db, "table", "sqlite_sequence", "sqlite_sequence", root,
                          "CREATE TABLE sqlite_sequence(name,seq)")
    db.bump_schema_cookie()
    db.load_schema()


_AS_TYPES = {"INTEGER": "INT", "TEXT": "TEXT", "REAL": "REAL", "NUMERIC": "NUM",
             "BLOB": "", None: ""}


def _quote_ident(name):
    """SQLite's identifier quoting in generated CREATE TABLE text (identPut):
    bare only for ASCII letters, digits and '_', not starting with a digit,
    not a keyword."""
    if name and not name[0].isdigit() and name.isascii() and \
            all(c.isalnum() or c == "_" for c in name) and not _is_keyword(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _ident_length(name):
    return len(name) + name.count('"') + 2


def _is_keyword(name):
    return name.upper() in KEYWORDS


def _create_table_as(db, stmt):
    from .select import compile_select, unique_column_names
    plan = compile_select(db, stmt.as_select, db.env)
    names = unique_column_names(plan.names)
    # SQLite's createTableStmt: one line unless the names make it long.
    width = sum(_ident_length(n) + 5 for n in names) + _ident_length(stmt.name)
    sep, sep2, end = ("", ",", ")") if width < 50 else ("\n  ", ",\n  ", "\n)")
    cols = []
    for name, aff in zip(names, plan.affinities):
        t = _AS_TYPES.get(aff, "")
        cols.append(_quote_ident(name) + (f" {t}" if t else ""))
    sql = f"CREATE TABLE {_quote_ident(stmt.name)}(" + sep + sep2.join(cols) + end
    from ..sql.parser import parse
    table = S.table_from_ast(parse(sql)[0], 0)
    rows = list(plan.rows())
    _store_table(db, table, sql)
    table = db.schema.table(stmt.name)
    from .dml import insert_rows
    insert_rows(db, table, rows)
    return 0


# -- CREATE INDEX -------------------------------------------------------------------

def create_index(db, stmt):
    _check_schema_name(stmt.schema)
    lname = stmt.name.lower()
    # SQLite's order: the table, then the index name.
    if stmt.table.lower() in db.schema.views:
        raise errors.OperationalError("views may not be indexed")
    table = _table_for(db, stmt.table)
    if table.name.lower() == "sqlite_master":
        raise errors.OperationalError("table sqlite_master may not be indexed")
    if lname in db.schema.indexes:
        if stmt.if_not_exists:
            return 0
        raise errors.OperationalError(f"index {stmt.name} already exists")
    if lname in db.schema.tables or lname in db.schema.views:
        raise errors.OperationalError(f"there is already a table named {stmt.name}")
    _check_name(stmt.name)
    index = S.index_from_ast(stmt, table, 0)
    for e in index.exprs or ():
        if e is not None:
            _check_index_expression(db, e, "index expressions")
    if index.where is not None:
        _check_index_expression(db, index.where, "partial index WHERE clauses")
    for c in index.collations:
        if c is not None:
            C.lookup(c, db.collations)
    index.root = db.btree.create_index()
    from .dml import build_index
    build_index(db, index)
    insert_schema_row(db, "index", stmt.name, table.name, index.root, stmt.sql)
    db.bump_schema_cookie()
    db.load_schema()
    return 0


def _check_index_expression(db, e, where):
    """What SQLite refuses in an index's expressions and WHERE clause (the
    columns themselves are checked when the index is built)."""
    from .expr import walk
    from . import functions as F
    for n in walk(e):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable)):
            raise errors.OperationalError(f"subqueries prohibited in {where}")
        if isinstance(n, ast.Column) and n.table is not None and where == "index expressions":
            raise errors.OperationalError(f'the "." operator prohibited in {where}')
        if isinstance(n, ast.Param):
            raise errors.OperationalError(f"parameters prohibited in {where}")
        if isinstance(n, ast.Function):
            fd = F.lookup(n.name, len(n.args), db.functions)
            if fd.is_agg:
                raise errors.OperationalError(f"misuse of aggregate function {n.name}()")
            if not fd.deterministic:
                raise errors.OperationalError(f"non-deterministic functions prohibited in {where}")


# -- views and triggers ------------------------------------------------------------------

def create_view(db, stmt):
    _check_schema_name(stmt.schema)
    temp = _is_temp(stmt)
    lname = stmt.name.lower()
    err = (errors.OperationalError(f"view {stmt.name} already exists")
           if lname in S.temp_views(db) else None) if temp else _exists_error(db, stmt.name)
    if err is not None:
        if stmt.if_not_exists:
            return 0
        raise err
    _check_name(stmt.name)
    # Like SQLite, the query is not checked until the view is used.
    if stmt.n_params:
        raise errors.OperationalError("parameters are not allowed in views")
    if temp:
        S.temp_views(db)[lname] = S.View(stmt.name, stmt.sql, stmt.select, stmt.columns)
        db.schema_gen += 1          # prepared statements may name it
        return 0
    insert_schema_row(db, "view", stmt.name, stmt.name, 0, stmt.sql)
    db.bump_schema_cookie()
    db.load_schema()
    return 0


def create_trigger(db, stmt):
    _check_schema_name(stmt.schema)
    lname = stmt.name.lower()
    if lname in db.schema.triggers:
        if stmt.if_not_exists:
            return 0
        raise errors.OperationalError(f"trigger {stmt.name} already exists")
    _check_name(stmt.name)
    if _is_temp(stmt):
        raise _temp_unsupported("trigger")
    tl = stmt.table.lower()
    if tl in db.schema.views:
        if stmt.time != "INSTEAD OF":
            raise errors.OperationalError(
                f"cannot create {(stmt.time or 'BEFORE')} trigger on view: {stmt.table}")
    else:
        table = _table_for(db, stmt.table)
        if stmt.time == "INSTEAD OF":
            raise errors.OperationalError(
                f"cannot create INSTEAD OF trigger on table: {stmt.table}")
        if table.name.lower() == "sqlite_master":
            raise errors.OperationalError("cannot create trigger on system table")
    name = db.schema.tables[tl].name if tl in db.schema.tables else db.schema.views[tl].name
    insert_schema_row(db, "trigger", stmt.name, name, 0, stmt.sql)
    db.bump_schema_cookie()
    db.load_schema()
    return 0


# -- DROP ---------------------------------------------------------------------------------

def drop_table(db, stmt):
    _check_schema_name(stmt.schema)
    lname = stmt.name.lower()
    table = db.schema.tables.get(lname)
    if table is None:
        if stmt.if_exists:
            return 0
        if lname in db.schema.views:
            raise errors.OperationalError(f"use DROP VIEW to delete view {stmt.name}")
        raise errors.OperationalError(f"no such table: {stmt.name}")
    if lname in ("sqlite_master", "sqlite_schema") or \
            (lname.startswith("sqlite_") and lname != "sqlite_sequence"):
        raise errors.OperationalError(f"table {table.name} may not be dropped")
    if lname == "sqlite_sequence":
        raise errors.OperationalError("table sqlite_sequence may not be dropped")
    for index in list(table.indexes):
        db.btree.drop_tree(index.root)
    db.btree.drop_tree(table.root)
    delete_schema_rows(db, lambda typ, name, tbl: tbl is not None and tbl.lower() == lname)
    if table.autoincrement and "sqlite_sequence" in db.schema.tables:
        from .dml import delete_sequence_row
        delete_sequence_row(db, table.name)
    db.bump_schema_cookie()
    db.load_schema()
    return 0


def drop_index(db, stmt):
    _check_schema_name(stmt.schema)
    index = db.schema.indexes.get(stmt.name.lower())
    if index is None:
        if stmt.if_exists:
            return 0
        raise errors.OperationalError(f"no such index: {stmt.name}")
    if index.origin != "c":
        raise errors.OperationalError(
            "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped")
    db.btree.drop_tree(index.root)
    lname = index.name.lower()
    delete_schema_rows(db, lambda typ, name, tbl: typ == "index" and name.lower() == lname)
    db.bump_schema_cookie()
    db.load_schema()
    return 0


def _drop_simple(db, stmt, kind, catalog):
    _check_schema_name(stmt.schema)
    lname = stmt.name.lower()
    if lname not in catalog:
        if stmt.if_exists:
            return 0
        if kind == "view" and lname in db.schema.tables:
            raise errors.OperationalError(f"use DROP TABLE to delete table {stmt.name}")
        raise errors.OperationalError(f"no such {kind}: {stmt.name}")
    delete_schema_rows(db, lambda typ, name, tbl: typ == kind and name.lower() == lname)
    if kind == "view":
        # Triggers on a view go with it.
        delete_schema_rows(db, lambda typ, name, tbl: typ == "trigger" and tbl.lower() == lname)
    db.bump_schema_cookie()
    db.load_schema()
    return 0


def drop_view(db, stmt):
    temps = S.temp_views(db)
    if stmt.name.lower() in temps and (stmt.schema is None or stmt.schema.lower() == "temp"):
        del temps[stmt.name.lower()]
        db.schema_gen += 1
        return 0
    return _drop_simple(db, stmt, "view", db.schema.views)


def drop_trigger(db, stmt):
    return _drop_simple(db, stmt, "trigger", db.schema.triggers)


def reindex(db, stmt):
    from .dml import build_index
    indexes = []
    if stmt.name is None:
        indexes = list(db.schema.indexes.values())
    else:
        lname = stmt.name.lower()
        if lname in db.schema.indexes:
            indexes = [db.schema.indexes[lname]]
        elif lname in db.schema.tables:
            indexes = list(db.schema.tables[lname].indexes)
        else:
            # REINDEX collation-name: every index using that collation.
            indexes = [i for i in db.schema.indexes.values()
                       if any(c and c.lower() == lname for c in i.collations)]
            if not indexes and lname not in ("binary", "nocase", "rtrim"):
                raise errors.OperationalError("unable to identify the object to be reindexed")
    for index in indexes:
        db.btree.clear_tree(index.root)
        build_index(db, index)
    return 0


def analyze(db, stmt):
    """ANALYZE: the name is checked as SQLite does, then refused (minisql
    keeps no sqlite_stat1 statistics)."""
    if stmt.name is not None:
        lname = stmt.name.lower()
        schema = stmt.schema.lower() if stmt.schema is not None else None
        if schema is None and lname in ("main", "temp"):
            pass
        elif lname not in db.schema.tables and lname not in db.schema.indexes:
            if schema is not None:
                _check_schema_name(stmt.schema)
            raise errors.OperationalError(f"no such table: {stmt.name}")
    raise errors.NotSupportedError("ANALYZE is not supported by minisql")


def vacuum(db, stmt):
    if stmt.schema is not None and stmt.schema.lower() not in ("main", "temp"):
        raise errors.OperationalError(f"unknown database {stmt.schema}")
    from .vacuum import vacuum as rebuild
    return rebuild(db, stmt)


def alter_table(db, stmt):
    from .alter import alter_table as alter
    return alter(db, stmt)


HANDLERS = {
    ast.CreateTable: create_table,
    ast.CreateIndex: create_index,
    ast.CreateView: create_view,
    ast.CreateTrigger: create_trigger,
    ast.DropTable: drop_table,
    ast.DropIndex: drop_index,
    ast.DropView: drop_view,
    ast.DropTrigger: drop_trigger,
    ast.Reindex: reindex,
    ast.AlterTable: alter_table,
    ast.Analyze: analyze,
    ast.Vacuum: vacuum,
}
