"""Expression compiler: AST expressions -> Python closures over a row.

Every expression of a statement is compiled once, when the statement is
prepared, into a closure ``f(row) -> value`` where ``row`` is the flat list
of the current join row (each source's columns followed by its rowid).  The
work a tree-walking interpreter would redo per row -- name resolution,
affinity and collation choice, operator dispatch, constant folding of
LIKE patterns -- happens here, once.

Scopes
    A ``Scope`` is the column namespace of one query level: the sources of
    its FROM clause at fixed offsets in the row.  A subquery's scope has the
    enclosing scope as parent; a column found there compiles to a read of
    the parent's *current row*, which the parent publishes in ``scope.cell``
    when it evaluates the subquery (correlated subqueries).

Typing rules (SQLite's, see datatype3.html)
    - An expression's affinity: a column's declared affinity, CAST's target,
      else none.  Comparisons apply NUMERIC affinity to the other operand
      when one side is INTEGER/REAL/NUMERIC and the other is TEXT/BLOB/none,
      and TEXT affinity when one side is TEXT and the other none.
    - Collation of a comparison: an explicit COLLATE on the left (anywhere
      in the operand, see explicit_collation), else on the right, else the
      left column's, else the right column's, else BINARY.  Two integers
      compare as numbers whatever the affinity.
    - A comparison with a constant converts the constant once, when it
      compiles (``_literal_comparison``).  ``x IS [NOT] TRUE/FALSE`` (the
      keywords) tests x's truth.
    - ``x IN (list)`` uses x's affinity and collation only; ``x IN (SELECT
      y ...)`` compares as ``x = y``.  A unary + drops an affinity.

Row values
    ``(a, b) op (c, d)``, ``(a, b) IN (...)``, a subquery of several columns:
    ``operand`` describes each side as fields (affinity, explicit and
    implicit collation) and ``_row_compare`` compares field by field.
"""

from operator import itemgetter

from .. import errors
from ..sql import ast
from . import values as V
from . import collation as C
from . import functions as F
from . import likeglob



class Source:
    """One FROM-clause item as seen by name resolution."""

    __slots__ = ("name", "alias", "columns", "offset", "table", "affinities",
                 "collations", "decltypes", "rowid", "join_using", "used", "outer_using",
                 "indexed")

    def __init__(self, alias, columns, offset, table=None, affinities=None,
                 collations=None, decltypes=None, has_rowid=True):
        self.alias = alias
        self.columns = columns               # lower-cased names
        self.offset = offset
        self.table = table
        n = len(columns)
        self.affinities = affinities or [None] * n
        self.collations = collations or [None] * n
        self.decltypes = decltypes or [None] * n
        # The rowid sits right after the columns (None for subqueries).
        self.rowid = offset + n if has_rowid else None
        self.join_using = set()              # columns hidden by USING/NATURAL
        # USING/NATURAL columns of a RIGHT or FULL JOIN: the unqualified name
        # means the first non-NULL of the joined tables' columns.
        self.outer_using = set()
        # Columns the statement reads (-1 = rowid), filled in as expressions
        # compile: the planner decodes only these, or answers from an index.
        self.used = set()
        # INDEXED BY / NOT INDEXED: the indexes the planner may use (a tuple,
        # see planner.indexed_clause), None = any.
        self.indexed = None

    @property
    def width(self):
        return len(self.columns) + (1 if self.rowid is not None else 0)


class Cell:
    """Holds the current row of a scope for correlated subqueries."""
    __slots__ = ("row",)

    def __init__(self):
        self.row = None


class Scope:
    def __init__(self, parent=None, db=None):
        self.parent = parent
        self.db = db if db is not None else (parent.db if parent else None)
        self.sources = []
        self.width = 0
        self.cell = Cell()
        self.correlated = False     # refers to an enclosing scope
        self.agg_map = None         # aggregate Function node -> row slot
        self.alias_map = None       # result alias -> expression (ORDER BY / WHERE)
        self.ctes = parent.ctes if parent is not None else None
        self.subplans = {}          # id(ast.Subquery) -> (node, its QueryPlan)
        # The sources in nested-loop order: the FROM clause's, unless the
        # planner reorders an inner join (set_loop_order).
        self.loop = self.sources

    def set_loop_order(self, sources):
        """Run the nested loop over ``sources`` in this order: the row is the
        concatenation of their segments in loop order, so each source's
        offset moves.  Before any expression compiles (they bake offsets in);
        name resolution keeps the FROM clause's order."""
        width = 0
        for src in sources:
            src.offset = width
            if src.rowid is not None:
                src.rowid = width + len(src.columns)
            width += src.width
        self.loop = list(sources)

    def add_source(self, src):
        src.offset = self.width
        if src.rowid is not None:
            src.rowid = src.offset + len(src.columns)
        self.sources.append(src)
        self.width += src.width
        return src

    def find(self, name, table):
        """-> (src, column index or -1 for rowid) in this scope, or None."""
        lname = name.lower()
        if table is not None:
            lt = table.lower()
            for src in self.sources:
                if src.alias == lt:
                    return self._in(src, lname, name, table)
            return None
        hit = None
        for src in self.sources:
            if lname in src.columns:
                if hit is not None and lname not in src.join_using:
                    raise errors.OperationalError(f"ambiguous column name: {name}")
                if hit is None:
                    hit = (src, src.columns.index(lname))
        if hit is None and lname in ("rowid", "oid", "_rowid_"):
            for src in self.sources:
                if src.rowid is not None:
                    if hit is not None:
                        raise errors.OperationalError(f"ambiguous column name: {name}")
                    hit = (src, -1)
        return hit

    @staticmethod
    def _in(src, lname, name, table):
        if lname in src.columns:
            return src, src.columns.index(lname)
        if lname in ("rowid", "oid", "_rowid_") and src.rowid is not None:
            return src, -1
        raise errors.OperationalError(f"no such column: {table}.{name}")


