"""The schema catalog: tables, indexes, views and triggers of one database.

Built from the rows of ``sqlite_schema`` (type, name, tbl_name, rootpage,
sql) by re-parsing each ``sql`` text, exactly as SQLite does at open, so a
database written by sqlite3 loads the same way as one written by minisql.
Implicit indexes (``sqlite_autoindex_T_N``, sql NULL) are matched to the
table's UNIQUE / non-integer PRIMARY KEY constraints in declaration order.

Names are compared case-insensitively: every dict here is keyed by the
lower-cased name, and objects keep the spelling they were created with.
"""

from .. import errors
from ..sql import ast
from ..sql.parser import parse
from .values import affinity_of

SCHEMA_ROOT = 1
INTERNAL_TABLES = ("sqlite_master", "sqlite_schema", "sqlite_sequence")
SCHEMA_COLUMNS = ("type", "name", "tbl_name", "rootpage", "sql")
SCHEMA_SQL = ("CREATE TABLE sqlite_master(type text,name text,tbl_name text,"
              "rootpage integer,sql text)")


class Column:
    __slots__ = ("name", "decl_type", "affinity", "notnull", "notnull_conflict",
                 "default", "default_text", "collation", "pk", "hidden", "unique")

    def __init__(self, name, decl_type=""):
        self.name = name
        self.decl_type = decl_type
        self.affinity = affinity_of(decl_type)
        self.notnull = False
        self.notnull_conflict = None
        self.default = None          # ast.Expr or None
        self.default_text = None     # as PRAGMA table_info shows it
        self.collation = None        # None means BINARY
        self.pk = 0                  # 1-based position in the PRIMARY KEY
        self.hidden = False
        self.unique = False          # a column constraint UNIQUE


class Index:
    __slots__ = ("name", "table", "root", "columns", "collations", "desc",
                 "unique", "sql", "where", "origin", "conflict", "exprs")

    def __init__(self, name, table, root, columns, collations, desc, unique,
                 sql=None, where=None, origin="c", conflict=None, exprs=None):
        self.name = name
        self.table = table          # the Table object
        self.root = root
        self.columns = columns      # table column positions; -1 = rowid
        self.collations = collations
        self.desc = desc
        self.unique = unique
        self.sql = sql
        self.where = where          # partial index WHERE (ast.Expr) or None
        self.origin = origin        # 'c' CREATE INDEX, 'u' UNIQUE, 'pk' PRIMARY KEY
        self.conflict = conflict
        self.exprs = exprs          # ast.Expr per column for indexes on expressions


class Table:
    __slots__ = ("name", "root", "columns", "sql", "rowid_alias", "autoincrement",
                 "without_rowid", "indexes", "checks", "col_index", "pk_columns",
                 "pk_conflict", "uniques", "triggers", "strict", "generated", "foreign_keys")

    def __init__(self, name, root, sql):
        self.name = name
        self.root = root
        self.sql = sql
        self.columns = []
        self.col_index = {}
        self.rowid_alias = None      # position of the INTEGER PRIMARY KEY column
        self.autoincrement = False
        self.without_rowid = False
        self.indexes = []
        self.checks = []             # (constraint name or None, ast.Expr, text)
        self.pk_columns = []
        self.pk_conflict = None
        self.uniques = []            # (column positions, conflict) for autoindexes
        self.triggers = []
        self.strict = False
        self.generated = False       # has GENERATED ALWAYS AS columns
        self.foreign_keys = []       # (column names, ast.ForeignKeyClause), declared order

    def add_column(self, col):
        self.col_index.setdefault(col.name.lower(), len(self.columns))
        self.columns.append(col)

    def column(self, name):
        """Position of column ``name``; -1 for the rowid names; None if absent."""
        i = self.col_index.get(name.lower())
        if i is None and name.lower() in ("rowid", "oid", "_rowid_"):
            return -1
        return i


class View:
    __slots__ = ("name", "sql", "select", "columns")

    def __init__(self, name, sql, select, columns):
        self.name = name
        self.sql = sql
        self.select = select
        self.columns = columns


class Trigger:
    __slots__ = ("name", "table", "sql", "stmt")

    def __init__(self, name, table, sql, stmt):
        self.name = name
        self.table = table
        self.sql = sql
        self.stmt = stmt


def _schema_table():
    t = Table("sqlite_master", SCHEMA_ROOT, SCHEMA_SQL)
    for name, decl in zip(SCHEMA_COLUMNS, ("text", "text", "text", "integer", "text")):
        t.add_column(Column(name, decl))
    return t


