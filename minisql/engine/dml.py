"""INSERT, UPDATE and DELETE: rows, indexes, constraints and triggers.

Every change to a table row goes through ``TableWriter``, which keeps the
table b-tree and all of its index b-trees in step and enforces constraints
in SQLite's order: NOT NULL, CHECK, then the rowid/PRIMARY KEY and UNIQUE
indexes, each with its conflict resolution (the statement's OR clause wins
over the constraint's ON CONFLICT, the default is ABORT):

    ABORT     undo this statement's changes, raise (the statement savepoint)
    FAIL      keep the statement's earlier changes, raise
    IGNORE    skip this row, go on
    REPLACE   delete the conflicting rows, then write this one
    ROLLBACK  undo the whole transaction, raise

Rows to change are collected before the first change (UPDATE and DELETE
visit a stable set of rowids; INSERT ... SELECT materialises its source), so
a statement never sees its own writes.  UPDATE then finds each row again by
its rowid when it writes it (SQLite's two-pass UPDATE): a row deleted
meanwhile (by a trigger, by REPLACE) is skipped, and the new record is
written over the old cell through that cursor (TableCursor.overwrite).

Triggers (BEFORE/AFTER, FOR EACH ROW, WHEN, UPDATE OF) run their compiled
bodies with the OLD and NEW rows published in the trigger scope's cell; a
trigger does not fire itself recursively (SQLite's default,
recursive_triggers = OFF).  Several triggers of one event fire newest first.
A write to a view runs its INSTEAD OF triggers, once per row of the view the
statement selects, and changes nothing itself.

UPDATE and DELETE take ORDER BY / LIMIT / OFFSET (SQLite built with
SQLITE_ENABLE_UPDATE_DELETE_LIMIT, as the stdlib's is); partial indexes
hold only the rows their WHERE accepts, indexes on expressions the
expressions' values.
"""

from operator import itemgetter

from .. import errors
from ..sql import ast
from ..storage import btreebuild
from ..storage.record import encode_record, real_stored
from . import values as V
from .expr import Compiler, Scope, Source
from .planner import _constant_default, choose_access, indexed_clause, keyinfo_for, table_reader
from .schema import find_view
from .select import (Level, _loop, _page_loop, _split_and, check_supported, compile_select,
                     term_levels, with_ctes)

INT64_MAX = (1 << 63) - 1


class TriggerRaise(Exception):
    """RAISE(...) inside a trigger body."""

    def __init__(self, action, message):
        super().__init__(message)
        self.action = action
        self.message = message


class RollbackTransaction(errors.IntegrityError):
    """ON CONFLICT ROLLBACK / RAISE(ROLLBACK): the whole transaction goes."""


class FailKeepChanges(errors.IntegrityError):
    """ON CONFLICT FAIL / RAISE(FAIL): the statement's earlier changes stay."""


class _Ignore(Exception):
    """Skip the current row (OR IGNORE, RAISE(IGNORE))."""


_CONSTRAINT_CODES = {"NOTNULL": errors.SQLITE_CONSTRAINT_NOTNULL,
                     "CHECK": errors.SQLITE_CONSTRAINT_CHECK,
                     "PK": errors.SQLITE_CONSTRAINT_PRIMARYKEY,
                     "UNIQUE": errors.SQLITE_CONSTRAINT_UNIQUE,
                     "TRIGGER": errors.SQLITE_CONSTRAINT_TRIGGER}


def _constraint_error(kind, msg, conflict):
    """The error for a failed constraint of ``kind`` under the conflict
    resolution ``conflict``, with SQLite's extended result code."""
    code = _CONSTRAINT_CODES[kind]
    if conflict == "ROLLBACK":
        return RollbackTransaction(msg, code=code)
    if conflict == "FAIL":
        return FailKeepChanges(msg, code=code)
    return errors.IntegrityError(msg, code=code)


# -- writing rows ---------------------------------------------------------------------

