"""Access paths: how one FROM item of a query reads its rows.

For each table in the nested loop the planner looks at the WHERE/ON terms
that can be evaluated when that table's turn comes (they read only
constants, parameters and tables earlier in the loop) and picks, best
first:

    1. rowid equality          SEARCH t USING INTEGER PRIMARY KEY (rowid=?)
    2. index equality on leading columns (+ a range on the next one)
                               SEARCH t USING INDEX i (a=? AND b>?)
    3. rowid range             SEARCH t USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)
    4. index range on the first column
    5. full scan               SCAN t
                               SCAN t USING COVERING INDEX i  (when i holds
                               every column the query reads and its rows are
                               estimated narrower: see _index_for_scan)
                               MULTI-INDEX OR  (when each part of an OR term
                               can seek and together they cost less)

Equalities reach a table through equal columns (``t.a = u.b AND u.b = 5``
lets t seek a = 5, SQLite's transitive constraints), and ``x = 1 OR x = 2``
is ``x IN (1, 2)``.  The outer loop may instead scan the rowid or an index
in the order the query's ORDER BY, GROUP BY or DISTINCT wants, forward or
backward, when SQLite's costs say that beats seeking and sorting
(OrderWanted, _delivers): the query then skips its sort.

The chosen path only narrows which rows are visited: every term stays a
filter of its level, so a path may return a superset of the matching rows
(it must keep key order).  Seek keys get the comparison's affinity applied
first (``WHERE a = '5'`` on an INTEGER column seeks 5), and an index is used
only when its collation is the comparison's.
"""

import copy
import math
from itertools import chain, compress as _compress, count as _count, islice, \
    repeat as _repeat
from operator import is_ as _is, itemgetter as _itemgetter, setitem as _setitem

from .. import errors
from ..sql import ast
from ..storage.record import KeyInfo
from . import collation as C
from . import values as V
from .estimates import index_width, table_width
from .expr import affinity, binary_collation, collation as expr_collation, \
    comparison_affinity, explicit_collation, resolve, walk

_FLIP = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NUMERIC = ("INTEGER", "REAL", "NUMERIC")


def row_layout(table, used):
    """What building a row segment needs: the column count, the rowid alias,
    how many leading record columns to decode, the REAL columns among them,
    and per record length the defaults of the columns it lacks."""
    n = len(table.columns)
    ipk = table.rowid_alias
    defaults = [_constant_default(c) for c in table.columns]
    want = n
    if used is not None:
        want = max([i for i in used if i >= 0 and i != ipk], default=-1) + 1
    reals = [i for i, c in enumerate(table.columns) if c.affinity == "REAL" and i < want]
    tails = [defaults[k:] for k in range(n + 1)]
    return n, ipk, want, reals, tails


def table_reader(table, used=None):
    """-> read(cursor, rid=None, vals=None): the row segment of ``table``
    (columns, then rowid) of the cursor's row, or of the record ``vals``
    when the caller decoded it (its first ``want`` columns, see row_layout;
    BTree.row reads a row with no cursor) with its rowid ``rid``.

    Fills in what the record leaves out: the rowid alias column (stored as
    NULL), trailing columns added by ALTER TABLE (their defaults), and the
    integer form SQLite uses on disk for integral REAL values.  With
    ``used`` (the column positions a query reads) only the record's prefix
    up to the last used column is decoded; the rest of the segment stays
    NULL, unread."""
    n, ipk, want, reals, tails = row_layout(table, used)
    if want == 0:
        blank = [None] * n

        def read_rowid(cur, rid=None, vals=None):
            vals = blank[:]
            if rid is None:
                rid = cur.rowid()
            if ipk is not None:
                vals[ipk] = rid
            vals.append(rid)
            return vals
        return read_rowid
    # Decoded straight from the page (no copy of the payload unless it
    # overflows), only as far as the last column the query reads.
    whole = want == n

    def read(cur, rid=None, vals=None):
        """(``rid``: the row's rowid when the caller knows it.)"""
        if vals is None:
            vals = cur.record() if whole else cur.record_prefix(want)
        k = len(vals)
        if k != n:
            if k < n:
                vals += tails[k]
            else:
                del vals[n:]
        if rid is None:
            rid = cur.rowid()
        if ipk is not None:
            vals[ipk] = rid
        for i in reals:
            if type(vals[i]) is int:
                vals[i] = float(vals[i])
        vals.append(rid)
        return vals
    return read


def _segment_builder(table, used):
    """-> (finish(rowids, values lists) -> the row segments, decoded width or
    None): records' values completed, in place, as table_reader completes
    them."""
    n, ipk, want, reals, tails = row_layout(table, used)
    if want == 0:
        # No column read from the records (a WHERE on the rowid alone):
        # each segment is made whole from its rowid.
        head = tails[0][:ipk] if ipk is not None else tails[0]
        tail = tails[0][ipk + 1:] if ipk is not None else []

        def from_rowids(rids, recs):
            if ipk is None:
                return [[*head, r] for r in rids]
            return [[*head, r, *tail, r] for r in rids]
        return from_rowids, 0
    if ipk is not None and len(reals) <= 1:
        # The usual table (a rowid alias, at most one REAL column read):
        # the same steps with no inner loop per row.
        r0 = reals[0] if reals else -1

        def finish_alias(rids, recs):
            widths = set(map(len, recs))
            if len(widths) == 1 and (k := widths.pop()) <= n:
                # Every record as wide (the usual page): the same steps
                # mapped in C, no Python loop per row.  (any() drains the
                # maps: list methods and setitem return None.)
                if k < n:
                    any(map(list.extend, recs, _repeat(tails[k])))
                any(map(_setitem, recs, _repeat(ipk), rids))
                if r0 >= 0:
                    col = list(map(_itemgetter(r0), recs))
                    for j in _compress(_count(), map(_is, map(type, col), _repeat(int))):
                        recs[j][r0] = float(col[j])
                any(map(list.append, recs, rids))
                return recs
            for rid, vals in zip(rids, recs):
                if len(vals) != n:
                    k = len(vals)
                    if k < n:
                        vals += tails[k]
                    else:
                        del vals[n:]
                vals[ipk] = rid
                if r0 >= 0 and type(vals[r0]) is int:
                    vals[r0] = float(vals[r0])
                vals.append(rid)
            return recs
        return finish_alias, (want if want < n else None)

    def finish(rids, recs):
        for rid, vals in zip(rids, recs):
            k = len(vals)
            if k != n:
                if k < n:
                    vals += tails[k]
                else:
                    del vals[n:]
            if ipk is not None:
                vals[ipk] = rid
            for i in reals:
                if type(vals[i]) is int:
                    vals[i] = float(vals[i])
            vals.append(rid)
        return recs
    return finish, (want if want < n else None)