# -- static properties of expressions ----------------------------------------

def _strip(e):
    while isinstance(e, ast.Unary) and e.op == "+":
        e = e.operand
    return e


def resolve(scope, e):
    """Find a column reference: -> (scope, src, index) or None."""
    s = scope
    while s is not None:
        hit = s.find(e.name, e.table)
        if hit is not None:
            return s, hit[0], hit[1]
        s = s.parent
    return None


def affinity(scope, e):
    """The affinity of an expression, or None (no affinity)."""
    while True:
        if isinstance(e, ast.Column):
            hit = resolve(scope, e)
            if hit is None:
                return None
            _, src, i = hit
            return "INTEGER" if i < 0 else src.affinities[i]
        if isinstance(e, ast.Cast):
            return V.affinity_of(e.type_name)
        if isinstance(e, ast.Collate):
            # (A unary + keeps the collation but drops the affinity.)
            e = e.operand
            continue
        if isinstance(e, ast.Subquery):
            # Its first column's, known once the subquery has compiled.
            plan = scope.subplans.get(id(e)) if scope is not None else None
            return plan[1].fields[0][0] if plan is not None else None
        return None


def explicit_collation(e):
    """The collation named by a COLLATE operator in ``e`` that decides its
    collation: SQLite (sqlite3ExprCollSeq, following EP_Collate) takes the
    one at the top, else goes into the first operand that holds one, left
    before right, e.g. -(x COLLATE NOCASE) or x || (y COLLATE RTRIM)."""
    while True:
        if isinstance(e, ast.Collate):
            return e.collation
        for c in children(e):
            if any(isinstance(n, ast.Collate) for n in walk(c)):
                e = c
                break
        else:
            return None


def collation(scope, e):
    """Explicit COLLATE, else the column's declared collation, else None."""
    c = explicit_collation(e)
    if c is not None:
        return c
    e = _strip(e)
    while isinstance(e, ast.Cast):
        # A CAST keeps its operand's collation (sqlite3ExprCollSeq).
        e = _strip(e.operand)
    if isinstance(e, ast.Column):
        hit = resolve(scope, e)
        if hit is not None:
            _, src, i = hit
            if i >= 0:
                return src.collations[i] or "BINARY"
            return "BINARY"
    return None


def binary_collation(scope, left, right):
    c = explicit_collation(left)
    if c is None:
        c = explicit_collation(right)
    if c is None:
        c = collation(scope, left)
    if c is None:
        c = collation(scope, right)
    return c


def comparison_affinity(scope, left, right):
    """What to apply to both operands before comparing: 'NUMERIC', 'TEXT' or None."""
    return V.comparison_affinity(affinity(scope, left), affinity(scope, right))


def is_aggregate_call(db, e):
    """An aggregate of its query (``f(...) OVER ...`` is a window function)."""
    return isinstance(e, ast.Function) and e.over is None and \
        F.is_aggregate(e.name, len(e.args), e.star, db.functions if db else None)


def contains_aggregate(db, e):
    """Does ``e`` contain an aggregate call of this level (not inside a subquery)?"""
    found = []

    def visit(n):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect)):
            if isinstance(n, ast.InSelect):
                visit(n.operand)
            return
        if is_aggregate_call(db, n):
            found.append(n)
            return
        for child in children(n):
            visit(child)
    visit(e)
    return bool(found)