class TableWriter:
    """Row-level writes to one table and its indexes."""

    def __init__(self, db, table):
        self.db = db
        self.table = table
        self.btree = db.btree
        self.indexes = [(ix, keyinfo_for(db, ix)) for ix in table.indexes]
        self.ipk = table.rowid_alias
        self.ncols = len(table.columns)
        self.affs = [c.affinity for c in table.columns]
        # Per column: the type that needs no conversion under its affinity,
        # and the conversion for everything else (the common case costs one
        # type() test).
        self.convs = [(i, _EXACT[a], V.affinity_fn(a)) for i, a in enumerate(self.affs)
                      if a in _EXACT]
        # REAL columns (not the rowid alias): their integral values are
        # stored as integers (record.real_stored).
        self.reals = [i for i, a in enumerate(self.affs) if a == "REAL" and i != self.ipk]
        self.read = table_reader(table)
        self.cur = None     # the insert cursor of the running statement
        self.max_rowid = None   # largest rowid seen by it (None: unknown)
        # Partial indexes: index -> f(row) -> is the row in it; indexes on
        # expressions: index -> per key column f(row) -> value (None: a column).
        self.partial = {}
        self.keyexprs = {}
        self.compile_index_expressions(table.indexes)

    def compile_index_expressions(self, indexes):
        if all(ix.where is None and ix.exprs is None for ix in indexes):
            return
        from .expr import affinity
        comp = Compiler(self.db, self.db.env)
        scope, _ = table_scope(self.db, self.table)
        for ix in indexes:
            if ix.where is not None:
                f = comp.compile(ix.where, scope)
                self.partial[ix] = (lambda f: lambda seg: V.is_true(f(seg)))(f)
            if ix.exprs is not None:
                fs = []
                for e in ix.exprs:
                    if e is None:
                        fs.append(None)
                        continue
                    f, aff = comp.compile(e, scope), affinity(scope, e)
                    fs.append(f if aff is None else
                              (lambda f, aff: lambda seg: V.apply_affinity(f(seg), aff))(f, aff))
                self.keyexprs[ix] = fs

    def in_index(self, ix, vals):
        """Does the row belong in ``ix`` (always, unless a partial index's
        WHERE is not true for it)?"""
        f = self.partial.get(ix) if ix.where is not None else None
        return f is None or f(vals)

    def cursor(self):
        return self.btree.table(self.table.root)

    def record(self, vals):
        """The record of a row: the rowid alias column is stored as NULL,
        REAL columns as record.real_stored stores them.  ``vals`` is a list
        of the row's values that this changes (callers pass a fresh slice)."""
        if self.ipk is not None:
            vals[self.ipk] = None
        for i in self.reals:
            vals[i] = real_stored(vals[i])
        return encode_record(vals)

    def index_key(self, ix, vals, rowid):
        """The key of a row in ``ix``: its columns' values as the table
        stores them (a REAL column's as record.real_stored does; an
        expression's value as it is), the rowid last."""
        reals = self.reals
        if ix.exprs is None:
            return [rowid if c < 0 else real_stored(vals[c]) if c in reals else vals[c]
                    for c in ix.columns] + [rowid]
        return [f(vals) if f is not None else
                (rowid if c < 0 else real_stored(vals[c]) if c in reals else vals[c])
                for c, f in zip(ix.columns, self.keyexprs[ix])] + [rowid]

    def find_conflict(self, ix, ki, key, rowid):
        """Rowid of another row holding ``key`` in unique index ``ix``."""
        prefix = key[:-1]
        if any(v is None for v in prefix):
            return None
        cur = self.btree.index(ix.root, ki)
        want = ki.sort_key(prefix)
        ok = cur.seek_ge(tuple(prefix))
        while ok:
            k = cur.key()
            if ki.sort_key(k[:-1]) != want:
                return None
            if k[-1] != rowid:
                return k[-1]
            ok = cur.next()
        return None

    def insert_index_entries(self, vals, rowid, only=None):
        for ix, ki in self.indexes:
            if only is not None and ix not in only:
                continue
            if ix.where is not None and not self.in_index(ix, vals):
                continue
            self.btree.index(ix.root, ki).insert(self.index_key(ix, vals, rowid))

    def delete_index_entries(self, vals, rowid, only=None):
        for ix, ki in self.indexes:
            if only is not None and ix not in only:
                continue
            if ix.where is not None and not self.in_index(ix, vals):
                continue
            key = self.index_key(ix, vals, rowid)
            cur = self.btree.index(ix.root, ki)
            if cur.seek_ge(tuple(key)) and ki.sort_key(cur.key()) == ki.sort_key(key):
                cur.delete()
            else:
                raise errors.corrupt(f"index {ix.name} lacks an entry for rowid {rowid}")

    def delete_row(self, rowid, vals):
        self.delete_index_entries(vals, rowid)
        cur = self.cursor()
        if cur.seek(rowid):
            cur.delete()
        self.db.total_changes += 1

    def new_rowid(self):
        cur = self.cursor() if self.cur is None else self.cur
        mx = cur.max_rowid()
        if self.max_rowid is None:
            self.max_rowid = mx     # (so the insert that follows appends unseen)
        if self.table.autoincrement:
            mx = max(mx, sequence_value(self.db, self.table.name))
        if mx < INT64_MAX:
            return mx + 1
        if self.table.autoincrement:
            raise errors.full()
        import random
        for _ in range(100):
            cand = random.randint(1, INT64_MAX)
            if not cur.seek(cand):
                return cand
        raise errors.full()


class _Converted:
    """No value has this type: REAL always converts (-0.0 is stored as 0)."""


_EXACT = {"INTEGER": int, "NUMERIC": int, "REAL": _Converted, "TEXT": str}


def _conflict(stmt_conflict, constraint_conflict):
    return stmt_conflict or constraint_conflict or "ABORT"


class RowChecker:
    """NOT NULL and CHECK constraints of a table, compiled once."""

    def __init__(self, db, comp, table, scope):
        self.db = db
        self.table = table
        self.notnull = [(i, c) for i, c in enumerate(table.columns) if c.notnull]
        self.checks = []
        for name, expr, text in table.checks:
            self.checks.append((name or text, comp.compile(expr, scope)))
        self.active = bool(self.notnull or self.checks)

    def check(self, seg, conflict, defaults):
        """Validate ``seg`` (columns + rowid).  May replace NULLs by defaults
        under REPLACE; raises _Ignore under IGNORE."""
        t = self.table
        for i, col in self.notnull:
            if seg[i] is None:
                how = _conflict(conflict, col.notnull_conflict)
                if how == "REPLACE" and col.default is not None:
                    seg[i] = defaults(i)
                    if seg[i] is not None:
                        continue
                    how = "ABORT"
                if how == "IGNORE":
                    raise _Ignore()
                raise _constraint_error("NOTNULL", f"NOT NULL constraint failed: {t.name}.{col.name}",
                                        how)
        if not self.checks or getattr(self.db, "ignore_check_constraints", False):
            return
        for label, f in self.checks:
            v = f(seg)
            if v is not None and not V.truth(v):
                how = conflict or "ABORT"
                if how == "IGNORE":
                    raise _Ignore()
                raise _constraint_error("CHECK", f"CHECK constraint failed: {label}",
                                        "ABORT" if how == "REPLACE" else how)


def table_scope(db, table, alias=None, parent=None):
    scope = Scope(parent, db)
    cols = table.columns
    src = Source((alias or table.name).lower(), [c.name.lower() for c in cols], 0, table,
                 [c.affinity for c in cols], [c.collation for c in cols],
                 [c.decl_type or None for c in cols])
    src.name = [c.name for c in cols]
    scope.add_source(src)
    return scope, src


def _target_table(db, name, schema):
    if schema not in (None, "main"):
        raise errors.OperationalError(f"no such table: {schema}.{name}")
    if find_view(db, name, schema) is not None:
        raise errors.OperationalError(f"cannot modify {name} because it is a view")
    table = db.schema.table(name)
    if table.name.lower() in ("sqlite_master", "sqlite_schema"):
        raise errors.OperationalError(f"table {table.name} may not be modified")
    check_supported(table)
    if table.strict:
        raise errors.NotSupportedError(
            f"{table.name} is a STRICT table, which minisql cannot write yet")
    return table


# -- triggers -------------------------------------------------------------------------

