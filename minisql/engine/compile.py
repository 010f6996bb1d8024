"""Statement dispatch: an AST statement -> the callable that executes it.

``compile_statement(db, stmt)`` returns ``(run, column_names, decltypes)``:
for queries ``run()`` returns an iterator of result tuples, for everything
else it performs the statement and returns the number of rows changed.
"""

from .. import errors
from ..sql import ast
from . import ddl, dml
from .select import compile_select


def compile_statement(db, stmt):
    if isinstance(stmt, ast.Select):
        plan = compile_select(db, stmt, db.env)
        return plan.rows, plan.names, plan.decltypes
    if isinstance(stmt, ast.Explain):
        return _explain(db, stmt)
    if isinstance(stmt, ast.Insert):
        return dml.compile_insert(db, stmt), None, None
    if isinstance(stmt, ast.Update):
        return dml.compile_update(db, stmt), None, None
    if isinstance(stmt, ast.Delete):
        return dml.compile_delete(db, stmt), None, None
    handler = ddl.HANDLERS.get(type(stmt))
    if handler is None:
        raise errors.OperationalError(
            f"{type(stmt).__name__.upper()} is not supported by minisql")
    return (lambda: handler(db, stmt)), None, None


def _explain(db, stmt):
    inner = stmt.stmt
    if not stmt.query_plan:
        raise errors.OperationalError("EXPLAIN (bytecode) is not supported; "
                                      "use EXPLAIN QUERY PLAN")
    if isinstance(inner, ast.Select):
        plan = compile_select(db, inner, db.env)
        details = plan.explain
    elif isinstance(inner, (ast.Update, ast.Delete)):
        details = dml.explain_write(db, inner)
    else:
        details = []

    def rows():
        for i, d in enumerate(details):
            yield (i + 2, 0, 0, d)
    return rows, ["id", "parent", "notused", "detail"], [None] * 4
