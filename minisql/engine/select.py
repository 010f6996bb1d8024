"""SELECT: from the AST to a plan of generators over b-tree cursors.

A query is compiled once per prepared statement into a ``QueryPlan`` whose
``rows()`` is a generator: rows stream to the caller as the cursors move,
nothing is materialised unless the query needs it (ORDER BY, GROUP BY,
DISTINCT over compounds, subqueries in FROM).

Shape of a compiled SELECT core
    FROM items become *levels* of a nested loop, in the order written, or for
    an inner join of tables in the order SQLite's costs pick (joinorder.py).
    Each level has an access path chosen by ``planner.choose_access`` (full
    scan, rowid seek or range, index seek or range) and the WHERE/ON terms
    that can be evaluated once its row is known.  The flat row of a level is
    the concatenation of every source's columns, in loop order, each followed
    by its rowid; compiled expressions index into it (see expr.py).  When the
    outer loop delivers the ORDER BY (or GROUP BY, DISTINCT) order, the
    query skips its sort.  Aggregate queries append the
    aggregate results after the last source's row.  A RIGHT or FULL JOIN
    turns the loop into a pipeline of stages (``_staged_loop``): its level
    must see the whole left side before it knows which of its rows matched
    nothing.  WHERE terms never run before such a level.

Where SQLite's answer depends on its algorithms, the compiled plan follows
them: which of several equal rows a compound or GROUP BY shows (see
compile_compound and aggexec.py), how a compound's ORDER BY resolves and
when SQLite rewrites it as a subquery (_compound_order_by,
_compound_as_subquery), what a compound's values become when it is read as
a FROM item, co-routine or stored, and which outer WHERE terms SQLite also
copies into its arms (_read_as_from_item, _push_down).  EXPLAIN QUERY PLAN
nodes are built alongside (explain.py).

SQLite's ordering of values (ORDER BY, GROUP BY output, compound selects)
    NULL < numbers < text (by collation) < blob, via ordering.py.
"""

import copy
import threading
from itertools import compress
from operator import itemgetter

from .. import errors
from ..sql import ast
from . import collation as C
from . import aggexec
from . import aggregates as A
from . import functions as F
from . import values as V
from .expr import Compiler, Scope, Source, contains_aggregate, is_aggregate_call, \
    affinity, explicit_collation, walk, resolve
from .explain import core_explain, subquery_explain
from .ordering import order_key_fn, row_key_fn, sort_rows
from .joinorder import loop_order
from .planner import OrderWanted, choose_access, indexed_clause
from .schema import find_view

_subquery_counter = 0


class QueryPlan:
    """A compiled query: ``rows()`` yields tuples."""

    __slots__ = ("names", "decltypes", "correlated", "_run",
                 "explain", "affinities", "collations", "fields", "flattenable", "arms",
                 "mixed_columns", "from_collations", "union_all_arms", "from_names")

    def __init__(self, names, run, decltypes=None, affinities=None, correlated=False,
                 explain=(), collations=None, fields=None):
        self.names = names
        self._run = run
        self.decltypes = decltypes or [None] * len(names)
        self.affinities = affinities or [None] * len(names)
        self.correlated = correlated
        self.explain = list(explain)
        self.collations = collations or [None] * len(names)
        # How the query's columns compare when the query is an operand
        # (scalar subquery, IN, row values): (affinity, explicit collation,
        # implicit collation) per column.  SQLite takes them from the
        # rightmost SELECT of a compound, its FROM-clause columns from the
        # leftmost: the two may differ.
        self.fields = fields or [(a, None, c) for a, c in zip(self.affinities,
                                                               self.collations)]
        # EXPLAIN QUERY PLAN: ``explain`` is a list of nodes, each a detail
        # string or (detail, [child nodes]); ``flattenable``: SQLite would
        # merge this query into an enclosing FROM clause; ``arms``: the
        # (operator, plan) arms of a compound.
        self.flattenable = False
        self.arms = None
        # How the query reads as a FROM item (subquery, view, CTE), where a
        # compound's columns are its leftmost SELECT's (SQLite 3.40's
        # sqlite3SelectAddColumnTypeAndCollation): ``mixed_columns``, the
        # columns whose values need not have the column's affinity (an arm
        # or VALUES row of another affinity), which the read converts (see
        # _read_as_from_item); ``from_collations``, the leftmost SELECT's
        # collations (``collations`` are the compound's own, the leftmost
        # arm's that has one); ``union_all_arms``, the arms of a UNION ALL
        # compound without LIMIT, into which SQLite pushes the enclosing
        # WHERE terms (see _push_down); ``from_names``, the column names
        # before duplicates are told apart (sqlite3ColumnsFromExprList:
        # a COLLATE over a column keeps the column's name).
        self.mixed_columns = ()
        self.from_names = names
        self.from_collations = self.collations
        self.union_all_arms = None

    def rows(self):
        return self._run()


def compile_select(db, sel, env, parent=None, ctes=None):
    """Compile an ast.Select into a QueryPlan.  ``ctes``: the common table
    expressions in view (None: the parent scope's)."""
    if ctes is None:
        ctes = parent.ctes if parent is not None else None
    ctes = with_ctes(sel.with_, ctes, sel)
    body = sel.body
    if isinstance(body, ast.SelectCore):
        return compile_core(db, body, env, parent, ctes, sel.order_by, sel.limit, sel.offset)
    resolved = None
    if isinstance(body, ast.Values):
        plan = compile_values(db, body, env, parent, ctes)
    else:
        # With an ORDER BY SQLite merges the sorted arms (see compile_compound)
        plan = compile_compound(db, body, env, parent, ctes, merge=bool(sel.order_by))
        if sel.order_by:
            resolved = _compound_order_by(body, sel.order_by, plan.names)
            if _needs_subquery(sel):
                return compile_select(db, _compound_as_subquery(sel, resolved), env, parent,
                                      ctes)
    return finish_output(db, plan, env, parent, sel.order_by, sel.limit, sel.offset, resolved)


def _compound_order_by(body, order_by, names):
    """Resolve a compound's ORDER BY terms to result columns, as SQLite does
    (resolveCompoundOrderBy): a term is a column number, or, trying the
    SELECTs from the leftmost, an AS name of one or an expression equal to
    one of its result expressions.  -> [(column index, COLLATE name or None)]."""
    arms = []
    node = body
    while isinstance(node, ast.Compound):
        arms.append(node.right)
        node = node.left
    arms.append(node)
    arms.reverse()
    ncols = len(names)
    lnames = [n.lower() for n in names]
    out = []
    for k, term in enumerate(order_by):
        e, coll = term.expr, None
        if isinstance(e, ast.Collate):
            e, coll = e.operand, e.collation
        idx = None
        if isinstance(e, ast.Literal) and isinstance(e.value, int) and e.text is not None \
                and e.text.lstrip("+-").isdigit():
            if not 1 <= e.value <= ncols:
                raise errors.OperationalError(
                    f"{_ordinal(k + 1)} ORDER BY term out of range - should be between 1 "
                    f"and {ncols}")
            idx = e.value - 1
        else:
            for arm in arms:
                idx = _match_result_column(arm, e)
                if idx is not None:
                    break
            if idx is None and isinstance(e, ast.Column) and e.name.lower() in lnames:
                # A column of a SELECT * (the leftmost SELECT names the result).
                idx = lnames.index(e.name.lower())
        if idx is None:
            raise errors.OperationalError(
                f"{_ordinal(k + 1)} ORDER BY term does not match any column in the result set")
        out.append((idx, coll))
    return out


def _match_result_column(arm, e):
    """The result column of one SELECT that ORDER BY term ``e`` names: by
    its AS name, else by being the same expression."""
    if not isinstance(arm, ast.SelectCore) or \
            any(isinstance(rc.expr, ast.Star) for rc in arm.columns):
        return None
    if isinstance(e, ast.Column) and e.table is None:
        for i, rc in enumerate(arm.columns):
            if rc.alias is not None and rc.alias.lower() == e.name.lower():
                return i
    for i, rc in enumerate(arm.columns):
        if _same_expr(rc.expr, e):
            return i
    return None