def table_segments(table, used=None):
    """-> segments(cursor): the generator of row segments (as table_reader
    builds them) from the cursor's row to the end of the table, decoded a
    leaf page at a time (TableCursor.rows): the inner loop of scans."""
    finish, width = _segment_builder(table, used)

    def segments(cur):
        for rid, vals in cur.rows(width):
            yield finish((rid,), (vals,))[0]
    return segments


def table_pages(table, used=None):
    """-> pages(cursor, stop=None): the same row segments as lists, one per
    leaf page (TableCursor.rows with ``pages``), up to rowid ``stop``.
    For readers that change nothing while they hold a list."""
    finish, width = _segment_builder(table, used)

    def pages(cur, stop=None):
        for rids, recs in cur.rows(width, True, stop):
            yield finish(rids, recs)
    return pages


def _constant_default(col):
    """The value of a column missing from a record (added by ALTER TABLE:
    its default must be a constant), stored with the column's affinity."""
    e = col.default
    if e is None:
        return None
    if isinstance(e, ast.Literal):
        return V.apply_affinity(e.value, col.affinity)
    return None


def keyinfo_for(db, index):
    ki = db.keyinfo_cache.get(index.name)
    if ki is None or ki[0] is not index:
        colls = [C.lookup(c, db.collations).sort_key if c and c.upper() != "BINARY" else None
                 for c in index.collations]
        ki = (index, KeyInfo(colls, index.desc))
        db.keyinfo_cache[index.name] = ki
    return ki[1]


class _Term:
    __slots__ = ("col", "op", "expr", "node", "term")

    def __init__(self, col, op, expr, node, term):
        self.col, self.op, self.expr, self.node, self.term = col, op, expr, node, term


def _usable_terms(scope, earlier, src, terms, subqueries=True):
    """Terms of the form <column of src> op <expr over the sources in
    ``earlier`` (ids)>.  ``x BETWEEN a AND b`` counts as the two terms
    x >= a and x <= b (they narrow the search; the BETWEEN itself stays a
    filter).  A column equal to one of src's (``src.a = u.b``) stands for
    it, as in SQLite's transitive constraints: with ``u.b = 5`` too, src
    can seek a = 5.  Without ``subqueries`` an ``IN (SELECT ...)`` is taken
    as usable without compiling it (the join-order estimate)."""
    equiv = _equivalents(scope, src, terms)
    out = []
    for t in terms:
        if isinstance(t, ast.Between) and not t.negated:
            parts = [ast.Binary(">=", t.operand, t.low), ast.Binary("<=", t.operand, t.high)]
        elif isinstance(t, (ast.InList, ast.InSelect)):
            term = _in_term(scope, earlier, src, t, subqueries)
            if term is not None:
                out.append(term)
            continue
        elif isinstance(t, ast.Binary) and t.op in _FLIP:
            parts = [t]
        elif isinstance(t, ast.Binary) and t.op == "OR":
            term = _or_term(scope, earlier, src, equiv, t)
            if term is not None:
                out.append(term)
            continue
        else:
            continue
        for p in parts:
            term = _comparison_term(scope, earlier, src, equiv, p)
            if term is not None:
                out.append(term)
    return out


def _or_term(scope, earlier, src, equiv, t):
    """``x = a OR x = b ...`` on one column of src, as SQLite rewrites it:
    ``x IN (a, b, ...)`` (when every right side compares under x's affinity
    and collation, so the IN finds what the ORs match)."""
    disjuncts = []
    todo = [t]
    while todo:
        e = todo.pop()
        if isinstance(e, ast.Binary) and e.op == "OR":
            todo += [e.right, e.left]
        else:
            disjuncts.append(e)
    col = None
    items = []
    for e in disjuncts:
        term = _comparison_term(scope, earlier, src, equiv, e) \
            if isinstance(e, ast.Binary) and e.op == "=" else None
        if term is None or (col is not None and term.col != col):
            return None
        if explicit_collation(term.node[0]) or explicit_collation(term.node[1]):
            return None
        other_aff = affinity(scope, term.node[1])
        if other_aff is not None and other_aff != affinity(scope, term.node[0]):
            return None
        col = term.col
        items.append(term.expr)
    return _Term(col, "IN", tuple(items), (term.node[0], None), t)


def _comparison_term(scope, earlier, src, equiv, t):
    for col, other, op in ((t.left, t.right, t.op), (t.right, t.left, _FLIP[t.op])):
        # "+x" is SQLite's way to keep a column from being used by an index.
        if not isinstance(col, ast.Column):
            continue
        hit = _resolve(scope, col)
        if hit is None:
            continue
        k = equiv.get((id(hit[1]), hit[2]))
        if k is None:
            continue
        if not _only_earlier(scope, other, earlier):
            continue
        if not _affinity_ok(scope, hit, col, other):
            continue
        return _Term(k, op, other, (col, other), t)
    return None


