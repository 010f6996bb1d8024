"""ALTER TABLE: ADD COLUMN, RENAME TO, RENAME COLUMN, DROP COLUMN.

SQLite keeps a schema only as the text of its CREATE statements, so ALTER
TABLE is an edit of that text, made the way SQLite makes it:

    ADD COLUMN     the column definition as written goes in before the
                   table constraints (or the closing parenthesis):
                   sqlite3AlterFinishAddColumn.  Rows already stored are
                   shorter than the new column list; readers fill in the
                   default (planner.table_reader).
    RENAME TO      every reference to the table in every CREATE statement
                   becomes the new name, double-quoted; implicit indexes are
                   renamed sqlite_autoindex_NEW_N (sqlite_rename_table()).
    RENAME COLUMN  every reference to the column becomes the new name,
                   quoted if the new name or the old token was
                   (sqlite_rename_column()).
    DROP COLUMN    the column definition is cut out of the CREATE TABLE and
                   every row is rewritten without the value.

References are found token by token (lexer.tokens keeps each token's span).
SQLite resolves every name to decide which tokens refer to the table or
column; minisql decides from the tokens' places instead: a table name after
TABLE / FROM / JOIN / INTO / UPDATE / ON / REFERENCES, a comma in a FROM
clause, or before a '.'; a column name inside the altered table's CREATE
TABLE and its indexes, after ``NEW.`` / ``OLD.`` / ``T.`` / an alias of the
table, and bare in statements that read the table.  After the edit every
CREATE statement must still parse and every view still compile, or the
ALTER fails with SQLite's "error in <type> <name> after <action>: ...".
"""

from .. import errors
from ..sql import ast
from ..sql.lexer import dequote, tokens
from ..storage.record import decode_record, encode_record
from . import schema as S

_TABLE_CONSTRAINT_STARTS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")
_TABLE_REF_BEFORE = ("TABLE", "FROM", "JOIN", "INTO", "UPDATE", "ON", "REFERENCES", "EXISTS")
_FROM_ENDS = ("WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "WINDOW", "UNION", "EXCEPT",
              "INTERSECT", "ON", "USING", "SET", "VALUES", "SELECT", "BEGIN", "RETURNING")


def alter_table(db, stmt):
    from .ddl import _check_schema_name
    _check_schema_name(stmt.schema)
    lname = stmt.name.lower()
    view = db.schema.views.get(lname)
    table = db.schema.tables.get(lname)
    if table is not None and (lname in ("sqlite_master", "sqlite_schema")
                              or lname.startswith("sqlite_")):
        raise errors.OperationalError(f"table {table.name} may not be altered")
    action = stmt.action
    if view is not None and table is None:
        if action == "ADD COLUMN":
            raise errors.OperationalError("Cannot add a column to a view")
        if action == "RENAME COLUMN":
            raise errors.OperationalError(f'cannot rename columns of view "{view.name}"')
        if action == "DROP COLUMN":
            raise errors.OperationalError(f'cannot drop column from view "{view.name}"')
        raise errors.OperationalError(f"view {view.name} may not be altered")
    if table is None:
        raise errors.OperationalError(f"no such table: {stmt.name}")
    if action == "ADD COLUMN":
        _add_column(db, stmt, table)
    elif action == "RENAME":
        _rename_table(db, stmt, table)
    elif action == "RENAME COLUMN":
        _rename_column(db, stmt, table)
    else:
        _drop_column(db, stmt, table)
    return 0


# -- the catalog as rows ---------------------------------------------------------------

def _schema_rows(db):
    """[(rowid, [type, name, tbl_name, rootpage, sql])] of sqlite_schema."""
    cur = db.btree.table(S.SCHEMA_ROOT)
    out = []
    ok = cur.first()
    while ok:
        vals = decode_record(cur.payload())
        vals += [None] * (5 - len(vals))
        out.append((cur.rowid(), vals[:5]))
        ok = cur.next()
    return out