def _same_expr(a, b):
    """Expression equality for ORDER BY matching: names compare without
    case, and a column qualified on one side only still matches."""
    if isinstance(a, ast.Column) and isinstance(b, ast.Column):
        return a.name.lower() == b.name.lower() and (
            a.table is None or b.table is None or a.table.lower() == b.table.lower())
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same_expr(x, y) for x, y in zip(a, b))
    if isinstance(a, ast.Node):
        if isinstance(a, ast.Function):
            if a.name.lower() != b.name.lower():
                return False
            return _same_expr(a.args, b.args) and a.distinct == b.distinct and \
                a.star == b.star
        return all(_same_expr(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return a == b


def _needs_subquery(sel):
    """SQLite runs a compound whose ORDER BY has a COLLATE as a subquery,
    unless every operator is UNION ALL (convertCompoundSelectToSubquery)."""
    node = sel.body
    while isinstance(node, ast.Compound) and node.op == "UNION ALL":
        node = node.left
    if not isinstance(node, ast.Compound):
        return False
    return any(isinstance(n, ast.Collate) for t in sel.order_by for n in walk(t.expr))


def _compound_as_subquery(sel, resolved):
    """``SELECT * FROM (compound) ORDER BY ...`` as SQLite rewrites it.  The
    rewrite leaves the rightmost SELECT's GROUP BY and HAVING on the outer
    query, where they name the compound's columns: SQLite 3.40 answers
    "no such column" for most such queries, and so does this."""
    body = sel.body
    right = body.right
    group_by, having = (), None
    if isinstance(right, ast.SelectCore):
        group_by, having = right.group_by, right.having
        right = ast.SelectCore(right.columns, right.distinct, right.from_, right.where,
                               (), None, right.windows)
    inner = ast.Select(body=ast.Compound(body.op, body.left, right))
    outer = ast.SelectCore(columns=(ast.ResultColumn(ast.Star()),),
                           from_=ast.SubqueryRef(inner), group_by=group_by, having=having)
    # The ORDER BY, resolved on the compound, names its columns by number.
    order_by = []
    for term, (idx, coll) in zip(sel.order_by, resolved):
        e = ast.Literal(idx + 1, str(idx + 1))
        order_by.append(ast.OrderingTerm(ast.Collate(e, coll) if coll else e, term.order,
                                         term.nulls))
    return ast.Select(body=outer, order_by=tuple(order_by), limit=sel.limit,
                      offset=sel.offset, with_=sel.with_)


def compile_subquery(db, sel, parent_scope, env):
    return compile_select(db, sel, env, parent_scope)


# -- LIMIT / OFFSET -------------------------------------------------------------

def _limit_value(f, what):
    v = f(None)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str):
        n = V.numeric_for_compare(v)
        if isinstance(n, int):
            v = n
    if not isinstance(v, int):
        raise errors.IntegrityError("datatype mismatch", code=errors.SQLITE_MISMATCH)
    return v


def _limit_offset(comp, scope, limit, offset):
    lf = comp.compile(limit, scope) if limit is not None else None
    of = comp.compile(offset, scope) if offset is not None else None

    def get():
        lim = _limit_value(lf, "LIMIT") if lf else -1
        off = _limit_value(of, "OFFSET") if of else 0
        return lim, max(off, 0)
    return get if (lf or of) else None


def _apply_limit(it, get):
    lim, off = get()
    if lim < 0 and off == 0:
        yield from it
        return
    n = 0
    for row in it:
        if off:
            off -= 1
            continue
        if lim >= 0 and n >= lim:
            break
        n += 1
        yield row
    if hasattr(it, "close"):
        it.close()


# -- FROM clause ---------------------------------------------------------------------

def _from_items(from_, out, kind="INNER", on=None, using=None, natural=False):
    """Flatten a FROM clause into (item, join kind, ON, USING, NATURAL) in
    the FROM clause's order; kinds are INNER (also comma), CROSS, LEFT,
    RIGHT and FULL."""
    if isinstance(from_, ast.Join):
        if on is not None or using or natural or kind not in ("INNER", "CROSS"):
            # A parenthesised join on the right: a JOIN (b JOIN c) ON ... is
            # a JOIN b JOIN c ON ... when every join involved is inner.
            _from_items(from_, out)
            item, k, o, u, n = out[-1]
            if kind != "INNER" or using or natural or k != "INNER":
                raise errors.NotSupportedError(
                    "a parenthesised join on the right of an outer join, or of a join with "
                    "USING or NATURAL, is not supported by minisql")
            out[-1] = (item, k, ast.Binary("AND", o, on) if o is not None else on, u, n)
            return out
        _from_items(from_.left, out)
        k = from_.kind
        _from_items(from_.right, out, k, from_.on, from_.using, from_.natural)
        return out
    out.append((from_, kind, on, using, natural))
    return out


def with_ctes(with_, ctes, owner=None):
    """The CTEs in view inside a statement with clause ``with_``, given those
    in view outside it: name -> (CTE, the CTEs in view inside its body --
    the outer ones and the ones before it, how many times the statement
    ``owner`` names it, None if not given: taken as once)."""
    ctes = dict(ctes or {})
    if with_ is not None:
        names = set()
        for cte in with_.ctes:
            lname = cte.name.lower()
            if lname in names:
                raise errors.OperationalError(f"duplicate WITH table name: {cte.name}")
            names.add(lname)
            uses = _count_refs(owner, lname) if owner is not None else None
            ctes[lname] = (cte, dict(ctes), uses)
    return ctes


def _lookup_cte(scope_ctes, name):
    return scope_ctes.get(name.lower()) if scope_ctes else None


def _count_refs(node, name):
    """How many times the query tree ``node`` names table ``name`` in a FROM
    clause."""
    return sum(1 for n in ast.descendants(node) if isinstance(n, ast.TableRef) and
               n.schema is None and n.name.lower() == name)


def _cte_source(db, env, scope, item, entry):
    cte, visible, _ = entry
    lname = cte.name.lower()
    if _count_refs(cte.select, lname):
        body = cte.select.body
        if not isinstance(body, ast.Compound) or _count_refs(body.left, lname):
            raise errors.OperationalError(f"circular reference: {cte.name}")
        raise errors.NotSupportedError(
            f"recursive common table expressions ({cte.name}) are not supported by minisql")
    return compile_select(db, cte.select, env, scope.parent, visible)


_expanding = threading.local()


def _view_plan(db, env, view):
    """Compile a view's query (its own scope: it sees no CTE of the user's
    statement); a view that uses itself is an error, as in SQLite."""
    stack = getattr(_expanding, "views", None)
    if stack is None:
        stack = _expanding.views = set()
    key = (id(db), view.name.lower())
    if key in stack:
        raise errors.OperationalError(f"view {view.name} is circularly defined")
    stack.add(key)
    try:
        sub = compile_select(db, view.select, env, None, {})
    except errors.OperationalError as e:
        msg = str(e)
        if msg.startswith("no such table: ") and "." not in msg:
            # SQLite names the schema when a view's table is missing.
            raise errors.OperationalError("no such table: main." + msg[15:]) from None
        raise
    finally:
        stack.discard(key)
    if view.columns is not None and len(view.columns) != len(sub.names):
        raise errors.OperationalError(
            f"expected {len(view.columns)} columns for '{view.name}' but got {len(sub.names)}")
    return sub


def unique_column_names(names):
    """The column names of a query used as a table (subquery in FROM, view,
    CTE, CREATE TABLE AS): a repeated name, compared without case, gets
    ":N" appended (after dropping a ":digits" it already ends with), N
    counting up per column, as sqlite3ColumnsFromExprList does."""
    out, seen = [], set()
    for name in names:
        cnt = 0
        while name.lower() in seen:
            base = name
            j = len(base) - 1
            while j > 0 and base[j].isdigit():
                j -= 1
            if j > 0 and base[j] == ":" and j < len(base) - 1:
                base = base[:j]
            cnt += 1
            name = f"{base}:{cnt}"
        seen.add(name.lower())
        out.append(name)
    return out


def _coll_names(colls):
    """Collation objects (a query's columns) as the names a Source keeps."""
    return [c.name if c is not None else None for c in colls]


def check_supported(table):
    """Tables minisql can read and write; others fail clearly, never wrongly."""
    if table.without_rowid:
        raise errors.NotSupportedError(
            f"{table.name} is a WITHOUT ROWID table, which minisql does not support yet")
    if table.generated:
        raise errors.NotSupportedError(
            f"{table.name} has generated columns, which minisql does not support yet")


def _make_source(db, env, scope, item, ctes):
    """-> (Source, rows factory or None, table or None).  A subquery's plan
    reads its rows as the subquery gives them: compile_core adapts them
    to how SQLite reads them (_read_as_from_item)."""
    global _subquery_counter
    if isinstance(item, ast.TableRef):
        entry = _lookup_cte(ctes, item.name) if item.schema is None else None
        if entry is not None:
            cte = entry[0]
            sub = _cte_source(db, env, scope, item, entry)
            if cte.materialized or entry[2] not in (None, 1):
                # No WHERE term is pushed into it (SQLite's restriction (7)).
                sub.union_all_arms = None
            names = list(cte.columns) if cte.columns else unique_column_names(sub.from_names)
            if len(names) != len(sub.names):
                raise errors.OperationalError(
                    f"table {cte.name} has {len(sub.names)} values for {len(names)} columns")
            alias = (item.alias or item.name).lower()
            src = Source(alias, [n.lower() for n in names], 0, None,
                         sub.affinities, _coll_names(sub.from_collations), sub.decltypes,
                         has_rowid=False)
            src.name = names
            return src, sub, None
        view = find_view(db, item.name, item.schema)
        if view is not None:
            sub = _view_plan(db, env, view)
            names = list(view.columns) if view.columns else unique_column_names(sub.from_names)
            alias = (item.alias or item.name).lower()
            src = Source(alias, [n.lower() for n in names], 0, None,
                         sub.affinities, _coll_names(sub.from_collations), sub.decltypes,
                         has_rowid=False)
            src.name = names
            return src, sub, None
        if item.schema not in (None, "main"):
            raise errors.OperationalError(f"no such table: {item.schema}.{item.name}")
        if item.name.lower() in ("sqlite_temp_master", "sqlite_temp_schema"):
            return _temp_schema_source(db, item)
        if item.name.lower().startswith("pragma_") and \
                item.name.lower() not in db.schema.tables:
            return _table_function_source(
                db, env, scope, ast.TableFunctionRef(item.name, (), None, item.alias))
        table = db.schema.table(item.name)
        check_supported(table)
        cols = table.columns
        src = Source((item.alias or item.name).lower(), [c.name.lower() for c in cols], 0,
                     table, [c.affinity for c in cols], [c.collation for c in cols],
                     [c.decl_type or None for c in cols])
        src.name = [c.name for c in cols]
        src.indexed = indexed_clause(table, item)
        return src, None, table
    if isinstance(item, ast.SubqueryRef):
        sub = compile_select(db, item.select, env, scope.parent, ctes)
        _subquery_counter += 1
        alias = (item.alias or f"(subquery-{_subquery_counter})").lower()
        names = unique_column_names(sub.from_names)
        src = Source(alias, [n.lower() for n in names], 0, None,
                     sub.affinities, _coll_names(sub.from_collations), sub.decltypes,
                     has_rowid=False)
        src.name = names
        return src, sub, None
    if isinstance(item, ast.TableFunctionRef):
        return _table_function_source(db, env, scope, item)
    raise errors.OperationalError("unsupported FROM item")


def _read_as_from_item(sub, materialize):
    """The plan of a subquery, view or CTE as its FROM item reads it.  Its
    mixed columns (QueryPlan.mixed_columns) change as SQLite's read changes
    them: a stored (materialized) one gets its affinity as a table column
    would; otherwise (a co-routine) only a REAL one changes, its integers
    becoming REALs (OP_RealAffinity), and the columns stay mixed."""
    if materialize:
        convs = [(i, V.affinity_fn(sub.affinities[i])) for i in sub.mixed_columns
                 if sub.affinities[i] not in (None, "BLOB")]
    else:
        convs = [(i, _real_affinity) for i in sub.mixed_columns
                 if sub.affinities[i] == "REAL"]
    if not convs:
        return sub
    inner = sub._run

    def run():
        for row in inner():
            row = list(row)
            for i, conv in convs:
                row[i] = conv(row[i])
            yield row
    plan = copy.copy(sub)
    plan._run = run
    if materialize:
        plan.mixed_columns = ()
    return plan


def _real_affinity(v):
    return float(v) if type(v) is int else v


def _materializes(levels, k, item, ctes):
    """Would SQLite 3.40 store the subquery of level ``k`` (FROM item
    ``item``) in a temporary table?  It runs as a co-routine only as the
    first item that is sure to be the outer loop: alone, or followed by an
    outer (after LEFT JOINs that WHERE makes inner are inner) or CROSS
    join, not on the left of a RIGHT or FULL JOIN, and not a CTE that is
    MATERIALIZED or, unless NOT MATERIALIZED, used twice."""
    if isinstance(item, ast.TableRef):
        entry = _lookup_cte(ctes, item.name) if item.schema is None else None
        if entry is not None and (entry[0].materialized or (
                entry[0].materialized is None and entry[2] not in (None, 1))):
            return True
    if k != 0 or any(lv.kind in ("RIGHT", "FULL") for lv in levels[1:]):
        return True
    return len(levels) > 1 and not (levels[1].kind in ("LEFT", "RIGHT", "FULL") or
                                    levels[1].cross)


class _TableFunction:
    """A table-valued function in FROM (the pragma_* ones): ``rows_for(prefix)``
    yields its rows for arguments evaluated on the earlier tables' row."""

    correlated = True

    def __init__(self, names, rows_for):
        self.names = names
        n = len(names)
        self.affinities = self.collations = self.decltypes = [None] * n
        self.fields = [(None, None, None)] * n
        self.rows_for = rows_for


def _table_function_source(db, env, scope, item):
    from .pragma import table_valued
    lname = item.name.lower()
    handler = table_valued(lname[7:]) if lname.startswith("pragma_") and \
        item.schema in (None, "main") else None
    if handler is None:
        raise errors.OperationalError(f"no such table: {item.name}")
    if len(item.args) > 1:
        raise errors.OperationalError(f"too many arguments on {item.name}() - max 1")
    comp = Compiler(db, env)
    argf = comp.compile(item.args[0], scope) if item.args else None
    names = handler(db, None)[0]

    def rows_for(prefix):
        value = argf(prefix) if argf is not None else None
        if value is None and argf is not None:
            return
        for r in handler(db, value)[1]:
            yield list(r)
    src = Source((item.alias or item.name).lower(), [n.lower() for n in names], 0,
                 has_rowid=False)
    src.name = list(names)
    return src, _TableFunction(names, rows_for), None


def _temp_schema_source(db, item):
    """sqlite_temp_schema: the connection's TEMP objects (views only: minisql
    has no TEMP tables)."""
    from .schema import SCHEMA_COLUMNS, temp_views
    names = list(SCHEMA_COLUMNS)

    def rows_for(prefix):
        for v in list(temp_views(db).values()):
            yield ["view", v.name, v.name, 0, v.sql]
    src = Source((item.alias or item.name).lower(), names, 0, has_rowid=False)
    src.name = names
    return src, _TableFunction(names, rows_for), None


class Level:
    __slots__ = ("src", "kind", "cross", "ordered", "on", "where", "access", "pages", "null_seg",
                 "table", "sub", "sub_select", "on_exprs", "detail", "where_nodes", "consumed",
                 "probe", "one", "rows", "label")

    def __init__(self, src, kind, table, sub):
        self.src = src
        self.kind = kind
        self.cross = False
        self.ordered = False        # "sorted"/"grouped": its path delivers the order
        self.table = table
        self.sub = sub
        self.on = []
        self.where = []
        self.where_nodes = []       # the AST term of each compiled WHERE filter
        self.consumed = set()       # ids of terms the access path guarantees
        self.on_exprs = []
        self.access = None
        self.pages = None           # set by the planner for scans and rowid ranges
        self.probe = None           # and for seeks by equality (planner.choose_access)
        self.one = None             # a rowid seek's row as a call (planner.choose_access)
        self.rows = None            # an index seek's rows, a list if at most one (likewise)
        self.label = None           # the table's alias or name as written (EXPLAIN)
        self.null_seg = [None] * src.width
        self.detail = None
        self.sub_select = None      # the Select of a FROM subquery (EXPLAIN names it)


def _split_and(e, out):
    if isinstance(e, ast.Binary) and e.op == "AND":
        _split_and(e.left, out)
        _split_and(e.right, out)
    elif e is not None:
        out.append(e)
    return out


def _has_subquery(e):
    return any(isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable))
               for n in walk(e))