class Triggers:
    """The compiled triggers of one (table or view, event) for one statement.

    ``shape`` is the target's (column names, affinities, collations) for a
    view; a table's come from its columns (and its rows end with the
    rowid)."""

    def __init__(self, db, table, event, columns, parent_stack, shape=None):
        self.before, self.after, self.instead = [], [], []
        self.db = db
        if shape is None:
            names = [c.name for c in table.columns]
            affs = [c.affinity for c in table.columns]
            colls = [c.collation for c in table.columns]
        else:
            names, affs, colls = shape
        self.width = len(names) + (1 if shape is None else 0)
        for trig in db.schema.triggers_for(table.name, event):
            st = trig.stmt
            if trig.name.lower() in parent_stack:
                continue
            if event == "UPDATE" and st.update_columns is not None and columns is not None:
                if not any(c.lower() in columns for c in st.update_columns):
                    continue
            tscope = Scope(None, db)
            for nm in ("old", "new"):
                s = Source(nm, [n.lower() for n in names], 0,
                           table if shape is None else None, affs, colls,
                           has_rowid=shape is None)
                s.name = names
                tscope.add_source(s)
            comp = Compiler(db, db.env)
            when = comp.compile(st.when, tscope) if st.when is not None else None
            stack = parent_stack | {trig.name.lower()}
            body = [compile_body_statement(db, s, tscope, stack) for s in st.body]
            entry = (tscope.cell, when, body)
            if st.time == "AFTER":
                self.after.append(entry)
            elif st.time == "INSTEAD OF":
                self.instead.append(entry)
            else:
                self.before.append(entry)

    def fire(self, entries, old, new):
        row = (old if old is not None else [None] * self.width) + \
              (new if new is not None else [None] * self.width)
        for cell, when, body in entries:
            cell.row = row
            if when is not None:
                v = when(row)
                if v is None or not V.truth(v):
                    continue
            for run in body:
                cell.row = row
                run()


def compile_body_statement(db, stmt, tscope, stack):
    if isinstance(stmt, ast.Insert):
        return compile_insert(db, stmt, tscope, stack)
    if isinstance(stmt, ast.Update):
        return compile_update(db, stmt, tscope, stack)
    if isinstance(stmt, ast.Delete):
        return compile_delete(db, stmt, tscope, stack)
    plan = compile_select(db, stmt, db.env, tscope)

    def run_select():
        for _ in plan.rows():
            pass
        return 0
    return run_select


def _run_trigger(triggers, entries, old, new):
    """Fire triggers; RAISE(IGNORE) -> _Ignore, others -> SQL errors.
    Inserts made by a trigger do not change last_insert_rowid() once the
    trigger is done, as in SQLite."""
    db = triggers.db
    saved = db.last_insert_rowid
    try:
        triggers.fire(entries, old, new)
    except TriggerRaise as r:
        if r.action == "IGNORE":
            raise _Ignore() from None
        raise _constraint_error("TRIGGER", r.message, r.action) from None
    finally:
        db.last_insert_rowid = saved


# -- INSERT ---------------------------------------------------------------------------

def _insert_source(db, comp, stmt, parent, ctes):
    """-> (source, number of values per row): ``source()`` iterates the rows
    (lists) to insert; (None, 0) for DEFAULT VALUES.  A query's rows are
    all read before the first insert, so it never sees the statement's own
    writes."""
    if stmt.source is None:
        return None, 0
    body = stmt.source.body
    if isinstance(body, ast.Values) and not stmt.source.order_by and stmt.source.limit is None:
        pscope = Scope(parent, db)
        pscope.ctes = ctes
        rows = [[comp.compile(e, pscope) for e in r] for r in body.rows]
        nvals = len(body.rows[0])
        for r in body.rows:
            if len(r) != nvals:
                raise errors.OperationalError("all VALUES must have the same number of terms")
        if len(rows) == 1 and nvals > 1 and all(type(e) is ast.Param for e in body.rows[0]):
            # One row of parameters only, as applications insert: the row
            # is picked from the bound parameters in C (c_Param's values).
            env = comp.env
            pick = itemgetter(*[e.index - 1 for e in body.rows[0]])

            def params_row():
                return (pick(env.params),)
            return params_row, nvals

        def values():
            for fs in rows:
                yield [f(None) for f in fs]
        return values, nvals
    plan = compile_select(db, stmt.source, db.env, parent, ctes)

    def query():
        return [list(r) for r in plan.rows()]
    return query, len(plan.names)


def _unsupported_clauses(stmt):
    if getattr(stmt, "upsert", None):
        raise errors.NotSupportedError("upsert (ON CONFLICT DO) is not supported by minisql")
    if stmt.returning:
        raise errors.NotSupportedError("RETURNING is not supported by minisql")
    if getattr(stmt, "from_", None) is not None:
        raise errors.NotSupportedError("UPDATE ... FROM is not supported by minisql")


def compile_insert(db, stmt, parent=None, stack=frozenset()):
    _unsupported_clauses(stmt)
    view = _view_target(db, stmt)
    if view is not None:
        return _compile_view_insert(db, stmt, view, parent, stack)
    table = _target_table(db, stmt.table, stmt.schema)
    env = db.env
    comp = Compiler(db, env)
    ctes = with_ctes(stmt.with_, parent.ctes if parent is not None else None)
    ncols = len(table.columns)
    # Target positions of the supplied values (-1 = the rowid).
    if stmt.columns is None:
        targets = list(range(ncols))
    else:
        targets = []
        for name in stmt.columns:
            i = table.column(name)
            if i is None:
                raise errors.OperationalError(f"table {table.name} has no column named {name}")
            targets.append(i)
    source, nvals = _insert_source(db, comp, stmt, parent, ctes)
    if source is None:
        targets = []            # DEFAULT VALUES: every column gets its default
    elif nvals != len(targets):
        if stmt.columns is None:
            raise errors.OperationalError(
                f"table {table.name} has {ncols} columns but {nvals} values were supplied")
        raise errors.OperationalError(f"{nvals} values for {len(targets)} columns")

    writer = TableWriter(db, table)
    scope, _ = table_scope(db, table, parent=parent)
    scope.ctes = ctes
    checker = RowChecker(db, comp, table, scope)
    defaults = _default_fns(comp, table, scope)
    triggers = Triggers(db, table, "INSERT", None, stack)
    conflict = stmt.or_conflict
    top = parent is None

    # Where each supplied value goes; a repeated column: the first wins.
    placed, seen = [], set()
    for k, pos in enumerate(targets):
        if pos < 0 or pos not in seen:
            placed.append((k, pos if pos >= 0 else ncols))
            seen.add(pos)
    direct = source is not None and len(targets) == ncols and \
        [pos for _, pos in placed] == list(range(ncols))
    filled = [i for i in range(ncols) if i not in seen and table.columns[i].default is not None]
    blank = [None] * (ncols + 1)

    def insert_rows(rows):
        n = 0
        for supplied in rows:
            if db.interrupted:
                raise errors.interrupted()
            if direct:
                seg = list(supplied)
                seg.append(None)
            else:
                seg = blank[:]
                for k, pos in placed:
                    seg[pos] = supplied[k]
            for i in filled:
                seg[i] = defaults(i)
            try:
                _insert_one(db, writer, checker, triggers, seg, conflict, defaults)
                n += 1
            except _Ignore:
                continue
        return n

    def start():
        # A fresh cursor per execution: a cursor kept across transactions
        # could hold pages another connection has since changed.
        writer.cur = writer.btree.table(table.root)
        writer.max_rowid = None

    def run():
        start()
        n = insert_rows(source() if source is not None else [[]])
        if top:
            db.changes = n
        return n

    def run_many(param_seq):
        """executemany(): one execution per parameter set, sharing the
        cursor.  Only used when a failing row cannot have changed anything
        before it fails (no triggers, no REPLACE), so no per-row savepoint
        is needed and earlier rows stay, as with sqlite3."""
        start()
        env = db.env
        n = 0
        for params in param_seq:
            env.new_execution(params)
            last = insert_rows(source() if source is not None else [[]])
            n += last
            # changes(): the last execution's, as sqlite3 runs each set
            db.changes = last
        return n
    if top and not triggers.before and not triggers.after and conflict != "REPLACE" and \
            not any(ix.conflict == "REPLACE" for ix in table.indexes) and \
            table.pk_conflict != "REPLACE" and not table.autoincrement:
        run.many = run_many
    return run