def _commit_rows(db, rows, action, changed):
    """Check the edited catalog, then write the rows that changed."""
    _validate(db, [vals for _, vals in rows], action)
    cur = db.btree.table(S.SCHEMA_ROOT)
    for rowid, vals in rows:
        if rowid in changed and cur.seek(rowid):
            cur.insert(rowid, encode_record(vals))
    db.bump_schema_cookie()
    db.load_schema()


def _validate(db, rows, action):
    """Every CREATE statement parses and its names resolve against the new
    catalog, in sqlite_schema order as SQLite tests them (a table with its
    CHECK constraints, an index with its expressions, then views and
    triggers); else SQLite's error for the first object that fails."""
    from .dml import RowChecker, TableWriter, Triggers, table_scope
    from .expr import Compiler
    from .select import _view_plan

    def fail(kind, name, e):
        msg = str(e)
        if msg.startswith("malformed database schema"):
            msg = msg.split(" - ", 1)[-1]
        return errors.OperationalError(f"error in {kind} {name} after {action}: {msg}")
    trial = S.Schema()
    saved = db.schema
    db.schema = trial
    try:
        for row in rows:
            typ, name = row[0], row[1]
            try:
                trial.load([row])
                if typ == "table" and name.lower() not in S.INTERNAL_TABLES:
                    table = trial.tables[name.lower()]
                    scope, _ = table_scope(db, table)
                    RowChecker(db, Compiler(db, db.env), table, scope)
                elif typ == "index" and name.lower() in trial.indexes:
                    ix = trial.indexes[name.lower()]
                    TableWriter(db, ix.table).compile_index_expressions([ix])
            except errors.Error as e:
                raise fail(typ, name, e) from None
        for view in trial.views.values():
            try:
                _view_plan(db, db.env, view)
            except errors.OperationalError as e:
                raise fail("view", view.name, e) from None
        for trig in trial.triggers.values():
            target = trial.tables.get(trig.table.lower())
            if target is None:
                continue
            try:
                Triggers(db, target, trig.stmt.event, None, frozenset())
            except errors.OperationalError as e:
                raise fail("trigger", trig.name, e) from None
    finally:
        db.schema = saved


# -- token helpers ------------------------------------------------------------------------

def _toks(sql):
    return list(tokens(sql))


def _matches(tok, lname):
    return tok.type in ("ID", "STRING") and dequote(tok.text).lower() == lname


def _edit(sql, edits):
    """Apply (start, end, replacement) edits to sql."""
    for start, end, text in sorted(edits, reverse=True):
        sql = sql[:start] + text + sql[end:]
    return sql


def _quoted(name):
    return '"' + name.replace('"', '""') + '"'


def _table_ref_positions(toks, lname):
    """Indexes of the tokens naming table ``lname`` (see the module doc)."""
    out = []
    from_depth = set()
    depth = 0
    for i, t in enumerate(toks):
        if t.type == "_LP":
            depth += 1
            continue
        if t.type == "_RP":
            from_depth.discard(depth)
            depth -= 1
            continue
        if t.type == "FROM":
            from_depth.add(depth)
            continue
        if t.type in _FROM_ENDS:
            from_depth.discard(depth)
        if not _matches(t, lname):
            continue
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if prev is not None and prev.type == "_DOT":
            # schema.table (a column after a table qualifier is not ours)
            if i >= 2 and toks[i - 2].type == "ID" and \
                    dequote(toks[i - 2].text).lower() in ("main", "temp"):
                out.append(i)
            continue
        if (nxt is not None and nxt.type == "_DOT") or \
                (prev is not None and prev.type in _TABLE_REF_BEFORE) or \
                (prev is not None and prev.type == "JOIN_KW") or \
                (prev is not None and prev.type == "_COMMA" and depth in from_depth):
            out.append(i)
    return out


def _aliases(toks, lname):
    """Names a statement gives table ``lname``: ``t AS x`` / ``t x``."""
    out = {lname}
    for i in _table_ref_positions(toks, lname):
        j = i + 1
        if j < len(toks) and toks[j].type == "AS":
            j += 1
        if j < len(toks) and toks[j].type == "ID" and (j == i + 2 or toks[j].type == "ID"):
            nxt = toks[j + 1] if j + 1 < len(toks) else None
            if nxt is None or nxt.type != "_DOT":
                out.add(dequote(toks[j].text).lower())
    return out