def _equivalents(scope, src, terms):
    """(id(source), column) -> the column of src it is known to equal: src's
    own columns, and through ``x = y`` terms between columns that compare
    alike (termIsEquivalence: the same affinity or both numeric, the same
    collation), the columns equal to them."""
    edges = []
    for t in terms:
        if not (isinstance(t, ast.Binary) and t.op == "=" and isinstance(t.left, ast.Column)
                and isinstance(t.right, ast.Column)):
            continue
        a, b = _resolve(scope, t.left), _resolve(scope, t.right)
        if a is None or b is None:
            continue
        aa, ab = affinity(scope, t.left), affinity(scope, t.right)
        if aa != ab and not (aa in _NUMERIC and ab in _NUMERIC):
            continue
        same_coll = (expr_collation(scope, t.left) or "BINARY") == \
            (expr_collation(scope, t.right) or "BINARY")
        if not same_coll and \
                (binary_collation(scope, t.left, t.right) or "BINARY").upper() != "BINARY":
            continue
        edges.append(((id(a[1]), a[2]), (id(b[1]), b[2])))
    out = {}
    for c in range(-1, len(src.columns)):
        key = (id(src), c)
        if key in out:
            continue
        out[key] = c
        todo = [key]
        while todo:
            x = todo.pop()
            for a, b in edges:
                y = b if a == x else a if b == x else None
                if y is not None and y not in out:
                    out[y] = c
                    todo.append(y)
    return out


def _resolve(scope, col):
    """``col`` as (scope, source, column) when it is a column of this
    scope's sources, else None."""
    try:
        hit = resolve(scope, col)
    except errors.Error:
        return None
    return hit if hit is not None and hit[0] is scope else None


def _affinity_ok(scope, hit, col, other):
    """Can an index on the column (or the rowid) find what ``col = other``
    matches (sqlite3IndexAffinityOk)?  Only when the comparison converts
    values as the index stored them: ``text_col = int_col`` compares as
    numbers, which a TEXT index does not order by."""
    aff = comparison_affinity(scope, col, other)
    if aff is None:
        return True
    src, i = hit[1], hit[2]
    col_aff = "INTEGER" if i < 0 else src.affinities[i]
    if aff == "TEXT":
        return col_aff == "TEXT"
    return col_aff in _NUMERIC


def _in_term(scope, earlier, src, t, subqueries):
    """``col IN (list)`` / ``col IN (SELECT ...)`` as an equality with several
    values (op "IN"); its ``expr`` is the list's items or the compiled,
    uncorrelated subquery."""
    if t.negated or not isinstance(t.operand, ast.Column):
        return None
    try:
        hit = resolve(scope, t.operand)
    except errors.Error:
        return None
    if hit is None or hit[0] is not scope or hit[1] is not src:
        return None
    if isinstance(t, ast.InList):
        if not t.items or any(isinstance(x, ast.Tuple) or not _only_earlier(scope, x, earlier)
                              for x in t.items):
            return None
        return _Term(hit[2], "IN", t.items, (t.operand, None), t)
    if not subqueries:
        return _Term(hit[2], "IN", None, (t.operand, None), t)
    from .select import compile_subquery
    try:
        sub = compile_subquery(scope.db, t.select, scope, scope.db.env)
    except errors.Error:
        return None
    if sub.correlated or len(sub.names) != 1:
        return None
    return _Term(hit[2], "IN", sub, (t.operand, None), t)


def _in_values(comp, scope, t):
    """-> values(prefix): the candidate values of an IN term, converted as
    the IN compares them (the column's affinity; with a subquery, the pair's)."""
    col_aff = affinity(scope, t.node[0])
    if isinstance(t.expr, tuple):
        conv = comp.converter(V.comparison_affinity(col_aff, None))
        fs = [comp.compile(x, scope) for x in t.expr]

        def raw(prefix):
            return [f(prefix) for f in fs]
    else:
        sub = t.expr
        conv = comp.converter(V.comparison_affinity(col_aff, sub.fields[0][0]))
        env = comp.env
        cached = [None, None]       # (execution, values): uncorrelated, so once per run

        def raw(prefix):
            if cached[0] != env.generation:
                cached[1] = [r[0] for r in sub.rows()]
                cached[0] = env.generation
            return cached[1]

    def values(prefix):
        out = [v for v in raw(prefix) if v is not None]
        return [conv(v) for v in out] if conv is not None else out
    return values


def _only_earlier(scope, e, earlier):
    """Can ``e`` be evaluated once the sources in ``earlier`` (ids) have
    their row, before the loop reaches any other source of this scope?"""
    for n in walk(e):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable, ast.Raise)):
            return False
        if isinstance(n, ast.Function) and n.name.lower() in ("random", "randomblob",
                                                               "changes", "total_changes",
                                                               "last_insert_rowid"):
            return False
        if isinstance(n, ast.Column):
            hit = resolve(scope, n)
            if hit is not None and hit[0] is scope and id(hit[1]) not in earlier:
                return False
    return True


class OrderWanted:
    """The order a query wants from its outer loop (ORDER BY): ``terms`` are
    (column of the table, -1 for the rowid; DESC?; collation name), and
    ``ncols`` (result columns) and ``limit`` (a constant LIMIT or None)
    price the sort that would otherwise be needed.  ``grouping``: only
    equal values need to be together (GROUP BY, DISTINCT), in either
    direction per term; the scan then walks forward."""
    __slots__ = ("terms", "ncols", "limit", "grouping")

    def __init__(self, terms, ncols, limit, grouping=False):
        self.terms, self.ncols, self.limit = terms, ncols, limit
        self.grouping = grouping


def choose_access(db, comp, scope, i, lv, terms, order=None):
    """Pick the access path of level ``i``; returns access(prefix) -> iterable
    of row segments (a list or an iterator) and sets ``lv.detail`` (EXPLAIN
    QUERY PLAN).  Scans and rowid ranges also set ``lv.pages``: pages(prefix)
    -> iterator of lists of row segments, a leaf page at a time (see
    table_pages).  Seeks by
    equality (rowid or index, ascending) also set ``lv.probe``: probe() ->
    fetch(prefix) -> the list of row segments access(prefix) would yield,
    through cursors kept for one run of the loop (the inner loop of a join
    then makes no cursor nor generator per outer row).  A rowid seek also
    sets ``lv.one``: one(prefix[, cur]) -> its row or None, as a call; a
    seek by index equality sets ``lv.rows``: access itself, which answers a
    list when the key has at most one row (see _index_access).  With
    ``order`` (an
    OrderWanted) it may take a path that delivers the rows in that order,
    as SQLite would, and then sets ``lv.ordered``."""
    if lv.sub is not None:
        return _subquery_access(db, lv)
    access = _table_access(db, comp, scope, i, lv, terms, order)
    if lv.table.root == 1:
        # sqlite_schema of a database with no pages yet: empty, not corrupt.
        lv.pages = lv.probe = lv.one = lv.rows = None
        pager = db.pager

        def schema_access(prefix):
            if pager.page_count == 0:
                return iter(())
            return access(prefix)
        return schema_access
    return access