def _default_fns(comp, table, scope):
    fs = [comp.compile(c.default, scope) if c.default is not None else None
          for c in table.columns]

    def default(i):
        f = fs[i]
        return V.apply_affinity(f(None), table.columns[i].affinity) if f is not None else None
    return default


def _insert_one(db, writer, checker, triggers, seg, conflict, defaults):
    table = writer.table
    ncols = writer.ncols
    ipk = writer.ipk
    for i, exact, conv in writer.convs:
        v = seg[i]
        if type(v) is not exact and v is not None:
            seg[i] = conv(v)
    rowid = seg[ncols] if ipk is None or seg[ncols] is not None else None
    if ipk is not None and seg[ipk] is not None:
        rowid = seg[ipk]
    if rowid is not None:
        rowid = V.apply_affinity(rowid, "INTEGER")
        if type(rowid) is float and rowid.is_integer() and -2**63 <= rowid < 2**63:
            rowid = int(rowid)
        if type(rowid) is not int:
            raise errors.IntegrityError("datatype mismatch", code=errors.SQLITE_MISMATCH)
    if triggers.before:
        seg[ncols] = rowid if rowid is not None else -1
        if ipk is not None:
            seg[ipk] = seg[ncols] if rowid is not None else None
        _run_trigger(triggers, triggers.before, None, seg)
        writer.max_rowid = None     # the trigger may have written this table
    if rowid is None:
        rowid = writer.new_rowid()
    seg[ncols] = rowid
    if ipk is not None:
        seg[ipk] = rowid
    if checker.active:
        checker.check(seg, conflict, defaults)
    cur = writer.cur
    # rowid / INTEGER PRIMARY KEY conflict.  Appending past the largest rowid
    # (the bulk-load case) cannot conflict, and the cursor already sits on
    # the last row, so the b-tree appends without a seek.
    mx = writer.max_rowid
    if mx is None:
        mx = cur.max_rowid()
    if rowid > mx:
        writer.max_rowid = rowid
    elif cur.seek(rowid):
        how = _conflict(conflict, table.pk_conflict if ipk is not None else None)
        if how == "REPLACE":
            old = writer.read(cur)
            _delete_for_replace(db, writer, rowid, old)
        elif how == "IGNORE":
            raise _Ignore()
        else:
            name = table.columns[ipk].name if ipk is not None else "rowid"
            raise _constraint_error("PK", f"UNIQUE constraint failed: {table.name}.{name}", how)
    if writer.indexes:
        _check_unique(db, writer, writer.indexes, seg, rowid, rowid, conflict)
    cur.insert(rowid, writer.record(seg[:ncols]))
    if writer.indexes:
        writer.insert_index_entries(seg, rowid)
    db.total_changes += 1
    if table.autoincrement:
        update_sequence(db, table.name, rowid)
    db.last_insert_rowid = rowid
    if triggers.after:
        _run_trigger(triggers, triggers.after, None, seg)
        writer.max_rowid = None
    return True


def _check_unique(db, writer, indexes, seg, rowid, own_rowid, conflict):
    """The UNIQUE indexes among ``indexes`` for the row ``seg`` about to be
    written with ``rowid`` (``own_rowid``: the row's current rowid, which
    may hold the key already): REPLACE deletes the other row, IGNORE skips
    this one, anything else raises."""
    table = writer.table
    for ix, ki in indexes:
        if not ix.unique or (ix.where is not None and not writer.in_index(ix, seg)):
            continue
        key = writer.index_key(ix, seg, rowid)
        other = writer.find_conflict(ix, ki, key, own_rowid)
        if other is None or other == rowid:
            continue
        how = _conflict(conflict, ix.conflict)
        if how == "REPLACE":
            c2 = writer.cursor()
            if c2.seek(other):
                _delete_for_replace(db, writer, other, writer.read(c2))
            continue
        if how == "IGNORE":
            raise _Ignore()
        # A PRIMARY KEY that is not the rowid is kept unique by its index.
        raise _constraint_error("PK" if ix.origin == "pk" else "UNIQUE",
                                _unique_message(table, ix), how)


def _unique_message(table, ix):
    if ix.exprs is not None:
        return f"UNIQUE constraint failed: index '{ix.name}'"
    names = ", ".join(f"{table.name}.{'rowid' if c < 0 else table.columns[c].name}"
                      for c in ix.columns)
    return f"UNIQUE constraint failed: {names}"


def _index_columns(table, ix):
    """The positions of the columns an index's entries depend on (the rowid
    is len(columns)): its key columns, and those its expressions and WHERE
    clause read."""
    from .expr import walk
    ncols = len(table.columns)
    out = {ncols if c == -1 else c for c in ix.columns if c >= -1}
    for e in list(ix.exprs or ()) + [ix.where]:
        if e is None:
            continue
        for n in walk(e):
            if isinstance(n, ast.Column):
                i = table.column(n.name)
                if i is not None:
                    out.add(ncols if i < 0 else i)
    return out