def term_levels(scope, e):
    """Positions in the nested loop of the sources a term refers to (None:
    needs all)."""
    if _has_subquery(e):
        return None
    used = set()
    for n in walk(e):
        if isinstance(n, ast.Column):
            hit = resolve(scope, n)
            if hit is not None and hit[0] is scope:
                used.add(scope.loop.index(hit[1]))
    return used


# -- SELECT core ---------------------------------------------------------------------

def compile_core(db, core, env, parent, ctes, order_by=(), limit=None, offset=None):
    comp = Compiler(db, env)
    scope = Scope(parent, db)
    scope.ctes = ctes
    levels = []
    if core.from_ is not None:
        items = _from_items(core.from_, [])
        for item, kind, on, using, natural in items:
            src, sub, table = _make_source(db, env, scope, item, ctes)
            if getattr(sub, "correlated", False):
                # A FROM subquery (or CTE) is compiled in the scope around
                # this query: what it reads of the enclosing queries' rows,
                # this query reads too (its marking walk skips this scope).
                scope.correlated = True
            scope.add_source(src)
            # A CROSS JOIN is an inner join the planner may not reorder.
            lv = Level(src, "INNER" if kind == "CROSS" else kind, table, sub)
            lv.cross = kind == "CROSS"
            if isinstance(item, ast.SubqueryRef):
                lv.sub_select = item.select
            elif isinstance(item, ast.TableRef):
                lv.label = item.alias or item.name
            levels.append(lv)
            if len(levels) > 1:
                _join_terms(scope, lv, on, using, natural)
            elif on is not None or using:
                raise errors.OperationalError("a JOIN clause is required before ON")

    windows = {name.lower() for name, _ in core.windows}
    for rc in core.columns:
        for n in walk(rc.expr):
            if isinstance(n, ast.Function) and isinstance(n.over, str) and \
                    n.over.lower() not in windows:
                raise errors.OperationalError(f"no such window: {n.over}")

    # Result columns, with * expanded.
    exprs, names, from_names = [], [], []
    for rc in core.columns:
        if isinstance(rc.expr, ast.Star):
            if rc.expr.table is None and not scope.sources:
                raise errors.OperationalError("no tables specified")
            hit = False
            for src in scope.sources:
                if rc.expr.table is not None and src.alias != rc.expr.table.lower():
                    continue
                hit = True
                for i, cname in enumerate(src.name):
                    lc = src.columns[i]
                    if rc.expr.table is None and lc in src.join_using:
                        continue
                    if lc not in src.outer_using and \
                            any(lc in s.outer_using for s in scope.sources):
                        # The left side's USING column of a RIGHT/FULL JOIN
                        # shows the coalesced value (SQLite 3.40 does so).
                        exprs.append(ast.Column(cname))
                    else:
                        exprs.append(ast.Column(cname, src.alias))
                    names.append(cname)
                    from_names.append(cname)
            if not hit:
                raise errors.OperationalError(f"no such table: {rc.expr.table}")
        else:
            exprs.append(rc.expr)
            names.append(rc.alias if rc.alias is not None else _column_name(scope, rc))
            from_names.append(_from_name(scope, rc, names[-1]))
    alias_map = {rc.alias.lower(): rc.expr for rc in core.columns
                 if rc.alias is not None and not isinstance(rc.expr, ast.Star)}

    # WHERE terms (and the ON terms of inner joins) go to the first level
    # where everything they read is known; a LEFT JOIN's ON terms decide
    # whether its row matched, so they stay with it.
    where_terms = _split_and(core.where, [])
    for t in where_terms:
        if contains_aggregate(db, t):
            raise errors.OperationalError("misuse of aggregate function " +
                                          _first_agg_name(db, t) + "()")
    if not any(lv.kind in ("RIGHT", "FULL") for lv in levels):
        for lv in levels:
            if lv.kind == "LEFT" and _rejects_null_row(scope, where_terms, lv.src):
                lv.kind = "INNER"
    for k, lv in enumerate(levels):
        if isinstance(lv.sub, QueryPlan):
            lv.sub = _read_as_from_item(lv.sub, _materializes(levels, k, items[k][0], ctes))
    owned = [(t, len(levels) - 1) for t in where_terms] + \
        [(t, j) for j, lv in enumerate(levels) if lv.kind == "INNER" for t in lv.on_exprs]
    inner_terms = [t for t, _ in owned]
    # Past a RIGHT or FULL JOIN the tables before it may be NULL-extended:
    # terms of later joins and of WHERE wait until that level.
    rf = max((j for j, lv in enumerate(levels) if lv.kind in ("RIGHT", "FULL")), default=-1)
    if rf < 0:
        for lv in levels:
            if getattr(lv.sub, "union_all_arms", None) is not None:
                _push_down(db, env, scope, lv, inner_terms if lv.kind == "INNER"
                           else lv.on_exprs)
    # The order of an inner join's loops, before anything compiles: the
    # compiled expressions read each table's columns where the loop order
    # puts them in the row.
    read = list(exprs) + inner_terms + list(core.group_by) + [t.expr for t in order_by] + \
        ([core.having] if core.having is not None else [])
    order = loop_order(scope, levels, inner_terms, read,
                       _early_wants(db, scope, core, exprs, names, alias_map, order_by, limit))
    if order is not levels:
        levels[:] = order
        scope.set_loop_order([lv.src for lv in levels])
    scope.alias_map = alias_map
    pre = []
    for t, own in owned:
        f = comp.compile(t, scope)
        if not levels:
            pre.append(f)
            continue
        used = term_levels(scope, t)
        lvl = len(levels) - 1 if used is None else max(used, default=0)
        if own >= rf:
            lvl = max(lvl, rf)
        levels[lvl].where.append(f)
        levels[lvl].where_nodes.append(t)
    for lv in levels:
        if lv.kind != "INNER":
            lv.on = [comp.compile(t, scope) for t in lv.on_exprs]

    group_by = [_resolve_output_ref(e, exprs, alias_map, scope, k)
                for k, e in enumerate(core.group_by)]
    for g in group_by:
        if contains_aggregate(db, g):
            raise errors.OperationalError(
                "aggregate functions are not allowed in the GROUP BY clause")
    order_terms = []
    for k, term in enumerate(order_by):
        order_terms.append((term, _order_expr(term.expr, exprs, alias_map, names, scope, k)))
    # Only GROUP BY or an aggregate among the result columns makes an
    # aggregate query (SQLite 3.40); HAVING and ORDER BY must follow suit.
    aggregate = bool(group_by) or any(contains_aggregate(db, e) for e in exprs)
    if parent is not None:
        _refuse_outer_aggregates(db, scope, list(exprs) + where_terms +
                                 ([core.having] if core.having is not None else []))
    if not aggregate:
        if core.having is not None:
            raise errors.OperationalError("HAVING clause on a non-aggregate query")
        for _, oe in order_terms:
            if not isinstance(oe, int) and contains_aggregate(db, oe):
                raise errors.OperationalError(
                    f"misuse of aggregate: {_first_agg_name(db, oe)}()")
    # The loop is built once the access paths are known (below).
    loop = []

    def source_rows():
        return loop[0]()
    batches = None
    width = scope.width
    decls = [_decltype(scope, e) for e in exprs]

    if aggregate:
        agg_nodes = []
        for e in list(exprs) + ([core.having] if core.having is not None else []) + \
                [oe for _, oe in order_terms if not isinstance(oe, int)]:
            _collect_aggs(db, e, agg_nodes)
        agg_map = {}
        for n in agg_nodes:
            if n not in agg_map:
                agg_map[n] = width + len(agg_map)
        aggs = []
        colls = []
        driver = None
        for n in agg_map:
            argfs = [comp.compile(a, scope) for a in n.args]
            filterf = comp.compile(n.filter, scope) if n.filter is not None else None
            coll = None
            if n.args and n.name.lower() in ("min", "max") or n.distinct:
                c = _coll_name(scope, n.args[0]) if n.args else None
                coll = C.lookup(c, db.collations) if c else None
            factory = F.lookup_aggregate(n.name.lower(), len(n.args), n.star, db.functions,
                                         coll)
            if n.distinct:
                if len(n.args) != 1:
                    raise errors.OperationalError(
                        "DISTINCT aggregates must have exactly one argument")
                factory = A.distinct(factory, coll)
            elif len(n.args) == 1 and factory.__name__ in ("Min", "Max"):
                driver = len(aggs)
            aggs.append((factory, argfs, filterf))
            colls.append(coll)
        gfs = [comp.compile(g, scope) for g in group_by]
        gcolls = [_coll_obj(db, scope, g) for g in group_by]
        scope.agg_map = agg_map
        # Result columns see no aliases (HAVING and ORDER BY do).
        scope.alias_map = None
        outfs = [comp.compile(e, scope) for e in exprs]
        scope.alias_map = alias_map
        havf = comp.compile(core.having, scope) if core.having is not None else None
        if aggexec.batchable(db, scope, list(agg_map), aggs, colls, group_by):
            def batches():          # the loop's rows as lists (loop[1], below)
                return loop[1]()
        rows_fn = aggexec.aggregate(source_rows, width, aggs, gfs, gcolls, havf, driver,
                                    batches, lambda: bool(levels) and levels[0].ordered)
        counted = aggexec.whole_table_count(db, core, levels, agg_map, group_by, width)
        if counted is not None:
            rows_fn = counted
    else:
        scope.alias_map = None
        outfs = [comp.compile(e, scope) for e in exprs]
        scope.alias_map = alias_map
        rows_fn = source_rows
    # After compiling: a subquery's affinity is known once it has compiled.
    affs = [affinity(scope, e) for e in exprs]
    fields = [(a, explicit_collation(e), _coll_name(scope, e)) for a, e in zip(affs, exprs)]

    # ORDER BY keys are computed on the pre-projection row.
    sort_terms = []
    key_fs = []
    for k, (term, oe) in enumerate(order_terms):
        if isinstance(oe, int):
            kf = outfs[oe]
            coll = _coll_name_of(term.expr) or _coll_name(scope, exprs[oe])
        else:
            kf = comp.compile(oe, scope)
            coll = _coll_name_of(term.expr) or _coll_name(scope, oe)
        key_fs.append(kf)
        ck = C.lookup(coll, db.collations) if coll else None
        sort_terms.append((k, order_key_fn(ck, term.order == "DESC", term.nulls),
                           term.order == "DESC"))
    scope.alias_map = None
    limit_get = _limit_offset(comp, scope, limit, offset)
    # Access paths last: by now every expression has compiled, so each
    # source knows which of its columns the query reads.  The outer loop
    # may deliver the ORDER BY's order (a scan of the rowid or an index):
    # then there is nothing to sort.
    distinct_cols = core.distinct and not aggregate and not sort_terms
    wanted, grouping, order_is_grouping = _loop_wants(scope, aggregate, group_by, order_terms,
                                                      exprs, core.distinct)
    want = _order_wanted(scope, levels[0], wanted, len(exprs), limit, grouping) \
        if wanted and levels and not any(lv.kind in ("RIGHT", "FULL") for lv in levels) \
        else None
    for i, lv in enumerate(levels):
        if lv.kind in ("RIGHT", "FULL"):
            candidates = []         # its rows are read once, whatever the left side
        elif lv.kind == "LEFT" or i < rf:
            candidates = lv.on_exprs
        else:
            candidates = inner_terms
        lv.access = choose_access(db, comp, scope, i, lv, candidates,
                                  want if i == 0 else None)
        if lv.consumed:
            # Terms the access path answers exactly need no re-check per row.
            keep = [(f, n) for f, n in zip(lv.where, lv.where_nodes) if id(n) not in lv.consumed]
            lv.where = [f for f, _ in keep]
            lv.where_nodes = [n for _, n in keep]
    delivered = want is not None and levels[0].ordered
    if delivered == "sorted" and sort_terms and (not aggregate or order_is_grouping):
        sort_terms = []
    loop.append(_loop(levels, pre))
    if batches is not None:
        terms = where_terms + [t for lv in levels for t in lv.on_exprs]
        loop.append(_page_loop(db, scope, levels, terms) or
                    (lambda: aggexec.in_batches(loop[0]())))
        if counted is None:
            columns = aggexec.column_scan(
                db, scope, core, levels, agg_map, aggs, width,
                list(exprs) + [oe for _, oe in order_terms if not isinstance(oe, int)])
            if columns is not None:
                rows_fn = columns
    distinct = core.distinct
    # An unknown collation is an error only where it is used (DISTINCT here;
    # an enclosing query's comparison or sort looks it up by name again).
    out_colls = [_coll_obj(db, scope, e, strict=core.distinct) for e in exprs]
    rowkey = row_key_fn(out_colls)
    cell = scope.cell
    nout = len(outfs)

    def project(row):
        return tuple([f(row) for f in outfs])
    positions = _row_positions(outfs)
    if nout == 1:
        f0 = outfs[0]

        def project(row):  # noqa: F811 - the common one-column case
            return (f0(row),)
    elif positions is not None:
        # Columns of the row only: one C call makes the tuple.
        project = itemgetter(*positions)

    def projected(it):
        for row in it:
            cell.row = row
            yield project(row)

    def run():
        it = rows_fn()
        if sort_terms:
            decorated = []
            for row in it:
                cell.row = row
                decorated.append(tuple(kf(row) for kf in key_fs) + (project(row),))
            sort_rows(decorated, sort_terms)
            out = (d[-1] for d in decorated)
            if distinct:
                out = _distinct(out, rowkey)
        else:
            out = projected(it)
            if distinct:
                out = _distinct(out, rowkey)
        if limit_get is not None:
            out = _apply_limit(out, limit_get)
        return out
    simple = len(levels) == 1 and levels[0].kind == "INNER" and not levels[0].where and \
        not aggregate and not sort_terms and not distinct and limit_get is None
    one = levels[0].one if simple else None
    at_once = levels[0].rows if simple else None
    if one is not None:
        def now():
            """run()'s rows (at most one: a seek by unique key) as a list,
            computed at once (for Database.run and its RowsResult)."""
            row = one(None)
            if row is None:
                return []
            cell.row = row
            return [project(row)]
        run.now = now
    elif at_once is not None:
        def now():  # noqa: F811 - one of three
            """run()'s rows as a list when the index seek found at most one
            (see planner.choose_access), else an iterator projecting each
            row as it is fetched (one ahead, as sqlite3 steps: a later row's
            error or a function's call happens then, not at execute)."""
            rows = at_once(None)
            if type(rows) is not list:
                return projected(rows)
            if not rows:
                return []
            row = cell.row = rows[0]
            return [project(row)]
        run.now = now
    elif not levels and rows_fn is source_rows and not sort_terms and not distinct and \
            limit_get is None:
        all_true = _all_true

        def now():  # noqa: F811 - one of three
            """run()'s one row (or none: WHERE) of a query that names no
            table, computed at once, as stepping to it would."""
            if pre and not all_true(pre, []):
                return []
            row = cell.row = []
            return [project(row)]
        run.now = now

    explain = core_explain(levels, comp, aggregate and bool(group_by) and not delivered,
                           distinct and not aggregate and not (delivered and distinct_cols),
                           bool(sort_terms) and (not order_is_grouping or
                                                 delivered == "grouped"))
    plan = QueryPlan(names, run, decls, affs, scope.correlated, explain, out_colls, fields)
    plan.flattenable = bool(levels) and not (aggregate or distinct or limit is not None)
    plan.mixed_columns = _mixed_outputs(scope, levels, exprs)
    plan.from_names = from_names
    if len(levels) == 1 and getattr(levels[0].sub, "union_all_arms", None) is not None \
            and not aggregate and limit is None and _passes_through(scope, levels[0], exprs):
        # SQLite flattens ``SELECT * FROM (compound)`` into the query around
        # it, or pushes its WHERE terms into it (DISTINCT), and from there
        # into the compound's arms.
        plan.union_all_arms = levels[0].sub.union_all_arms
    return plan


