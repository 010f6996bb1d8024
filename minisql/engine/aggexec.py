"""Aggregate execution: the rows of a query's loop into groups and
aggregate states, out as one row per group.

An output row is a source row of the group (the one SQLite's "bare" columns
report) followed by the aggregate results.  Groups come out in GROUP BY
order, as SQLite emits them after its sorter or index walk.

Three ways to feed the states, with the same results:
    row at a time   every aggregate steps on every row (``_stepper``);
    batches         the rows are taken a list at a time and each aggregate
                    is fed its argument column at once (``feed`` in
                    aggregates.py): one map() per aggregate per batch instead
                    of a Python call per aggregate per row.  With GROUP BY
                    the rows of a chunk are first partitioned by group.
    columns         aggregates of plain columns of one whole table and
                    nothing else (``column_scan``): each leaf page's argument
                    columns are fed as lists, no row built; a statement keeps
                    the lists of a small table's pages while their bytes
                    stay the same.
Batches reorder work (the loop runs ahead of the aggregates; one aggregate
sees a whole batch before the next does).  No one can tell as long as
nothing in the aggregate phase can fail or call user code, so they are
used only when ``batchable`` says so; within each aggregate the rows keep
their loop order, which is all its result depends on.
"""

from bisect import bisect_right
from itertools import islice
from operator import itemgetter

from .. import errors
from ..sql import ast
from . import collation as C
from . import values as V
from .expr import children, resolve
from .ordering import order_key_fn, row_key_fn, value_key_fn
from .planner import row_layout, visited

# Rows per batch: large enough to amortise the per-batch calls, small
# enough that the loop's look-ahead stays cheap in memory.
_BATCH = 512
# GROUP BY partitions this many rows at a time, so that each group's
# share of a chunk is still a list worth feeding at once.
_CHUNK = 8192

# Leaf pages whose argument columns one statement keeps (column_scan): a
# small table aggregated again and again is summed from them while its
# pages are unchanged.  Each costs a page image and a list per column; past
# this many the rest of a bigger table is read as any scan reads it.
_KEPT_LEAVES = 8

# Built-in functions that cannot fail on any argument (so may run early).
_SAFE_FUNCTIONS = frozenset({"length", "typeof", "coalesce", "ifnull", "nullif", "lower",
                             "upper", "min", "max"})
_SAFE_COLLATIONS = (None, C.BINARY, C.NOCASE, C.RTRIM)


def whole_table_count(db, core, levels, agg_map, group_by, width):
    """``SELECT count(*) FROM t`` (nothing else): the row count comes from
    the b-tree's pages, as SQLite's OP_Count does, instead of visiting every
    row.  None when the query is any other shape."""
    if group_by or core.where is not None or core.having is not None or \
            len(levels) != 1 or levels[0].table is None or levels[0].kind != "INNER":
        return None
    if not agg_map or not all(n.star and not n.distinct and n.filter is None and
                              n.name.lower() == "count" for n in agg_map):
        return None
    if any(not isinstance(rc.expr, ast.Function) or rc.expr not in agg_map
           for rc in core.columns):
        return None
    root = levels[0].table.root
    nagg = len(agg_map)

    def run():
        if root == 1 and db.pager.page_count == 0:
            n = 0
        else:
            n = db.btree.count(root)
        yield [None] * width + [n] * nagg
    return run


