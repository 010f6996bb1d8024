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

The chosen path only narrows which rows are visited: every term stays a
filter of its level, so a path may return a superset of the matching rows
(it must keep key order).  Seek keys get the comparison's affinity applied
first (``WHERE a = '5'`` on an INTEGER column seeks 5), and an index is used
only when its collation is the comparison's.
"""

import math

from .. import errors
from ..sql import ast
from ..storage.record import KeyInfo
from . import collation as C
from . import values as V
from .expr import affinity, binary_collation, comparison_affinity, resolve, walk

_FLIP = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _row_layout(table, used):
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
    """-> read(cursor): the row segment of ``table`` (columns, then rowid).

    Fills in what the record leaves out: the rowid alias column (stored as
    NULL), trailing columns added by ALTER TABLE (their defaults), and the
    integer form SQLite uses on disk for integral REAL values.  With
    ``used`` (the column positions a query reads) only the record's prefix
    up to the last used column is decoded; the rest of the segment stays
    NULL, unread."""
    n, ipk, want, reals, tails = _row_layout(table, used)
    if want == 0:
        blank = [None] * n

        def read_rowid(cur):
            vals = blank[:]
            rid = cur.rowid()
            if ipk is not None:
                vals[ipk] = rid
            vals.append(rid)
            return vals
        return read_rowid
    # Decoded straight from the page (no copy of the payload unless it
    # overflows), only as far as the last column the query reads.
    if want == n:
        def decode(cur):
            return cur.record()
    else:
        def decode(cur):
            return cur.record_prefix(want)

    def read(cur):
        vals = decode(cur)
        k = len(vals)
        if k != n:
            if k < n:
                vals += tails[k]
            else:
                del vals[n:]
        rid = cur.rowid()
        if ipk is not None:
            vals[ipk] = rid
        for i in reals:
            if type(vals[i]) is int:
                vals[i] = float(vals[i])
        vals.append(rid)
        return vals
    return read


def table_segments(table, used=None):
    """-> segments(cursor): the generator of row segments (as table_reader
    builds them) from the cursor's row to the end of the table, decoded a
    leaf page at a time (TableCursor.rows): the inner loop of scans."""
    n, ipk, want, reals, tails = _row_layout(table, used)
    width = want if want < n else None

    def segments(cur):
        for rid, vals in cur.rows(width):
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
            yield vals
    return segments


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


def _usable_terms(scope, i, src, terms):
    """Terms of the form <column of src> op <expr over earlier levels>.
    ``x BETWEEN a AND b`` counts as the two terms x >= a and x <= b (they
    narrow the search; the BETWEEN itself stays a filter)."""
    out = []
    for t in terms:
        if isinstance(t, ast.Between) and not t.negated:
            for op, bound in ((">=", t.low), ("<=", t.high)):
                out.extend(_usable_terms(scope, i, src, [ast.Binary(op, t.operand, bound)]))
            continue
        if isinstance(t, (ast.InList, ast.InSelect)):
            term = _in_term(scope, i, src, t)
            if term is not None:
                out.append(term)
            continue
        if not isinstance(t, ast.Binary) or t.op not in _FLIP:
            continue
        for col, other, op in ((t.left, t.right, t.op), (t.right, t.left, _FLIP[t.op])):
            # "+x" is SQLite's way to keep a column from being used by an index.
            if not isinstance(col, ast.Column):
                continue
            c = col
            try:
                hit = resolve(scope, c)
            except errors.Error:
                continue
            if hit is None or hit[0] is not scope or hit[1] is not src:
                continue
            if not _only_earlier(scope, other, i):
                continue
            out.append(_Term(hit[2], op, other, (col, other), t))
            break
    return out


def _in_term(scope, i, src, t):
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
        if not t.items or any(isinstance(x, ast.Tuple) or not _only_earlier(scope, x, i)
                              for x in t.items):
            return None
        return _Term(hit[2], "IN", t.items, (t.operand, None), t)
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


def _only_earlier(scope, e, i):
    for n in walk(e):
        if isinstance(n, (ast.Subquery, ast.Exists, ast.InSelect, ast.InTable, ast.Raise)):
            return False
        if isinstance(n, ast.Function) and n.name.lower() in ("random", "randomblob",
                                                               "changes", "total_changes",
                                                               "last_insert_rowid"):
            return False
        if isinstance(n, ast.Column):
            hit = resolve(scope, n)
            if hit is not None and hit[0] is scope and scope.sources.index(hit[1]) >= i:
                return False
    return True


def choose_access(db, comp, scope, i, lv, terms):
    """Pick the access path of level ``i``; returns access(prefix) -> iterator
    of row segments and sets ``lv.detail`` (EXPLAIN QUERY PLAN)."""
    if lv.sub is not None:
        return _subquery_access(db, lv)
    access = _table_access(db, comp, scope, i, lv, terms)
    if lv.table.root == 1:
        # sqlite_schema of a database with no pages yet: empty, not corrupt.
        pager = db.pager

        def schema_access(prefix):
            if pager.page_count == 0:
                return iter(())
            return access(prefix)
        return schema_access
    return access


def _table_access(db, comp, scope, i, lv, terms):
    src = lv.src
    table = lv.table
    read = table_reader(table, src.used)
    segments = table_segments(table, src.used)
    btree = db.btree
    root = table.root
    name = src.alias if src.alias == table.name.lower() else f"{table.name} AS {src.alias}"
    if src.alias == table.name.lower():
        name = table.name
    usable = _usable_terms(scope, i, src, terms)
    ipk = table.rowid_alias

    def is_rowid(col):
        return col == -1 or (ipk is not None and col == ipk)

    # 1. rowid equality (IN: below, unless an index has a plain equality)
    for t in usable:
        if t.op == "=" and is_rowid(t.col):
            kf = comp.compile(t.expr, scope)
            conv = comp.converter(comparison_affinity(scope, *t.node))
            lv.detail = f"SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)"
            lv.consumed.add(id(t.term))

            def rowid_eq(prefix, kf=kf, conv=conv):
                key = _int_key(kf(prefix), conv)
                if key is None:
                    return
                cur = btree.table(root)
                if cur.seek(key):
                    yield read(cur)
            return rowid_eq

    # 2. index equality (+ range)
    best = None
    for index in table.indexes:
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
        return _index_access(db, comp, scope, lv, name, read, best[1], best[2], best[3])

    # 2b. rowid IN: one seek per value, in rowid order
    if rowid_in is not None:
        values = _in_values(comp, scope, rowid_in)
        lv.detail = f"SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)"

        def rowid_in_list(prefix):
            keys = sorted({k for k in (_int_key(v, None) for v in values(prefix))
                           if k is not None})
            cur = btree.table(root)
            for key in keys:
                if cur.seek(key):
                    yield read(cur)
        return rowid_in_list
    if best is not None and best[2]:
        return _index_access(db, comp, scope, lv, name, read, best[1], best[2], best[3])

    # 3. rowid range
    lo = next((t for t in usable if is_rowid(t.col) and t.op in (">", ">=")), None)
    hi = next((t for t in usable if is_rowid(t.col) and t.op in ("<", "<=")), None)
    if lo is not None or hi is not None:
        parts = []
        if lo is not None:
            parts.append(f"rowid{lo.op}?")
        if hi is not None:
            parts.append(f"rowid{hi.op}?")
        lv.detail = f"SEARCH {name} USING INTEGER PRIMARY KEY ({' AND '.join(parts)})"
        # Integer bounds are exact (see _range_bound): no per-row re-check.
        lv.consumed.update(id(t.term) for t in (lo, hi) if t is not None)
        lof = comp.compile(lo.expr, scope) if lo is not None else None
        hif = comp.compile(hi.expr, scope) if hi is not None else None
        lo_conv = comp.converter(comparison_affinity(scope, *lo.node)) if lo else None
        hi_conv = comp.converter(comparison_affinity(scope, *hi.node)) if hi else None
        lo_strict = lo is not None and lo.op == ">"
        hi_strict = hi is not None and hi.op == "<"

        def rowid_range(prefix):
            start = _range_bound(lof(prefix), lo_conv, lo_strict, True) if lof else None
            stop = _range_bound(hif(prefix), hi_conv, hi_strict, False) if hif else None
            if start is _EMPTY or stop is _EMPTY:
                return
            cur = btree.table(root)
            if not (cur.seek_ge(start) if start is not None else cur.first()):
                return
            for seg in segments(cur):
                if stop is not None and seg[-1] > stop:
                    return
                yield seg
                db.countdown -= 1
                if db.countdown <= 0:
                    db.tick()
        return rowid_range

    # 4. index range
    if best is not None:
        return _index_access(db, comp, scope, lv, name, read, best[1], best[2], best[3])

    # 5. full scan
    lv.detail = f"SCAN {name}"

    def scan(prefix):
        cur = btree.table(root)
        if not cur.first():
            return
        for seg in segments(cur):
            yield seg
            db.countdown -= 1
            if db.countdown <= 0:
                db.tick()
    return scan


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
    if type(v) is float and v.is_integer() and -2**63 <= v < 2**63:
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


def _index_access(db, comp, scope, lv, name, read, index, eqs, rng):
    ki = keyinfo_for(db, index)
    btree = db.btree
    cols = lv.table.columns
    parts = []
    for k, t in enumerate(eqs):
        parts.append(f"{_colname(cols, index.columns[k])}=?")
    lo, hi = (rng + [None, None])[:2] if rng else (None, None)
    nxt = _colname(cols, index.columns[len(eqs)]) if len(eqs) < len(index.columns) else None
    if lo is not None:
        parts.append(f"{nxt}{lo.op}?")
    if hi is not None:
        parts.append(f"{nxt}{hi.op}?")
    table = lv.table
    ipk = table.rowid_alias
    covering = all(c == -1 or c == ipk or c in index.columns for c in lv.src.used)
    lv.consumed.update(id(t.term) for t in eqs if t.op != "IN")
    kind = "COVERING INDEX" if covering else "INDEX"
    lv.detail = f"SEARCH {name} USING {kind} {index.name} ({' AND '.join(parts)})"
    from_key = _key_reader(table, index) if covering else None
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
        for key in keys(prefix):
            yield from lookup(prefix, key)

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
        if lo_key is not None:
            ok = icur.seek_gt(tuple(key) + (lo_key,)) if lof[2] == ">" \
                else icur.seek_ge(tuple(key) + (lo_key,))
        else:
            # Skip NULLs in the ranged column: "a < 5" never matches NULL.
            ok = icur.seek_gt(tuple(key) + (None,)) if hif is not None else \
                icur.seek_ge(tuple(key))
        tcur = btree.table(root)
        prefix_key = ki.sort_key(key) if n else None
        while ok:
            db.countdown -= 1
            if db.countdown <= 0:
                db.tick()
            k = icur.key()
            if n and ki.sort_key(k[:n]) != prefix_key:
                return
            if hif is not None:
                c = ki.compare(k[n:n + 1], (hi_v,))
                if c > 0 or (c == 0 and hif[2] == "<"):
                    return
            if from_key is not None:
                yield from_key(k)
            elif tcur.seek(k[-1]):
                yield read(tcur)
            else:
                raise errors.corrupt(f"index {index.name} points at missing rowid {k[-1]}")
            ok = icur.next()
    return access


def _column_keyinfo(ki, k):
    """The order of column k of an index alone (IN values are looked up in it)."""
    colls = ki.collations[k:k + 1]
    return KeyInfo(colls, ki.desc[k:k + 1])


def _key_reader(table, index):
    """-> read(key): a row segment built from an index key alone (a covering
    index: every column the query reads is in the key)."""
    ncols = len(table.columns)
    ipk = table.rowid_alias
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
