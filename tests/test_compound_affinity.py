"""A compound SELECT read as a table (subquery in FROM, view, CTE), side by side
with sqlite3.

SQLite 3.40 gives such a column the leftmost SELECT's affinity and collation
(sqlite3SelectAddColumnTypeAndCollation).  What the user can see of that:
- a REAL column turns the integers of the other arms into REALs when it is read;
- an outer comparison applies the leftmost arm's affinity and collation;
- a WHERE term that reads only the columns of a UNION ALL subquery is also
  copied into each arm (pushDownWhereTerms), where the arm's own affinity
  applies: a row must pass both.
Every query runs through sqlite3 and minisql on the same data and must give the
same rows with the same Python types.  The grids are generated (seeded sample
where the full product is large) over declared types, literals and expressions.
"""
import itertools
import random
import sqlite3

import pytest

import util

SETUP = """
CREATE TABLE t(c0 REAL, c1 INTEGER, c2 TEXT, c3 BLOB, c4 NUMERIC, c5, c6 TEXT COLLATE NOCASE);
INSERT INTO t VALUES (1.5, 2, '3', '4', '5', '6', 'a');
INSERT INTO t VALUES (2.0, 3, '2', x'01', '2.0', 2, 'A');
INSERT INTO t VALUES (NULL, NULL, 'abc', 'xyz', 'n', '2', 'B');
INSERT INTO t VALUES (-0.5, 9223372036854775807, '2.0', 2, '1e3', 3.5, 'b');
CREATE TABLE u(d INTEGER, e TEXT COLLATE NOCASE);
INSERT INTO u VALUES (2, 'A'), (6, 'b'), (NULL, '2');
"""

# Result expressions of an arm: every declared affinity, literals of each type,
# expressions with no affinity, CAST, a unary + and an explicit collation.
ARMS = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "2", "2.5", "'2'", "x'02'", "NULL",
        "c1+1", "CAST(c5 AS REAL)", "CAST(c5 AS TEXT)", "+c1", "c2 COLLATE NOCASE",
        "c1||''"]
OPS = ["UNION ALL", "UNION", "INTERSECT", "EXCEPT"]
# Right-hand sides of an outer comparison, each with its own type.
LITERALS = ["2", "'2'", "2.0", "'2.0'", "6", "'6'", "'a'", "'A'", "'3'", "x'01'"]
COMPARISONS = ["x = {}", "x < {}", "x IN ({}, 99)", "x IS NOT {}", "x BETWEEN {} AND 7"]


@pytest.fixture(scope="module")
def pair():
    ref = sqlite3.connect(":memory:")
    got = util.minisql_module().connect(":memory:")
    for conn in (ref, got):
        conn.executescript(SETUP)
    yield ref, got
    ref.close()
    got.close()


def _key(row):
    return repr(row)


def check(pair, sql, ordered=True):
    """Run ``sql`` on both connections; the user must see the same rows, types
    and errors.  ``ordered=False``: SQL leaves the order of rows open."""
    ref, got = pair
    a = util.outcome_view(util.run_sql(sqlite3, ref, sql))
    b = util.outcome_view(util.run_sql(util.minisql_module(), got, sql))
    if not ordered:
        a["rows"] = sorted(a["rows"], key=_key)
        b["rows"] = sorted(b["rows"], key=_key)
    assert b == a, f"{sql}\n  sqlite3: {a}\n  minisql: {b}"


def _sample(items, n, seed):
    items = list(items)
    if len(items) <= n:
        return items
    return random.Random(seed).sample(items, n)


@pytest.mark.parametrize("op", OPS)
def test_column_types_read_from_a_compound_subquery(pair, op):
    for a, b in itertools.product(ARMS, ARMS):
        check(pair, f"SELECT typeof(x), x FROM (SELECT {a} AS x FROM t {op} SELECT {b} FROM t)",
              ordered=op == "UNION ALL")


def test_real_column_of_a_compound_turns_integers_into_reals(pair):
    # The failure the long differential test found, spelled out.
    for sql in ["SELECT typeof(x), x FROM (SELECT c0 AS x FROM t UNION ALL SELECT c1 FROM t)",
                "SELECT c0 FROM t UNION SELECT c1 FROM t ORDER BY 1 COLLATE NOCASE",
                "SELECT x FROM (SELECT c0 AS x FROM t UNION ALL SELECT 9223372036854775807)",
                "SELECT typeof(column1) FROM (VALUES (CAST(1 AS REAL)), (2))",
                "SELECT sum(x), typeof(max(x)) FROM (SELECT c0 AS x FROM t UNION ALL "
                "SELECT c1 FROM t)"]:
        check(pair, sql)