def _delete_for_replace(db, writer, rowid, old):
    writer.delete_row(rowid, old)
    db.total_changes -= 1   # REPLACE's deletions are not counted as changes


def insert_rows(db, table, rows):
    """Plain inserts (CREATE TABLE ... AS SELECT)."""
    writer = TableWriter(db, table)
    ncols = len(table.columns)
    cur = writer.cursor()
    rowid = cur.max_rowid()
    for r in rows:
        rowid += 1
        seg = [V.apply_affinity(v, a) for v, a in zip(r, writer.affs)] + [rowid]
        cur.insert(rowid, writer.record(seg[:ncols]))
        writer.insert_index_entries(seg, rowid)


def build_index(db, index):
    """Fill a new (or cleared) index from its table, as SQLite's sorter and
    bulk load do (storage/btreebuild.py): gather the entries in bounded
    chunks, sort them (spilling sorted runs to temporary files and merging
    them when the table is large), check UNIQUE on the sorted sequence and
    lay the pages left to right as the records stream in.  Plain column
    indexes take their records straight from the table's record bytes;
    partial indexes and indexes on expressions evaluate each row first."""
    table = index.table
    n = len(index.columns)
    duplicate = _constraint_error("UNIQUE", _unique_message(table, index), "ABORT") \
        if index.unique else None
    with btreebuild.Sorter(keyinfo_for(db, index), n) as sorter:
        if index.where is None and index.exprs is None:
            ipk = table.rowid_alias
            cols = [-1 if c == ipk else c for c in index.columns]
            reals = [c >= 0 and table.columns[c].affinity == "REAL" for c in cols]
            defaults = [_constant_default(table.columns[c]) if c >= 0 else None for c in cols]
            btreebuild.scan_table(db.btree, table.root, cols, reals, defaults, sorter)
        else:
            writer = TableWriter(db, table)
            if index not in table.indexes:       # a new index, not in the catalog yet
                writer.compile_index_expressions([index])
            add_native = sorter.natives.append
            add_rec = sorter.recs.append
            check = sorter.check
            native = btreebuild.native
            cur = writer.cursor()
            ok = cur.first()
            while ok:
                seg = writer.read(cur)
                if index.where is None or writer.in_index(index, seg):
                    key = writer.index_key(index, seg, seg[-1])
                    add_native(native(key[0]) if n == 1 else tuple(map(native, key[:n])))
                    add_rec(encode_record(key))
                    check()
                ok = cur.next()
        btreebuild.load_index(db.btree, index.root, sorter.records(duplicate))


# -- sqlite_sequence (AUTOINCREMENT) -------------------------------------------------------

def _sequence_table(db):
    return db.schema.tables.get("sqlite_sequence")


def _find_sequence(db, name):
    from ..storage.record import decode_record
    t = _sequence_table(db)
    if t is None:
        return None, None, None
    cur = db.btree.table(t.root)
    ok = cur.first()
    while ok:
        vals = decode_record(cur.payload())
        if vals and isinstance(vals[0], str) and vals[0].lower() == name.lower():
            return cur, cur.rowid(), vals
        ok = cur.next()
    return cur, None, None


def sequence_value(db, name):
    _, _, vals = _find_sequence(db, name)
    if vals is None or len(vals) < 2 or not isinstance(vals[1], int):
        return 0
    return vals[1]


def update_sequence(db, name, rowid):
    cur, rid, vals = _find_sequence(db, name)
    if cur is None:
        return
    if vals is not None:
        if isinstance(vals[1], int) and vals[1] >= rowid:
            return
        cur.seek(rid)
        cur.insert(rid, encode_record([vals[0], rowid]))
    else:
        cur.insert(cur.max_rowid() + 1, encode_record([name, rowid]))


def delete_sequence_row(db, name):
    cur, rid, _ = _find_sequence(db, name)
    if rid is not None and cur.seek(rid):
        cur.delete()


# -- UPDATE and DELETE ---------------------------------------------------------------------

def _row_source(db, comp, table, stmt, parent, whole=True):
    """Rows of ``table`` matching the UPDATE/DELETE ``stmt``'s WHERE:
    (scope, factory of segments, level); ``whole``: every column of them,
    else only those the WHERE reads (and the rowid)."""
    where = stmt.where
    scope, src = table_scope(db, table, stmt.alias, parent)
    src.indexed = indexed_clause(table, stmt)
    scope.ctes = with_ctes(stmt.with_, parent.ctes if parent is not None else None)
    lv = Level(src, "INNER", table, None)
    lv.label = stmt.alias or stmt.table
    terms = _split_and(where, [])
    for t in terms:
        term_levels(scope, t)
        lv.where.append(comp.compile(t, scope))
        lv.where_nodes.append(t)
    # A write reads whole rows: index entries, triggers and the new record
    # need every column, whatever the statement's expressions name.
    if whole:
        src.used.update(range(-1, len(table.columns)))
    lv.access = choose_access(db, comp, scope, 0, lv, terms)
    if lv.consumed:
        # Terms the access path answers exactly need no re-check per row
        # (as in compile_select).
        keep = [(f, n) for f, n in zip(lv.where, lv.where_nodes) if id(n) not in lv.consumed]
        lv.where = [f for f, _ in keep]
        lv.where_nodes = [n for _, n in keep]
    return scope, _loop([lv], []), lv


def explain_write(db, stmt):
    """EXPLAIN QUERY PLAN nodes of a write: how its rows are found (an
    INSERT's query, an UPDATE's / DELETE's search) and its subqueries."""
    if isinstance(stmt, ast.Insert):
        if stmt.source is None or isinstance(stmt.source.body, ast.Values):
            return []
        ctes = with_ctes(stmt.with_, None)
        return compile_select(db, stmt.source, db.env, None, ctes).explain
    if _view_target(db, stmt) is not None:
        return []
    table = _target_table(db, stmt.table, stmt.schema)
    comp = Compiler(db, db.env)
    _, _, lv = _row_source(db, comp, table, stmt, None)
    from .select import subquery_explain
    return [lv.detail] + subquery_explain(comp)


def _targets(rows, order_limit):
    """The rows an UPDATE or DELETE changes, collected before the first
    change (so the statement never sees its own writes), then ordered and
    limited by its ORDER BY / LIMIT if it has them."""
    found = list(rows())
    return found if order_limit is None else order_limit(found)


