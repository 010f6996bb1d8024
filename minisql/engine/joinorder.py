"""SQLite's cost model: join order, sorted or not, MULTI-INDEX OR or scan.

SQLite's planner (where.c, wherePathSolver) prices every order of the
FROM clause's tables and runs the cheapest: an inner loop that can seek
(rowid equality, then a unique index, then an index equality) is far
cheaper than one that scans.  The prices here are SQLite's own estimates
without ANALYZE, in LogEst units (ten times log2): every table is taken to
hold 2**20 rows (nRowLogEst 200), an index equality on its first k columns
to match aiRowLogEst[k] of them (sqlite3DefaultRowEst), and
whereLoopAddBtree / whereLoopAddBtreeIndex price a loop's run (rRun) and
output (nOut).  A path of loops costs, level by level, the loop's run times
the rows of the levels before it.  Matching SQLite's choice matters beyond
speed: it decides the order of an unordered join's rows.

Only inner joins are reordered, as in SQLite: never across a CROSS JOIN or
an outer join, and here only when every FROM item is a plain table.

The same prices decide, for the planner, whether the outer loop should
scan in the order an ORDER BY / GROUP BY / DISTINCT wants instead of
taking its best seek and sorting (whereSortingCost), and whether the parts
of an OR together beat a scan (whereLoopAddOr).
"""

from ..sql import ast
from .estimates import index_width, log_est, table_width
from .expr import walk
from .planner import _delivers, _index_for_scan, _ordered_path, _pick, _resolve, \
    _usable_terms

_ROWS = 200                 # nRowLogEst of a table without ANALYZE (2**20 rows)
_SEEK = 43                  # estLog(_ROWS): the cost of one b-tree seek
_EQ_ROWS = (33, 32, 30, 28, 26)     # aiRowLogEst[1..5]; later columns 23
_SUBQUERY_ROWS = 46         # "x IN (SELECT ...)": SQLite assumes 25 rows
_MAX_TABLES = 5             # SQLite keeps 10 paths a step: all subsets of up to 5

_ADD = (10, 10, 9, 9, 8, 8, 7, 7, 7, 6, 6, 6, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3,
        2, 2, 2, 2, 2, 2, 2)


def log_est_add(a, b):
    """sqlite3LogEstAdd: the LogEst of the sum of two LogEst values."""
    if a < b:
        a, b = b, a
    if a > b + 49:
        return a
    if a > b + 31:
        return a + 1
    return a + _ADD[a - b]


def loop_order(scope, levels, terms, exprs, want_for=None):
    """-> the levels in the order to loop over them (``levels`` itself when
    it is not for the planner to change: a RIGHT or FULL JOIN, a subquery
    or table-valued function, more than _MAX_TABLES tables).  ``terms``:
    the WHERE and inner ON terms; ``exprs``: every expression of the query,
    to know which columns it reads (a covering index needs no table lookup);
    ``want_for(level)``: the OrderWanted of ORDER BY / GROUP BY / DISTINCT
    should that level run the outer loop, or None when it cannot deliver
    it (see planner.OrderWanted).

    A LEFT JOIN or CROSS JOIN item runs after all the items before it
    (whereLoopAddAll's mPrereq; the items after it may still move ahead);
    a LEFT JOIN's table seeks with its ON terms only."""
    n = len(levels)
    if n < 2 or n > _MAX_TABLES or any(
            lv.kind not in ("INNER", "LEFT") or lv.table is None or lv.sub is not None
            for lv in levels):
        return levels
    after, prior = {}, set()
    for lv in levels:
        after[id(lv.src)] = prior if lv.kind == "LEFT" or lv.cross else set()
        prior = prior | {id(lv.src)}
    used = _columns_read(scope, exprs)
    refs = [(t, _sources_of(scope, t)) for t in terms]
    own_refs = {id(lv.src): [(t, _sources_of(scope, t)) for t in lv.on_exprs]
                for lv in levels if lv.kind == "LEFT"}
    wants = {id(lv): want_for(lv) for lv in levels} if want_for is not None else {}
    sorting = next((w for w in wants.values() if w is not None), None)
    # wherePathSolver, breadth first: after k steps, the best path over each
    # set of k tables (the first found among equals), extended in turn by
    # each table in FROM order.  With an order to deliver, an outer loop
    # that delivers it (its usual path, or a scan in index order) makes an
    # "ordered" path, kept apart from the others, which pay for a sort.
    paths = [((), 0, 0, False)]         # (levels in order, cost, rows out, ordered)
    for _ in range(n):
        extended = []
        for order, cost, rows, ordered in paths:
            earlier = {id(lv.src) for lv in order}
            for lv in levels:
                if id(lv.src) in earlier or not after[id(lv.src)] <= earlier:
                    continue
                for run, out, in_order in _loop_choices(scope, lv, earlier,
                                                        own_refs.get(id(lv.src), refs), used,
                                                        None if order else wants.get(id(lv))):
                    path = (order + (lv,), log_est_add(log_est_add(0, run + rows), cost),
                            rows + out, ordered or in_order)
                    mask = earlier | {id(lv.src)}
                    for j, (o, c, r, d) in enumerate(extended):
                        if d == path[3] and {id(x.src) for x in o} == mask:
                            if (path[1], path[2]) < (c, r):
                                extended[j] = path
                            break
                    else:
                        extended.append(path)
        paths = extended
    # SQLite prices the sort for the rows of the cheapest path before any
    # order is considered (its first pass), plus one.
    if sorting is not None:
        sort = _sort_cost(min(paths, key=lambda p: p[1])[2] + 1, sorting)
    best = None
    for order, cost, rows, ordered in paths:
        if sorting is not None and not ordered:
            cost = log_est_add(cost, sort) + 3
        if best is None or cost < best[1]:
            best = (order, cost)
    return list(best[0])