def column_scan(db, scope, core, levels, agg_map, aggs, width, exprs):
    """Aggregates of plain columns of one whole table, and nothing else
    (``SELECT sum(b), count(*) FROM t``: no WHERE, GROUP BY nor HAVING, no
    column read outside an aggregate; the aggregates ``batchable``): each
    leaf page's argument columns are fed to the aggregates as lists, no
    row built.  The caller has chosen the access path (a full scan, in
    rowid order).  Returns run() or None when the query is any other shape.

    The lists of a leaf are kept with a copy of its page image, and used
    again while the page holds the same bytes: the same statement run again
    over a small table another connection changes now and then (each
    commit rewrites some of its pages) decodes only the pages that changed.
    A page whose bytes are equal holds the same records, as long as none
    spills to overflow pages (those are not in the image): such pages are
    not kept."""
    if core.where is not None or core.having is not None or core.group_by or \
            len(levels) != 1:
        return None
    lv = levels[0]
    table = lv.table
    if table is None or lv.kind != "INNER" or lv.pages is None or table.without_rowid:
        return None
    if not all(_reads_no_row(e, agg_map) for e in exprs):
        return None
    args = []           # per aggregate: a column position, or None for the rows
    for n, (_, _, ff) in zip(agg_map, aggs):
        if n.distinct or ff is not None:
            return None
        if not n.args:
            args.append(None)
            continue
        a = n.args[0]
        hit = resolve(scope, a) if isinstance(a, ast.Column) and len(n.args) == 1 else None
        if hit is None or hit[0] is not scope or hit[1] is not lv.src:
            return None
        args.append(hit[2])
    leaf_lists = _leaf_lists(db, table, {k for k in args if k is not None})
    calls = list(enumerate(args))
    cache = {}

    def run():
        states = [factory() for factory, _, _ in aggs]
        for rids, lists in leaf_lists(cache):
            for i, k in calls:
                states[i].feed(rids if k is None else lists[k])
            visited(db, len(rids))
        yield [None] * width + [s.finalize() for s in states]
    return run


# Expressions over aggregate results that read nothing of a source row.
_ROWLESS = (ast.Literal, ast.Param, ast.Unary, ast.Binary, ast.Function, ast.Cast,
            ast.Case, ast.Collate, ast.IsNull, ast.Between, ast.Like, ast.InList)


def _reads_no_row(e, agg_map):
    """Does ``e`` read no column (nor subquery, which might correlate)
    outside the aggregate calls of ``agg_map``?"""
    if isinstance(e, ast.Function) and e in agg_map:
        return True
    if not isinstance(e, _ROWLESS) or isinstance(e, ast.Function) and e.over is not None:
        return False
    return all(_reads_no_row(c, agg_map) for c in children(e))


def _leaf_lists(db, table, positions):
    """-> lists(cache): per leaf page of ``table`` in rowid order, (rowids,
    {column position: the column's values}), the values as the table's
    rows hold them (the rowid alias, a missing column's default, REAL
    affinity); position -1 is the rowid.  ``cache`` maps a page number to
    (page image, rowids, lists, cell bounds or None) of a leaf decoded
    before (see column_scan, _patched)."""
    bt = db.btree
    root = table.root
    n, ipk, want, reals, tails = row_layout(table, positions)
    width = want if want < n else None
    cols = [k for k in positions if k >= 0 and k != ipk]
    reals = set(reals)

    def lists_of(rids, recs):
        out = {k: rids for k in positions if k < 0 or k == ipk}
        short = cols and min(map(len, recs), default=want) < want
        for k in cols:
            if short:
                d = tails[k][0]
                vals = [r[k] if len(r) > k else d for r in recs]
            else:
                vals = list(map(itemgetter(k), recs))
            if k in reals:
                vals = [float(x) if type(x) is int else x for x in vals]
            out[k] = vals
        return out

    def lists(cache):
        if root == 1 and db.pager.page_count == 0:
            return
        for v in bt.leaves(root):
            if not v.ncell:
                continue
            data = v.data
            kept = cache.get(v.pgno)
            if kept is not None and kept[0] == data:
                yield kept[1], kept[2]
                continue
            cur = bt.table(root)
            if kept is not None:
                got = _patched(kept, v, cur, width, lists_of)
                if got is not None:
                    if max(map(data.__getitem__, v.cells)) < 0x80:
                        cache[v.pgno] = (bytes(data),) + got
                    else:
                        del cache[v.pgno]
                    yield got[0], got[1]
                    continue
            cur.seek(v.rowid_at(0))
            if len(cache) >= _KEPT_LEAVES and kept is None:
                # A bigger table: the rest is read as any scan reads it.
                for rids, recs in cur.rows(width, True):
                    yield rids, lists_of(rids, recs)
                return
            for rids, recs in cur.rows(width, True, v.rowid_at(v.ncell - 1)):
                break
            else:
                continue
            got = lists_of(rids, recs)
            # (Each cell's payload under 128 bytes: none spills.)
            if max(map(data.__getitem__, v.cells)) < 0x80:
                cache[v.pgno] = (bytes(data), rids, got, None)
            yield rids, got
    return lists


