"""Aggregate execution: the rows of a query's loop into groups and
aggregate states, out as one row per group.

An output row is a source row of the group (the one SQLite's "bare" columns
report) followed by the aggregate results.  Groups come out in GROUP BY
order, as SQLite emits them after its sorter or index walk.

Two ways to feed the states, with the same results:
    row at a time   every aggregate steps on every row (``_stepper``);
    batches         the rows are taken a list at a time and each aggregate
                    is fed its argument column at once (``feed`` in
                    aggregates.py): one map() per aggregate per batch instead
                    of a Python call per aggregate per row.  With GROUP BY
                    the rows of a chunk are first partitioned by group.
Batches reorder work (the loop runs ahead of the aggregates; one aggregate
sees a whole batch before the next does).  No one can tell as long as
nothing in the aggregate phase can fail or call user code, so they are
used only when ``batchable`` says so; within each aggregate the rows keep
their loop order, which is all its result depends on.
"""

from itertools import islice

from .. import errors
from ..sql import ast
from . import collation as C
from . import values as V
from .expr import children, resolve
from .ordering import order_key_fn, row_key_fn, value_key_fn

# Rows per batch: large enough to amortise the per-batch calls, small
# enough that the loop's look-ahead stays cheap in memory.
_BATCH = 512
# GROUP BY partitions this many rows at a time, so that each group's
# share of a chunk is still a list worth feeding at once.
_CHUNK = 8192

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
    """Rows as lists of up to _BATCH rows."""
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