def _passes_through(scope, lv, exprs):
    """Are the result columns those of the level's source, all, in order?"""
    if len(exprs) != len(lv.src.columns):
        return False
    for k, e in enumerate(exprs):
        if not isinstance(e, ast.Column):
            return False
        hit = resolve(scope, e)
        if hit is None or hit[1] is not lv.src or hit[2] != k:
            return False
    return True


def _mixed_outputs(scope, levels, exprs):
    """The result columns that pass on a mixed column of a FROM subquery
    (QueryPlan.mixed_columns) as it is."""
    mixed = {id(lv.src): lv.sub.mixed_columns for lv in levels
             if getattr(lv.sub, "mixed_columns", ())}
    if not mixed:
        return ()
    out = []
    for k, e in enumerate(exprs):
        while isinstance(e, ast.Collate):
            e = e.operand
        if isinstance(e, ast.Column):
            hit = resolve(scope, e)
            if hit is not None and hit[0] is scope and hit[2] in mixed.get(id(hit[1]), ()):
                out.append(k)
    return tuple(out)


_NULL_REJECTING = frozenset(("=", "<", "<=", ">", ">=", "!=", "<>"))


def _push_down(db, env, scope, lv, terms):
    """SQLite 3.40 copies each WHERE term (or, for the right side of a LEFT
    JOIN, ON term) that reads only a UNION ALL subquery's columns into every
    arm of the subquery (pushDownWhereTerms), where the columns have that
    arm's affinity but keep the leftmost arm's collation.  The term still
    filters the subquery's rows as well, so a row must pass both: this
    matters only in an arm whose affinities differ from the leftmost's.
    The pushed copy filters that arm's rows."""
    sub, src = lv.sub, lv.src
    terms = [t for t in terms if _pushable(db, scope, src, t)]
    if not terms:
        return
    colls = _coll_names(sub.from_collations)
    for arm in sub.union_all_arms:
        if arm.affinities == sub.affinities:
            continue            # the pushed copy is the term itself
        arm_src = Source(src.alias, src.columns, 0, None, arm.affinities, colls,
                         has_rowid=False)
        arm_src.name = src.name
        arm_scope = Scope(scope.parent, db)
        arm_scope.add_source(arm_src)
        comp = Compiler(db, env)
        fs = [comp.compile(t, arm_scope) for t in terms]
        arm._run = _filtered(arm._run, fs)