def _patched(kept, v, cur, width, lists_of):
    """(rowids, lists, cell bounds) of leaf ``v`` from those ``kept`` of an
    earlier image of it, when the two differ only inside some cells (the
    same header and cell pointers: another connection's UPDATE rewrote a
    few records in place): only those cells are read again.  None
    otherwise.  The bounds (the cell offsets in ascending order, and their
    indexes) are the same for both images: made once per pointer array."""
    old, rids, lists, bounds = kept
    new = v.data
    cells = v.cells
    end = v.cell0 + 2 * v.ncell
    if len(old) != len(new) or old[v.hdr:end] != new[v.hdr:end]:
        return None
    if bounds is None:
        starts = sorted(cells)
        bounds = (starts, {off: i for i, off in enumerate(cells)})
    starts, index = bounds
    # The changed byte ranges, by halving: a few compares per changed cell;
    # then the cells in them whose bytes (up to the next cell) differ.
    changed = []
    todo = [(starts[0], len(new))]
    while todo:
        lo, hi = todo.pop()
        if old[lo:hi] == new[lo:hi]:
            continue
        if hi - lo > 64:
            mid = (lo + hi) // 2
            todo += [(mid, hi), (lo, mid)]
            continue
        j = max(bisect_right(starts, lo) - 1, 0)
        while j < len(starts) and starts[j] < hi:
            a = starts[j]
            b = starts[j + 1] if j + 1 < len(starts) else len(new)
            if old[a:b] != new[a:b]:
                changed.append(index[a])
            j += 1
    if len(changed) * 4 > len(cells):
        return None             # most of the page: decode it whole
    if not changed:
        return rids, lists, bounds
    rids = list(rids)
    lists = {k: (rids if vals is kept[1] else list(vals)) for k, vals in lists.items()}
    for i in set(changed):
        rid = v.rowid_at(i)
        if not cur.seek(rid):
            return None
        rec = cur.record() if width is None else cur.record_prefix(width)
        rids[i] = rid
        for k, vals in lists_of([rid], [rec]).items():
            if lists[k] is not rids:
                lists[k][i] = vals[0]
    return rids, lists, bounds


def batchable(db, scope, nodes, aggs, colls, group_by):
    """May these aggregates (their ast nodes, (factory, argument functions,
    FILTER) and collations) take their rows in batches?  Yes when each is
    a built-in of at most one argument with ``feed``, no FILTER, a built-in
    collation, and its argument and the GROUP BY terms cannot fail."""
    for n, (factory, argfs, ff), coll in zip(nodes, aggs, colls):
        if ff is not None or len(argfs) > 1 or not hasattr(factory, "feed") or \
                coll not in _SAFE_COLLATIONS:
            return False
    return all(cannot_fail(db, scope, a) for n in nodes for a in n.args) and \
        all(cannot_fail(db, scope, g) for g in group_by)