def _indexes(src):
    """The indexes the planner may use for ``src``: INDEXED BY and NOT
    INDEXED narrow them (see indexed_clause)."""
    return src.table.indexes if src.indexed is None else src.indexed


def _pick(scope, src, usable):
    """The access path for ``table`` given its usable terms, best first:
    ("rowid=", term), ("index", index, equality terms, [low, high] range
    terms of the next column), ("rowid IN", term), ("rowid range", low,
    high) or ("scan",).  (_or_paths makes one more kind, ("or", parts,
    paths).)  An index needs an equality, unless no rowid path
    applies (then a range on its first column will do)."""
    ipk = src.table.rowid_alias
    # INDEXED BY: that index, never the rowid paths, a full scan of it at
    # worst (SQLite's "SCAN t USING INDEX i").
    forced = src.indexed[0] if src.indexed else None

    def is_rowid(col):
        return forced is None and (col == -1 or (ipk is not None and col == ipk))

    # 1. rowid equality (IN: below, unless an index has a plain equality)
    for t in usable:
        if t.op == "=" and is_rowid(t.col):
            return ("rowid=", t)

    # 2. index equality (+ range)
    best = None
    for index in _indexes(src):
        if index.where is not None or index.exprs is not None:
            continue
        eqs = []
        for k, col in enumerate(index.columns):
            t = _find(usable, col, ("=",), scope, index.collations[k]) or \
                _find(usable, col, ("IN",), scope, index.collations[k])
            if t is None:
                break
            eqs.append(t)
        rng = []
        if len(eqs) < len(index.columns) and not index.desc[len(eqs)]:
            col = index.columns[len(eqs)]
            coll = index.collations[len(eqs)]
            lo = _find(usable, col, (">", ">="), scope, coll)
            hi = _find(usable, col, ("<", "<="), scope, coll)
            rng = [lo, hi]
        score = len(eqs) * 4 + (1 if any(rng) else 0) - sum(t.op == "IN" for t in eqs)
        if eqs and index.unique and len(eqs) == len(index.columns):
            score += 100
        if score and (best is None or score > best[0]):
            best = (score, index, eqs, rng)
    rowid_in = next((t for t in usable if t.op == "IN" and is_rowid(t.col)), None)
    if best is not None and best[2] and (
            rowid_in is None or any(t.op == "=" for t in best[2])):
        return ("index",) + best[1:]

    # 2b. rowid IN: one seek per value, in rowid order
    if rowid_in is not None:
        return ("rowid IN", rowid_in)

    # 3. rowid range
    lo = next((t for t in usable if is_rowid(t.col) and t.op in (">", ">=")), None)
    hi = next((t for t in usable if is_rowid(t.col) and t.op in ("<", "<=")), None)
    if lo is not None or hi is not None:
        return ("rowid range", lo, hi)

    # 4. index range
    if best is not None:
        return ("index",) + best[1:]
    if forced is not None:
        return ("index", forced, [], [None, None])
    return ("scan",)