def _filtered(run, fs):
    def filtered():
        for row in run():
            if _all_true(fs, row):
                yield row
    return filtered


def _pushable(db, scope, src, term):
    """Does SQLite push ``term`` into a subquery (sqlite3ExprIsTableConstant):
    it reads columns of ``src`` alone, holds no subquery and calls only
    deterministic functions."""
    for n in walk(term):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable)):
            return False
        if isinstance(n, ast.Column):
            hit = resolve(scope, n)
            if hit is None or hit[0] is not scope or hit[1] is not src or hit[2] < 0:
                return False
        elif isinstance(n, ast.Function):
            if n.over is not None:
                return False
            try:
                fd = F.lookup(n.name, len(n.args), db.functions)
            except errors.Error:
                return False
            if fd.is_agg or not fd.deterministic:
                return False
    return True


def _rejects_null_row(scope, where_terms, src):
    """Does a WHERE term compare a column of ``src`` directly, so that no row
    with ``src`` NULL-extended can pass?  Then SQLite runs its LEFT JOIN as
    an inner join (the same rows), and so may the planner: its table may
    move in the join order."""
    for t in where_terms:
        sides = ()
        if isinstance(t, ast.Binary) and t.op in _NULL_REJECTING:
            sides = (t.left, t.right)
        elif isinstance(t, ast.Between):
            sides = (t.operand,)     # (so does sqlite3ExprImpliesNonNullRow)
        if sides:
            for side in sides:
                if isinstance(side, ast.Column):
                    try:
                        hit = resolve(scope, side)
                    except errors.Error:
                        continue
                    if hit is not None and hit[0] is scope and hit[1] is src:
                        return True
    return False