def children(e):
    """The direct sub-expressions of ``e`` (not into subqueries)."""
    if isinstance(e, (ast.Literal, ast.Param, ast.Column, ast.Star, ast.Raise)):
        return ()
    if isinstance(e, ast.Unary):
        return (e.operand,)
    if isinstance(e, ast.Binary):
        return (e.left, e.right)
    if isinstance(e, ast.IsNull):
        return (e.operand,)
    if isinstance(e, ast.Like):
        return (e.operand, e.pattern) + ((e.escape,) if e.escape is not None else ())
    if isinstance(e, ast.Between):
        return (e.operand, e.low, e.high)
    if isinstance(e, ast.InList):
        return (e.operand,) + tuple(e.items)
    if isinstance(e, (ast.InSelect, ast.InTable)):
        return (e.operand,)
    if isinstance(e, ast.Function):
        return tuple(e.args)
    if isinstance(e, ast.Case):
        out = [] if e.base is None else [e.base]
        for w, t in e.whens:
            out += [w, t]
        if e.else_ is not None:
            out.append(e.else_)
        return tuple(out)
    if isinstance(e, (ast.Cast, ast.Collate)):
        return (e.operand,)
    if isinstance(e, ast.Tuple):
        return tuple(e.items)
    return ()


def walk(e):
    yield e
    for c in children(e):
        yield from walk(c)


# -- the compiler ---------------------------------------------------------------