def _loop_choices(scope, lv, earlier, refs, used, want):
    """-> [(rRun, nOut, delivers the order?)]: the path choose_access takes,
    and with ``want`` a scan in the wanted order too."""
    terms = [t for t, _ in refs]
    pick = _pick(scope, lv.src, _usable_terms(scope, earlier, lv.src, terms, False))
    run, out = _pick_cost(scope, lv, pick, refs, used)
    if want is None:
        return [(run, out, False)]
    got = _delivers(lv.table, pick, want)
    if got is not None:
        return [(run, out, True)]
    alt = _ordered_path(lv.src, want, used.get(id(lv.src), ()))
    if alt is None:
        return [(run, out, False)]
    return [(run, out, False), _pick_cost(scope, lv, alt[0], refs, used) + (True,)]


def ordered_scan_wins(scope, lv, terms, pick, ordered, want):
    """Should ``lv`` (the outer loop) take the path ``ordered``, which
    delivers the ORDER BY, rather than ``pick`` and a sort?  SQLite's
    wherePathSolver adds to an unordered path the cost of sorting its rows
    (whereSortingCost, plus 3 "to encourage" sort-free plans)."""
    used = {id(lv.src): lv.src.used}
    refs = [(t, _sources_of(scope, t)) for t in terms]
    run, out = _pick_cost(scope, lv, pick, refs, used)
    unordered = log_est_add(log_est_add(0, run), _sort_cost(out + 1, want)) + 3
    return _pick_cost(scope, lv, ordered, refs, used)[0] < unordered


def path_cheaper(scope, lv, terms, a, b):
    """Is access path ``a`` cheaper than ``b`` for ``lv``?"""
    used = {id(lv.src): lv.src.used}
    refs = [(t, _sources_of(scope, t)) for t in terms]
    return _pick_cost(scope, lv, a, refs, used)[0] < _pick_cost(scope, lv, b, refs, used)[0]


