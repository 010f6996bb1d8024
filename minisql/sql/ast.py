"""The syntax tree of SQLite's SQL dialect: what the parser hands the engine.

Every node is a slotted dataclass.  Sequences are always tuples, so nodes are
hashable and comparable (``==`` compares the tree, never source positions), and
the same tree may be shared by every execution of a cached statement: the
engine must treat a tree as IMMUTABLE and keep its own compiled state apart.

Conventions
-----------
* Names (tables, columns, collations, functions, ...) are dequoted but keep the
  case they were written in; SQLite compares them case-insensitively, and so
  must the engine.  ``schema`` fields are ``None`` when no ``schema.`` prefix
  was written.
* Keywords inside nodes are upper-case strings: ``op='LEFT'``, ``order='DESC'``.
* ``==`` is folded into ``=``, ``<>`` into ``!=``, ``IS DISTINCT FROM`` into
  ``IS NOT``, ``IS NOT DISTINCT FROM`` into ``IS``; ``x IS NULL`` /
  ``x IS NOT NULL`` / ``x ISNULL`` / ``x NOTNULL`` / ``x NOT NULL`` all become
  :class:`IsNull`.
* ``- <number literal>`` is folded into a negative :class:`Literal` (this is how
  ``-9223372036854775808`` stays an integer, as in SQLite).
* Optional clauses are ``None`` when absent, lists are ``()``.

Expressions (all subclasses of :class:`Expr`)
----------------------------------------------
Literal(value, text)
    ``value`` is None, int, float, str or bytes.  ``text`` is the literal as
    written for numbers (``'1'``, ``'1.0'``, ``'0x10'``, ``'1e3'``) and for the
    keywords TRUE/FALSE (``'TRUE'``/``'FALSE'``, value 1/0 -- the engine needs
    this for SQLite's ``x IS TRUE`` truth-test semantics); ``None`` otherwise.
    Decimal integers beyond int64 are floats (REAL), as in SQLite.
Param(index, name)
    A bound parameter.  ``index`` is SQLite's 1-based parameter number
    (``?`` takes the next number, ``?NNN`` is number NNN, a named parameter
    takes the next free number and the same name reuses its number).  ``name``
    is what ``sqlite3_bind_parameter_name`` reports: ``None`` for ``?``,
    ``'?3'``, ``':x'``, ``'@x'``, ``'$x'`` as written (names include the
    prefix character, as sqlite3_bind_parameter_name reports them).
Column(name, table, schema, double_quoted)
    A column reference ``name`` / ``table.name`` / ``schema.table.name``.
    ``double_quoted`` is True for ``"name"`` with no qualifier: SQLite turns such
    an identifier into a string literal when no column matches.
Star(table)
    ``*`` or ``table.*`` -- only as a result column (``count(*)`` is
    ``Function(star=True)``).
Unary(op, operand)
    ``op`` in ``'-'``, ``'+'``, ``'~'``, ``'NOT'``.
Binary(op, left, right)
    ``op`` in ``'OR' 'AND' '=' '!=' '<' '<=' '>' '>=' 'IS' 'IS NOT' '&' '|'
    '<<' '>>' '+' '-' '*' '/' '%' '||' '->' '->>'``.
IsNull(operand, negated)
    ``operand IS NULL`` (``negated``: ``IS NOT NULL`` / ``NOTNULL`` / ``NOT NULL``).
Like(op, operand, pattern, escape, negated)
    ``operand [NOT] LIKE|GLOB|MATCH|REGEXP pattern [ESCAPE escape]``; ``op`` is
    the upper-cased keyword.
Between(operand, low, high, negated)
InList(operand, items, negated)
    ``operand [NOT] IN (items...)``; ``items`` may be ``()``.
InSelect(operand, select, negated)
    ``operand [NOT] IN (select)``.
InTable(operand, table, schema, args, negated)
    ``operand [NOT] IN table`` (``args`` is None) or ``IN func(args...)``
    (a table-valued function, ``args`` a tuple).  ``x IN (list)`` is never
    rewritten: ``x IN ()`` is ``InList(x, ())``.
Exists(select)
    ``EXISTS (select)``; ``NOT EXISTS`` is ``Unary('NOT', Exists(...))``.
Subquery(select)
    A scalar subquery ``(select)``.
Function(name, args, distinct, star, filter, over)
    ``name(args...)``, ``name(DISTINCT x)``, ``name(*)`` (``star=True``,
    ``args=()``).  ``filter`` is the ``FILTER (WHERE e)`` expression or None;
    ``over`` is a :class:`Window`, a window name (str) or None.
    CURRENT_TIME / CURRENT_DATE / CURRENT_TIMESTAMP are ``Function`` nodes
    named that way with no arguments (SQLite does the same).
Case(base, whens, else_)
    ``CASE [base] WHEN w THEN t ... [ELSE e] END``; ``whens`` is a tuple of
    ``(w, t)`` pairs.
Cast(operand, type_name)
    ``CAST(operand AS type_name)``; ``type_name`` is the type as written
    (e.g. ``'VARCHAR(10)'``, ``''`` never occurs: a type is required).
Collate(operand, collation)
    ``operand COLLATE collation``.
Raise(action, message)
    ``RAISE(IGNORE)`` (message None) or ``RAISE(ROLLBACK|ABORT|FAIL, message)``;
    ``message`` is an expression (SQLite 3.40 only accepts a string literal
    there, and so does the parser).
Tuple(items)
    A row value ``(a, b, ...)`` with two or more items.

Queries
-------
Select(body, order_by, limit, offset, with_)
    A whole query.  ``body`` is a :class:`SelectCore`, :class:`Values` or
    :class:`Compound`; ORDER BY / LIMIT / OFFSET apply to the whole body.
    ``LIMIT m, n`` is stored as ``limit=n, offset=m`` (SQLite's meaning).
    A Select is also a :class:`Statement` when it stands alone.
SelectCore(columns, distinct, from_, where, group_by, having, windows)
    ``columns`` is a tuple of :class:`ResultColumn`; ``from_`` is a FROM item
    (below) or None; ``windows`` holds ``WINDOW name AS (...)`` definitions as
    ``(name, Window)`` pairs.
ResultColumn(expr, alias, text)
    ``expr`` may be a :class:`Star`.  ``text`` is the expression exactly as
    written in the statement (SQLite names an un-aliased result column by it).
Values(rows)
    ``VALUES (..), (..)``: a tuple of rows, each a tuple of expressions.
Compound(op, left, right)
    ``left op right`` with ``op`` in ``'UNION' 'UNION ALL' 'INTERSECT'
    'EXCEPT'``; compounds associate to the left (``left`` may be a Compound,
    ``right`` is a SelectCore or Values).
OrderingTerm(expr, order, nulls)
    ``order`` is ``'ASC'``, ``'DESC'`` or None; ``nulls`` is ``'FIRST'``,
    ``'LAST'`` or None.  A ``COLLATE`` is part of ``expr``.
With(recursive, ctes)
CTE(name, columns, select, materialized)
    ``materialized`` is True / False (``NOT MATERIALIZED``) / None.
Window(base, partition_by, order_by, frame)
    A window specification.  ``frame`` is None or a tuple
    ``(kind, start, end, exclude)``: kind ``'ROWS'``/``'RANGE'``/``'GROUPS'``;
    start and end are ``(bound, expr)`` with bound one of
    ``'UNBOUNDED PRECEDING'``, ``'PRECEDING'``, ``'CURRENT ROW'``,
    ``'FOLLOWING'``, ``'UNBOUNDED FOLLOWING'`` (expr set for the two without
    UNBOUNDED); exclude is None, ``'NO OTHERS'``, ``'CURRENT ROW'``,
    ``'GROUP'`` or ``'TIES'``.

FROM items
    TableRef(name, schema, alias, indexed_by, not_indexed)
    SubqueryRef(select, alias)
    TableFunctionRef(name, args, schema, alias)
    Join(left, right, kind, natural, on, using)
        ``kind`` in ``'INNER'`` (also a comma), ``'CROSS'``, ``'LEFT'``,
        ``'RIGHT'``, ``'FULL'``; ``using`` is a tuple of column names or None.
        Joins nest to the left: ``a, b LEFT JOIN c`` is
        ``Join(Join(a, b), c, 'LEFT')``.  A parenthesised join is kept as a
        Join in ``right`` (``a JOIN (b JOIN c)``), or flattened when it is
        the whole FROM clause; with an alias it becomes a SubqueryRef of
        ``SELECT * FROM (...)``, as SQLite does.

Statements (all subclasses of :class:`Statement`)
-------------------------------------------------
Every statement carries three keyword-only fields filled in by the parser:
``text`` -- the statement exactly as written, without the ending ``;``;
``n_params`` -- ``sqlite3_bind_parameter_count``; ``param_names`` -- a tuple,
index i-1 holding the name of parameter i (None for ``?`` and for numbers
left unused by ``?NNN``).  Statements inside a trigger body, subqueries and
CTEs keep the defaults.

Select (above)
Insert(table, schema, columns, source, or_conflict, alias, upsert, returning, with_)
    ``source`` is a :class:`Select` (VALUES lists are a Select whose body is
    :class:`Values`) or None for ``DEFAULT VALUES``.  ``or_conflict`` in
    ``'REPLACE' 'IGNORE' 'ABORT' 'FAIL' 'ROLLBACK'`` or None (``REPLACE INTO``
    is ``or_conflict='REPLACE'``).  ``columns`` is None when no column list was
    written.  ``upsert`` is a tuple of :class:`Upsert`.
Upsert(target, target_where, action, assignments, where)
    ``ON CONFLICT [(target) [WHERE target_where]] DO NOTHING|UPDATE SET ...
    [WHERE where]``; ``target`` is a tuple of :class:`IndexedColumn` or None;
    ``action`` is ``'NOTHING'`` or ``'UPDATE'``.
Update(table, schema, assignments, where, or_conflict, alias, from_,
       indexed_by, not_indexed, returning, with_, order_by, limit, offset)
    ``order_by`` / ``limit`` / ``offset`` as in Select (the sqlite3 build
    minisql mirrors has SQLITE_ENABLE_UPDATE_DELETE_LIMIT).
Assignment(columns, expr)
    ``col = expr`` (``columns=('col',)``) or ``(a, b) = expr``.
Delete(table, schema, where, alias, indexed_by, not_indexed, returning, with_,
       order_by, limit, offset)
CreateTable(name, schema, columns, constraints, temp, if_not_exists,
            without_rowid, strict, as_select, sql)
    ``columns`` is a tuple of :class:`ColumnDef`, ``constraints`` a tuple of
    table constraints.  ``as_select`` is the Select of ``CREATE TABLE ... AS``
    (then ``columns`` is ``()``).  ``sql`` is the string SQLite stores in
    sqlite_schema.sql (None for ``AS SELECT``, where SQLite generates it from
    the result columns).
ColumnDef(name, type_name, constraints)
    ``type_name`` is the declared type as written (``'VARCHAR(10)'``,
    ``'UNSIGNED BIG INT'``) or ``''``; ``constraints`` a tuple of the column
    constraint nodes below, in order.
Column / table constraints (``name`` is the ``CONSTRAINT name`` or None;
``conflict`` is the ``ON CONFLICT`` algorithm or None):
    PrimaryKeyConstraint(name, columns, order, conflict, autoincrement)
        ``columns`` is None on a column, a tuple of IndexedColumn on a table.
    NotNullConstraint(name, conflict)
    NullConstraint(name)               -- the no-op ``NULL`` constraint
    UniqueConstraint(name, columns, conflict)
    CheckConstraint(name, expr, text)
    DefaultConstraint(name, expr, text)
        ``text`` is what PRAGMA table_info reports as dflt_value.
    CollateConstraint(name, collation)
    ForeignKeyConstraint(name, columns, clause)
        ``columns`` None on a column, a tuple of names on a table.
    GeneratedConstraint(name, expr, stored)
ForeignKeyClause(table, columns, actions, deferrable)
    ``actions`` is a tuple of ``(event, action)`` pairs such as
    ``('DELETE', 'CASCADE')`` or ``('MATCH', 'SIMPLE')``; ``deferrable``
    is True (INITIALLY DEFERRED), False (NOT DEFERRABLE / INITIALLY IMMEDIATE
    written) or None.
IndexedColumn(expr, collation, order)
    An index / key column: ``expr`` is a :class:`Column` for a plain column
    (or an expression in CREATE INDEX); ``collation`` and ``order``
    (``'ASC'``/``'DESC'``/None) as written.
CreateIndex(name, schema, table, columns, unique, if_not_exists, where, sql)
CreateView(name, schema, select, columns, temp, if_not_exists, sql)
CreateTrigger(name, schema, table, time, event, body, update_columns,
              for_each_row, when, temp, if_not_exists, sql)
    ``time`` is ``'BEFORE'``, ``'AFTER'``, ``'INSTEAD OF'`` or None (SQLite
    treats None as BEFORE); ``event`` is ``'INSERT'``, ``'DELETE'`` or
    ``'UPDATE'``; ``update_columns`` is None or the ``UPDATE OF`` names;
    ``body`` a tuple of Insert/Update/Delete/Select statements.
CreateVirtualTable(name, schema, module, args, if_not_exists, sql)
    ``args`` is a tuple of the module arguments, each the exact source text
    between the commas (empty ones dropped), as SQLite passes them on.
DropTable(name, schema, if_exists), DropIndex(...), DropView(...),
DropTrigger(...)  -- all with the same three fields.
Reindex(name, schema)         -- both None for a bare REINDEX.
Analyze(name, schema)
Vacuum(schema, into)          -- ``into`` an expression or None.
Attach(expr, schema, key)     -- ``ATTACH [DATABASE] expr AS schema [KEY key]``;
                                 ``schema`` is an expression as in SQLite.
Detach(schema)                -- an expression.
Begin(mode)                   -- ``'DEFERRED'``/``'IMMEDIATE'``/``'EXCLUSIVE'``/None.
Commit()                      -- COMMIT or END.
Rollback(savepoint)           -- savepoint name or None.
Savepoint(name)
Release(name)
Pragma(name, schema, value)
    ``value`` is None or a str: SQLite's zRight -- a dequoted name or string,
    a keyword as written (``ON``, ``DELETE``, ``DEFAULT``), or a number as
    written with a leading ``-`` kept and ``+`` dropped (``'-2000'``).
AlterTable(name, schema, action, new_name, column, column_def)
    ``action`` in ``'RENAME'`` (table, ``new_name``), ``'RENAME COLUMN'``
    (``column`` -> ``new_name``), ``'ADD COLUMN'`` (``column_def``),
    ``'DROP COLUMN'`` (``column``).
Explain(stmt, query_plan)         -- ``stmt`` carries its own text (without
                                     the EXPLAIN prefix) and the same params.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(slots=True, unsafe_hash=True)
class Node:
    """Base of every syntax-tree node."""


# -- expressions -----------------------------------------------------------

@dataclass(slots=True, unsafe_hash=True)
class Expr(Node):
    """Base of every expression node."""


@dataclass(slots=True, unsafe_hash=True)
class Literal(Expr):
    value: Any
    text: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Param(Expr):
    index: int
    name: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Column(Expr):
    name: str
    table: Optional[str] = None
    schema: Optional[str] = None
    double_quoted: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Star(Expr):
    table: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(slots=True, unsafe_hash=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True, unsafe_hash=True)
class IsNull(Expr):
    operand: Expr
    negated: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Like(Expr):
    op: str
    operand: Expr
    pattern: Expr
    escape: Optional[Expr] = None
    negated: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Between(Expr):
    operand: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(slots=True, unsafe_hash=True)
class InList(Expr):
    operand: Expr
    items: tuple
    negated: bool = False


@dataclass(slots=True, unsafe_hash=True)
class InSelect(Expr):
    operand: Expr
    select: "Select"
    negated: bool = False


@dataclass(slots=True, unsafe_hash=True)
class InTable(Expr):
    operand: Expr
    table: str
    schema: Optional[str] = None
    args: Optional[tuple] = None
    negated: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Exists(Expr):
    select: "Select"


@dataclass(slots=True, unsafe_hash=True)
class Subquery(Expr):
    select: "Select"


@dataclass(slots=True, unsafe_hash=True)
class Function(Expr):
    name: str
    args: tuple = ()
    distinct: bool = False
    star: bool = False
    filter: Optional[Expr] = None
    over: Any = None  # Window, window name (str) or None


@dataclass(slots=True, unsafe_hash=True)
class Case(Expr):
    base: Optional[Expr]
    whens: tuple
    else_: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class Cast(Expr):
    operand: Expr
    type_name: str


@dataclass(slots=True, unsafe_hash=True)
class Collate(Expr):
    operand: Expr
    collation: str


@dataclass(slots=True, unsafe_hash=True)
class Raise(Expr):
    action: str
    message: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class Tuple(Expr):
    items: tuple


# -- query parts ------------------------------------------------------------

@dataclass(slots=True, unsafe_hash=True)
class Window(Node):
    base: Optional[str] = None
    partition_by: tuple = ()
    order_by: tuple = ()
    frame: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class ResultColumn(Node):
    expr: Expr
    alias: Optional[str] = None
    text: str = field(default="", compare=False)


@dataclass(slots=True, unsafe_hash=True)
class OrderingTerm(Node):
    expr: Expr
    order: Optional[str] = None
    nulls: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class TableRef(Node):
    name: str
    schema: Optional[str] = None
    alias: Optional[str] = None
    indexed_by: Optional[str] = None
    not_indexed: bool = False


@dataclass(slots=True, unsafe_hash=True)
class SubqueryRef(Node):
    select: "Select"
    alias: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class TableFunctionRef(Node):
    name: str
    args: tuple = ()
    schema: Optional[str] = None
    alias: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Join(Node):
    left: Node
    right: Node
    kind: str = "INNER"
    natural: bool = False
    on: Optional[Expr] = None
    using: Optional[tuple] = None


@dataclass(slots=True, unsafe_hash=True)
class SelectCore(Node):
    columns: tuple
    distinct: bool = False
    from_: Optional[Node] = None
    where: Optional[Expr] = None
    group_by: tuple = ()
    having: Optional[Expr] = None
    windows: tuple = ()


@dataclass(slots=True, unsafe_hash=True)
class Values(Node):
    rows: tuple


@dataclass(slots=True, unsafe_hash=True)
class Compound(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True, unsafe_hash=True)
class CTE(Node):
    name: str
    columns: Optional[tuple]
    select: "Select"
    materialized: Optional[bool] = None


@dataclass(slots=True, unsafe_hash=True)
class With(Node):
    recursive: bool
    ctes: tuple


# -- statements ---------------------------------------------------------------

@dataclass(slots=True, unsafe_hash=True)
class Statement(Node):
    """Base of every statement; the parser fills in the keyword-only fields."""

    text: str = field(default="", kw_only=True, compare=False, repr=False)
    n_params: int = field(default=0, kw_only=True, compare=False, repr=False)
    param_names: tuple = field(default=(), kw_only=True, compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)
class Select(Statement):
    body: Node
    order_by: tuple = ()
    limit: Optional[Expr] = None
    offset: Optional[Expr] = None
    with_: Optional[With] = None


@dataclass(slots=True, unsafe_hash=True)
class Upsert(Node):
    target: Optional[tuple]
    target_where: Optional[Expr]
    action: str
    assignments: tuple = ()
    where: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class Assignment(Node):
    columns: tuple
    expr: Expr


@dataclass(slots=True, unsafe_hash=True)
class Insert(Statement):
    table: str
    schema: Optional[str] = None
    columns: Optional[tuple] = None
    source: Optional[Select] = None
    or_conflict: Optional[str] = None
    alias: Optional[str] = None
    upsert: tuple = ()
    returning: tuple = ()
    with_: Optional[With] = None


@dataclass(slots=True, unsafe_hash=True)
class Update(Statement):
    table: str
    schema: Optional[str] = None
    assignments: tuple = ()
    where: Optional[Expr] = None
    or_conflict: Optional[str] = None
    alias: Optional[str] = None
    from_: Optional[Node] = None
    indexed_by: Optional[str] = None
    not_indexed: bool = False
    returning: tuple = ()
    with_: Optional[With] = None
    order_by: tuple = ()
    limit: Optional[Expr] = None
    offset: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class Delete(Statement):
    table: str
    schema: Optional[str] = None
    where: Optional[Expr] = None
    alias: Optional[str] = None
    indexed_by: Optional[str] = None
    not_indexed: bool = False
    returning: tuple = ()
    with_: Optional[With] = None
    order_by: tuple = ()
    limit: Optional[Expr] = None
    offset: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class IndexedColumn(Node):
    expr: Expr
    collation: Optional[str] = None
    order: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class ForeignKeyClause(Node):
    table: str
    columns: tuple = ()
    actions: tuple = ()
    deferrable: Optional[bool] = None


@dataclass(slots=True, unsafe_hash=True)
class PrimaryKeyConstraint(Node):
    name: Optional[str] = None
    columns: Optional[tuple] = None
    order: Optional[str] = None
    conflict: Optional[str] = None
    autoincrement: bool = False


@dataclass(slots=True, unsafe_hash=True)
class NotNullConstraint(Node):
    name: Optional[str] = None
    conflict: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class NullConstraint(Node):
    name: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class UniqueConstraint(Node):
    name: Optional[str] = None
    columns: Optional[tuple] = None
    conflict: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class CheckConstraint(Node):
    name: Optional[str] = None
    expr: Optional[Expr] = None
    text: str = field(default="", compare=False)


@dataclass(slots=True, unsafe_hash=True)
class DefaultConstraint(Node):
    name: Optional[str] = None
    expr: Optional[Expr] = None
    text: str = field(default="", compare=False)


@dataclass(slots=True, unsafe_hash=True)
class CollateConstraint(Node):
    name: Optional[str] = None
    collation: str = ""


@dataclass(slots=True, unsafe_hash=True)
class ForeignKeyConstraint(Node):
    name: Optional[str] = None
    columns: Optional[tuple] = None
    clause: Optional[ForeignKeyClause] = None


@dataclass(slots=True, unsafe_hash=True)
class GeneratedConstraint(Node):
    name: Optional[str] = None
    expr: Optional[Expr] = None
    stored: bool = False


@dataclass(slots=True, unsafe_hash=True)
class ColumnDef(Node):
    name: str
    type_name: str = ""
    constraints: tuple = ()


@dataclass(slots=True, unsafe_hash=True)
class CreateTable(Statement):
    name: str
    schema: Optional[str] = None
    columns: tuple = ()
    constraints: tuple = ()
    temp: bool = False
    if_not_exists: bool = False
    without_rowid: bool = False
    strict: bool = False
    as_select: Optional[Select] = None
    sql: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class CreateIndex(Statement):
    name: str
    schema: Optional[str]
    table: str
    columns: tuple
    unique: bool = False
    if_not_exists: bool = False
    where: Optional[Expr] = None
    sql: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class CreateView(Statement):
    name: str
    schema: Optional[str]
    select: Select
    columns: Optional[tuple] = None
    temp: bool = False
    if_not_exists: bool = False
    sql: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class CreateTrigger(Statement):
    name: str
    schema: Optional[str]
    table: str
    time: Optional[str]
    event: str
    body: tuple
    update_columns: Optional[tuple] = None
    for_each_row: bool = False
    when: Optional[Expr] = None
    temp: bool = False
    if_not_exists: bool = False
    sql: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class CreateVirtualTable(Statement):
    name: str
    schema: Optional[str]
    module: str
    args: tuple = ()
    if_not_exists: bool = False
    sql: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class DropTable(Statement):
    name: str
    schema: Optional[str] = None
    if_exists: bool = False


@dataclass(slots=True, unsafe_hash=True)
class DropIndex(Statement):
    name: str
    schema: Optional[str] = None
    if_exists: bool = False


@dataclass(slots=True, unsafe_hash=True)
class DropView(Statement):
    name: str
    schema: Optional[str] = None
    if_exists: bool = False


@dataclass(slots=True, unsafe_hash=True)
class DropTrigger(Statement):
    name: str
    schema: Optional[str] = None
    if_exists: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Reindex(Statement):
    name: Optional[str] = None
    schema: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Analyze(Statement):
    name: Optional[str] = None
    schema: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Vacuum(Statement):
    schema: Optional[str] = None
    into: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class Attach(Statement):
    expr: Expr
    schema: Expr
    key: Optional[Expr] = None


@dataclass(slots=True, unsafe_hash=True)
class Detach(Statement):
    schema: Expr


@dataclass(slots=True, unsafe_hash=True)
class Begin(Statement):
    mode: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Commit(Statement):
    pass


@dataclass(slots=True, unsafe_hash=True)
class Rollback(Statement):
    savepoint: Optional[str] = None


@dataclass(slots=True, unsafe_hash=True)
class Savepoint(Statement):
    name: str


@dataclass(slots=True, unsafe_hash=True)
class Release(Statement):
    name: str


@dataclass(slots=True, unsafe_hash=True)
class Pragma(Statement):
    name: str
    schema: Optional[str] = None
    value: Any = None


@dataclass(slots=True, unsafe_hash=True)
class AlterTable(Statement):
    name: str
    schema: Optional[str]
    action: str
    new_name: Optional[str] = None
    column: Optional[str] = None
    column_def: Optional[ColumnDef] = None


@dataclass(slots=True, unsafe_hash=True)
class Explain(Statement):
    stmt: Statement
    query_plan: bool = False


def descendants(node):
    """Every node of the tree under ``node`` (itself included), depth first."""
    if isinstance(node, tuple):
        for x in node:
            yield from descendants(x)
    elif isinstance(node, Node):
        yield node
        for f in node.__dataclass_fields__:
            yield from descendants(getattr(node, f))


def names_a_table(node):
    """Does the statement name a table anywhere: a FROM item (a CTE's name
    too), a table-valued function, ``x IN table``?  One that does not never
    reads the database (SQLite runs it without a read transaction)."""
    return any(isinstance(n, (TableRef, TableFunctionRef, InTable))
               for n in descendants(node))