def _table_access(db, comp, scope, i, lv, terms, order):
    src = lv.src
    table = lv.table
    read = table_reader(table, src.used)
    segments = table_segments(table, src.used)
    pages = table_pages(table, src.used)
    btree = db.btree
    root = table.root
    # (SQLite 3.40 names a table in the plan by its alias, else its name, as written.)
    name = lv.label or (table.name if src.alias == table.name.lower() else src.alias)
    earlier = {id(s) for s in scope.loop[:i]}
    pick = _pick(scope, src, _usable_terms(scope, earlier, src, terms))
    if pick[0] == "scan":
        ors = _or_paths(scope, src, terms)
        if ors is not None:
            from .joinorder import path_cheaper
            if path_cheaper(scope, lv, terms, ors, pick):
                pick = ors
    reverse = False
    if order is not None:
        got = _delivers(table, pick, order)
        if got is None:
            alt = _ordered_path(src, order, src.used)
            if alt is not None:
                from .joinorder import ordered_scan_wins
                if ordered_scan_wins(scope, lv, terms, pick, alt[0], order):
                    pick, got = alt
        if got is not None:
            reverse = got[0]
            lv.ordered = "sorted" if got[1] else "grouped"
    kind = pick[0]
    if kind == "or":
        return _multi_index_or(db, comp, scope, lv, pick[1])

    if kind == "rowid=":
        t = pick[1]
        kf = comp.compile(t.expr, scope)
        conv = comp.converter(comparison_affinity(scope, *t.node))
        lv.detail = f"SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)"
        lv.consumed.add(id(t.term))

        def rowid_eq(prefix):
            key = _int_key(kf(prefix), conv)
            if key is None:
                return
            cur = btree.table(root)
            if cur.seek(key):
                yield read(cur, key)        # (the rowid is the key found)

        want = row_layout(table, src.used)[2]

        def rowid_one(prefix, cur=None):
            """rowid_eq's row, or None, as a call (no generator to step:
            the query around it may compute its one row at once), read with
            no cursor (BTree.row).  ``cur``: a cursor on the table to seek
            with, left on the row (a one-row UPDATE's write cursor: one
            descent, not two)."""
            key = kf(prefix)
            if type(key) is not int:
                key = _int_key(key, conv)
                if key is None:
                    return None
            if cur is None:
                vals = btree.row(root, key, want)
                return read(None, key, vals) if vals is not None else None
            return read(cur, key) if cur.seek(key) else None
        lv.one = rowid_one

        def rowid_probe():
            cur = btree.table(root)

            def fetch(prefix):
                key = kf(prefix)
                # (An integer needs no conversion: a rowid term compares
                # with NUMERIC affinity or none, see _affinity_ok.)
                if type(key) is not int:
                    key = _int_key(key, conv)
                if key is not None and cur.seek(key):
                    return [read(cur, key)]
                return ()
            return fetch
        lv.probe = rowid_probe
        return rowid_eq

    if kind == "index":
        return _index_access(db, comp, scope, lv, name, read, *pick[1:], reverse)

    if kind == "rowid IN":
        values = _in_values(comp, scope, pick[1])
        lv.detail = f"SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)"

        def rowid_in_list(prefix):
            keys = sorted({k for k in (_int_key(v, None) for v in values(prefix))
                           if k is not None})
            cur = btree.table(root)
            for key in keys:
                if cur.seek(key):
                    yield read(cur)
        return rowid_in_list

    if kind == "rowid range":
        lo, hi = pick[1:]
        # SQLite words a bound ">" or "<", inclusive or not.
        parts = (["rowid>?"] if lo is not None else []) + (["rowid<?"] if hi is not None else [])
        lv.detail = f"SEARCH {name} USING INTEGER PRIMARY KEY ({' AND '.join(parts)})"
        # Integer bounds are exact (see _range_bound): no per-row re-check.
        lv.consumed.update(id(t.term) for t in (lo, hi) if t is not None)
        lof = comp.compile(lo.expr, scope) if lo is not None else None
        hif = comp.compile(hi.expr, scope) if hi is not None else None
        lo_conv = comp.converter(comparison_affinity(scope, *lo.node)) if lo else None
        hi_conv = comp.converter(comparison_affinity(scope, *hi.node)) if hi else None
        lo_strict = lo is not None and lo.op == ">"
        hi_strict = hi is not None and hi.op == "<"

        def open_range(prefix):
            """-> (cursor on the range's first row, last rowid or None), or
            None when the range is empty."""
            start = _range_bound(lof(prefix), lo_conv, lo_strict, True) if lof else None
            stop = _range_bound(hif(prefix), hi_conv, hi_strict, False) if hif else None
            if start is _EMPTY or stop is _EMPTY:
                return None
            cur = btree.table(root)
            if not (cur.seek_ge(start) if start is not None else cur.first()):
                return None
            return cur, stop

        if reverse:
            def rowid_range_backward(prefix):
                start = _range_bound(lof(prefix), lo_conv, lo_strict, True) if lof else None
                stop = _range_bound(hif(prefix), hi_conv, hi_strict, False) if hif else None
                if start is _EMPTY or stop is _EMPTY:
                    return
                cur = btree.table(root)
                ok = cur.seek_le(stop) if stop is not None else cur.last()
                while ok:
                    if start is not None and cur.rowid() < start:
                        return
                    yield read(cur)
                    db.countdown -= 1
                    if db.countdown <= 0:
                        db.tick()
                    ok = cur.prev()
            return rowid_range_backward

        def rowid_range(prefix):
            opened = open_range(prefix)
            if opened is None:
                return
            cur, stop = opened
            for seg in segments(cur):
                if stop is not None and seg[-1] > stop:
                    return
                yield seg
                db.countdown -= 1
                if db.countdown <= 0:
                    db.tick()

        def rowid_range_pages(prefix):
            opened = open_range(prefix)
            if opened is None:
                return
            for batch in pages(*opened):
                yield batch
                visited(db, len(batch))
        lv.pages = rowid_range_pages
        return rowid_range

    # full scan, of a covering index if one is narrower than the table
    # (unless the rows must come in rowid order)
    index = _index_for_scan(src, src.used) if not lv.ordered else None
    if index is not None:
        return _index_access(db, comp, scope, lv, name, read, index, [], [None, None])
    lv.detail = f"SCAN {name}"
    if reverse:
        def scan_backward(prefix):
            cur = btree.table(root)
            ok = cur.last()
            while ok:
                yield read(cur)
                db.countdown -= 1
                if db.countdown <= 0:
                    db.tick()
                ok = cur.prev()
        return scan_backward

    def scan(prefix):
        cur = btree.table(root)
        if not cur.first():
            return
        for seg in segments(cur):
            yield seg
            db.countdown -= 1
            if db.countdown <= 0:
                db.tick()

    def scan_pages(prefix):
        cur = btree.table(root)
        if not cur.first():
            return
        for batch in pages(cur):
            yield batch
            visited(db, len(batch))
    lv.pages = scan_pages
    return scan


def _or_paths(scope, src, terms):
    """The first ``x OR y ...`` term each of whose parts src can seek alone
    (with constants): -> ("or", [each part's AND-ed terms], [their access
    paths]), or None.  SQLite's MULTI-INDEX OR reads the union of those
    seeks."""
    for t in terms:
        if not (isinstance(t, ast.Binary) and t.op == "OR"):
            continue
        parts, todo = [], [t]
        while todo:
            e = todo.pop()
            if isinstance(e, ast.Binary) and e.op == "OR":
                todo += [e.right, e.left]
            else:
                parts.append(e)
        out = []
        for part in parts:
            conj, todo = [], [part]
            while todo:
                e = todo.pop()
                if isinstance(e, ast.Binary) and e.op == "AND":
                    todo += [e.right, e.left]
                else:
                    conj.append(e)
            pick = _pick(scope, src, _usable_terms(scope, set(), src, conj))
            if pick[0] == "scan":
                break
            out.append((conj, pick))
        else:
            return ("or", [c for c, _ in out], [p for _, p in out])
    return None


def _multi_index_or(db, comp, scope, lv, parts):
    """MULTI-INDEX OR: the rows of each part's seek, in turn, each row once
    (the first part to find it gives it; the OR stays the level's filter)."""
    subs = []
    for conj in parts:
        sub = copy.copy(lv)
        sub.consumed, sub.pages, sub.ordered = set(), None, False
        subs.append((_table_access(db, comp, scope, 0, sub, conj, None), sub.detail))
    lv.detail = ("MULTI-INDEX OR", [(f"INDEX {k}", [detail])
                                    for k, (_, detail) in enumerate(subs, 1)])
    accesses = [access for access, _ in subs]

    def multi(prefix):
        seen = set()
        for access in accesses:
            for seg in access(prefix):
                if seg[-1] not in seen:
                    seen.add(seg[-1])
                    yield seg
    return multi