class Schema:
    """Everything ``sqlite_schema`` describes, keyed by lower-cased name."""

    def __init__(self):
        self.tables = {}
        self.indexes = {}
        self.views = {}
        self.triggers = {}
        self.cookie = None
        self.order = {}     # lower-cased table/view name -> position in sqlite_schema
        master = _schema_table()
        self.tables["sqlite_master"] = master
        self.tables["sqlite_schema"] = master

    def load(self, rows):
        """Build the catalog from sqlite_schema rows (in rowid order)."""
        autoidx = []
        for typ, name, tbl_name, root, sql in rows:
            if typ == "table" and sql:
                self.add_table(table_from_ast(_parse_create(sql, name), root))
            elif typ == "index":
                if sql:
                    stmt = _parse_create(sql, name)
                    self.add_index(index_from_ast(stmt, self.table(tbl_name), root))
                elif tbl_name is not None and tbl_name.lower() in self.tables:
                    self.add_index(autoindex_for(self.tables[tbl_name.lower()], name, root))
                else:
                    autoidx.append((name, tbl_name, root))
            elif typ == "view":
                stmt = _parse_create(sql, name)
                self.views[name.lower()] = View(name, sql, stmt.select, stmt.columns)
                self.order[name.lower()] = len(self.order)
            elif typ == "trigger":
                stmt = _parse_create(sql, name)
                self.triggers[name.lower()] = Trigger(name, tbl_name, sql, stmt)
        for name, tbl_name, root in autoidx:
            table = self.tables.get(tbl_name.lower())
            if table is None:
                raise _malformed(name, "orphan index")
            self.add_index(autoindex_for(table, name, root))

    def table(self, name):
        t = self.tables.get(name.lower())
        if t is None:
            raise errors.OperationalError(f"no such table: {name}")
        return t

    def add_table(self, table):
        self.tables[table.name.lower()] = table
        self.order[table.name.lower()] = len(self.order)

    def add_index(self, index):
        """Index lists are kept in SQLite's order (pTab->pIndex), which is
        the order constraints are checked and PRAGMA index_list shows: the
        newest first, except that REPLACE constraints go after the others."""
        self.indexes[index.name.lower()] = index
        ixs = index.table.indexes
        if index.conflict != "REPLACE" or not ixs or ixs[0].conflict == "REPLACE":
            ixs.insert(0, index)
        else:
            k = 1
            while k < len(ixs) and ixs[k].conflict != "REPLACE":
                k += 1
            ixs.insert(k, index)

    def triggers_for(self, table_name, event):
        """The triggers of one table and event in firing order: SQLite fires
        the most recently created first."""
        key = table_name.lower()
        return [t for t in reversed(self.triggers.values())
                if t.table.lower() == key and t.stmt.event == event]


def temp_views(db):
    """The connection's TEMP views (lower-cased name -> View).  They are never
    written to the file; SQLite keeps them in its temp database, which dies
    with the connection."""
    views = getattr(db, "temp_views", None)
    if views is None:
        views = db.temp_views = {}
    return views


def find_view(db, name, schema=None):
    """The view ``name`` as a query sees it: TEMP first, then main."""
    lname = name.lower()
    sch = schema.lower() if schema is not None else None
    if sch in (None, "temp"):
        v = temp_views(db).get(lname)
        if v is not None or sch == "temp":
            return v
    if sch in (None, "main"):
        return db.schema.views.get(lname)
    return None


def _malformed(name, why):
    return errors.DatabaseError(f"malformed database schema ({name}) - {why}",
                                code=errors.SQLITE_CORRUPT)


def _parse_create(sql, name):
    try:
        stmts = parse(sql)
    except errors.Error as e:
        raise _malformed(name, str(e)) from None
    if len(stmts) != 1:
        raise _malformed(name, "invalid sql")
    return stmts[0]


_PK_UNIQUE_EXPRESSIONS = "expressions prohibited in PRIMARY KEY and UNIQUE constraints"


def _indexed_names(cols):
    """(name, collation, order, quoted) of a constraint's IndexedColumn list.
    A quoted name ("b" or 'b') that names no column is, to SQLite, an
    expression (see _resolve_key)."""
    out = []
    for ic in cols:
        e = ic.expr
        while isinstance(e, ast.Collate):
            e = e.operand
        if isinstance(e, ast.Literal) and isinstance(e.value, str):
            name, quoted = e.value, True
        elif isinstance(e, ast.Column) and e.table is None:
            name, quoted = e.name, e.double_quoted
        else:
            raise errors.OperationalError(_PK_UNIQUE_EXPRESSIONS)
        coll = ic.collation or (ic.expr.collation if isinstance(ic.expr, ast.Collate) else None)
        out.append((name, coll, ic.order, quoted))
    return out


def _resolve_key(t, name, quoted):
    i = t.col_index.get(name.lower())
    if i is None:
        raise errors.OperationalError(_PK_UNIQUE_EXPRESSIONS if quoted
                                      else f"no such column: {name}")
    return i