def compile_delete(db, stmt, parent=None, stack=frozenset()):
    _unsupported_clauses(stmt)
    view = _view_target(db, stmt)
    if view is not None:
        return _compile_view_write(db, stmt, view, parent, stack)
    table = _target_table(db, stmt.table, stmt.schema)
    comp = Compiler(db, db.env)
    triggers = Triggers(db, table, "DELETE", None, stack)
    # Without triggers the rows go in bulk, a leaf at a time
    # (BTree.delete_rowids): without indexes each leaf's as soon as the page
    # scan has read them, else all after the scan.  Without indexes, too,
    # the scan reads only the columns the WHERE clause needs (an ORDER BY,
    # compiled after the scan is chosen, gets whole rows).
    bulk = not triggers.before and not triggers.after
    whole = not bulk or bool(table.indexes) or bool(stmt.order_by)
    if bulk and stmt.where is None and stmt.limit is None and not stmt.order_by:
        indexed_clause(table, stmt)         # INDEXED BY a missing index: an error
        return _truncate(db, table, parent is None)
    scope, rows, lv = _row_source(db, comp, table, stmt, parent, whole)
    order_limit = _order_limit(db, comp, scope, stmt, "DELETE")
    writer = TableWriter(db, table)
    top = parent is None
    # A scan whose WHERE runs no user code can hand over its rows a leaf
    # page at a time (no generator round per row).
    pages = _page_loop(db, scope, [lv]) if bulk and order_limit is None else None

    def run_bulk():
        if pages is not None and not writer.indexes:
            # One pass: a page's rows go as soon as the scan has them (its
            # cursor then re-seeks past them).  The WHERE reads no other row
            # and runs no user code, so nothing sees the table half done.
            n = 0
            for batch in pages():
                if db.interrupted:
                    raise errors.interrupted()
                if batch:
                    n += db.btree.delete_rowids(table.root, [seg[-1] for seg in batch])
            db.total_changes += n
            if top:
                db.changes = n
            return n
        if pages is not None:
            targets = [seg for batch in pages() for seg in batch]
        else:
            targets = _targets(rows, order_limit)
        if writer.indexes:
            for seg in targets:
                if db.interrupted:
                    raise errors.interrupted()
                writer.delete_index_entries(seg, seg[-1])
        elif db.interrupted:
            raise errors.interrupted()
        n = db.btree.delete_rowids(table.root, sorted(seg[-1] for seg in targets))
        db.total_changes += n
        if top:
            db.changes = n
        return n
    if bulk:
        return run_bulk

    def run():
        n = 0
        for seg in _targets(rows, order_limit):
            if db.interrupted:
                raise errors.interrupted()
            rowid = seg[-1]
            if triggers.before:
                try:
                    _run_trigger(triggers, triggers.before, seg, None)
                except _Ignore:
                    continue
                cur = writer.cursor()
                if not cur.seek(rowid):
                    continue
                seg = writer.read(cur)
            writer.delete_row(rowid, seg)
            n += 1
            if triggers.after:
                try:
                    _run_trigger(triggers, triggers.after, seg, None)
                except _Ignore:
                    pass
        if top:
            db.changes = n
        return n
    return run


def _truncate(db, table, top):
    """DELETE without WHERE, LIMIT or triggers: every b-tree of the table
    emptied page by page, no row read (SQLite's truncate optimization,
    which counts the rows deleted all the same)."""
    def run():
        if db.interrupted:
            raise errors.interrupted()
        for ix in table.indexes:
            db.btree.clear_tree(ix.root)
        n = db.btree.clear_tree(table.root)
        db.total_changes += n
        if top:
            db.changes = n
        return n
    return run


def compile_update(db, stmt, parent=None, stack=frozenset()):
    _unsupported_clauses(stmt)
    view = _view_target(db, stmt)
    if view is not None:
        return _compile_view_write(db, stmt, view, parent, stack)
    table = _target_table(db, stmt.table, stmt.schema)
    comp = Compiler(db, db.env)
    scope, rows, lv = _row_source(db, comp, table, stmt, parent)
    order_limit = _order_limit(db, comp, scope, stmt, "UPDATE")
    # A lookup of one row by its rowid, as a call (no generators to step:
    # the planner's Level.one).
    one = lv.one if not lv.where and order_limit is None else None
    ncols = len(table.columns)
    names = set()

    def position(name):
        i = table.column(name)
        if i is None:
            raise errors.OperationalError(f"no such column: {name}")
        names.add(name.lower())
        return ncols if i < 0 else i
    assigns = _assignments(comp, stmt.assignments, position, scope)
    writer = TableWriter(db, table)
    checker = RowChecker(db, comp, table, scope)
    defaults = _default_fns(comp, table, scope)
    triggers = Triggers(db, table, "UPDATE", names, stack)
    ipk = table.rowid_alias
    conflict = stmt.or_conflict
    touched = {p for p, _ in assigns}
    if ipk is not None and ipk in touched:
        touched.add(ncols)
    rowid_touched = ncols in touched
    index_touched = [(ix, ki) for ix, ki in writer.indexes
                     if rowid_touched or touched & _index_columns(table, ix)]
    # The assigned columns' affinities, as _insert_one applies them (the
    # value of the exact type needs no call).
    convs = [(p, _EXACT[writer.affs[p]], V.affinity_fn(writer.affs[p])) for p in sorted(touched)
             if p < ncols and writer.affs[p] in _EXACT]
    # Columns a BEFORE trigger may have changed: those the SET list leaves
    # alone are reloaded from the row after it runs, as SQLite's update.c.
    reload = [i for i in range(ncols) if i not in touched]
    # The rows are collected first (the statement never sees its own
    # writes), but each is then found again by its rowid, as SQLite's
    # two-pass UPDATE does: a row that a trigger or a REPLACE has deleted
    # meanwhile is skipped, and when something else may have written the
    # table since the scan (triggers, REPLACE, rowid changes) the row's
    # values are read again then.
    volatile = bool(triggers.before or triggers.after) or rowid_touched or \
        _may_replace(table, conflict, index_touched)
    read = writer.read
    top = parent is None

    def run():
        n = 0
        cur = None                  # the cursor the rows are written through
        if one is not None:
            # (Found through the write cursor, which stays on the row.)
            cur = writer.cursor()
            seg = one(None, cur)
            targets = () if seg is None else (seg,)
        else:
            targets = _targets(rows, order_limit)
        try:
            for seg in targets:
                if db.interrupted:
                    raise errors.interrupted()
                rowid = seg[ncols]
                if one is None:
                    if cur is None:
                        cur = writer.cursor()
                    if not cur.seek(rowid):
                        continue
                old = read(cur, rowid) if volatile else seg
                new = list(old)
                for pos, f in assigns:
                    new[pos] = f(old)
                for pos, exact, conv in convs:
                    v = new[pos]
                    if type(v) is not exact and v is not None:
                        new[pos] = conv(v)
                new_rowid = rowid
                if rowid_touched:
                    if ipk is not None:
                        if ipk in touched:
                            new[ncols] = new[ipk]
                        else:
                            new[ipk] = new[ncols]
                    new_rowid = new[ncols]
                    if type(new_rowid) is not int:      # (NULL too: SQLite's MustBeInt)
                        v = V.apply_affinity(new_rowid, "INTEGER")
                        if type(v) is float and v.is_integer() and -2**63 < v < 2**63:
                            v = int(v)
                        if type(v) is not int:
                            raise errors.IntegrityError("datatype mismatch",
                                                        code=errors.SQLITE_MISMATCH)
                        new_rowid = v
                    new[ncols] = new_rowid
                    if ipk is not None:
                        new[ipk] = new_rowid
                try:
                    stored = old
                    if triggers.before:
                        _run_trigger(triggers, triggers.before, old, new)
                        if not cur.seek(rowid):
                            continue            # the trigger deleted the row
                        stored = read(cur, rowid)
                        for i in reload:
                            new[i] = stored[i]
                    if checker.active:
                        checker.check(new, conflict, defaults)
                    _update_one(db, writer, cur, stored, new, rowid, new_rowid, conflict,
                                index_touched)
                except _Ignore:
                    continue
                n += 1
                if triggers.after:
                    try:
                        _run_trigger(triggers, triggers.after, old, new)
                    except _Ignore:
                        pass
        except FailKeepChanges:
            if top:
                db.changes = n      # (ON CONFLICT FAIL: the rows written stay)
            raise
        if top:
            db.changes = n
        return n
    return run