def _early_wants(db, scope, core, exprs, names, alias_map, order_by, limit):
    """-> want_for(level) for the join-order search, which runs before the
    GROUP BY and ORDER BY are resolved for real (errors then are theirs to
    report: here a term that does not resolve just wants nothing)."""
    try:
        group_by = [_resolve_output_ref(e, exprs, alias_map, scope, k)
                    for k, e in enumerate(core.group_by)]
        order_terms = [(term, _order_expr(term.expr, exprs, alias_map, names, scope, k))
                       for k, term in enumerate(order_by)]
        aggregate = bool(group_by) or any(contains_aggregate(db, e) for e in exprs)
    except errors.Error:
        return None
    wanted, grouping, _ = _loop_wants(scope, aggregate, group_by, order_terms, exprs,
                                      core.distinct)
    if not wanted:
        return None
    return lambda lv: _order_wanted(scope, lv, wanted, len(exprs), limit, grouping)


def _loop_wants(scope, aggregate, group_by, order_terms, exprs, distinct):
    """What order the loop's rows should come in, for a scan to deliver:
    -> (wanted terms (expression, DESC?, NULLS, explicit collation),
    grouping (only equal values together, see OrderWanted),
    order_is_grouping (the ORDER BY is the GROUP BY's))."""
    # SQLite's GROUP BY takes an identical ORDER BY's directions: its groups
    # then come out in that order, with no sort of their own.
    order_exprs = [exprs[oe] if isinstance(oe, int) else oe for _, oe in order_terms]
    order_is_grouping = aggregate and group_by and len(order_terms) == len(group_by) and all(
        term.nulls is None and _same_expr(e, g)
        and (_coll_name_of(term.expr) or _coll_name(scope, e)) == _coll_name(scope, g)
        for (term, _), e, g in zip(order_terms, order_exprs, group_by))
    # GROUP BY wants its groups together (SQLite then walks them in the
    # index's order, no temp b-tree), DISTINCT its equal rows.
    if aggregate and order_is_grouping:
        return [(g, term.order == "DESC", None, _coll_name(scope, g))
                for g, (term, _) in zip(group_by, order_terms)], True, True
    if aggregate:
        return [(g, False, None, _coll_name(scope, g)) for g in group_by], True, False
    if order_terms:
        return [(e, term.order == "DESC", term.nulls, _coll_name_of(term.expr))
                for (term, _), e in zip(order_terms, order_exprs)], False, False
    if distinct:
        # (SQLite wants the index's directions here.)
        return [(e, False, None, None) for e in exprs], False, False
    return [], False, False


def _order_wanted(scope, lv, wanted, ncols, limit, grouping):
    """The order the outer loop ``lv`` should deliver, as an OrderWanted,
    from ``wanted`` (see _loop_wants).  None when it cannot deliver it: a
    term that is not a plain column of its table, NULLS FIRST/LAST against
    the index order."""
    if lv.table is None:
        return None
    terms = []
    for e, desc, nulls, coll in wanted:
        coll = coll or _coll_name(scope, e)
        while isinstance(e, ast.Collate):
            e = e.operand
        if not isinstance(e, ast.Column):
            return None
        try:
            hit = resolve(scope, e)
        except errors.Error:
            return None
        if hit is None or hit[0] is not scope or hit[1] is not lv.src:
            return None
        if nulls is not None and (nulls == "FIRST") == desc:
            return None
        terms.append((hit[2], desc, coll))
    n = limit.value if isinstance(limit, ast.Literal) and type(limit.value) is int else None
    return OrderWanted(terms, ncols, n, grouping)


def _refuse_outer_aggregates(db, scope, exprs):
    """An aggregate whose arguments read only an enclosing query's columns
    belongs to that query in SQLite (SELECT a, (SELECT sum(t.a) FROM u) FROM
    t is one row); minisql does not do that yet and says so rather than
    compute it per row."""
    for e in exprs:
        for n in walk(e):
            if not is_aggregate_call(db, n) or not n.args:
                continue
            cols = [c for a in n.args for c in walk(a) if isinstance(c, ast.Column)]
            try:
                owners = [resolve(scope, c) for c in cols]
            except errors.Error:
                continue
            if cols and all(o is not None and o[0] is not scope for o in owners):
                raise errors.NotSupportedError(
                    f"an aggregate of an enclosing query in a subquery ({n.name}() of "
                    "outer columns) is not supported by minisql")


def _first_agg_name(db, e):
    for n in walk(e):
        if is_aggregate_call(db, n):
            return n.name
    return ""


def _collect_aggs(db, e, out):
    if isinstance(e, (ast.Subquery, ast.Exists)):
        return
    if isinstance(e, ast.InSelect):
        _collect_aggs(db, e.operand, out)
        return
    if is_aggregate_call(db, e):
        for a in e.args:
            if contains_aggregate(db, a):
                raise errors.OperationalError(
                    f"misuse of aggregate function {_first_agg_name(db, a)}()")
        out.append(e)
        return
    from .expr import children
    for c in children(e):
        _collect_aggs(db, c, out)


def _join_terms(scope, lv, on, using, natural):
    left_sources = scope.sources[:-1]
    src = lv.src
    cols = []
    if natural:
        for c in src.columns:
            if any(c in s.columns for s in left_sources):
                cols.append(c)
    elif using:
        for c in using:
            lc = c.lower()
            if lc not in src.columns or not any(lc in s.columns for s in left_sources):
                raise errors.OperationalError(
                    f"cannot join using column {c} - column not present in both tables")
            cols.append(lc)
    terms = []
    for c in cols:
        left = next(s for s in left_sources if c in s.columns)
        terms.append(ast.Binary("=", ast.Column(c, left.alias), ast.Column(c, src.alias)))
        src.join_using.add(c)
        if lv.kind in ("RIGHT", "FULL"):
            src.outer_using.add(c)
    if on is not None:
        terms.extend(_split_and(on, []))
    lv.on_exprs = terms


def _column_name(scope, rc):
    e = rc.expr
    if isinstance(e, ast.Column):
        try:
            hit = resolve(scope, e)
        except errors.Error:
            hit = None
        if hit is not None:
            _, src, i = hit
            if i < 0:
                t = src.table
                if t is not None and t.rowid_alias is not None:
                    return t.columns[t.rowid_alias].name
                return "rowid"
            return src.name[i]
        return rc.text      # "x" naming no column is a string: named as written
    return rc.text