def cannot_fail(db, scope, e):
    """Does evaluating ``e`` never raise nor call user code?  (Conservative.)"""
    if isinstance(e, (ast.Literal, ast.Param)):
        return True
    if isinstance(e, ast.Column):
        # (Not an alias of a result column: that is another expression.)
        # A column declared with a user collation may call it in comparisons.
        hit = resolve(scope, e)
        return hit is not None and (hit[2] < 0 or _safe_collation(db, hit[1].collations[hit[2]]))
    if isinstance(e, ast.Binary):
        ok = e.op != "||"
    elif isinstance(e, ast.Collate):
        ok = _safe_collation(db, e.collation)
    elif isinstance(e, (ast.Unary, ast.IsNull, ast.Between, ast.Case, ast.Cast)):
        ok = True
    elif isinstance(e, ast.Like):
        # The built-in LIKE / GLOB with a constant pattern, compiled at
        # prepare time (a pattern too complex fails there, not per row).
        user = db.functions.user
        ok = e.op in ("LIKE", "GLOB") and not (user and user.get(e.op.lower())) and \
            isinstance(e.pattern, ast.Literal) and isinstance(e.pattern.value, str) and \
            (e.escape is None or (e.op == "LIKE" and isinstance(e.escape, ast.Literal)))
        return ok and cannot_fail(db, scope, e.operand)
    elif isinstance(e, ast.Function):
        user = db.functions.user
        name = e.name.lower()
        ok = name in _SAFE_FUNCTIONS and not (user and user.get(name)) and \
            e.over is None and e.filter is None and not e.distinct and not e.star
    else:
        return False
    return ok and all(cannot_fail(db, scope, c) for c in children(e))


def _safe_collation(db, name):
    """Is collation ``name`` (None: BINARY) a built-in one?"""
    try:
        return name is None or C.lookup(name, db.collations) in _SAFE_COLLATIONS
    except errors.OperationalError:     # unknown: the general path reports it
        return False


def aggregate(source_rows, width, aggs, gfs, gcolls, havf, driver, batches=None,
              walked=None):
    """GROUP BY + aggregate evaluation -> rows() of the groups.  ``aggs``
    holds (factory, argument functions, FILTER function or None) per
    aggregate; ``gfs`` and ``gcolls`` the GROUP BY terms and collations;
    ``havf`` the HAVING filter.

    The source row is the group's first row, or with min()/max()
    (``driver``: the index of the last non-DISTINCT one) the row that set
    its current value -- the last row seen while it has none.
    ``batches``: None to step row at a time over ``source_rows()``, else
    a factory of the same rows as lists (see ``batchable``).  ``walked()``
    true: the loop delivers the groups in their order (an index walk), and
    they come out in the order met."""
    is_true = V.is_true

    def new_states():
        return [factory() for factory, _, _ in aggs]

    if batches is not None:
        collect = _batched_groups if gfs else _batched_total
        feed = _feeder(aggs, driver)
        source = batches
    else:
        collect = _stepped_groups if gfs else _stepped_total
        feed = _stepper(aggs, driver)
        source = source_rows

    def run():
        groups = collect(source(), new_states, feed, gfs, gcolls)
        if not gfs:
            if not groups:
                groups = [[None, new_states(), [None] * width]]
        elif walked is None or not walked():
            # SQLite emits groups in GROUP BY order (it sorts or walks an index).
            keyfns = [order_key_fn(ck, False, None) for ck in gcolls]
            groups = sorted(groups,
                            key=lambda g: tuple([kf(v) for kf, v in zip(keyfns, g[0])]))
        for _, states, row in groups:
            out = list(row) + [s.finalize() for s in states]
            if havf is not None and not is_true(havf(out)):
                continue
            yield out
    return run


def in_batches(rows):
    """Rows (any iterable: an index seek's may be a list) as lists of up to
    _BATCH rows."""
    rows = iter(rows)
    while True:
        batch = list(islice(rows, _BATCH))
        if not batch:
            return
        yield batch


# -- row at a time ----------------------------------------------------------------