def _may_replace(table, conflict, indexes):
    """Can writing a row delete other rows (REPLACE on the rowid or on one
    of the unique ``indexes`` it changes)?"""
    if conflict is not None:
        return conflict == "REPLACE"
    return table.pk_conflict == "REPLACE" or \
        any(ix.unique and ix.conflict == "REPLACE" for ix, _ in indexes)


def _assignments(comp, assignments, position, scope):
    """UPDATE's SET list -> [(position, f(row) -> new value)].  A row value
    ``(a, b) = (x, y)`` or ``= (SELECT x, y ...)`` assigns field by field;
    the subquery runs once per row."""
    out = []
    for a in assignments:
        positions = [position(name) for name in a.columns]
        n = len(positions)
        if n == 1:
            out.append((positions[0], comp.compile(a.expr, scope)))
            continue
        if isinstance(a.expr, ast.Tuple):
            if len(a.expr.items) != n:
                raise errors.OperationalError(
                    f"{n} columns assigned {len(a.expr.items)} values")
            out.extend((pos, comp.compile(x, scope)) for pos, x in zip(positions, a.expr.items))
            continue
        get, fields, is_row = comp.operand(a.expr, scope)
        if len(fields) != n:
            raise errors.OperationalError(f"{n} columns assigned {len(fields)} values")
        memo = [None, None]

        def field(k, get=get, memo=memo):
            def value(row):
                if memo[0] is not row:
                    memo[0], memo[1] = row, get(row)
                return memo[1][k]
            return value
        out.extend((pos, field(k)) for k, pos in enumerate(positions))
    return out


def _order_limit(db, comp, scope, stmt, verb):
    """UPDATE / DELETE ... [ORDER BY ...] LIMIT ... -> f(rows) -> the rows to
    change, or None."""
    if not stmt.order_by and stmt.limit is None:
        return None
    if stmt.limit is None:
        raise errors.OperationalError(f"ORDER BY without LIMIT on {verb}")
    from . import collation as C
    from .expr import collation
    from .select import _apply_limit, _limit_offset, order_key_fn, sort_rows
    keyfs, terms = [], []
    for k, t in enumerate(stmt.order_by):
        keyfs.append(comp.compile(t.expr, scope))
        coll = collation(scope, t.expr)
        ck = C.lookup(coll, db.collations) if coll else None
        terms.append((k, order_key_fn(ck, t.order == "DESC", t.nulls), t.order == "DESC"))
    limit_get = _limit_offset(comp, scope, stmt.limit, stmt.offset)

    def apply(rows):
        if terms:
            decorated = [tuple([f(r) for f in keyfs]) + (r,) for r in rows]
            sort_rows(decorated, terms)
            rows = [d[-1] for d in decorated]
        return list(_apply_limit(iter(rows), limit_get))
    return apply


# -- writes to views (INSTEAD OF triggers) ---------------------------------------------

def _view_target(db, stmt):
    return find_view(db, stmt.table, stmt.schema)


def _view_shape(db, view):
    """(column names, affinities, collations) of a view, as its INSTEAD OF
    triggers see them in OLD and NEW."""
    from .select import _coll_names, _view_plan, unique_column_names
    plan = _view_plan(db, db.env, view)
    names = list(view.columns) if view.columns else unique_column_names(plan.names)
    return names, plan.affinities, _coll_names(plan.collations)


def _view_triggers(db, view, event, columns, stack):
    triggers = Triggers(db, view, event, columns, stack, _view_shape(db, view))
    if not triggers.instead:
        raise errors.OperationalError(f"cannot modify {view.name} because it is a view")
    return triggers


def _fire_instead(db, triggers, rows, top):
    """Fire the INSTEAD OF triggers once per (old, new) pair.  The view
    itself changes nothing: changes() stays 0, as in SQLite."""
    for old, new in rows:
        if db.interrupted:
            raise errors.interrupted()
        try:
            _run_trigger(triggers, triggers.instead, old, new)
        except _Ignore:
            continue
    if top:
        db.changes = 0
    return 0