class Compiler:
    """Compiles expressions of one statement.  ``env`` carries what varies
    per execution: the bound parameters and the connection."""

    def __init__(self, db, env):
        self.db = db
        self.env = env
        # Subqueries compiled in expressions, for EXPLAIN QUERY PLAN:
        # ("SCALAR" or "LIST", the Select node, its QueryPlan).
        self.subqueries = []

    def compile(self, e, scope):
        m = getattr(self, "c_" + type(e).__name__, None)
        if m is None:
            raise errors.OperationalError(f"unsupported expression: {type(e).__name__}")
        return m(e, scope)

    # leaves
    def c_Literal(self, e, scope):
        v = e.value
        return lambda row: v

    def c_Param(self, e, scope):
        env = self.env
        i = e.index - 1
        return lambda row: env.params[i]

    def c_Column(self, e, scope):
        if scope.agg_map is not None and e in scope.agg_map:
            return itemgetter(scope.agg_map[e])
        hit = resolve(scope, e)
        if hit is None:
            if e.double_quoted:
                v = e.name
                return lambda row: v
            s = scope
            while s is not None and e.table is None:
                # A result column alias (WHERE, GROUP BY, HAVING, ORDER BY),
                # possibly of an enclosing query.
                if s.alias_map and e.name.lower() in s.alias_map:
                    f = self.compile(s.alias_map[e.name.lower()], s)
                    if s is scope:
                        return f
                    t = scope
                    while t is not s:
                        t.correlated = True
                        t = t.parent
                    cell = s.cell
                    return lambda row: f(cell.row)
                s = s.parent
            name = e.name if e.table is None else f"{e.table}.{e.name}"
            raise errors.OperationalError(f"no such column: {name}")
        owner, src, i = hit
        get = self._column_getter(scope, owner, src, i)
        if e.table is not None or i < 0:
            return get
        lname = e.name.lower()
        partners = [s for s in owner.sources if lname in s.outer_using and s is not src]
        if not partners:
            return get
        gets = [get] + [self._column_getter(scope, owner, s, s.columns.index(lname))
                        for s in partners]

        def coalesce(row):
            for g in gets:
                v = g(row)
                if v is not None:
                    return v
            return None
        return coalesce

    def _column_getter(self, scope, owner, src, i):
        src.used.add(i)
        pos = src.rowid if i < 0 else src.offset + i
        if owner is scope:
            return itemgetter(pos)
        # An enclosing query's column: read its current row.
        s = scope
        while s is not owner:
            s.correlated = True
            s = s.parent
        cell = owner.cell
        return lambda row: cell.row[pos]

    def c_Star(self, e, scope):
        raise errors.OperationalError('near "*": syntax error')

    # operators
    def c_Unary(self, e, scope):
        f = self.compile(e.operand, scope)
        op = e.op
        if op == "+":
            return f
        if op == "-":
            neg = V.negate
            return lambda row: neg(f(row))
        if op == "~":
            bitnot = V.bitnot
            return lambda row: bitnot(f(row))
        if op == "NOT":
            truth = V.truth

            def not_(row):
                t = truth(f(row))
                return None if t is None else (0 if t else 1)
            return not_
        raise errors.OperationalError(f"unsupported operator {op}")

    def c_Binary(self, e, scope):
        op = e.op
        if op in ("AND", "OR"):
            return self._logical(e, scope)
        if op in ("=", "!=", "<", "<=", ">", ">=", "IS", "IS NOT"):
            return self.comparison(op, e.left, e.right, scope)
        lf = self.compile(e.left, scope)
        rf = self.compile(e.right, scope)
        fn = V.BINARY_OPS.get(op)
        if fn is None:
            raise errors.OperationalError(f"unsupported operator {op}")
        right = _strip(e.right)
        if op == "%" and isinstance(right, ast.Literal) and type(right.value) is int and \
                right.value:
            # x % N (bucketing, GROUP BY a % 100): integers without the
            # general dispatch; C's sign rule (the dividend's) by hand.
            m = abs(right.value)
            y = right.value

            def mod_const(row):
                x = lf(row)
                if type(x) is int:
                    r = x % m
                    return r - m if x < 0 and r else r
                return fn(x, y)
            return mod_const
        return lambda row: fn(lf(row), rf(row))

    def _logical(self, e, scope):
        lf = self.compile(e.left, scope)
        rf = self.compile(e.right, scope)
        truth = V.truth
        if e.op == "AND":
            def and_(row):
                a = truth(lf(row))
                if a is False:
                    return 0
                b = truth(rf(row))
                if b is False:
                    return 0
                if a is None or b is None:
                    return None
                return 1
            return and_

        def or_(row):
            a = truth(lf(row))
            if a is True:
                return 1
            b = truth(rf(row))
            if b is True:
                return 1
            if a is None or b is None:
                return None
            return 0
        return or_

    def converter(self, aff):
        return V.comparison_converter(aff)

    def comparison(self, op, left, right, scope):
        """Compile ``left op right`` with SQLite's affinity and collation rules."""
        if isinstance(left, _VECTORISH) or isinstance(right, _VECTORISH):
            return self._row_comparison(op, left, right, scope)
        lf = self.compile(left, scope)
        r = right
        while isinstance(r, ast.Collate):
            r = r.operand
        if op in ("IS", "IS NOT") and isinstance(r, ast.Literal) and \
                isinstance(r.text, str) and r.text.upper() in ("TRUE", "FALSE"):
            # ``x IS [NOT] TRUE/FALSE`` (the keywords, on the right) tests
            # x's truth, not equality with 1 or 0 (SQLite's TK_TRUTH).
            want = r.text.upper() == "TRUE"
            yes, no = (1, 0) if op == "IS" else (0, 1)
            truth = V.truth
            return lambda row: yes if truth(lf(row)) is want else no
        rf = self.compile(right, scope)
        conv = self.converter(comparison_affinity(scope, left, right))
        coll = binary_collation(scope, left, right)
        cmp = V.compare_fn(C.lookup(coll, self.db.collations) if coll else None)
        lit, other, lop = _strip(right), lf, op
        if not isinstance(lit, ast.Literal):
            lit, other, lop = _strip(left), rf, _FLIPPED[op]
        if isinstance(lit, ast.Literal) and lit.value is not None:
            f = _literal_comparison(lop, other, lit.value, conv, cmp,
                                    other is lf or cmp is _BINARY_CMP,
                                    self._mod_const(left if other is lf else right, scope))
            if f is not None:
                return f
        return _scalar_comparison(op, lf, rf, conv, cmp)

    def _mod_const(self, e, scope):
        """(getter of x, y) when ``e`` is ``x % y``, x a column and y a
        non-zero integer literal (the shape c_Binary's mod_const takes),
        else None."""
        e = _strip(e)
        if isinstance(e, ast.Binary) and e.op == "%":
            x, y = _strip(e.left), _strip(e.right)
            if isinstance(x, ast.Column) and isinstance(y, ast.Literal) and \
                    type(y.value) is int and y.value:
                return self.compile(x, scope), y.value
        return None

    # -- row values ---------------------------------------------------------------

    def operand(self, e, scope):
        """A comparison operand as fields: -> (getter, fields, is_row).

        ``fields`` holds (affinity, explicit collation, implicit collation)
        per field; ``getter(row)`` returns the value, or for a row value
        (``(a, b)``, a subquery of several columns) the list of values."""
        if isinstance(e, ast.Tuple):
            fs = [self.compile(x, scope) for x in e.items]
            fields = [(affinity(scope, x), explicit_collation(x), collation(scope, x))
                      for x in e.items]
            return (lambda row: [f(row) for f in fs]), fields, True
        if isinstance(e, ast.Subquery):
            sub, cache = self._subquery(e, scope)
            cell = scope.cell
            n = len(sub.names)
            if n == 1:
                # A scalar subquery compares with its column's affinity but
                # not its collation (SQLite's sqlite3ExprCollSeq stops there).
                def scalar(row):
                    cell.row = row
                    r = cache.first(row)
                    return None if r is _NONE else r[0]
                return scalar, [(sub.fields[0][0], None, None)], False
            nulls = [None] * n

            def first_row(row):
                cell.row = row
                r = cache.first(row)
                return nulls if r is _NONE else list(r)
            return first_row, list(sub.fields), True
        f = self.compile(e, scope)
        return f, [(affinity(scope, e), explicit_collation(e), collation(scope, e))], False

    def field_comparator(self, lf, rf):
        """(convert, compare) for two fields described as in ``operand``."""
        conv = self.converter(V.comparison_affinity(lf[0], rf[0]))
        coll = lf[1] or rf[1]
        if coll is None:
            coll = lf[2] if lf[2] is not None else rf[2]
        if isinstance(coll, str):
            coll = C.lookup(coll, self.db.collations)
        return conv, V.compare_fn(coll)

    def _row_comparison(self, op, left, right, scope):
        lget, lfields, lrow = self.operand(left, scope)
        rget, rfields, rrow = self.operand(right, scope)
        if not lrow and not rrow:
            conv, cmp = self.field_comparator(lfields[0], rfields[0])
            return _scalar_comparison(op, lget, rget, conv, cmp)
        if not (lrow and rrow) or len(lfields) != len(rfields):
            raise errors.OperationalError("row value misused")
        pairs = [self.field_comparator(a, b) for a, b in zip(lfields, rfields)]
        return _row_compare(op, lget, rget, pairs)
    def c_IsNull(self, e, scope):
        f = self.compile(e.operand, scope)
        if e.negated:
            return lambda row: 0 if f(row) is None else 1
        return lambda row: 1 if f(row) is None else 0

    def c_Between(self, e, scope):
        # x BETWEEN a AND b  ==  x >= a AND x <= b, each with its own affinity
        ge = self.comparison(">=", e.operand, e.low, scope)
        le = self.comparison("<=", e.operand, e.high, scope)
        neg = e.negated

        def between(row):
            a = ge(row)
            if a == 0:
                return 1 if neg else 0
            b = le(row)
            if b == 0:
                return 1 if neg else 0
            if a is None or b is None:
                return None
            return 0 if neg else 1
        return between

    def c_Like(self, e, scope):
        op = e.op
        args = (e.pattern, e.operand) + ((e.escape,) if e.escape is not None else ())
        user = self.db.functions.user.get(op.lower()) if self.db.functions.user else None
        if op in ("MATCH", "REGEXP") or (user and (user.get(len(args)) or user.get(-1))) \
                or (op == "GLOB" and e.escape is not None):
            # The operator calls the function of its name: op(pattern, x[, escape]).
            try:
                F.lookup(op.lower(), len(args), self.db.functions)
            except errors.OperationalError:
                if op == "MATCH":
                    raise errors.OperationalError(
                        "unable to use function MATCH in the requested context") from None
                if op == "REGEXP":
                    raise errors.OperationalError("no such function: REGEXP") from None
                raise
            call = self.c_Function(ast.Function(op.lower(), args), scope)
        else:
            call = self._like_glob(e, scope)
        neg = e.negated
        truth = V.truth

        def like(row):
            t = truth(call(row))
            if t is None:
                return None
            return (0 if t else 1) if neg else (1 if t else 0)
        return like

    def _like_glob(self, e, scope):
        """The built-in LIKE / GLOB: a constant pattern is compiled once."""
        f = self.compile(e.operand, scope)
        pat, esc = _strip(e.pattern), e.escape
        if e.op == "GLOB":
            if isinstance(pat, ast.Literal):
                match = likeglob.glob_fn(pat.value)
                return lambda row: match(f(row))
            pf = self.compile(e.pattern, scope)
            glob = V.glob
            return lambda row: glob(pf(row), f(row))
        cs = bool(getattr(self.db, "case_sensitive_like", False))
        if isinstance(pat, ast.Literal) and (esc is None or isinstance(_strip(esc), ast.Literal)):
            args = (pat.value,) if esc is None else (pat.value, _strip(esc).value)
            match = likeglob.like_fn(*args, case_sensitive=cs)
            return lambda row: match(f(row))
        pf = self.compile(e.pattern, scope)
        like = V.like
        if esc is None:
            return lambda row: like(pf(row), f(row), case_sensitive=cs)
        ef = self.compile(esc, scope)
        return lambda row: like(pf(row), f(row), ef(row), cs)

    def c_InList(self, e, scope):
        if not e.items:
            v = 1 if e.negated else 0
            return lambda row: v
        hit, miss = (0, 1) if e.negated else (1, 0)
        lget, lfields, lrow = self.operand(e.operand, scope)
        if lrow:
            return self._row_in_list(e, lget, lfields, hit, miss, scope)
        if any(isinstance(i, ast.Tuple) for i in e.items):
            raise errors.OperationalError("row value misused")
        # SQLite compares with the left operand's affinity and collation only
        # (a list has neither).
        aff, explicit, implicit = lfields[0]
        conv = self.converter(V.comparison_affinity(aff, None))
        coll = C.lookup(explicit or implicit, self.db.collations) \
            if (explicit or implicit) else None
        items = [_strip(i) for i in e.items]
        if all(isinstance(i, ast.Literal) and i.value is not None for i in items) and \
                (coll is None or coll.key is not None):
            # Constants: one set lookup.  Python's ==/hash agree with SQLite's
            # equality here: int against float exactly, text never equal to
            # numbers or blobs, text compared by the collation's key.
            tkey = coll.key if coll is not None else None
            keyset = set()
            for i in items:
                v = conv(i.value) if conv is not None else i.value
                keyset.add(tkey(v) if tkey is not None and type(v) is str else v)

            def in_set(row):
                a = lget(row)
                if a is None:
                    return None
                if conv is not None:
                    a = conv(a)
                if tkey is not None and type(a) is str:
                    a = tkey(a)
                return hit if a in keyset else miss
            return in_set
        fs = [self.compile(i, scope) for i in e.items]
        cmp = V.compare_fn(coll)

        def in_list(row):
            a = lget(row)
            if a is None:
                return None
            if conv is not None:
                a = conv(a)
            saw_null = False
            for f in fs:
                b = f(row)
                if b is None:
                    saw_null = True
                    continue
                if conv is not None:
                    b = conv(b)
                if cmp(a, b) == 0:
                    return hit
            return None if saw_null else miss
        return in_list

    def _row_in_list(self, e, lget, lfields, hit, miss, scope):
        n = len(lfields)
        tests = []
        for item in e.items:
            k = len(item.items) if isinstance(item, ast.Tuple) else 1
            if k != n:
                raise errors.OperationalError(
                    f"IN(...) element has {k} term{'s' if k != 1 else ''} - expected {n}")
            rget, rfields, _ = self.operand(item, scope)
            pairs = [self.field_comparator(a, b) for a, b in zip(lfields, rfields)]
            tests.append(_row_compare("=", lget, rget, pairs))
        return _any_equal(tests, hit, miss)

    def c_InSelect(self, e, scope):
        lget, lfields, lrow = self.operand(e.operand, scope)
        sub, cache = self._subquery(e, scope)
        n = len(sub.names)
        if n != len(lfields):
            raise errors.OperationalError(
                f"sub-select returns {n} columns - expected {len(lfields)}")
        hit, miss = (0, 1) if e.negated else (1, 0)
        cell = scope.cell
        if lrow:
            pairs = [self.field_comparator(a, b) for a, b in zip(lfields, sub.fields)]
            eq = _row_compare("=", itemgetter(0), itemgetter(1), pairs)

            def row_in_select(row):
                a = lget(row)
                cell.row = row
                unknown = False
                for b in cache.rows(row):
                    r = eq((a, b))
                    if r == 1:
                        return hit
                    if r is None:
                        unknown = True
                return None if unknown else miss
            return row_in_select
        conv, cmp = self.field_comparator(lfields[0], sub.fields[0])

        def in_select(row):
            a = lget(row)
            cell.row = row
            values, has_null = cache.values(row)
            if not values and not has_null:
                return miss
            if a is None:
                return None
            if conv is not None:
                a = conv(a)
                for b in values:
                    if cmp(a, conv(b)) == 0:
                        return hit
            else:
                for b in values:
                    if cmp(a, b) == 0:
                        return hit
            return None if has_null else miss
        return in_select

    def c_InTable(self, e, scope):
        if e.args is not None:
            raise errors.OperationalError(f"no such table: {e.table}")
        sel = ast.Select(body=ast.SelectCore(columns=(ast.ResultColumn(ast.Star()),),
                                             from_=ast.TableRef(e.table, e.schema)))
        return self.c_InSelect(ast.InSelect(e.operand, sel, e.negated), scope)

    def c_Exists(self, e, scope):
        sub, cache = self._subquery(e, scope)
        cell = scope.cell

        def exists(row):
            cell.row = row
            return 1 if cache.first(row) is not _NONE else 0
        return exists

    def c_Subquery(self, e, scope):
        get, fields, is_row = self.operand(e, scope)
        if is_row:
            raise errors.OperationalError(
                f"sub-select returns {len(fields)} columns - expected 1")
        return get

    def _subquery(self, e, scope):
        """Compile the query of a Subquery / Exists / InSelect node once:
        -> (QueryPlan, _SubqueryCache)."""
        from .select import compile_subquery
        sub = compile_subquery(self.db, e.select, scope, self.env)
        scope.subplans[id(e)] = (e, sub)
        kind = "LIST" if isinstance(e, (ast.InSelect, ast.InTable)) else "SCALAR"
        self.subqueries.append((kind, e.select, sub))
        return sub, _SubqueryCache(self.env, sub)

    def c_Function(self, e, scope):
        if scope.agg_map is not None and e in scope.agg_map:
            return itemgetter(scope.agg_map[e])
        if e.over is not None:
            raise errors.NotSupportedError(
                f"window functions ({e.name}() OVER ...) are not supported by minisql")
        if is_aggregate_call(self.db, e):
            raise errors.OperationalError(f"misuse of aggregate function {e.name}()")
        if e.filter is not None:
            raise errors.OperationalError(
                f"FILTER may not be used with non-aggregate {e.name}()")
        name = e.name.lower()
        args = [self.compile(a, scope) for a in e.args]
        fd = F.lookup(name, len(args), self.db.functions)
        if fd.is_agg:
            raise errors.OperationalError(f"misuse of aggregate function {e.name}()")
        coll = None
        if fd.needs_collation:
            # min(), max(), nullif(): the first argument with a collation.
            for a in e.args:
                c = collation(scope, a)
                if c is not None:
                    coll = C.lookup(c, self.db.collations)
                    break
        fn = fd.scalar(coll)
        if fd.lazy and name in ("coalesce", "ifnull"):
            def coalesce(row):
                for a in args:
                    v = a(row)
                    if v is not None:
                        return v
                return None
            return coalesce
        if fd.lazy and name == "iif":
            c, t, f = args
            truth = V.truth
            return lambda row: t(row) if truth(c(row)) else f(row)
        ctx = self.env
        if fd.needs_context:
            if not args:
                return lambda row: fn(ctx)
            return lambda row: fn(ctx, *[a(row) for a in args])
        if len(args) == 0:
            return lambda row: fn()
        if len(args) == 1:
            a0 = args[0]
            return lambda row: fn(a0(row))
        if len(args) == 2:
            a0, a1 = args
            return lambda row: fn(a0(row), a1(row))
        return lambda row: fn(*[a(row) for a in args])

    def c_Case(self, e, scope):
        whens = []
        if e.base is not None:
            for w, t in e.whens:
                whens.append((self.comparison("=", e.base, w, scope), self.compile(t, scope)))
        else:
            truth = V.truth
            for w, t in e.whens:
                wf = self.compile(w, scope)
                whens.append(((lambda wf: lambda row: 1 if truth(wf(row)) else 0)(wf),
                              self.compile(t, scope)))
        ef = self.compile(e.else_, scope) if e.else_ is not None else (lambda row: None)

        def case(row):
            for w, t in whens:
                if w(row) == 1:
                    return t(row)
            return ef(row)
        return case

    def c_Cast(self, e, scope):
        f = self.compile(e.operand, scope)
        cast = V.cast_fn(e.type_name)
        return lambda row: cast(f(row))

    def c_Collate(self, e, scope):
        # The collation is looked up where it is used (a comparison, a sort):
        # SQLite accepts an unknown one that nothing uses.
        return self.compile(e.operand, scope)

    def c_Tuple(self, e, scope):
        raise errors.OperationalError("row value misused")

    def c_Raise(self, e, scope):
        env = self.env
        msg = e.message.value if isinstance(e.message, ast.Literal) else None
        action = e.action

        def raise_(row):
            env.raise_from_trigger(action, msg)
        return raise_