def _delivers(table, pick, order):
    """Does access path ``pick`` give rows as ``order`` (an OrderWanted)
    wants them?  -> (walk backward?, exact) or None; ``exact``: in the
    wanted order, not only with equal values together (a GROUP BY whose
    directions differ from the index's).  An index orders by its columns,
    then the rowid; a column an equality fixes may appear anywhere in the
    ORDER BY or not at all; the collations must be the index's.  GROUP BY
    terms may match the index's columns in any order."""
    kind = pick[0]
    if kind == "rowid=":
        return False, True
    if kind == "or":
        return None             # each part's rows in turn: no order
    ipk = table.rowid_alias

    def key(c, coll):
        c = -1 if c == ipk else c
        return (c, "BINARY" if c == -1 else (coll or "BINARY").upper())
    fixed = set()
    keys = [(key(-1, None), False)]
    if kind == "index":
        index, eqs = pick[1], pick[2]
        keys = [(key(c, coll), d) for c, d, coll in
                zip(index.columns, index.desc, index.collations)] + keys
        # An equality fixes its column for an ORDER BY term of the same
        # collation ('c' = 'C' under NOCASE, not under BINARY).
        fixed = {key(index.columns[k], index.collations[k])
                 for k, t in enumerate(eqs) if t.op == "="}
    wanted = [(key(c, coll), desc) for c, desc, coll in order.terms]
    wanted = [w for w in wanted if w[0] not in fixed]
    turns = []              # per matched term: walk backward for it?
    for k, kd in keys:
        if not wanted:
            break
        if k in fixed:
            continue
        j = next((j for j, w in enumerate(wanted) if w[0] == k), None) \
            if order.grouping else (0 if wanted[0][0] == k else None)
        if j is None:
            return None
        turns.append(wanted.pop(j)[1] != kd)
        if k[0] == -1:
            wanted = []         # rowids are unique: later terms never decide
    if wanted:
        return None
    exact = len(set(turns)) < 2
    if not exact and not order.grouping:
        return None
    rev = exact and bool(turns) and turns[0]
    if rev and kind == "rowid IN":
        return (False, False) if order.grouping else None
    return rev, exact


def _ordered_path(src, order, used):
    """-> (a full scan in the order ``order`` wants, what _delivers says of
    it) or None: the table in rowid order, else an index that orders its rows so
    (a covering one first, then the narrowest)."""
    table = src.table
    got = _delivers(table, ("scan",), order)
    if got is not None:
        return ("scan",), got
    ipk = table.rowid_alias
    best = None
    for index in _indexes(src):
        if index.where is not None or index.exprs is not None:
            continue
        path = ("index", index, [], [None, None])
        got = _delivers(table, path, order)
        if got is None:
            continue
        covering = all(c == -1 or c == ipk or c in index.columns for c in used)
        rank = (not covering, index_width(index))
        if best is None or rank < best[0]:
            best = (rank, path, got)
    return None if best is None else best[1:]


def _index_for_scan(src, used):
    """The index SQLite's planner would scan instead of the table, or None.

    whereLoopAddBtree prices a full scan of the table at 16 (LogEst, on top
    of the row count) and of an index that covers the query at 1 + 15 *
    szIdxRow / szTabRow, so a covering index whose estimated row is narrower
    wins; the cheapest wins among several, the first in the table's index
    list among equals.  This decides the order of an unordered query's rows,
    so it follows SQLite exactly.  A partial index is left out: SQLite uses
    it only when the WHERE clause implies its condition."""
    table = src.table
    ipk = table.rowid_alias
    table_w = None
    best, best_cost = None, 16
    for index in _indexes(src):
        if index.where is not None:
            continue
        cols = index.columns
        if not all(c == -1 or c == ipk or c in cols for c in used):
            continue
        if table_w is None:
            table_w = table_width(table)
        w = index_width(index)
        if w < table_w and 1 + 15 * w // table_w < best_cost:
            best, best_cost = index, 1 + 15 * w // table_w
    return best


def visited(db, k):
    """Count ``k`` rows visited against the connection's countdown
    (interrupt(), the progress handler): it ticks as often as visiting
    them one by one would."""
    c = db.countdown - k
    while c <= 0:
        db.tick()
        c += db.check_every
    db.countdown = c


def _find(usable, col, ops, scope, index_coll):
    for t in usable:
        if t.col == col and t.op in ops:
            coll = binary_collation(scope, *t.node)
            if (coll or "BINARY").upper() == (index_coll or "BINARY").upper():
                return t
    return None


_EMPTY = object()


def _int_key(v, conv):
    """A rowid equality key, or None when nothing can match."""
    if conv is not None and v is not None:
        v = conv(v)
    if type(v) is int:
        return v
    # -2**63 as a REAL matches no rowid in SQLite (sqlite3VdbeIntValue
    # saturates there, so it refuses the conversion).
    if type(v) is float and v.is_integer() and -2**63 < v < 2**63:
        return int(v)
    return None


def _range_bound(v, conv, strict, lower):
    """An inclusive integer bound for a rowid range, None = unbounded, or
    _EMPTY when the range is empty."""
    if v is None:
        return _EMPTY
    if conv is not None:
        v = conv(v)
    if type(v) is float:
        if math.isnan(v):
            return _EMPTY
        if math.isinf(v):
            return _EMPTY if (v > 0) == lower else None
        if v.is_integer():
            v = int(v)
        else:
            return math.ceil(v) if lower else math.floor(v)
    elif type(v) is not int:
        # Text and blobs sort after every number.
        return _EMPTY if lower else None
    if strict:
        v = v + 1 if lower else v - 1
    return v