def _sort_cost(rows, want):
    """whereSortingCost: sorting ``rows`` (LogEst) output rows."""
    cost = rows + log_est((want.ncols + 59) // 30)
    if want.limit is not None:
        cost += 10
        rows = min(rows, log_est(want.limit))
    return cost + _est_log(rows)


def _est_log(n):
    """estLog: the LogEst of a LogEst (the depth of a b-tree of n rows)."""
    return 0 if n <= 10 else log_est(n) - 33


def _pick_cost(scope, lv, pick, refs, used):
    """-> (rRun, nOut) of access path ``pick`` (planner._pick) for ``lv``."""
    src, table = lv.src, lv.table
    kind = pick[0]
    if kind == "or":
        # whereLoopAddOr: the sum of its parts' runs and rows
        costs = [_pick_cost(scope, lv, p, refs, used) for p in pick[2]]
        run, out = costs[0]
        for r, o in costs[1:]:
            run, out = log_est_add(run, r), log_est_add(out, o)
        return run, out
    wide = table_width(table)
    seek = []                   # the terms the access path uses
    if kind == "scan":
        out = _ROWS
        index = _index_for_scan(src, used.get(id(src), ()))
        run = _ROWS + 16 if index is None else _ROWS + 1 + 15 * index_width(index) // wide
    elif kind in ("rowid=", "rowid IN"):
        t = pick[1]
        seek.append(t)
        n_in = _in_count(t)
        run, out = log_est_add(_SEEK, 16) + n_in, n_in
    elif kind == "rowid range":
        lo, hi = pick[1:]
        seek += [t for t in (lo, hi) if t is not None]
        out = _range_rows(_ROWS, lo, hi)
        run = log_est_add(_SEEK, out + 16)
    else:
        index, eqs, rng = pick[1:]
        lo, hi = (list(rng) + [None, None])[:2]
        seek += [t for t in eqs + [lo, hi] if t is not None]
        k = len(eqs)
        if k == 0:
            out = _ROWS
        elif index.unique and k == len(index.columns):
            out = 0
        else:
            out = _EQ_ROWS[k - 1] if k <= len(_EQ_ROWS) else 23
        out = _range_rows(out, lo, hi)
        ipk = table.rowid_alias
        covered = {-1, ipk, *index.columns}
        step = 1 + 15 * index_width(index) // wide
        if not seek:
            # A full scan of the index (for its order): no seek, and a
            # table lookup per row unless WHERE terms the index answers
            # alone rule rows out first.
            run = _ROWS + step
            lookups = _ROWS + 16
            for t, _ in refs:
                if not _reads_only(scope, src, t, covered):
                    break
                lookups -= 20 if isinstance(t, ast.Binary) and t.op in ("=", "IS") else 1
        else:
            run = log_est_add(_SEEK, out + step)
            lookups = out + 16
        if not all(c in covered for c in used.get(id(src), ())):
            run = log_est_add(run, lookups)
        n_in = sum(_in_count(t) for t in eqs)
        run += n_in
        out += n_in
    # The loop's prerequisites: the tables its seek keys read.
    prereq = set()
    for t in seek:
        for e in t.expr if isinstance(t.expr, tuple) else (t.expr,):
            if isinstance(e, ast.Node):
                prereq |= _sources_of(scope, e) or set()
    return run, _output_adjust(src, out, refs, {id(t.term) for t in seek}, prereq)


def _output_adjust(src, out, refs, used_terms, allowed):
    """whereLoopOutputAdjust: each term on this table (and the tables its
    seek reads) that the access path does not use makes fewer rows come
    out; an equality at least 4-fold (2-fold against -1, 0 or 1)."""
    reduce = 0
    for t, srcs in refs:
        if id(t) in used_terms or srcs is None or id(src) not in srcs:
            continue
        if not srcs <= allowed | {id(src)}:
            continue
        out -= 1
        if isinstance(t, ast.Binary) and t.op in ("=", "IS"):
            r = t.right
            small = isinstance(r, ast.Literal) and type(r.value) is int and -1 <= r.value <= 1
            reduce = max(reduce, 10 if small else 20)
    return min(out, _ROWS - reduce)


def _reads_only(scope, src, e, cols):
    """Does ``e`` read no column of ``src`` but ``cols`` (an index covers it:
    sqlite3ExprCoveredByIndex)?"""
    for n in walk(e):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable)):
            return False
        if isinstance(n, ast.Column):
            hit = _resolve(scope, n)
            if hit is not None and hit[1] is src and hit[2] not in cols:
                return False
    return True


def _range_rows(out, lo, hi):
    """whereRangeScanEst without STAT4: a bound keeps a quarter of the rows,
    two keep 1/64; never fewer than 2 (LogEst 10)."""
    if lo is None and hi is None:
        return out
    new = out - 20 * ((lo is not None) + (hi is not None))
    if lo is not None and hi is not None:
        new -= 20
    return min(out - (lo is not None) - (hi is not None), max(new, 10))


def _in_count(t):
    """LogEst of the number of values an equality term looks up."""
    if t.op != "IN":
        return 0
    return log_est(len(t.expr)) if isinstance(t.expr, tuple) else _SUBQUERY_ROWS


def _sources_of(scope, e):
    """ids of this scope's sources an expression reads (None: it has a
    subquery, which may read any)."""
    out = set()
    for n in walk(e):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable)):
            return None
        if isinstance(n, ast.Column):
            hit = _resolve(scope, n)
            if hit is not None:
                out.add(id(hit[1]))
    return out


def _columns_read(scope, exprs):
    """id(source) -> the columns of it the expressions read (-1: the rowid)."""
    out = {}
    for e in exprs:
        for n in walk(e):
            if isinstance(n, ast.Column):
                hit = _resolve(scope, n)
                if hit is not None:
                    out.setdefault(id(hit[1]), set()).add(hit[2])
    return out