def _from_name(scope, rc, name):
    """The name of result column ``rc`` (shown as ``name``) where its query
    is a FROM item: a COLLATE over a column leaves the column's name."""
    e = rc.expr
    if rc.alias is not None or not isinstance(e, ast.Collate):
        return name
    while isinstance(e, ast.Collate):
        e = e.operand
    return _column_name(scope, ast.ResultColumn(e, text=name)) \
        if isinstance(e, ast.Column) else name


def _decltype(scope, e):
    if isinstance(e, ast.Column):
        try:
            hit = resolve(scope, e)
        except errors.Error:
            return None
        if hit is not None:
            _, src, i = hit
            if i >= 0:
                return src.decltypes[i]
            return "INTEGER"
    return None


def _resolve_output_ref(e, exprs, alias_map, scope, pos):
    """GROUP BY / ORDER BY may name a result column by position or alias."""
    if isinstance(e, ast.Literal) and isinstance(e.value, int) and e.text is not None \
            and e.text.isdigit():
        k = e.value
        if not 1 <= k <= len(exprs):
            raise errors.OperationalError(
                f"{_ordinal(pos + 1)} GROUP BY term out of range - should be between 1 "
                f"and {len(exprs)}")
        return exprs[k - 1]
    if isinstance(e, ast.Column) and e.table is None and e.name.lower() in alias_map:
        if resolve(scope, e) is None:
            return alias_map[e.name.lower()]
    return e


def _order_expr(e, exprs, alias_map, names, scope, pos):
    """ORDER BY term -> index of a result column, or an expression."""
    inner = e
    while isinstance(inner, ast.Collate):
        inner = inner.operand
    if isinstance(inner, ast.Literal) and isinstance(inner.value, int) and inner.text is not None \
            and inner.text.isdigit():
        k = inner.value
        if not 1 <= k <= len(exprs):
            raise errors.OperationalError(
                f"{_ordinal(pos + 1)} ORDER BY term out of range - should be between 1 "
                f"and {len(exprs)}")
        return k - 1
    if isinstance(inner, ast.Column) and inner.table is None and \
            inner.name.lower() in alias_map:
        for k, n in enumerate(names):
            if n.lower() == inner.name.lower():
                return k
    return inner


def _ordinal(k):
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _coll_name_of(e):
    if isinstance(e, ast.Collate):
        return e.collation
    return None


def _coll_name(scope, e):
    from .expr import collation
    try:
        return collation(scope, e)
    except errors.Error:
        return None


def _coll_obj(db, scope, e, strict=True):
    c = _coll_name(scope, e)
    if not c:
        return None
    if not strict:
        return db.collations.get(c.lower())
    return C.lookup(c, db.collations)


def _all_true(fs, row):
    """Are all the filters ``fs`` true of ``row``?  (NULL is not.)"""
    is_true = V.is_true
    for f in fs:
        if not is_true(f(row)):
            return False
    return True


def _row_positions(fs):
    """The positions in the row that the compiled expressions ``fs`` read,
    when each is a plain read of one (an ``itemgetter``: a column of the
    query's own row); else None."""
    out = []
    for f in fs:
        if type(f) is not itemgetter:
            return None
        args = f.__reduce__()[1]
        if len(args) != 1 or type(args[0]) is not int:
            return None
        out.append(args[0])
    return out


def _loop(levels, pre):
    """The nested loop over all levels; returns a generator factory."""
    all_true = _all_true
    n = len(levels)
    if n == 0:
        def none():
            if pre and not all_true(pre, []):
                return
            yield []
        return none
    if n == 1 and levels[0].kind == "INNER":
        lv = levels[0]
        where = lv.where
        # lv.access is read when the query runs: the planner picks it after
        # this loop is built.
        if not where:
            def scan1():
                return lv.access(None)
            return scan1
        if len(where) == 1:
            w0 = where[0]
            is_true = V.is_true

            def scan1f():
                for row in lv.access(None):
                    if is_true(w0(row)):
                        yield row
            return scan1f

        def scan1w():
            for row in lv.access(None):
                if all_true(where, row):
                    yield row
        return scan1w

    if any(lv.kind in ("RIGHT", "FULL") for lv in levels):
        return _staged_loop(levels, all_true)

    def nested():
        return _joined(levels, 0, [])
    return nested


def _joined(levels, i, prefix):
    """The rows of levels i.. (INNER and LEFT joins) joined to ``prefix``,
    the row of the levels before them."""
    lv = levels[i]
    last = i == len(levels) - 1
    matched = False
    for seg in lv.access(prefix):
        row = prefix + seg if prefix else seg
        if lv.on and not _all_true(lv.on, row):
            continue
        matched = True
        if lv.where and not _all_true(lv.where, row):
            continue
        if last:
            yield row
        else:
            yield from _joined(levels, i + 1, row)
    if not matched and lv.kind == "LEFT":
        row = prefix + lv.null_seg
        if lv.where and not _all_true(lv.where, row):
            return
        if last:
            yield row
        else:
            yield from _joined(levels, i + 1, row)


# Operators whose compiled form yields only 1, 0 or NULL (expr.comparison).
_TRUTH_VALUED = frozenset(("=", "!=", "<", "<=", ">", ">=", "IS", "IS NOT"))


def _page_loop(db, scope, levels, terms=None):
    """The loop's rows as lists, the first table's rows a leaf page at a
    time (see planner.table_pages), or None when the loop is not of that
    shape: a first table read by a scan or rowid range, then INNER and LEFT
    joins.  None of its WHERE and ON ``terms`` (default: the levels' filters
    and ON terms) may run user code: that could change the table while a
    page's rows are held."""
    if not levels or levels[0].pages is None or \
            any(lv.kind not in ("INNER", "LEFT") for lv in levels):
        return None
    if terms is None:
        terms = [t for lv in levels for t in lv.where_nodes + lv.on_exprs]
    if not all(aggexec.cannot_fail(db, scope, t) for t in terms):
        return None
    lv = levels[0]
    pages, where = lv.pages, lv.where
    is_true = V.is_true
    if len(levels) == 2 and levels[1].probe is not None:
        return _probe_join(lv, levels[1])
    if len(levels) > 1:
        def joined():
            for batch in pages(None):
                out = []
                for row in batch:
                    if not where or _all_true(where, row):
                        out.extend(_joined(levels, 1, row))
                yield out
        return joined
    if not where:
        return lambda: pages(None)
    if len(where) == 1:
        w0 = where[0]
        node = lv.where_nodes[0] if len(lv.where_nodes) == 1 else None
        if isinstance(node, ast.Binary) and node.op in _TRUTH_VALUED:
            # A comparison yields 1, 0 or NULL, whose Python truth is
            # SQLite's: the page's rows are kept in C.
            def compared1():
                for batch in pages(None):
                    yield list(compress(batch, map(w0, batch)))
            return compared1

        def filtered1():
            for batch in pages(None):
                yield [row for row in batch if is_true(w0(row))]
        return filtered1

    def filtered():
        for batch in pages(None):
            yield [row for row in batch if _all_true(where, row)]
    return filtered


def _probe_join(outer, inner):
    """_page_loop's two-level join whose inner level seeks by equality:
    each outer row fetches its matches (Level.probe) in a plain loop, the
    rows _joined would make, in its order."""
    pages, where = outer.pages, outer.where
    on, inner_where, left = inner.on, inner.where, inner.kind == "LEFT"
    null_seg = inner.null_seg
    all_true = _all_true

    def joined():
        fetch = inner.probe()
        for batch in pages(None):
            out = []
            add = out.append
            for row in batch:
                if where and not all_true(where, row):
                    continue
                matched = False
                for seg in fetch(row):
                    r = row + seg
                    if on and not all_true(on, r):
                        continue
                    matched = True
                    if not inner_where or all_true(inner_where, r):
                        add(r)
                if left and not matched:
                    r = row + null_seg
                    if not inner_where or all_true(inner_where, r):
                        add(r)
            yield out
    return joined