def table_from_ast(stmt, root):
    """A Table from a CreateTable node (columns given, not AS SELECT)."""
    t = Table(stmt.name, root, stmt.sql)
    t.without_rowid = stmt.without_rowid
    t.strict = stmt.strict
    pk_cols = None
    pk_conflict = None
    pk_autoinc = False
    pk_desc = False
    uniques = []
    for cdef in stmt.columns:
        col = Column(cdef.name, cdef.type_name)
        if col.name.lower() in t.col_index:
            raise errors.OperationalError(f"duplicate column name: {col.name}")
        for c in cdef.constraints:
            if isinstance(c, ast.PrimaryKeyConstraint):
                if pk_cols is not None:
                    raise errors.OperationalError(
                        f'table "{stmt.name}" has more than one primary key')
                pk_cols = [(cdef.name, None, c.order, False)]
                pk_conflict = c.conflict
                pk_autoinc = c.autoincrement
                pk_desc = c.order == "DESC"
            elif isinstance(c, ast.NotNullConstraint):
                col.notnull = True
                col.notnull_conflict = c.conflict
            elif isinstance(c, ast.UniqueConstraint):
                uniques.append(([(cdef.name, None, None, False)], c.conflict))
                col.unique = True
            elif isinstance(c, ast.DefaultConstraint):
                col.default = c.expr
                col.default_text = c.text
            elif isinstance(c, ast.CollateConstraint):
                col.collation = c.collation
            elif isinstance(c, ast.CheckConstraint):
                t.checks.append((c.name, c.expr, c.text))
            elif isinstance(c, ast.GeneratedConstraint):
                t.generated = True
                col.hidden = "stored" if c.stored else "virtual"
            elif isinstance(c, ast.ForeignKeyConstraint):
                t.foreign_keys.append(((cdef.name,), c.clause))
        t.add_column(col)
    for c in stmt.constraints:
        if isinstance(c, ast.PrimaryKeyConstraint):
            if pk_cols is not None:
                raise errors.OperationalError(
                    f'table "{stmt.name}" has more than one primary key')
            pk_cols = _indexed_names(c.columns)
            pk_conflict = c.conflict
            pk_autoinc = c.autoincrement
        elif isinstance(c, ast.UniqueConstraint):
            uniques.append((_indexed_names(c.columns), c.conflict))
        elif isinstance(c, ast.CheckConstraint):
            t.checks.append((c.name, c.expr, c.text))
        elif isinstance(c, ast.ForeignKeyConstraint):
            t.foreign_keys.append((tuple(c.columns), c.clause))
    if pk_cols:
        for k, (name, _, _, quoted) in enumerate(pk_cols):
            i = _resolve_key(t, name, quoted)
            t.columns[i].pk = k + 1
            t.pk_columns.append(i)
        t.pk_conflict = pk_conflict
        # INTEGER PRIMARY KEY (exactly that type name, one column, not DESC)
        # makes the column an alias of the rowid (SQLite's rule: "INTEGER",
        # case-insensitive; "INT PRIMARY KEY" is an ordinary key).
        if len(pk_cols) == 1 and not t.without_rowid:
            col = t.columns[t.pk_columns[0]]
            if col.decl_type.upper() == "INTEGER" and not pk_desc:
                t.rowid_alias = t.pk_columns[0]
                t.autoincrement = pk_autoinc
        if pk_autoinc and t.rowid_alias is None:
            raise errors.OperationalError(
                "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY")
    # The implicit unique indexes, in SQLite's order: the PRIMARY KEY (unless
    # it is the rowid) where it was declared, then UNIQUE constraints.
    ordered = []
    if pk_cols and t.rowid_alias is None:
        ordered.append(("pk", pk_cols, pk_conflict))
    ordered.extend(("u", cols, conflict) for cols, conflict in uniques)
    seen = set()
    for origin, cols, conflict in ordered:
        positions = []
        colls = []
        desc = []
        for name, coll, order, quoted in cols:
            i = _resolve_key(t, name, quoted)
            positions.append(i)
            colls.append(coll or t.columns[i].collation)
            desc.append(order == "DESC")     # the implicit index keeps the key's order
        key = (tuple(positions), tuple(c.upper() if c else None for c in colls))
        if key in seen:
            continue
        seen.add(key)
        t.uniques.append((origin, positions, colls, conflict, desc))
    return t


def autoindex_for(table, name, root):
    """The Index object of implicit index ``name`` (sqlite_autoindex_T_N)."""
    try:
        n = int(name.rsplit("_", 1)[1])
        origin, positions, colls, conflict, desc = table.uniques[n - 1]
    except (ValueError, IndexError):
        raise _malformed(name, "unknown automatic index") from None
    return Index(name, table, root, positions, colls, desc, True, None, None, origin, conflict)


def autoindex_names(table):
    return [f"sqlite_autoindex_{table.name}_{i + 1}" for i in range(len(table.uniques))]


def index_from_ast(stmt, table, root):
    positions, colls, desc, exprs = [], [], [], []
    has_expr = False
    for ic in stmt.columns:
        e = ic.expr
        coll = ic.collation
        while isinstance(e, ast.Collate):
            coll = coll or e.collation
            e = e.operand
        if isinstance(e, ast.Column) and e.table is None:
            i = table.col_index.get(e.name.lower())     # (not the rowid: SQLite refuses it)
            if i is None:
                raise errors.OperationalError(f"no such column: {e.name}")
            positions.append(i)
            colls.append(coll or (table.columns[i].collation if i >= 0 else None))
            exprs.append(None)
        else:
            has_expr = True
            positions.append(-2)
            colls.append(coll)
            exprs.append(e)
        desc.append(ic.order == "DESC")
    return Index(stmt.name, table, root, positions, colls, desc, stmt.unique,
                 stmt.sql, stmt.where, "c", None, exprs if has_expr else None)