@pytest.mark.parametrize("op", ["UNION ALL", "UNION"])
def test_outer_comparisons_use_the_leftmost_arm_and_pushed_down_copies(pair, op):
    cases = itertools.product(ARMS, ARMS, LITERALS, COMPARISONS)
    for a, b, lit, cmp in _sample(cases, 900, op):
        where = cmp.format(lit)
        check(pair, f"SELECT x FROM (SELECT {a} AS x FROM t {op} SELECT {b} FROM t) "
                    f"WHERE {where}", ordered=op == "UNION ALL")


def test_three_arms_and_nested_compounds(pair):
    cases = itertools.product(ARMS, ARMS, ARMS, OPS, OPS)
    for a, b, c, op1, op2 in _sample(cases, 400, 3):
        ordered = op1 == op2 == "UNION ALL"
        core = f"SELECT {a} AS x FROM t {op1} SELECT {b} FROM t {op2} SELECT {c} FROM t"
        check(pair, f"SELECT typeof(x), x FROM ({core})", ordered)
        check(pair, f"SELECT x FROM ({core}) WHERE x = 2", ordered)
        check(pair, f"SELECT typeof(x), x FROM (SELECT * FROM ({core}) {op1} "
                    f"SELECT {c} FROM t) WHERE x <> 'a'", ordered and op1 == "UNION ALL")


def test_pushed_down_terms_follow_sqlite(pair):
    """Where SQLite copies an outer term into the arms of a UNION ALL and where
    it does not (a LIMIT, a subquery or random() in the term, a term reading
    another table, a CTE used twice or MATERIALIZED, a RIGHT JOIN)."""
    u = "(SELECT c2 AS x FROM t UNION ALL SELECT c5 FROM t)"
    for sql in [f"SELECT x FROM {u} WHERE x = 6",
                f"SELECT x FROM {u} WHERE x = 6 OR x = 2",
                f"SELECT x FROM {u} WHERE x = abs(-6)",
                f"SELECT x FROM {u} WHERE x = (SELECT 6)",
                f"SELECT x FROM {u} WHERE x = 6 + random() * 0",
                f"SELECT x FROM {u} WHERE x IN (SELECT d FROM u)",
                "SELECT x FROM (SELECT c2 AS x FROM t UNION ALL SELECT c5 FROM t LIMIT 9) "
                "WHERE x = 6",
                "SELECT x FROM (SELECT c2 AS x FROM t UNION ALL SELECT c5 FROM t ORDER BY 1) "
                "WHERE x = 6",
                "SELECT x FROM (SELECT c2 AS x FROM t UNION ALL SELECT max(c5) FROM t) "
                "WHERE x = 6",
                "SELECT x FROM (SELECT c2 AS x FROM t UNION ALL SELECT DISTINCT c5 FROM t) "
                "WHERE x = 6",
                f"SELECT x, d FROM {u} JOIN u ON x = d",
                f"SELECT x, d FROM {u} JOIN u ON x = 6",
                f"SELECT x, d FROM u LEFT JOIN {u} ON x = 6",
                f"SELECT x, d FROM {u} LEFT JOIN u ON 1 WHERE x = 6",
                f"SELECT x, d FROM {u} RIGHT JOIN u ON x = 6",
                f"SELECT count(*) FROM {u} WHERE x = 6",
                f"SELECT x FROM {u} AS s WHERE s.x = 6",
                f"WITH c AS {u} SELECT x FROM c WHERE x = 6",
                f"WITH c AS NOT MATERIALIZED {u} SELECT x FROM c WHERE x = 6",
                f"WITH c AS MATERIALIZED {u} SELECT x FROM c WHERE x = 6",
                f"WITH c AS {u} SELECT a.x FROM c AS a, c AS b WHERE a.x = 6",
                "SELECT x FROM (SELECT c2 AS x FROM t UNION ALL SELECT * FROM "
                "(SELECT c5 FROM t UNION ALL SELECT c2 FROM t)) WHERE x = 6",
                "SELECT x FROM (SELECT c2 AS x FROM t UNION ALL VALUES (6)) WHERE x = 6"]:
        check(pair, sql, ordered=False)


def test_leftmost_collation(pair):
    """The column's collation is the leftmost arm's, none if it has none
    (the compound itself still uses the leftmost arm's that has one)."""
    for a in ["'a'", "+'a'", "c2", "c6", "c2 COLLATE RTRIM"]:
        for b in ["e", "+e", "c6", "c2"]:
            sub = f"(SELECT {a} AS x FROM t UNION ALL SELECT {b} FROM u)"
            check(pair, f"SELECT x FROM {sub} ORDER BY x, typeof(x)")
            check(pair, f"SELECT DISTINCT x FROM {sub}", ordered=False)
            check(pair, f"SELECT x, count(*) FROM {sub} GROUP BY x", ordered=False)
            check(pair, f"SELECT x FROM {sub} WHERE x = 'A'", ordered=False)
            check(pair, f"SELECT x FROM {sub} WHERE x = (SELECT 'A')", ordered=False)
            check(pair, f"SELECT {a} FROM t UNION SELECT {b} FROM u", ordered=False)