def _scalar_comparison(op, lf, rf, conv, cmp):
    """``a op b`` for two scalars; ``conv`` the affinity applied to both."""
    test = _CMP_TESTS[op]
    if op in ("IS", "IS NOT"):
        want = op == "IS"

        def is_(row):
            a, b = lf(row), rf(row)
            if a is None or b is None:
                return 1 if (a is None and b is None) == want else 0
            if conv is not None and (type(a) is not int or type(b) is not int):
                a, b = conv(a), conv(b)
            return 1 if (cmp(a, b) == 0) == want else 0
        return is_
    if conv is None:
        def compare(row):
            a = lf(row)
            if a is None:
                return None
            b = rf(row)
            if b is None:
                return None
            return 1 if test(cmp(a, b)) else 0
    else:
        # Two integers compare as numbers whatever the affinity (SQLite's
        # comparison opcodes take that case first): an integer of a
        # compound's TEXT column against an integer stays a number.
        def compare(row):
            a = lf(row)
            if a is None:
                return None
            b = rf(row)
            if b is None:
                return None
            if type(a) is int and type(b) is int:
                return 1 if test(cmp(a, b)) else 0
            return 1 if test(cmp(conv(a), conv(b))) else 0
    return compare


_BINARY_CMP = V.compare_fn(None)
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=",
            "IS": "IS", "IS NOT": "IS NOT"}