def _index_access(db, comp, scope, lv, name, read, index, eqs, rng, reverse=False):
    """Rows through ``index``: equalities on its leading columns, a range on
    the next one, or neither (a full scan of the index, for its order);
    ``reverse`` walks backward, last key first."""
    ki = keyinfo_for(db, index)
    btree = db.btree
    cols = lv.table.columns
    parts = []
    for k, t in enumerate(eqs):
        parts.append(f"{_colname(cols, index.columns[k])}=?")
    lo, hi = (rng + [None, None])[:2] if rng else (None, None)
    nxt = _colname(cols, index.columns[len(eqs)]) if len(eqs) < len(index.columns) else None
    if lo is not None:
        parts.append(f"{nxt}>?")            # SQLite's words for >= too
    if hi is not None:
        parts.append(f"{nxt}<?")
    table = lv.table
    ipk = table.rowid_alias
    covering = all(c == -1 or c == ipk or c in index.columns for c in lv.src.used)
    lv.consumed.update(id(t.term) for t in eqs if t.op != "IN")
    kind = "COVERING INDEX" if covering else "INDEX"
    if parts:
        lv.detail = f"SEARCH {name} USING {kind} {index.name} ({' AND '.join(parts)})"
    else:
        lv.detail = f"SCAN {name} USING {kind} {index.name}"
    from_key = _key_reader(table, index, lv.src.used) if covering else None
    eqfs = [(comp.compile(t.expr, scope), comp.converter(comparison_affinity(scope, *t.node)))
            if t.op != "IN" else (_in_values(comp, scope, t), _column_keyinfo(ki, k))
            for k, t in enumerate(eqs)]
    lof = (comp.compile(lo.expr, scope), comp.converter(comparison_affinity(scope, *lo.node)),
           lo.op) if lo is not None else None
    hif = (comp.compile(hi.expr, scope), comp.converter(comparison_affinity(scope, *hi.node)),
           hi.op) if hi is not None else None
    n = len(eqs)
    root = lv.table.root
    iroot = index.root
    # Range bounds compare in the ranged column's own order (collation).
    rki = _column_keyinfo(ki, n) if lof is not None or hif is not None else None

    def keys(prefix):
        """The equality prefixes to look up: one, or with IN terms each
        combination of their distinct values, in index order."""
        out = [[]]
        for f, conv in eqfs:
            if isinstance(conv, KeyInfo):
                seen = {}
                for v in f(prefix):
                    seen.setdefault(conv.sort_key([v]), v)
                vals = [seen[sk] for sk in sorted(seen)]
                out = [key + [v] for key in out for v in vals]
            else:
                v = f(prefix)
                if v is None:
                    return []
                v = conv(v) if conv is not None else v
                out = [key + [v] for key in out]
        return out

    def access(prefix):
        for key in (reversed(keys(prefix)) if reverse else keys(prefix)):
            yield from lookup(prefix, key)

    f0, conv0 = eqfs[0] if eqfs else (None, None)
    collated = any(ki.collations[:n])
    gaps = n == 1 and not index.desc[0]

    def eq_key(prefix):
        """The equality terms' values, converted as the index compares
        them; None when one is NULL (then nothing matches)."""
        key = []
        for f, conv in eqfs:
            v = f(prefix)
            if v is None:
                return None
            key.append(conv(v) if conv is not None else v)
        return key

    def access_eq(prefix, key=None):
        """access() for the most common case: equalities only, ascending,
        one key -- lookup's steps for it with nothing else to decide.
        ``key``: the equality values when the caller computed them."""
        if key is None:
            key = eq_key(prefix)
            if key is None:
                return
        icur = btree.index(iroot, ki)
        ok = icur.seek_ge(tuple(key))
        if not ok:
            return
        tcur = btree.table(root) if from_key is None else None
        prefix_key = ki.sort_key(key) if collated else None
        while ok:
            db.countdown -= 1
            if db.countdown <= 0:
                db.tick()
            k = icur.key()
            if (k[:n] != key if prefix_key is None
                    else ki.sort_key(k[:n]) != prefix_key):
                return
            if from_key is not None:
                yield from_key(k)
            elif tcur.seek(k[-1]):
                yield read(tcur, k[-1])
            else:
                raise errors.corrupt(f"index {index.name} points at missing rowid {k[-1]}")
            ok = icur.next()

    def probe():
        """-> fetch(prefix): the rows of one equality key, as a list (see
        choose_access), through one index cursor that stays where the last
        key left it: ascending keys mostly find theirs on the same leaf.

        With one integer key column, ascending, fetch also remembers that
        the cursor is on the first entry past the last key p, whose first
        column is e: a key strictly between them has no entry, answered
        without a seek (most keys, when the outer table's are denser than
        the index's; SQLite's seek likewise stops early when the cursor is
        already there)."""
        icur = btree.index(iroot, ki)
        tcur = btree.table(root) if from_key is None else None
        gap = [None, None, None]        # p, e, icur.position() while it holds

        def fetch(prefix):
            if n == 1:
                v = f0(prefix)
                if v is None:
                    return ()
                k0 = conv0(v) if conv0 is not None else v
                if type(k0) is int and gap[2] is not None and gap[0] < k0 < gap[1] \
                        and icur.position() == gap[2]:
                    gap[0] = k0
                    return ()
                gap[2] = None
                key = [k0]
            else:
                key = eq_key(prefix)
                if key is None:
                    return ()
            if not icur.seek_near(key):
                if gaps and icur.position() is not None:
                    remember(key[0], icur.key()[0])
                return ()
            out = []
            # (As in lookup: Python's == is BINARY's equality.)
            prefix_key = ki.sort_key(key) if collated else None
            while True:
                db.countdown -= 1
                if db.countdown <= 0:
                    db.tick()
                k = icur.key()
                if (k[:n] != key if prefix_key is None
                        else ki.sort_key(k[:n]) != prefix_key):
                    if gaps:
                        remember(key[0], k[0])
                    return out
                if from_key is not None:
                    out.append(from_key(k))
                elif tcur.seek(k[-1]):
                    out.append(read(tcur, k[-1]))
                else:
                    raise errors.corrupt(
                        f"index {index.name} points at missing rowid {k[-1]}")
                if not icur.next():
                    return out

        def remember(p, e):
            if type(p) is int and type(e) is int:
                gap[0], gap[1], gap[2] = p, e, icur.position()
        return fetch
    if n and not reverse and lof is None and hif is None and \
            all(t.op != "IN" for t in eqs):
        lv.probe = probe

    def lookup(prefix, key):
        lo_key = hi_v = None
        if lof is not None:
            v = lof[0](prefix)
            if v is None:
                return
            lo_key = lof[1](v) if lof[1] else v
        if hif is not None:
            v = hif[0](prefix)
            if v is None:
                return
            hi_v = hif[1](v) if hif[1] else v
        icur = btree.index(iroot, ki)
        if reverse:
            if hif is not None:
                ok = icur.seek_lt(tuple(key) + (hi_v,)) if hif[2] == "<" \
                    else icur.seek_le(tuple(key) + (hi_v,))
            else:
                ok = icur.seek_le(tuple(key)) if n else icur.last()
            step = icur.prev
        else:
            if lo_key is not None:
                ok = icur.seek_gt(tuple(key) + (lo_key,)) if lof[2] == ">" \
                    else icur.seek_ge(tuple(key) + (lo_key,))
            elif hif is not None:
                # Skip NULLs in the ranged column: "a < 5" never matches NULL.
                ok = icur.seek_gt(tuple(key) + (None,))
            else:
                ok = icur.seek_ge(tuple(key)) if n else icur.first()
            step = icur.next
        tcur = btree.table(root) if ok and from_key is None else None
        # Under BINARY, Python's == on the values is the index's equality
        # (numbers by value, text and blobs bytewise, never each other):
        # no sort keys to build per entry.
        prefix_key = ki.sort_key(key) if n and any(ki.collations[:n]) else None
        while ok:
            db.countdown -= 1
            if db.countdown <= 0:
                db.tick()
            k = icur.key()
            if n and (k[:n] != key if prefix_key is None
                      else ki.sort_key(k[:n]) != prefix_key):
                return
            if reverse:
                if lof is not None or hif is not None:
                    # Backward, a range ends at its low bound or at the
                    # NULLs, which sort first and never match.
                    if k[n] is None:
                        return
                    if lof is not None:
                        c = rki.compare(k[n:n + 1], (lo_key,))
                        if c < 0 or (c == 0 and lof[2] == ">"):
                            return
            elif hif is not None:
                c = rki.compare(k[n:n + 1], (hi_v,))
                if c > 0 or (c == 0 and hif[2] == "<"):
                    return
            if from_key is not None:
                yield from_key(k)
            elif tcur.seek(k[-1]):
                yield read(tcur)
            else:
                raise errors.corrupt(f"index {index.name} points at missing rowid {k[-1]}")
            ok = step()
    if n and not reverse and lof is None and hif is None and \
            all(t.op != "IN" for t in eqs):
        want = row_layout(table, lv.src.used)[2]
        # Whether to try BTree.index_run first: not after a key that had
        # more than one row (its cursor seek then repeats the descent),
        # until a key has at most one again -- keys of a column tend to be
        # alike.  Either way the rows are the same.
        point = [True]

        def rows_eq(prefix):
            """access_eq's rows as a list when the key has at most one (the
            usual lookup: the query around it then computes its row at once,
            see select's ``now`` and RowsResult), read with no cursor when
            one leaf decides it (BTree.index_run); with more, an iterator
            that reads the rest as they are stepped (finding a second row
            reads it: one row ahead, as SQLite's cursor is)."""
            key = eq_key(prefix)
            if key is None:
                return []
            entries = btree.index_run(iroot, ki, key) if point[0] else None
            if entries is None:
                it = access_eq(prefix, key)
                rows = list(islice(it, 2))
                if len(rows) < 2:
                    point[0] = True
                    return rows
                point[0] = False
                return chain(rows, it)
            if not entries:
                return entries
            db.countdown -= 1
            if db.countdown <= 0:
                db.tick()
            k = entries[0]
            if from_key is not None:
                return [from_key(k)]
            rid = k[-1]
            vals = btree.row(root, rid, want)
            if vals is None:
                raise errors.corrupt(f"index {index.name} points at missing rowid {rid}")
            return [read(None, rid, vals)]
        lv.rows = rows_eq
        return rows_eq
    return access