def test_collate_inside_an_expression_decides_its_collation(pair):
    """A COLLATE anywhere in an expression (not in a subquery) gives the whole
    expression that collation, left operand first (SQLite's EP_Collate), and a
    CAST keeps its operand's: in comparisons, DISTINCT and compounds."""
    exprs = ["-(c2 COLLATE RTRIM)", "(c6 COLLATE BINARY) || ''", "c2 || (c6 COLLATE NOCASE)",
             "upper(c2 COLLATE NOCASE)", "('A' COLLATE NOCASE) || c2", "CAST(c6 AS TEXT)",
             "CASE WHEN 1 THEN c2 COLLATE RTRIM END", "c6 || ''", "+c6"]
    for e in exprs:
        check(pair, f"SELECT {e} FROM t UNION SELECT e FROM u", ordered=False)
        check(pair, f"SELECT e FROM u UNION SELECT {e} FROM t", ordered=False)
        check(pair, f"SELECT DISTINCT {e} FROM t", ordered=False)
        check(pair, f"SELECT e, {e} = e, e = {e}, {e} < 'b' FROM u, t", ordered=False)


@pytest.mark.parametrize("a, b", [("c0", "c1"), ("c1", "c0"), ("c2", "c5"), ("c4", "c2"),
                                  ("CAST(c1 AS REAL)", "c1+1"), ("c5", "c2")])
def test_views_ctes_and_subquery_operands(pair, a, b):
    ref, got = pair
    comp = f"SELECT {a} AS x FROM t UNION ALL SELECT {b} FROM t"
    for conn in (ref, got):
        conn.execute("DROP VIEW IF EXISTS v")
        conn.execute(f"CREATE VIEW v AS {comp}")
    for sql in ["SELECT typeof(x), x FROM v",
                "SELECT x FROM v WHERE x = 2",
                "SELECT x FROM v WHERE x = '2'",
                "SELECT typeof(x), x FROM (SELECT * FROM v) ORDER BY 2",
                f"WITH c AS ({comp}) SELECT typeof(x), x FROM c",
                f"WITH c(y) AS ({comp}) SELECT y FROM c WHERE y = '6'",
                f"SELECT d, d IN ({comp}) FROM u",
                f"SELECT e, e IN ({comp}) FROM u",
                f"SELECT '2' IN ({comp}), 2 IN ({comp}), '6' IN ({comp})",
                f"SELECT typeof(({comp})), ({comp}) = '2'",
                f"SELECT EXISTS ({comp})",
                f"SELECT x FROM ({comp}) ORDER BY x COLLATE NOCASE"]:
        check(pair, sql, ordered="ORDER BY" in sql)


def test_order_by_collate_makes_a_subquery(pair):
    """A compound (not all UNION ALL) with ORDER BY ... COLLATE runs as
    SELECT * FROM (compound) ORDER BY ...: its columns read as a subquery's."""
    cases = itertools.product(ARMS, ARMS, ["UNION", "INTERSECT", "EXCEPT", "UNION ALL"])
    for a, b, op in _sample(cases, 300, 7):
        check(pair, f"SELECT {a}, c2 FROM t {op} SELECT {b}, c6 FROM t "
                    f"ORDER BY 1 COLLATE NOCASE, 2")
        check(pair, f"SELECT {a} FROM t UNION ALL SELECT {b} FROM t {op} SELECT {a} FROM t "
                    f"ORDER BY 1 COLLATE RTRIM")


