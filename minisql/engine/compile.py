"""Statement dispatch: an AST statement -> the callable that executes it.

``compile_statement(db, stmt)`` returns ``(run, column_names, decltypes)``:
for queries ``run()`` returns an iterator of result tuples, for everything
else it performs the statement and returns the number of rows changed.
"""

from .. import errors
from ..sql import ast
from . import ddl, dml
from .explain import explain_numbering
from .select import compile_select


def compile_statement(db, stmt):
    if isinstance(stmt, ast.Select):
        plan = compile_select(db, stmt, db.env)
        # (The plan's own run function: it may carry ``now``, see
        # select.compile_core and Database.run.)
        return plan._run, plan.names, plan.decltypes
    if isinstance(stmt, ast.Explain):
        return _explain(db, stmt)
    if isinstance(stmt, ast.Insert):
        return _statement_counted(db, dml.compile_insert(db, stmt)), None, None
    if isinstance(stmt, ast.Update):
        return _statement_counted(db, dml.compile_update(db, stmt)), None, None
    if isinstance(stmt, ast.Delete):
        return _statement_counted(db, dml.compile_delete(db, stmt)), None, None
    handler = ddl.HANDLERS.get(type(stmt))
    if handler is None:
        raise errors.NotSupportedError(
            f"{type(stmt).__name__.upper()} is not supported by minisql")
    return (lambda: handler(db, stmt)), _ddl_columns(db, stmt), None


# SQLite checks a new column's CHECK constraints (ALTER TABLE ADD COLUMN) with a
# nested query, and sqlite3 reports that query's column as the statement's.
_ADD_COLUMN_CHECK = ("CASE WHEN quick_check GLOB 'CHECK*' THEN raise(ABORT,'CHECK constraint "
                     "failed') ELSE raise(ABORT,'NOT NULL constraint failed') END")


def _ddl_columns(db, stmt):
    if isinstance(stmt, ast.AlterTable) and stmt.action == "ADD COLUMN":
        if stmt.name.lower() in db.schema.tables and any(
                isinstance(c, ast.CheckConstraint) for c in stmt.column_def.constraints):
            return [_ADD_COLUMN_CHECK]
    return None


def _statement_counted(db, run):
    """total_changes() counts a statement's rows when it succeeds: a failing
    statement (undone by its savepoint) adds nothing, except under ON
    CONFLICT FAIL, whose earlier changes stay."""
    def wrap(f):
        def counted(*args):
            before = db.total_changes
            try:
                return f(*args)
            except dml.FailKeepChanges:
                raise
            except BaseException:
                db.total_changes = before
                db.changes = 0
                raise
        return counted
    out = wrap(run)
    if hasattr(run, "many"):
        # executemany's batch path: a failing parameter set changed nothing
        # (see dml.compile_insert), and the rows of the sets before it stay,
        # so their count stays too.
        out.many = run.many
    return out


def _explain(db, stmt):
    """EXPLAIN QUERY PLAN: the plan's tree of (detail, children) nodes as
    rows (id, parent, 0, detail).  SQLite's ids are bytecode addresses;
    minisql numbers the nodes in order, which keeps the tree the same."""
    inner = stmt.stmt
    if not stmt.query_plan:
        raise errors.NotSupportedError("EXPLAIN (bytecode) is not supported by minisql; "
                                       "use EXPLAIN QUERY PLAN")
    with explain_numbering(inner):
        if isinstance(inner, ast.Select):
            nodes = compile_select(db, inner, db.env).explain
        elif isinstance(inner, (ast.Insert, ast.Update, ast.Delete)):
            nodes = dml.explain_write(db, inner)
        else:
            nodes = []
    rows = []

    def add(node, parent):
        detail, children = node if isinstance(node, tuple) else (node, ())
        rows.append((len(rows) + 1, parent, 0, detail))
        me = len(rows)
        for child in children:
            add(child, me)
    for node in nodes:
        add(node, 0)

    def run():
        return iter(rows)
    return run, ["id", "parent", "notused", "detail"], [None] * 4