_PY_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
           "IS": "==", "IS NOT": "!="}
_literal_makers = {}        # (op, fast test) -> the compiled maker


def _literal_comparison(op, lf, b, conv, cmp, ordered, mod=None):
    """``a op b`` where b is a constant (a non-NULL literal): the constant's
    affinity conversion is done once, here, and the common case -- ``a``
    of the type the converted constant has, compared by Python's operator,
    which is SQLite's order within a storage class (int against float
    exactly, text by BINARY, blobs by memcmp) -- runs without the
    conv/cmp/test calls.  Anything else takes _scalar_comparison's steps.
    ``ordered``: cmp may take the operands in this order (a collation sees
    its left operand first; a comparison flipped to put its constant on the
    right is not, unless BINARY).  Returns None for a text constant that
    cannot be compared so: the caller then takes _scalar_comparison.

    ``mod``: ``a`` is ``x % y`` (y a non-zero integer constant, x read by
    the getter ``xf``), as (xf, y) -- ``id % 3 = 0`` -- and b a number:
    an integer x's remainder is compared inline (no affinity applies to
    either side, so none is passed)."""
    bc = conv(b) if conv is not None else b
    tb = type(bc)
    if mod is not None and (conv is not None or (tb is not int and tb is not float)):
        mod = None
    if tb is int or tb is float:
        # Numbers: conv (NUMERIC, or none) leaves a number unchanged.
        fast = "ta is int or ta is float"
    elif tb is bytes:
        fast = "ta is bytes"        # no affinity changes a blob
    elif tb is str and cmp is _BINARY_CMP and conv is not V.numeric_for_compare:
        # (NUMERIC affinity could turn a text ``a`` into a number.)
        fast = "ta is str"
    elif tb is str and ordered:
        fast = "False"
    else:
        return None
    key = (op, fast, mod is not None)
    make = _literal_makers.get(key)
    if make is None:
        null = {"IS": "0", "IS NOT": "1"}.get(op, "None")
        # SQLite's % on integers takes the dividend's sign (C's rule).
        head = "a = lf(row)" if mod is None else f"""x = xf(row)
        if type(x) is int:
            a = x % m
            if x < 0 and a:
                a -= m
            return 1 if a {_PY_OPS[op]} bc else 0
        a = rem(x, y)"""
        src = f"""def make(lf, b, bc, conv, cmp, test, xf, y, m, rem):
    b_int = type(b) is int

    def compare(row):
        {head}
        if a is None:
            return {null}
        ta = type(a)
        if {fast}:
            return 1 if a {_PY_OPS[op]} bc else 0
        # Two integers compare as numbers whatever the affinity.
        if conv is None or (b_int and ta is int):
            return 1 if test(cmp(a, b)) else 0
        return 1 if test(cmp(conv(a), bc)) else 0
    return compare
"""
        scope = {}
        exec(src, scope)
        make = _literal_makers[key] = scope["make"]
    xf, y = mod if mod is not None else (None, 1)
    return make(lf, b, bc, conv, cmp, _CMP_TESTS[op], xf, y, abs(y), V.BINARY_OPS["%"])