def test_stored_subqueries_give_every_value_the_column_affinity(pair):
    """SQLite runs a FROM subquery as a co-routine only as the first item sure
    to be the outer loop; otherwise it stores the rows in a temporary table,
    which gives each value the column's affinity (TEXT turns 2 into '2')."""
    for a, b in [("c2", "c1"), ("c1", "c2"), ("c4", "c2"), ("c0", "c5"), ("c2", "c1+0.5"),
                 ("c6", "c1"), ("c5", "c2"), ("CAST(c5 AS INTEGER)", "c2")]:
        s = f"(SELECT {a} AS x FROM t UNION ALL SELECT {b} FROM t)"
        for f in [f"u, {s}", f"{s}, u", f"{s} CROSS JOIN u", f"{s} LEFT JOIN u ON 1",
                  f"{s} LEFT JOIN u ON x = d WHERE x = d",
                  f"{s} LEFT JOIN u ON x = d WHERE x BETWEEN 1 AND 9",
                  f"{s} JOIN u ON x = d", f"{s} NATURAL JOIN u", f"u LEFT JOIN {s} ON 1",
                  f"{s} RIGHT JOIN u ON 1", f"(SELECT * FROM {s})", f"u, (SELECT * FROM {s})",
                  f"u, (SELECT DISTINCT * FROM {s})", f"(SELECT * FROM {s}) AS p, u"]:
            check(pair, f"SELECT typeof(x), x FROM {f}", ordered=False)
        cte = f"WITH c AS {s} "
        for q in ["SELECT typeof(x), x FROM c",
                  "SELECT typeof(c.x), c.x FROM c CROSS JOIN c AS d",
                  "SELECT typeof(x), x FROM c WHERE x IN (SELECT x FROM c)"]:
            check(pair, cte + q, ordered=False)
            check(pair, cte.replace(" AS ", " AS MATERIALIZED ", 1) + q, ordered=False)
            check(pair, cte.replace(" AS ", " AS NOT MATERIALIZED ", 1) + q, ordered=False)


def test_two_integers_compare_as_numbers_whatever_the_affinity(pair):
    # A TEXT column of a compound holding integers: SQLite's comparison
    # opcodes compare two integers as numbers before applying any affinity.
    s = "(SELECT c2 AS x FROM t UNION ALL SELECT 1000 UNION ALL SELECT 2.5)"
    check(pair, f"SELECT x, x < 2, x = 1000, x IS 1000, x > '999', (x, 1) < (2, 1), "
                f"x BETWEEN 1 AND 2 FROM {s}")


def test_generated_queries(pair):
    """Compounds of random arms in random FROM positions under random WHERE
    terms (a seeded sample)."""
    rnd = random.Random(2026)
    froms = ["{s}", "u, {s}", "{s}, u", "{s} CROSS JOIN u", "{s} LEFT JOIN u ON x = d",
             "u LEFT JOIN {s} ON x = d", "{s} JOIN u ON x = d", "(SELECT * FROM {s})",
             "u, (SELECT * FROM {s})", "(SELECT * FROM {s} WHERE x <> 'zz')",
             "(SELECT DISTINCT * FROM {s})", "(SELECT * FROM {s} ORDER BY 1 LIMIT 20)",
             "u LEFT JOIN {s} ON x = 2", "u RIGHT JOIN {s} ON x = d",
             "{s} AS s1 JOIN {s} AS s2 USING (x)"]
    wheres = ["", " WHERE x = 2", " WHERE x = '2'", " WHERE x > 1", " WHERE x = d",
              " WHERE x IN (2, '3')", " WHERE x = 'a'", " WHERE x IS NULL",
              " WHERE x = 2 AND x < 'z'", " WHERE x = 2 OR d = 6", " WHERE x = 2.0",
              " WHERE x BETWEEN '1' AND 3", " WHERE x = e", " WHERE x + 0 = 2",
              " WHERE typeof(x) = 'integer'"]
    for _ in range(500):
        arms = [rnd.choice(ARMS) for _ in range(rnd.choice([2, 2, 3]))]
        s = f"(SELECT {arms[0]} AS x FROM t" + "".join(
            f" {rnd.choice(OPS + ['UNION ALL'] * 2)} SELECT {a} FROM t" for a in arms[1:]) + ")"
        f = rnd.choice(froms).format(s=s)
        w = rnd.choice(wheres)
        if (" d" in w or " e" in w) and not f.startswith("u") and ", u" not in f \
                and "JOIN u" not in f:
            w = ""
        check(pair, f"SELECT typeof(x), x FROM {f}{w}", ordered=False)


def test_insert_and_create_table_from_a_compound(pair):
    ref, got = pair
    for conn in (ref, got):
        conn.execute("DROP TABLE IF EXISTS r")
        conn.execute("DROP TABLE IF EXISTS r2")
        conn.execute("CREATE TABLE r AS SELECT c0 AS x, c2 AS y FROM t UNION ALL "
                     "SELECT c1, c5 FROM t")
        conn.execute("CREATE TABLE r2(x, y)")
        conn.execute("INSERT INTO r2 SELECT * FROM (SELECT c0, c2 FROM t UNION ALL "
                     "SELECT c1, c5 FROM t)")
    check(pair, "SELECT sql FROM sqlite_schema WHERE name = 'r'")
    check(pair, "SELECT typeof(x), x, typeof(y), y FROM r")
    check(pair, "SELECT typeof(x), x, typeof(y), y FROM r2")
