"""Differential tests: hypothesis writes schemas, data and queries; sqlite3 and the
module under test run them; the answers must agree.

Each example creates 1-3 tables (declared types INTEGER/TEXT/REAL/BLOB/NUMERIC/
none, COLLATE NOCASE/RTRIM, UNIQUE, an INTEGER PRIMARY KEY, indexes), inserts rows
(NULLs, mixed types, edge integers and reals, unicode, numeric-looking text), runs
queries (expressions, WHERE with comparisons/LIKE/BETWEEN/IN/IS NULL/subqueries,
inner/left/cross joins, GROUP BY/HAVING with aggregates, ORDER BY with collations
and NULLS FIRST/LAST, DISTINCT, LIMIT/OFFSET, compound selects) and a DML
statement.  Every statement must give the same rows with the same types, or an
exception of the same class, on both engines.

What SQL leaves open is not compared:
- Rows are compared as multisets; when the ORDER BY terms are output columns, the
  sequence of sort keys must match too (rows tied on the ORDER BY may come in any
  order).  With LIMIT, only what the ORDER BY determines is compared (no ORDER BY:
  only the row count).
- Where an engine picks one of several equal values (DISTINCT, GROUP BY, compound
  selects, min/max over values that are equal under a collation or numerically,
  like 'a'/'A' in a NOCASE column or 1/1.0), values are compared by that
  equivalence ("coarse"): ASCII case folded, trailing spaces dropped, numbers by
  exact value.  Such representative values never feed a filter: HAVING and scalar
  subqueries use count/sum/total/avg only.
- Order-dependent results are avoided by construction: sum/total/avg only read
  "tame" columns (small integers, reals that are multiples of 1/4, text), whose
  sums are exact in any order and never overflow; no group_concat; no function
  that raises on some values only (abs).

Run with sqlite3 as the module under test, every example must agree with itself,
which checks the generator and the comparison.  The default run is small; the
test marked slow (--runslow) runs many more examples.
"""
import shutil
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import util

# -- values -------------------------------------------------------------------------

EDGE_INTS = (0, 1, -1, 2 ** 31 - 1, -2 ** 31, 2 ** 32, 2 ** 53 + 1, 2 ** 62,
             2 ** 63 - 1, -2 ** 63, -2 ** 63 + 1)
EDGE_REALS = (0.0, -0.0, 0.1, 1 / 3, -2.5, 1e15, 1e16, 1e300, -1e300, 5e-324,
              2.0 ** 63, -2.0 ** 63, 9007199254740993.0, 123456789.125)
NUMERIC_TEXT = ("0", "1", " 2", "3.0", "-4", "+5", "1e2", "0x10", "12abc", "2.5",
                "007", "", " ", "9223372036854775808", "-9223372036854775809", "1e400")
ALPHABET = "aAbBzZ _%é字ß"

small_ints = st.integers(-100, 100)
quarter_reals = st.integers(-400, 400).map(lambda k: k / 4)
short_text = st.text(ALPHABET, max_size=4)
tame_values = st.one_of(
    st.none(), small_ints, quarter_reals, short_text,
    st.sampled_from([t for t in NUMERIC_TEXT if len(t) < 6]),
    st.sampled_from([b"", b"\x01", b"ab"]))
wild_values = st.one_of(
    tame_values, st.sampled_from(EDGE_INTS), st.sampled_from(EDGE_REALS),
    st.sampled_from(NUMERIC_TEXT), st.integers(-2 ** 63, 2 ** 63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6).filter(
        lambda s: "\x00" not in s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)),
    st.binary(max_size=4))