def _row_compare(op, lget, rget, pairs):
    """``(a, b, ...) op (x, y, ...)`` field by field, as SQLite: = and !=
    are the AND / OR of the fields' results, IS / IS NOT the same with NULLs
    equal, and the orderings decide at the first unequal field (a NULL met
    before that makes the answer NULL)."""
    n = len(pairs)
    if op in ("=", "!=", "IS", "IS NOT"):
        nulls_equal = op in ("IS", "IS NOT")
        yes, no = (1, 0) if op in ("=", "IS") else (0, 1)

        def equal(row):
            a, b = lget(row), rget(row)
            unknown = False
            for i in range(n):
                x, y = a[i], b[i]
                if x is None or y is None:
                    if nulls_equal:
                        if x is not y:
                            return no
                        continue
                    unknown = True
                    continue
                conv, cmp = pairs[i]
                if conv is not None and (type(x) is not int or type(y) is not int):
                    x, y = conv(x), conv(y)
                if cmp(x, y) != 0:
                    return no
            return None if unknown else yes
        return equal
    test = _CMP_TESTS[op]

    def order(row):
        a, b = lget(row), rget(row)
        for i in range(n):
            x, y = a[i], b[i]
            if x is None or y is None:
                return None
            conv, cmp = pairs[i]
            if conv is not None and (type(x) is not int or type(y) is not int):
                x, y = conv(x), conv(y)
            c = cmp(x, y)
            if c != 0 or i == n - 1:
                return 1 if test(c) else 0
    return order