def _stepper(aggs, driver):
    """-> step(states, row): step every aggregate; True when the driver
    took this row."""
    is_true = V.is_true
    calls = [(i, argfs, ff) for i, (_, argfs, ff) in enumerate(aggs)]
    if driver is None and all(ff is None for _, _, ff in aggs):
        def plain(states, row):      # the common case, no bookkeeping
            for state, (_, argfs, _) in zip(states, aggs):
                state.step(*[f(row) for f in argfs])
        return plain

    def step(states, row):
        hit = False
        for i, argfs, ff in calls:
            if ff is not None and not is_true(ff(row)):
                if i == driver and not states[i].seen:
                    hit = True
                continue
            r = states[i].step(*[f(row) for f in argfs])
            if i == driver and (r or not states[i].seen):
                hit = True
        return hit
    return step


def _stepped_total(rows, new_states, step, gfs, gcolls):
    """No GROUP BY: [[None, states, source row]], or [] with no rows."""
    states = new_states()
    bare = None
    for row in rows:
        if step(states, row) or bare is None:
            bare = row
    return [] if bare is None else [[None, states, bare]]


def _stepped_groups(rows, new_states, step, gfs, gcolls):
    """-> [[GROUP BY values, states, source row]] per group."""
    gkey = row_key_fn(gcolls)
    groups = {}
    for row in rows:
        key = tuple([f(row) for f in gfs])
        gk = gkey(key)
        g = groups.get(gk)
        if g is None:
            g = groups[gk] = [key, new_states(), row]
        if step(g[1], row):
            g[2] = row
    return list(groups.values())


# -- batches ------------------------------------------------------------------------

def _feeder(aggs, driver):
    """-> feed(states, rows): feed a list of rows to every aggregate; the
    index of the row the driver took last, or -1."""
    calls = [(i, argfs[0] if argfs else None) for i, (_, argfs, _) in enumerate(aggs)]

    def feed(states, rows):
        hit = -1
        for i, argf in calls:
            # count(*) counts the rows themselves.
            h = states[i].feed(rows if argf is None else list(map(argf, rows)))
            if i == driver:
                hit = h
        return hit
    return feed


def _batched_total(batches, new_states, feed, gfs, gcolls):
    states = None
    bare = None
    for batch in batches:
        if not batch:
            continue
        if states is None:
            states = new_states()
        h = feed(states, batch)
        if h >= 0:
            bare = batch[h]
        elif bare is None:
            bare = batch[0]
    return [] if bare is None else [[None, states, bare]]


def _chunks(batches):
    """Batches joined into lists of at least _CHUNK rows (the last: fewer)."""
    chunk = []
    for batch in batches:
        chunk += batch
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _batched_groups(batches, new_states, feed, gfs, gcolls):
    groups = {}
    for chunk in _chunks(batches):
        parts = _partition(chunk, gfs, gcolls, groups, new_states)
        for gk, part in parts.items():
            g = groups[gk]
            h = feed(g[1], part)
            if h >= 0:
                g[2] = part[h]
    return list(groups.values())


def _partition(chunk, gfs, gcolls, groups, new_states):
    """The rows of a chunk by group: {group key: [rows]}; a group met for
    the first time joins ``groups`` as [GROUP BY values, states, row]."""
    parts = {}
    if len(gfs) == 1:
        vkey = value_key_fn(gcolls[0])
        for k, row in zip(map(gfs[0], chunk), chunk):
            gk = k if type(k) is int else vkey(k)
            part = parts.get(gk)
            if part is None:
                part = parts[gk] = []
                if gk not in groups:
                    groups[gk] = [(k,), new_states(), row]
            part.append(row)
        return parts
    gkey = row_key_fn(gcolls)
    for row in chunk:
        key = tuple([f(row) for f in gfs])
        gk = gkey(key)
        part = parts.get(gk)
        if part is None:
            part = parts[gk] = []
            if gk not in groups:
                groups[gk] = [key, new_states(), row]
        part.append(row)
    return parts