def literal(value):
    """``value`` as an SQL literal that reads back as the same value."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value) if value >= 0 else f"({value})"
    if isinstance(value, float):
        return repr(value) if value >= 0 and str(value) != "-0.0" else f"({value!r})"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return "x'" + value.hex() + "'"


# -- schema ---------------------------------------------------------------------------

DECLS = ("INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "")
COLLATIONS = (None, None, "NOCASE", "RTRIM")


@dataclass(frozen=True)
class Col:
    name: str
    decl: str
    coll: str           # None means BINARY; "unknown" in a FROM subquery's columns
    unique: bool
    tame: bool          # only tame values: fit for sum/total/avg
    ipk: bool = False   # INTEGER PRIMARY KEY


@dataclass(frozen=True)
class Index:
    sql: str
    unique: bool
    columns: tuple      # names


@dataclass(frozen=True)
class Table:
    name: str
    cols: tuple
    indexes: tuple      # Index


@st.composite
def tables(draw, index):
    name = f"t{index}"
    cols = []
    if draw(st.booleans()):
        cols.append(Col("id", "INTEGER", None, False, True, ipk=True))
    for i in range(draw(st.integers(1, 4))):
        cols.append(Col(f"c{i}", draw(st.sampled_from(DECLS)),
                        draw(st.sampled_from(COLLATIONS)),
                        draw(st.integers(0, 5)) == 0, draw(st.booleans())))
    indexes = []
    for j in range(draw(st.integers(0, 2))):
        picked = draw(st.lists(st.sampled_from(cols), min_size=1, max_size=2, unique=True))
        terms = ", ".join(
            c.name + draw(st.sampled_from(["", "", " COLLATE NOCASE", " COLLATE BINARY"]))
            + draw(st.sampled_from(["", " DESC"])) for c in picked)
        unique = draw(st.integers(0, 3)) == 0
        # No partial or expression indexes: minisql refuses them (NotSupportedError),
        # and one refusal would stop every example; the corpus covers them.
        indexes.append(Index(f"CREATE {'UNIQUE ' if unique else ''}INDEX {name}_i{j} ON "
                             f"{name}({terms})", unique, tuple(c.name for c in picked)))
    return Table(name, tuple(cols), tuple(indexes))


def create_sql(table):
    defs = []
    for c in table.cols:
        if c.ipk:
            defs.append(f"{c.name} INTEGER PRIMARY KEY")
            continue
        d = f"{c.name} {c.decl}".rstrip()
        if c.coll:
            d += f" COLLATE {c.coll}"
        if c.unique:
            d += " UNIQUE"
        defs.append(d)
    return f"CREATE TABLE {table.name}({', '.join(defs)})"


@st.composite
def rows_for(draw, table):
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = []
        for c in table.cols:
            if c.ipk:
                row.append(draw(st.one_of(st.none(), st.integers(-3, 12),
                                          st.sampled_from(["7", "x", 2.0, 2.5]))))
            else:
                row.append(draw(tame_values if c.tame else wild_values))
        rows.append(tuple(row))
    return rows


# -- expressions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Expr:
    sql: str
    coll: str = "BINARY"    # collation when used as an ORDER BY key; None: unknown
    explicit: bool = False  # holds a COLLATE operator (collation then propagates)


@dataclass(frozen=True)
class Ref:
    """A column visible in a FROM clause: alias.column."""
    qualified: str
    col: Col


def _binary(l, op, r):
    explicit = l.explicit or r.explicit
    return Expr(f"({l.sql} {op} {r.sql})", None if explicit else "BINARY", explicit)


def _func(name, *args):
    explicit = any(a.explicit for a in args)
    return Expr(f"{name}({', '.join(a.sql for a in args)})",
                None if explicit else "BINARY", explicit)


def column_expr(ref):
    return Expr(ref.qualified, ref.col.coll or "BINARY")


@st.composite
def leaf(draw, scope):
    if scope and draw(st.integers(0, 2)):
        return column_expr(draw(st.sampled_from(scope)))
    # Mostly values like the tame data, so that comparisons with columns match rows.
    return Expr(literal(draw(st.one_of(tame_values, tame_values, wild_values))))


@st.composite
def exprs(draw, scope, depth=2):
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(leaf(scope))
    sub = exprs(scope, depth - 1)
    kind = draw(st.integers(0, 11))
    if kind == 0:
        op = draw(st.sampled_from(["-", "NOT ", "~", "+"]))
        e = draw(sub)
        coll = e.coll if op == "+" else ("BINARY" if not e.explicit else None)
        return Expr(f"({op}{e.sql})", coll, e.explicit)
    if kind in (1, 2):
        op = draw(st.sampled_from(["+", "-", "*", "/", "%", "||", "&", "|", "<<", ">>"]))
        return _binary(draw(sub), op, draw(sub))
    if kind == 3:
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT",
                                   "AND", "OR"]))
        return _binary(draw(sub), op, draw(sub))
    if kind == 4:
        name = draw(st.sampled_from(["length", "upper", "lower", "typeof", "hex",
                                     "quote", "trim", "round", "unicode"]))
        return _func(name, draw(sub))
    if kind == 5:
        name = draw(st.sampled_from(["coalesce", "ifnull", "nullif", "instr", "max",
                                     "min", "round", "ltrim", "rtrim"]))
        return _func(name, draw(sub), draw(sub))
    if kind == 6:
        name = draw(st.sampled_from(["substr", "replace", "coalesce", "iif"]))
        return _func(name, draw(sub), draw(sub), draw(sub))
    if kind == 7:
        e = draw(sub)
        t = draw(st.sampled_from(["INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC"]))
        return Expr(f"CAST({e.sql} AS {t})", e.coll, e.explicit)
    if kind == 8:
        c, a, b = draw(sub), draw(sub), draw(sub)
        explicit = c.explicit or a.explicit or b.explicit
        return Expr(f"CASE WHEN {c.sql} THEN {a.sql} ELSE {b.sql} END",
                    None if explicit else "BINARY", explicit)
    if kind == 9:
        coll = draw(st.sampled_from(["NOCASE", "RTRIM", "BINARY"]))
        return Expr(f"({draw(sub).sql} COLLATE {coll})", coll, True)
    return draw(predicates(scope, depth - 1))


@st.composite
def predicates(draw, scope, depth=2, subquery_tables=()):
    e = exprs(scope, max(depth - 1, 0))
    kind = draw(st.integers(0, 9 if subquery_tables else 7))
    if kind == 0:
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT", "=="]))
        return _binary(draw(e), op, draw(e))
    if kind == 1:
        neg = draw(st.sampled_from(["", "NOT "]))
        x, lo, hi = draw(e), draw(e), draw(e)
        return Expr(f"({x.sql} {neg}BETWEEN {lo.sql} AND {hi.sql})")
    if kind == 2:
        items = draw(st.lists(e, min_size=0, max_size=4))
        neg = draw(st.sampled_from(["", "NOT "]))
        return Expr(f"({draw(e).sql} {neg}IN ({', '.join(i.sql for i in items)}))")
    if kind == 3:
        return Expr(f"({draw(e).sql} IS {draw(st.sampled_from(['', 'NOT ']))}NULL)")
    if kind == 4:
        op = draw(st.sampled_from(["LIKE", "NOT LIKE", "GLOB"]))
        pattern = draw(st.one_of(
            st.text(ALPHABET + "*?", max_size=4).map(literal), e.map(lambda x: x.sql)))
        return Expr(f"({draw(e).sql} {op} {pattern})")
    if kind in (5, 6):
        op = draw(st.sampled_from(["AND", "OR"]))
        sub = predicates(scope, max(depth - 1, 0), subquery_tables)
        return _binary(draw(sub), op, draw(sub))
    if kind == 7:
        return Expr(f"(NOT {draw(predicates(scope, max(depth - 1, 0), subquery_tables)).sql})")
    table = draw(st.sampled_from(subquery_tables))
    inner = [Ref(f"s.{c.name}", c) for c in table.cols]
    where = draw(predicates(scope + inner, 1))
    if kind == 8:
        col = draw(st.sampled_from(inner))
        neg = draw(st.sampled_from(["", "NOT "]))
        return Expr(f"({draw(e).sql} {neg}IN (SELECT {col.qualified} FROM {table.name} AS s"
                    f" WHERE {where.sql}))")
    if draw(st.booleans()):
        return Expr(f"({draw(st.sampled_from(['', 'NOT ']))}EXISTS (SELECT 1 FROM "
                    f"{table.name} AS s WHERE {where.sql}))")
    # A scalar subquery: an aggregate, so exactly one row whatever the scan order.
    agg = draw(aggregates(inner, allow_minmax=False))
    op = draw(st.sampled_from(["=", "<", ">", "<>"]))
    return Expr(f"((SELECT {agg.sql} FROM {table.name} AS s WHERE {where.sql}) {op} "
                f"{draw(e).sql})")


@st.composite
def aggregates(draw, scope, allow_minmax=True):
    tame = [r for r in scope if r.col.tame]
    options = ["count(*)", "count"]
    if tame:
        options += ["sum", "total", "avg"]
    if allow_minmax and scope:
        options += ["min", "max"]
    name = draw(st.sampled_from(options))
    if name == "count(*)":
        return Expr("count(*)")
    if name == "count":
        distinct = draw(st.sampled_from(["", "DISTINCT "]))
        return Expr(f"count({distinct}{draw(exprs(scope, 1)).sql})")
    if name in ("sum", "total", "avg"):
        return Expr(f"{name}({draw(st.sampled_from(tame)).qualified})")
    return Expr(f"{name}({draw(st.sampled_from(scope)).qualified})", None)


# -- queries ------------------------------------------------------------------------

@dataclass
class Query:
    sql: str
    coarse: bool = False    # representatives may differ: compare by equivalence
    order: list = None      # [collation or None] per ORDER BY term, all output positions
    positions: list = None  # output positions of the ORDER BY terms
    limited: bool = False


@st.composite
def from_clause(draw, schema):
    """(FROM clause sql, scope of visible columns)."""
    n = draw(st.sampled_from([1, 1, 2, 2, 3]))
    picked = [draw(st.sampled_from(schema)) for _ in range(n)]
    scope, parts = [], []
    for i, table in enumerate(picked):
        alias = f"a{i}"
        refs = [Ref(f"{alias}.{c.name}", c) for c in table.cols]
        if i == 0:
            if draw(st.integers(0, 5)) == 0:
                # A subquery in FROM: its columns' collations are not tracked.
                where = draw(predicates(refs, 1))
                cols = ", ".join(r.qualified + f" AS {r.col.name}" for r in refs)
                parts.append(f"(SELECT {cols} FROM {table.name} AS {alias} "
                             f"WHERE {where.sql}) AS {alias}")
                refs = [Ref(r.qualified, Col(r.col.name, r.col.decl, "unknown", False,
                                             r.col.tame)) for r in refs]
            else:
                parts.append(f"{table.name} AS {alias}")
        else:
            join = draw(st.sampled_from(["JOIN", "LEFT JOIN", "CROSS JOIN", ",",
                                         "INNER JOIN", "LEFT OUTER JOIN"]))
            if join in (",", "CROSS JOIN"):
                parts.append(f"{join} {table.name} AS {alias}")
            else:
                on = draw(predicates(scope + refs, 1))
                parts.append(f"{join} {table.name} AS {alias} ON {on.sql}")
        scope += refs
    return " ".join(parts), scope


def _key_collation(expr):
    return None if expr.coll in (None, "unknown") else expr.coll


@st.composite
def order_by(draw, outputs):
    """ORDER BY over output positions: (sql, collations, positions)."""
    positions = draw(st.lists(st.integers(1, len(outputs)), min_size=1,
                              max_size=len(outputs), unique=True))
    terms, colls = [], []
    for p in positions:
        coll = draw(st.sampled_from([None, None, "NOCASE", "RTRIM", "BINARY"]))
        term = str(p) + (f" COLLATE {coll}" if coll else "")
        term += draw(st.sampled_from(["", " ASC", " DESC"]))
        term += draw(st.sampled_from(["", "", " NULLS FIRST", " NULLS LAST"]))
        terms.append(term)
        colls.append(coll or (_key_collation(outputs[p - 1]) if outputs[p - 1] else None))
    return " ORDER BY " + ", ".join(terms), colls, positions


@st.composite
def limit_clause(draw):
    n = draw(st.integers(-1, 5))
    offset = draw(st.sampled_from(["", " OFFSET 1", " OFFSET 3"]))
    return f" LIMIT {n}{offset}"


@st.composite
def select_core(draw, schema, width=None):
    """A plain, aggregate or grouped SELECT without ORDER BY/LIMIT:
    (sql, output Exprs, coarse: whether outputs may be representatives)."""
    source, scope = draw(from_clause(schema))
    where = draw(predicates(scope, 2, schema)) if draw(st.booleans()) else None
    kind = draw(st.sampled_from(["plain", "plain", "plain", "aggregate", "grouped"]))
    width = width or draw(st.integers(1, 3))
    coarse = False
    if kind == "plain":
        outputs = [draw(exprs(scope, 2)) for _ in range(width)]
        distinct = draw(st.integers(0, 4)) == 0
        coarse = distinct
        sql = "SELECT " + ("DISTINCT " if distinct else "")
        tail = ""
    else:
        keys = []
        if kind == "grouped":
            keys = draw(st.lists(st.sampled_from(scope), min_size=1, max_size=2, unique=True))
        outputs = [column_expr(k) for k in keys][:width]
        while len(outputs) < width:
            outputs.append(draw(aggregates(scope)))
        coarse = bool(keys) or any(o.coll is None for o in outputs)
        sql = "SELECT "
        tail = ""
        if keys:
            tail = " GROUP BY " + ", ".join(k.qualified for k in keys)
            if draw(st.booleans()):
                agg = draw(aggregates(scope, allow_minmax=False))
                tail += f" HAVING {agg.sql} {draw(st.sampled_from(['>', '<', '=', '>=']))} "
                tail += str(draw(st.integers(0, 3)))
    sql += ", ".join(f"{o.sql} AS o{i}" for i, o in enumerate(outputs))
    sql += f" FROM {source}"
    if where is not None:
        sql += f" WHERE {where.sql}"
    return sql + tail, outputs, coarse


@st.composite
def queries(draw, schema):
    if draw(st.integers(0, 4)) == 0:
        width = draw(st.integers(1, 3))
        left, _, lcoarse = draw(select_core(schema, width))
        right, _, rcoarse = draw(select_core(schema, width))
        op = draw(st.sampled_from(["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]))
        q = Query(f"{left} {op} {right}", coarse=lcoarse or rcoarse or op != "UNION ALL")
        # Collations of compound columns come from either side: unknown.
        outputs = [None] * width
    else:
        sql, outputs, coarse = draw(select_core(schema))
        q = Query(sql, coarse=coarse)
    if draw(st.booleans()):
        clause, colls, positions = draw(order_by(outputs))
        q.sql += clause
        q.order = [None if q.coarse else c for c in colls]
        q.positions = [p - 1 for p in positions]
    if draw(st.integers(0, 3)) == 0:
        q.sql += draw(limit_clause())
        q.limited = True
    return q


@st.composite
def dml(draw, table):
    scope = [Ref(c.name, c) for c in table.cols]
    where = draw(predicates(scope, 1))
    # Not a column under a uniqueness constraint: whether an UPDATE of several rows
    # meets a transient duplicate depends on the order it visits them.
    keyed = {n for i in table.indexes if i.unique for n in i.columns}
    targets = [c for c in table.cols if not (c.unique or c.ipk or c.name in keyed)]
    if not targets or draw(st.booleans()):
        return f"DELETE FROM {table.name} WHERE {where.sql}"
    col = draw(st.sampled_from(targets))
    value = draw(exprs(scope, 1))
    return f"UPDATE {table.name} SET {col.name} = {value.sql} WHERE {where.sql}"


@dataclass
class Scenario:
    schema: list
    rows: dict = field(default_factory=dict)
    queries: list = field(default_factory=list)
    dml: str = ""
    use_params: bool = True


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 3))
    schema = [draw(tables(i)) for i in range(n)]
    s = Scenario(schema, use_params=draw(st.booleans()))
    for t in schema:
        s.rows[t.name] = draw(rows_for(t))
    s.queries = draw(st.lists(queries(schema), min_size=1, max_size=5))
    s.dml = draw(dml(draw(st.sampled_from(schema))))
    return s


# -- comparing ---------------------------------------------------------------------

_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def sort_key(value, coll):
    """The class of ``value`` among values an ORDER BY with collation ``coll`` ties
    (None: the coarsest of BINARY/NOCASE/RTRIM)."""
    if value is None:
        return ("null",)
    if isinstance(value, (int, float)):
        return ("num", Fraction(value) if value == value and abs(value) != float("inf")
                else value)
    if isinstance(value, str):
        if coll in (None, "NOCASE"):
            value = value.translate(_FOLD)
        if coll in (None, "RTRIM"):
            value = value.rstrip(" ")
        return ("text", value)
    return ("blob", bytes(value))


def _rows(rows, coarse):
    if coarse:
        return Counter(tuple(sort_key(v, None) for v in r) for r in rows)
    return Counter(util.typed_rows(rows))


def difference(query, ref, got):
    """Why ``got`` (module under test) disagrees with ``ref`` (sqlite3), or None."""
    if ref.error or got.error:
        if ref.error_class != got.error_class:
            return f"errors differ: sqlite3 {ref.error}, target {got.error}"
        return None
    if query.order is not None:
        keys = [[tuple(sort_key(r[p], c) for p, c in zip(query.positions, query.order))
                 for r in rows] for rows in (ref.rows, got.rows)]
        if keys[0] != keys[1]:
            return f"ORDER BY keys differ:\n  sqlite3 {keys[0]}\n  target  {keys[1]}"
    if query.limited:
        if len(ref.rows) != len(got.rows):
            return f"row counts differ: sqlite3 {len(ref.rows)}, target {len(got.rows)}"
        return None
    if _rows(ref.rows, query.coarse) != _rows(got.rows, query.coarse):
        return (f"rows differ{' (compared coarsely)' if query.coarse else ''}:\n"
                f"  sqlite3 {util.typed_rows(ref.rows)}\n  target  {util.typed_rows(got.rows)}")
    return None


def run_scenario(module, scenario):
    """Run ``scenario`` on sqlite3 and ``module``; return the list of differences."""
    tmp = tempfile.mkdtemp(prefix="differential-")
    problems = []
    try:
        with util.SideBySide(module, tmp) as sbs:
            def same_outcome(sql, params=()):
                ref, got = sbs.run(sql, params)
                if ref.error_class != got.error_class or (
                        not ref.error and (util.typed_rows(ref.rows), ref.rowcount)
                        != (util.typed_rows(got.rows), got.rowcount)):
                    problems.append(f"{sql} {params or ''}\n"
                                    + util.explain_difference(ref, got))

            # One transaction for the whole setup: one commit (and fsync) per engine.
            same_outcome("BEGIN")
            for table in scenario.schema:
                same_outcome(create_sql(table))
                for index in table.indexes:
                    same_outcome(index.sql)
                for row in scenario.rows[table.name]:
                    if scenario.use_params:
                        marks = ", ".join("?" * len(row))
                        same_outcome(f"INSERT INTO {table.name} VALUES ({marks})", row)
                    else:
                        same_outcome(f"INSERT INTO {table.name} VALUES "
                                     f"({', '.join(literal(v) for v in row)})")
            same_outcome("COMMIT")
            for query in scenario.queries:
                ref, got = sbs.run(query.sql)
                why = difference(query, ref, got)
                if why:
                    problems.append(f"{query.sql}\n  {why}")
            same_outcome(scenario.dml)
            for table in scenario.schema:
                same_outcome(f"SELECT * FROM {table.name} ORDER BY rowid")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return problems


def _check(engine, scenario):
    problems = run_scenario(util.engine_module(engine), scenario)
    assert not problems, "\n".join(problems[:5])


COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])


@pytest.mark.parametrize("engine", util.ENGINES)
@settings(max_examples=50, **COMMON)
@given(scenario=scenarios())
def test_differential(engine, scenario):
    _check(engine, scenario)


@pytest.mark.slow
@pytest.mark.parametrize("engine", util.ENGINES)
@settings(max_examples=2000, **COMMON)
@given(scenario=scenarios())
def test_differential_long(engine, scenario):
    _check(engine, scenario)


# -- expressions over literals and parameters ------------------------------------------

SCALAR_FUNCTIONS_1 = ("abs", "length", "upper", "lower", "typeof", "hex", "quote",
                      "trim", "ltrim", "rtrim", "round", "unicode", "char", "likely",
                      "soundex")
# Not zeroblob/printf: a huge size or width argument would make sqlite3 allocate it.
SCALAR_FUNCTIONS_2 = ("coalesce", "ifnull", "nullif", "instr", "max", "min", "round",
                      "substr", "trim", "like", "glob")
SCALAR_FUNCTIONS_3 = ("substr", "replace", "iif", "coalesce")


@st.composite
def scalar_exprs(draw, depth=3):
    """An expression over literals and ? parameters: (sql, parameters)."""
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        value = draw(wild_values)
        if draw(st.booleans()):
            return "?", [value]
        return literal(value), []
    parts = []

    def sub():
        sql, params = draw(scalar_exprs(depth - 1))
        parts.extend(params)
        return sql
    kind = draw(st.integers(0, 8))
    if kind == 0:
        sql = f"({draw(st.sampled_from(['-', '+', '~', 'NOT ']))}{sub()})"
    elif kind in (1, 2):
        op = draw(st.sampled_from(["+", "-", "*", "/", "%", "||", "&", "|", "<<", ">>", "=",
                                   "<>", "<", "<=", ">", ">=", "IS", "IS NOT", "AND", "OR",
                                   "LIKE", "GLOB", "NOT LIKE"]))
        sql = f"({sub()} {op} {sub()})"
        if op.endswith("LIKE") and draw(st.booleans()):
            sql = sql[:-1] + " ESCAPE '!')"
    elif kind == 3:
        sql = f"{draw(st.sampled_from(SCALAR_FUNCTIONS_1))}({sub()})"
    elif kind == 4:
        sql = f"{draw(st.sampled_from(SCALAR_FUNCTIONS_2))}({sub()}, {sub()})"
    elif kind == 5:
        sql = f"{draw(st.sampled_from(SCALAR_FUNCTIONS_3))}({sub()}, {sub()}, {sub()})"
    elif kind == 6:
        t = draw(st.sampled_from(["INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC", "INT",
                                  "FLOAT", "VARCHAR(3)"]))
        sql = f"CAST({sub()} AS {t})"
    elif kind == 7:
        sql = f"CASE {sub()} WHEN {sub()} THEN {sub()} ELSE {sub()} END"
    else:
        neg = draw(st.sampled_from(["", "NOT "]))
        if draw(st.booleans()):
            sql = f"({sub()} {neg}BETWEEN {sub()} AND {sub()})"
        else:
            sql = f"({sub()} {neg}IN ({sub()}, {sub()}))"
    return sql, parts


@st.composite
def scalar_selects(draw):
    items = draw(st.lists(scalar_exprs(), min_size=1, max_size=4))
    return ("SELECT " + ", ".join(sql for sql, _ in items),
            tuple(p for _, params in items for p in params))


def _check_scalars(engine, statements):
    module = util.engine_module(engine)
    tmp = tempfile.mkdtemp(prefix="differential-")
    try:
        with util.SideBySide(module, tmp) as sbs:
            for sql, params in statements:
                ref, got = sbs.run(sql, params)
                if ref.error or got.error:
                    assert ref.error_class == got.error_class, (sql, params, ref.error, got.error)
                else:
                    # Column names are the expressions' text: compared too.
                    assert (util.typed_rows(got.rows), got.description) == \
                        (util.typed_rows(ref.rows), ref.description), (sql, params)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("engine", util.ENGINES)
@settings(max_examples=100, **COMMON)
@given(statements=st.lists(scalar_selects(), min_size=1, max_size=5))
def test_differential_expressions(engine, statements):
    _check_scalars(engine, statements)


@pytest.mark.slow
@pytest.mark.parametrize("engine", util.ENGINES)
@settings(max_examples=3000, **COMMON)
@given(statements=st.lists(scalar_selects(), min_size=1, max_size=5))
def test_differential_expressions_long(engine, statements):
    _check_scalars(engine, statements)


# -- the comparison itself can fail --------------------------------------------------

def _outcome(rows=(), error=None):
    return util.Outcome(rows=list(rows), error=error)


def test_difference_detects_what_matters_and_ignores_what_sql_leaves_open():
    plain = Query("q")
    assert difference(plain, _outcome([(1,), (2,)]), _outcome([(2,), (1,)])) is None
    assert difference(plain, _outcome([(1,)]), _outcome([(1.0,)]))
    assert difference(plain, _outcome([(1,)]), _outcome([(1,), (1,)]))
    assert difference(plain, _outcome([(0.0,)]), _outcome([(-0.0,)]))
    assert difference(plain, _outcome(error=("IntegrityError", "x", "execute")),
                      _outcome(error=("OperationalError", "x", "execute")))
    assert difference(plain, _outcome(error=("IntegrityError", "x", "execute")),
                      _outcome([(1,)]))
    coarse = Query("q", coarse=True)
    assert difference(coarse, _outcome([("a",), (1,)]), _outcome([("A",), (1.0,)])) is None
    assert difference(coarse, _outcome([("a",)]), _outcome([("b",)]))
    ordered = Query("q", order=["BINARY"], positions=[0])
    assert difference(ordered, _outcome([(1, "x"), (1, "y")]),
                      _outcome([(1, "y"), (1, "x")])) is None
    assert difference(ordered, _outcome([(1, "x"), (2, "y")]),
                      _outcome([(2, "y"), (1, "x")]))
    assert difference(Query("q", order=["BINARY"], positions=[0]),
                      _outcome([("a",), ("A",)]), _outcome([("A",), ("a",)]))
    assert difference(Query("q", order=["NOCASE"], positions=[0]),
                      _outcome([("a",), ("A",)]), _outcome([("A",), ("a",)])) is None
    limited = Query("q", limited=True)
    assert difference(limited, _outcome([(1,)]), _outcome([(2,)])) is None
    assert difference(limited, _outcome([(1,)]), _outcome([]))
    assert literal(-0.0) == "(-0.0)" and literal(-5) == "(-5)" and literal(b"\x01") == "x'01'"
    con = sqlite3.connect(":memory:")
    for v in (-0.0, -5, 2 ** 63 - 1, -2 ** 63, 1e300, 5e-324, "it's", b"\x00", None):
        assert util.typed(con.execute(f"SELECT {literal(v)}").fetchone()[0]) == util.typed(v)