def _column_positions(toks, lcol, qualifiers, bare):
    """Indexes of the tokens naming column ``lcol``: after a qualifier in
    ``qualifiers`` (NEW, OLD, the table, its aliases), and, if ``bare``,
    unqualified ones that are not a function, a table or a qualifier."""
    out = []
    for i, t in enumerate(toks):
        if not _matches(t, lcol):
            continue
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if prev is not None and prev.type == "_DOT":
            q = toks[i - 2] if i >= 2 else None
            if q is not None and q.type == "ID" and dequote(q.text).lower() in qualifiers:
                out.append(i)
            continue
        if not bare or (nxt is not None and nxt.type in ("_DOT", "_LP")):
            continue
        if prev is not None and prev.type in _TABLE_REF_BEFORE + ("AS",):
            continue
        out.append(i)
    return out


def _paren_span(toks, i):
    """Index of the ')' matching the '(' at toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].type == "_LP":
            depth += 1
        elif toks[j].type == "_RP":
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def _column_list(toks):
    """(index of the '(' opening a CREATE TABLE's definitions, index of the
    token where table constraints start or of the closing ')', [index of each
    column definition's first token])."""
    lp = next(i for i, t in enumerate(toks) if t.type == "_LP")
    rp = _paren_span(toks, lp)
    starts = [lp + 1]
    end = rp
    depth = 0
    for j in range(lp + 1, rp):
        t = toks[j]
        if t.type == "_LP":
            depth += 1
        elif t.type == "_RP":
            depth -= 1
        elif t.type == "_COMMA" and depth == 0:
            if toks[j + 1].type in _TABLE_CONSTRAINT_STARTS:
                end = j
                break
            starts.append(j + 1)
    return lp, end, starts


# -- ADD COLUMN -------------------------------------------------------------------------

def _add_column(db, stmt, table):
    cdef = stmt.column_def
    if cdef.name.lower() in table.col_index:
        raise errors.OperationalError(f"duplicate column name: {cdef.name}")
    default = None
    notnull = checks = False
    generated = None
    for c in cdef.constraints:
        if isinstance(c, ast.PrimaryKeyConstraint):
            raise errors.OperationalError("Cannot add a PRIMARY KEY column")
        if isinstance(c, ast.UniqueConstraint):
            raise errors.OperationalError("Cannot add a UNIQUE column")
        if isinstance(c, ast.DefaultConstraint):
            default = c.expr
        elif isinstance(c, ast.NotNullConstraint):
            notnull = True
        elif isinstance(c, ast.CheckConstraint):
            checks = True
        elif isinstance(c, ast.GeneratedConstraint):
            generated = c
    if default is not None and not _is_constant(default):
        raise errors.OperationalError("Cannot add a column with non-constant default")
    if notnull and generated is None and (default is None or (
            isinstance(default, ast.Literal) and default.value is None)):
        raise errors.OperationalError("Cannot add a NOT NULL column with default value NULL")
    if generated is not None:
        raise errors.NotSupportedError("generated columns are not supported by minisql")
    for c in cdef.constraints:
        if isinstance(c, ast.CollateConstraint):
            from . import collation as C
            C.lookup(c.collation, db.collations)
    # The definition as written in the ALTER statement.
    text = stmt.text
    toks = _toks(text)
    k = next(i for i, t in enumerate(toks) if t.type == "ADD") + 1
    if toks[k].type == "COLUMNKW":
        k += 1
    col_text = text[toks[k].start:].rstrip(" \t\n\r\f\v;")
    rows = _schema_rows(db)
    changed = set()
    for rowid, vals in rows:
        if vals[0] == "table" and vals[1].lower() == table.name.lower():
            sql = vals[4]
            stoks = _toks(sql)
            _, end, _ = _column_list(stoks)
            off = stoks[end].start
            vals[4] = sql[:off] + ", " + col_text + sql[off:]
            changed.add(rowid)
    _commit_rows(db, rows, "add column", changed)
    if checks:
        _check_existing_rows(db, table.name)


def _is_constant(e):
    """What sqlite3ValueFromExpr evaluates: a literal, maybe signed."""
    while isinstance(e, ast.Unary) and e.op in ("-", "+") and \
            isinstance(e.operand, (ast.Literal, ast.Unary)):
        e = e.operand
    return isinstance(e, ast.Literal)


def _check_existing_rows(db, name):
    """A new CHECK constraint must hold for the rows already there."""
    from .dml import RowChecker, TableWriter, table_scope
    from .expr import Compiler
    table = db.schema.table(name)
    writer = TableWriter(db, table)
    scope, _ = table_scope(db, table)
    checker = RowChecker(db, Compiler(db, db.env), table, scope)
    cur = writer.cursor()
    ok = cur.first()
    while ok:
        seg = writer.read(cur)
        try:
            checker.check(seg, None, None)
        except errors.IntegrityError:
            # SQLite reports it as a plain error of the ALTER TABLE itself.
            raise errors.OperationalError("CHECK constraint failed") from None
        ok = cur.next()


# -- RENAME TO ----------------------------------------------------------------------------

def _rename_table(db, stmt, table):
    from .ddl import _check_name
    new = stmt.new_name
    lnew = new.lower()
    if lnew in db.schema.tables or lnew in db.schema.views or lnew in db.schema.indexes:
        raise errors.OperationalError(
            f"there is already another table or index with this name: {new}")
    _check_name(new)
    old = table.name
    lold = old.lower()
    rows = _schema_rows(db)
    changed = set()
    for rowid, vals in rows:
        typ, name, tbl, _, sql = vals
        new_vals = list(vals)
        if sql:
            toks = _toks(sql)
            edits = [(toks[i].start, toks[i].end, _quoted(new))
                     for i in _table_ref_positions(toks, lold)]
            if edits:
                new_vals[4] = _edit(sql, edits)
        if tbl is not None and tbl.lower() == lold:
            new_vals[2] = new
            if typ == "table":
                new_vals[1] = new
            elif typ == "index" and name.lower().startswith("sqlite_autoindex_" + lold + "_"):
                new_vals[1] = "sqlite_autoindex_" + new + name[17 + len(old):]
        if new_vals != vals:
            vals[:] = new_vals
            changed.add(rowid)
    _commit_rows(db, rows, "rename", changed)
    seq = db.schema.tables.get("sqlite_sequence")
    if seq is not None:
        cur = db.btree.table(seq.root)
        ok = cur.first()
        while ok:
            v = decode_record(cur.payload())
            if v and isinstance(v[0], str) and v[0].lower() == lold:
                cur.insert(cur.rowid(), encode_record([new] + v[1:]))
            ok = cur.next()


# -- RENAME COLUMN ------------------------------------------------------------------------

def _rename_column(db, stmt, table):
    old, new = stmt.column, stmt.new_name
    i = table.col_index.get(old.lower())
    if i is None:
        raise errors.OperationalError(f'no such column: "{old}"')
    old = table.columns[i].name
    lold, ltab = old.lower(), table.name.lower()
    # Quote the new name where the ALTER quoted it, as SQLite does.
    new_tok = [t for t in _toks(stmt.text) if t.type in ("ID", "STRING")][-1]
    new_quoted = new_tok.text[:1] in "\"'`["

    def replacement(tok):
        if new_quoted or tok.text[:1] in "\"'`[" or not _bare_ok(new):
            return _quoted(new)
        return new
    rows = _schema_rows(db)
    changed = set()
    for rowid, vals in rows:
        typ, name, tbl, _, sql = vals
        if not sql:
            continue
        toks = _toks(sql)
        own = tbl is not None and tbl.lower() == ltab
        if typ == "table" and own:
            pos = _own_table_positions(toks, lold, ltab)
        elif typ == "table":
            pos = _references_positions(toks, lold, ltab)
        elif typ == "index" and own:
            lp = next(k for k, t in enumerate(toks) if t.type == "_LP")
            pos = [k for k in range(lp, len(toks)) if _matches(toks[k], lold)
                   and (k + 1 >= len(toks) or toks[k + 1].type not in ("_LP", "_DOT"))]
        else:
            reads = bool(_table_ref_positions(toks, ltab))
            quals = _aliases(toks, ltab) if reads else set()
            if typ == "trigger" and own:
                quals |= {"new", "old"}
                pos = _column_positions(toks, lold, quals, reads)
                pos += _update_of_positions(toks, lold)
            else:
                pos = _column_positions(toks, lold, quals, reads)
        if pos:
            vals[4] = _edit(sql, [(toks[k].start, toks[k].end, replacement(toks[k]))
                                  for k in sorted(set(pos))])
            changed.add(rowid)
    _commit_rows(db, rows, "rename", changed)


def _bare_ok(name):
    from .ddl import _quote_ident
    return _quote_ident(name) == name


def _own_table_positions(toks, lcol, ltab):
    """In the table's own CREATE TABLE: every mention of the column except
    in REFERENCES to another table."""
    out = []
    skip_until = -1
    for k, t in enumerate(toks):
        if k <= skip_until:
            continue
        if t.type == "REFERENCES" and k + 1 < len(toks):
            other = dequote(toks[k + 1].text).lower()
            if other != ltab and k + 2 < len(toks) and toks[k + 2].type == "_LP":
                skip_until = _paren_span(toks, k + 2)
            continue
        if _matches(t, lcol) and not (k + 1 < len(toks) and toks[k + 1].type == "_LP"):
            out.append(k)
    return out


def _references_positions(toks, lcol, ltab):
    """In another CREATE TABLE: the column in REFERENCES <table>(...)."""
    out = []
    for k, t in enumerate(toks):
        if t.type == "REFERENCES" and k + 2 < len(toks) and _matches(toks[k + 1], ltab) \
                and toks[k + 2].type == "_LP":
            end = _paren_span(toks, k + 2)
            out += [j for j in range(k + 3, end) if _matches(toks[j], lcol)]
    return out


def _update_of_positions(toks, lcol):
    """A trigger's UPDATE OF column list."""
    out = []
    for k, t in enumerate(toks):
        if t.type == "OF" and k and toks[k - 1].type == "UPDATE":
            j = k + 1
            while j < len(toks) and toks[j].type != "ON":
                if _matches(toks[j], lcol):
                    out.append(j)
                j += 1
            break
    return out


# -- DROP COLUMN --------------------------------------------------------------------------

def _drop_column(db, stmt, table):
    name = stmt.column
    i = table.col_index.get(name.lower())
    if i is None:
        raise errors.OperationalError(f'no such column: "{name}"')
    col = table.columns[i]
    if col.pk:
        raise errors.OperationalError(f'cannot drop PRIMARY KEY column: "{col.name}"')
    if col.unique:      # (a table UNIQUE(...) fails the rewritten CREATE TABLE instead)
        raise errors.OperationalError(f'cannot drop UNIQUE column: "{col.name}"')
    if len(table.columns) == 1:
        raise errors.OperationalError(f'cannot drop column "{col.name}": no other columns exist')
    rows = _schema_rows(db)
    changed = set()
    for rowid, vals in rows:
        if vals[0] == "table" and vals[1].lower() == table.name.lower():
            sql = vals[4]
            toks = _toks(sql)
            _, end, starts = _column_list(toks)
            if i + 1 < len(starts):
                cut = (toks[starts[i]].start, toks[starts[i + 1]].start)
            else:
                comma = starts[i] - 1          # the ',' before the last column
                cut = (toks[comma].start, toks[end].start)
            vals[4] = sql[:cut[0]] + sql[cut[1]:]
            changed.add(rowid)
    _commit_rows(db, rows, "drop column", changed)
    _drop_values(db, table, i)


def _drop_values(db, table, i):
    """Rewrite every row of the table without its i-th value (rows written
    before an ADD COLUMN may end earlier)."""
    cur = db.btree.table(table.root)
    rewritten = []
    ok = cur.first()
    while ok:
        vals = decode_record(cur.payload())
        if len(vals) > i:
            del vals[i]
            rewritten.append((cur.rowid(), encode_record(vals)))
        ok = cur.next()
    for rowid, record in rewritten:
        cur.insert(rowid, record)