def _column_keyinfo(ki, k):
    """The order of column k of an index alone (IN values are looked up in it)."""
    colls = ki.collations[k:k + 1]
    return KeyInfo(colls, ki.desc[k:k + 1])


def _key_reader(table, index, used):
    """-> read(key): a row segment built from an index key alone (a covering
    index: every column the query reads, ``used``, is in the key).  A rowid
    the query reads must be an integer, as SQLite checks (OP_IdxRowid): a
    damaged entry is an error then, and only then."""
    ncols = len(table.columns)
    ipk = table.rowid_alias
    check = any(c == -1 or c == ipk for c in used)
    places = [(j, c) for j, c in enumerate(index.columns) if c >= 0]
    reals = {c for _, c in places if table.columns[c].affinity == "REAL"}
    blank = [None] * (ncols + 1)

    def read(key):
        seg = blank[:]
        for j, c in places:
            v = key[j]
            if c in reals and type(v) is int:
                v = float(v)
            seg[c] = v
        rid = key[-1]
        if check and type(rid) is not int:
            raise errors.corrupt(f"index {index.name}: rowid {rid!r} is not an integer")
        seg[ncols] = rid
        if ipk is not None:
            seg[ipk] = rid
        return seg
    return read


def _colname(cols, i):
    return "rowid" if i < 0 else cols[i].name


def _subquery_access(db, lv):
    sub = lv.sub
    env_cache = {"gen": None, "rows": None}
    env = db.env
    lv.detail = f"SCAN {lv.src.alias}" if not lv.src.alias.startswith("(") else "SCAN (subquery)"
    rows_for = getattr(sub, "rows_for", None)
    if rows_for is not None:
        # A table-valued function: its arguments may read earlier tables.
        return rows_for

    def access(prefix):
        if sub.correlated or env_cache["gen"] != env.generation:
            env_cache["rows"] = [list(r) for r in sub.rows()]
            env_cache["gen"] = env.generation
        for r in env_cache["rows"]:
            yield list(r)
    return access


def indexed_clause(table, ref):
    """The indexes a FROM item's INDEXED BY / NOT INDEXED lets the planner
    use: None = any, () = none (NOT INDEXED), (index,) = that one only.
    Naming an index the table does not have is an error at prepare time."""
    if ref.not_indexed:
        return ()
    if ref.indexed_by is None:
        return None
    want = ref.indexed_by.lower()
    for index in table.indexes:
        if index.name.lower() == want:
            return (index,)
    raise errors.OperationalError(f"no such index: {ref.indexed_by}")