def _compile_view_insert(db, stmt, view, parent, stack):
    names, _, _ = _view_shape(db, view)
    lnames = [n.lower() for n in names]
    if stmt.columns is None:
        targets = list(range(len(names)))
    else:
        targets = []
        for name in stmt.columns:
            if name.lower() not in lnames:
                raise errors.OperationalError(f"table {view.name} has no column named {name}")
            targets.append(lnames.index(name.lower()))
    comp = Compiler(db, db.env)
    ctes = with_ctes(stmt.with_, parent.ctes if parent is not None else None)
    source, nvals = _insert_source(db, comp, stmt, parent, ctes)
    if source is not None and nvals != len(targets):
        if stmt.columns is None:
            raise errors.OperationalError(
                f"table {view.name} has {len(names)} columns but {nvals} values were supplied")
        raise errors.OperationalError(f"{nvals} values for {len(targets)} columns")
    triggers = _view_triggers(db, view, "INSERT", None, stack)
    width = len(names)

    def run():
        pairs = []
        for supplied in (source() if source is not None else [[]]):
            new = [None] * width
            for pos, v in reversed(list(zip(targets, supplied))):   # the first wins
                new[pos] = v
            pairs.append((None, new))
        return _fire_instead(db, triggers, pairs, parent is None)
    return run


def _compile_view_write(db, stmt, view, parent, stack):
    """UPDATE or DELETE of a view: the view's rows that match, then its
    INSTEAD OF triggers with OLD (and NEW) for each."""
    is_update = isinstance(stmt, ast.Update)
    names, _, _ = _view_shape(db, view)
    lnames = [n.lower() for n in names]
    columns = set()
    extra = []           # UPDATE: (positions, expression) per assignment
    if is_update:
        for a in stmt.assignments:
            for name in a.columns:
                if name.lower() not in lnames:
                    raise errors.OperationalError(f"no such column: {name}")
                columns.add(name.lower())
            extra.append([lnames.index(n.lower()) for n in a.columns])
    exprs = []
    for positions, a in zip(extra, stmt.assignments if is_update else ()):
        if len(positions) == 1:
            exprs.append(a.expr)
        elif isinstance(a.expr, ast.Tuple) and len(a.expr.items) == len(positions):
            exprs.extend(a.expr.items)
        else:
            raise errors.NotSupportedError(
                "a row value assignment from a subquery on a view is not supported by minisql")
    # SELECT *, <new values> FROM view WHERE ... [ORDER BY ... LIMIT ...]
    columns_ast = (ast.ResultColumn(ast.Star()),) + tuple(ast.ResultColumn(e) for e in exprs)
    query = ast.Select(
        body=ast.SelectCore(columns=columns_ast,
                            from_=ast.TableRef(view.name, None, stmt.alias),
                            where=stmt.where),
        order_by=stmt.order_by, limit=stmt.limit, offset=stmt.offset, with_=stmt.with_)
    if stmt.order_by and stmt.limit is None:
        raise errors.OperationalError(
            f"ORDER BY without LIMIT on {'UPDATE' if is_update else 'DELETE'}")
    plan = compile_select(db, query, db.env, parent)
    triggers = _view_triggers(db, view, "UPDATE" if is_update else "DELETE",
                              columns if is_update else None, stack)
    width = len(names)
    targets = [p for positions in extra for p in positions]

    def run():
        pairs = []
        for r in plan.rows():
            old = list(r[:width])
            if not is_update:
                pairs.append((old, None))
                continue
            new = list(old)
            for pos, v in zip(targets, r[width:]):
                new[pos] = v
            pairs.append((old, new))
        return _fire_instead(db, triggers, pairs, parent is None)
    return run


def _update_one(db, writer, cur, stored, new, rowid, new_rowid, conflict, index_touched):
    """Write row ``rowid`` -- ``cur`` is on it, ``stored`` its values --
    as ``new`` (with ``new_rowid``), after its rowid and unique constraints
    (REPLACE deletes the other row; the cursor then finds its row again)."""
    table = writer.table
    ncols = writer.ncols
    if new_rowid != rowid:
        other = writer.cursor()
        if other.seek(new_rowid):
            how = _conflict(conflict, table.pk_conflict)
            if how == "REPLACE":
                _delete_for_replace(db, writer, new_rowid, writer.read(other))
            elif how == "IGNORE":
                raise _Ignore()
            else:
                ipk = writer.ipk
                name = table.columns[ipk].name if ipk is not None else "rowid"
                raise _constraint_error("PK", f"UNIQUE constraint failed: {table.name}.{name}",
                                        how)
    if index_touched:
        _check_unique(db, writer, index_touched, new, new_rowid, rowid, conflict)
        only = [ix for ix, _ in index_touched]
        writer.delete_index_entries(stored, rowid, only)
    record = writer.record(new[:ncols])
    if new_rowid == rowid:
        cur.overwrite(record)
    else:
        if cur.seek(rowid):
            cur.delete()
        cur.insert(new_rowid, record)
    if index_touched:
        writer.insert_index_entries(new, new_rowid, only)
    db.total_changes += 1


def index_consistency(db, limit):
    """integrity_check's second half: every row has exactly its entries in
    every index of its table (SQLite's wording for what is missing)."""
    msgs = []
    for table in db.schema.tables.values():
        if table.name.lower() in ("sqlite_master", "sqlite_schema") or not table.indexes:
            continue
        writer = TableWriter(db, table)
        cur = writer.cursor()
        nrows = 0
        in_partial = {ix: 0 for ix in table.indexes if ix.where is not None}
        ok = cur.first()
        while ok and len(msgs) < limit:
            seg = writer.read(cur)
            nrows += 1
            for ix in in_partial:
                if writer.in_index(ix, seg):
                    in_partial[ix] += 1
            for ix, ki in writer.indexes:
                if ix.where is not None and not writer.in_index(ix, seg):
                    continue
                key = writer.index_key(ix, seg, seg[-1])
                icur = db.btree.index(ix.root, ki)
                if not (icur.seek_ge(tuple(key)) and ki.sort_key(icur.key()) == ki.sort_key(key)):
                    msgs.append(f"row {nrows} missing from index {ix.name}")
            ok = cur.next()
        for ix, ki in writer.indexes:
            icur = db.btree.index(ix.root, ki)
            n = 0
            ok = icur.first()
            while ok:
                n += 1
                ok = icur.next()
            if n != (nrows if ix.where is None else in_partial[ix]):
                msgs.append(f"wrong # of entries in index {ix.name}")
    return msgs