_VECTORISH = (ast.Tuple, ast.Subquery)


def _any_equal(tests, hit, miss):
    """``x IN (row, row, ...)``: hit when a test is 1, NULL when none is but
    one is NULL."""
    def in_rows(row):
        unknown = False
        for t in tests:
            r = t(row)
            if r == 1:
                return hit
            if r is None:
                unknown = True
        return None if unknown else miss
    return in_rows


_CMP_TESTS = {
    "=": lambda c: c == 0, "!=": lambda c: c != 0, "<": lambda c: c < 0,
    "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0,
    "IS": lambda c: c == 0, "IS NOT": lambda c: c != 0,
}

_NONE = object()


class _SubqueryCache:
    """Runs a subquery; an uncorrelated one only once per execution of the
    enclosing statement (``env.generation`` changes per execution)."""

    __slots__ = ("env", "sub", "gen", "first_row", "vals")

    def __init__(self, env, sub):
        self.env = env
        self.sub = sub
        self.gen = -1
        self.first_row = _NONE
        self.vals = None

    def first(self, row):
        if not self.sub.correlated and self.gen == self.env.generation:
            return self.first_row
        it = self.sub.rows()
        r = _NONE
        for r in it:
            break
        it.close()
        self.first_row = r
        self.gen = self.env.generation
        return r

    def rows(self, row):
        """Every row (tuples), for row-value IN."""
        if self.sub.correlated or self.gen != self.env.generation or self.vals is None:
            self.vals = list(self.sub.rows())
            self.gen = self.env.generation
        return self.vals

    def values(self, row):
        if self.sub.correlated or self.gen != self.env.generation or self.vals is None:
            vals = [r[0] for r in self.sub.rows()]
            nonnull = [v for v in vals if v is not None]
            self.vals = (nonnull, len(nonnull) != len(vals))
            self.gen = self.env.generation
        return self.vals