def _staged_loop(levels, all_true):
    """The join as a pipeline of stages, one per level, each reading the rows
    of the levels before it: needed for RIGHT and FULL joins, whose level
    must see the whole left side before it knows which of its own rows
    matched nothing (those come last, with NULLs for every table before)."""
    def stage(rows, lv):
        on, where = lv.on, lv.where
        for prefix in rows:
            matched = False
            for seg in lv.access(prefix):
                row = prefix + seg
                if on and not all_true(on, row):
                    continue
                matched = True
                if not where or all_true(where, row):
                    yield row
            if not matched and lv.kind == "LEFT":
                row = prefix + lv.null_seg
                if not where or all_true(where, row):
                    yield row

    def outer_stage(rows, lv):
        on, where = lv.on, lv.where
        right = list(lv.access(None))
        hit = [False] * len(right)
        for prefix in rows:
            matched = False
            for j, seg in enumerate(right):
                row = prefix + seg
                if on and not all_true(on, row):
                    continue
                matched = hit[j] = True
                if not where or all_true(where, row):
                    yield row
            if not matched and lv.kind == "FULL":
                row = prefix + lv.null_seg
                if not where or all_true(where, row):
                    yield row
        nulls = [None] * lv.src.offset
        for j, seg in enumerate(right):
            if not hit[j]:
                row = nulls + seg
                if not where or all_true(where, row):
                    yield row

    def run():
        rows = iter([[]])
        for lv in levels:
            rows = (outer_stage if lv.kind in ("RIGHT", "FULL") else stage)(rows, lv)
        return rows
    return run


def _distinct(rows, rowkey):
    seen = set()
    for r in rows:
        k = rowkey(r)
        if k in seen:
            continue
        seen.add(k)
        yield r


# -- VALUES, compounds, ORDER BY over output columns -----------------------------------

def compile_values(db, body, env, parent, ctes):
    comp = Compiler(db, env)
    scope = Scope(parent, db)
    scope.ctes = ctes
    width = len(body.rows[0])
    for r in body.rows:
        if len(r) != width:
            raise errors.OperationalError("all VALUES must have the same number of terms")
    compiled = [[comp.compile(e, scope) for e in r] for r in body.rows]
    names = [f"column{i + 1}" for i in range(width)]
    # Each row is a SELECT of a UNION ALL to SQLite: the columns take the
    # first row's affinity, operands the last row's.
    affs = [affinity(scope, e) for e in body.rows[0]]
    fields = [(affinity(scope, e), explicit_collation(e), _coll_name(scope, e))
              for e in body.rows[-1]]

    def run():
        for fs in compiled:
            yield tuple(f(None) for f in fs)
    n = len(body.rows)
    explain = ["SCAN CONSTANT ROW" if n == 1 else f"SCAN {n} CONSTANT ROWS"] + \
        subquery_explain(comp)
    plan = QueryPlan(names, run, affinities=affs, correlated=scope.correlated, fields=fields,
                     explain=explain)
    plan.mixed_columns = tuple(i for i, a in enumerate(affs) if any(
        affinity(scope, r[i]) != a for r in body.rows[1:]))
    return plan


def _arm(db, node, env, parent, ctes, merge=False):
    if isinstance(node, ast.SelectCore):
        return compile_core(db, node, env, parent, ctes)
    if isinstance(node, ast.Values):
        return compile_values(db, node, env, parent, ctes)
    return compile_compound(db, node, env, parent, ctes, merge)


def compile_compound(db, body, env, parent, ctes, merge=False):
    """``left op right``.  Which of several equal rows (3 and 3.0, 'a' and
    'A' under NOCASE) survives follows SQLite: without ORDER BY it keeps
    rows in a temporary index where a later equal row replaces an earlier
    one (UNION: the last of all; INTERSECT/EXCEPT: the left's last); with
    ORDER BY (``merge``) it merges the sorted arms, emitting the right arm's
    row first on a tie (UNION) and otherwise the left's first."""
    left = _arm(db, body.left, env, parent, ctes, merge)
    right = _arm(db, body.right, env, parent, ctes, merge)
    if len(left.names) != len(right.names):
        raise errors.OperationalError(
            f"SELECTs to the left and right of {body.op} do not have the same number "
            "of result columns")
    op = body.op
    # Each column's collation is the leftmost arm's that has one.
    colls = [lc if lc is not None else rc for lc, rc in zip(left.collations, right.collations)]
    key = row_key_fn(colls)
    kfs = [order_key_fn(c, False, None) for c in colls]

    def ordered(rows):
        return sorted(rows, key=lambda r: tuple([kf(v) for kf, v in zip(kfs, r)]))

    def keep_left(rows):
        kept = {}
        for r in rows:
            if merge:
                kept.setdefault(key(r), r)
            else:
                kept[key(r)] = r
        return kept

    def run():
        if op == "UNION ALL":
            yield from left.rows()
            yield from right.rows()
            return
        lrows = keep_left(left.rows())
        if op == "UNION":
            if merge:
                lrows.update(keep_left(right.rows()))
            else:
                for r in right.rows():
                    lrows[key(r)] = r
            yield from ordered(lrows.values())
        elif op == "INTERSECT":
            rk = {key(r) for r in right.rows()}
            yield from ordered(r for k, r in lrows.items() if k in rk)
        else:  # EXCEPT
            rk = {key(r) for r in right.rows()}
            yield from ordered(r for k, r in lrows.items() if k not in rk)
    plan = QueryPlan(left.names, run, left.decltypes, left.affinities,
                     left.correlated or right.correlated, (), colls, right.fields)
    # The compound's columns take the leftmost SELECT's affinity (SQLite
    # 3.40's sqlite3SelectAddColumnTypeAndCollation): see mixed_columns.
    plan.mixed_columns = tuple(
        i for i, a in enumerate(left.affinities)
        if right.affinities[i] != a or i in left.mixed_columns or i in right.mixed_columns)
    plan.from_collations = left.from_collations
    plan.from_names = left.from_names
    if op == "UNION ALL":
        arms = left.union_all_arms if isinstance(body.left, ast.Compound) else [left]
        if arms is not None:
            plan.union_all_arms = arms + [right]
    if merge:
        def side(arm):
            return arm.explain if arm.arms is not None else \
                arm.explain + ["USE TEMP B-TREE FOR ORDER BY"]
        plan.arms = []
        plan.explain = [(f"MERGE ({op})", [("LEFT", side(left)), ("RIGHT", side(right))])]
    else:
        plan.arms = (left.arms if left.arms is not None and not left.explain[0][0].startswith(
            "MERGE") else [("", left)]) + [(op, right)]
        children = [("LEFT-MOST SUBQUERY", list(plan.arms[0][1].explain))]
        for o, arm in plan.arms[1:]:
            label = "UNION ALL" if o == "UNION ALL" else f"{o} USING TEMP B-TREE"
            children.append((label, list(arm.explain)))
        plan.explain = [("COMPOUND QUERY", children)]
    return plan


def finish_output(db, plan, env, parent, order_by, limit, offset, resolved=None):
    """ORDER BY / LIMIT over a compound or VALUES: terms name output columns
    (``resolved``: their (column index, COLLATE) for a compound)."""
    if not order_by and limit is None:
        return plan
    comp = Compiler(db, env)
    scope = Scope(parent, db)
    src = Source("", [n.lower() for n in plan.names], 0, None, plan.affinities, None,
                 plan.decltypes, has_rowid=False)
    src.name = plan.names
    scope.add_source(src)
    terms = []
    for k, term in enumerate(order_by):
        e = term.expr
        coll = _coll_name_of(e)
        while isinstance(e, ast.Collate):
            e = e.operand
        if resolved is not None:
            idx, coll = resolved[k]
        elif isinstance(e, ast.Literal) and isinstance(e.value, int):
            idx = e.value - 1
            if not 0 <= idx < len(plan.names):
                raise errors.OperationalError(
                    f"{_ordinal(k + 1)} ORDER BY term out of range - should be between 1 "
                    f"and {len(plan.names)}")
        elif isinstance(e, ast.Column) and e.name.lower() in src.columns:
            idx = src.columns.index(e.name.lower())
        else:
            raise errors.OperationalError(
                f"{_ordinal(k + 1)} ORDER BY term does not match any column in the result set")
        ck = C.lookup(coll, db.collations) if coll else plan.collations[idx]
        terms.append((idx, order_key_fn(ck, term.order == "DESC", term.nulls),
                      term.order == "DESC"))
    limit_get = _limit_offset(comp, scope, limit, offset)
    inner = plan._run

    def run():
        it = inner()
        if terms:
            rows = list(it)
            sort_rows(rows, terms)
            it = iter(rows)
        if limit_get is not None:
            it = _apply_limit(it, limit_get)
        return it
    # (A compound with an ORDER BY merges sorted arms: no sort of its own.)
    explain = plan.explain + (["USE TEMP B-TREE FOR ORDER BY"]
                              if terms and plan.arms is None else [])
    out = QueryPlan(plan.names, run, plan.decltypes, plan.affinities, plan.correlated,
                    explain, plan.collations)
    out.mixed_columns = plan.mixed_columns
    out.from_collations = plan.from_collations
    out.from_names = plan.from_names
    if limit is None:
        # (SQLite pushes no WHERE term into a query with a LIMIT.)
        out.union_all_arms = plan.union_all_arms
    return out

