"""The planner's choices, compared with sqlite3's: EXPLAIN QUERY PLAN lines
and the rows, in order (a query without ORDER BY returns its rows in the
order of the plan, so the same plan must give the same order).

Join order: inner joins run in the order SQLite's cost model picks (the
table whose inner loop can seek goes inside), nothing moving ahead of a
CROSS JOIN or LEFT JOIN item.  ORDER BY, GROUP BY and DISTINCT use the
order of a scan when SQLite's costs say so (no temp b-tree).  ORs of
equalities become IN; ORs over indexed columns a MULTI-INDEX OR.
"""
import random
import sqlite3

import pytest

import minisql

SCHEMA = [
    "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c REAL)",
    "CREATE INDEX t_a ON t(a)",
    "CREATE INDEX t_b ON t(b)",
    "CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INT, w INT)",
    "CREATE INDEX u_t ON u(t_id)",
    "CREATE TABLE v(id INTEGER PRIMARY KEY, x INT, y INT)",
]


def _data(seed):
    rnd = random.Random(seed)
    out = []
    for i in range(1, 41):
        out.append(("INSERT INTO t VALUES (?, ?, ?, ?)",
                    (rnd.choice([i, i * 7 % 41 + 50]), rnd.randint(0, 9),
                     rnd.choice(["x", "y", "zz", None]), rnd.random())))
    for i in range(1, 61):
        out.append(("INSERT INTO u VALUES (?, ?, ?)",
                    (rnd.randint(1, 500), rnd.randint(0, 45), rnd.randint(0, 9))))
    for i in range(1, 21):
        out.append(("INSERT INTO v VALUES (?, ?, ?)", (i * 3 % 23, rnd.randint(0, 9),
                                                        rnd.randint(0, 60))))
    return out


def run_both(schema, data, queries):
    """-> for each engine, [(query, plan lines, rows)]."""
    out = []
    for m in (sqlite3, minisql):
        con = m.connect(":memory:")
        for s in schema:
            con.execute(s)
        for sql, params in data:
            con.execute("INSERT OR IGNORE" + sql[6:], params)
        res = []
        for q in queries:
            plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + q)]
            res.append((q, plan, con.execute(q).fetchall()))
        out.append(res)
        con.close()
    return out


JOINS = [
    # the inner loop seeks the rowid, whichever table is written first
    "SELECT * FROM t JOIN u ON u.t_id = t.id",
    "SELECT * FROM u JOIN t ON u.t_id = t.id",
    # an index seek rather than a nested full scan
    "SELECT * FROM t, u WHERE t.a = u.w",
    "SELECT * FROM u, t WHERE t.a = u.w",
    # both sides indexed: SQLite's costs pick t inside
    "SELECT * FROM t, u WHERE t.a = u.t_id",
    "SELECT t.b, u.w FROM u, t WHERE t.a = u.t_id AND u.w > 3",
    # three tables, two rowid seeks from the middle one
    "SELECT * FROM v, u, t WHERE t.id = u.t_id AND v.id = u.w",
    "SELECT * FROM t, v, u WHERE t.id = u.t_id AND v.id = u.w",
    # a constant seek goes first; transitive constraints (t.id = u.t_id =
    # 5 lets t seek 5 too)
    "SELECT * FROM u, t WHERE t.id = u.t_id AND t.b = 'x'",
    "SELECT * FROM t, u WHERE t.id = u.t_id AND u.t_id = 5",
    "SELECT * FROM u, t WHERE t.id = u.id AND t.a = 3",
    # a range on the outer table
    "SELECT t.id, u.w FROM u JOIN t ON t.id = u.t_id WHERE t.id BETWEEN 3 AND 20",
    # aggregates over a reordered join
    "SELECT count(*), sum(u.w) FROM t JOIN u ON u.t_id = t.id",
    "SELECT u.w, count(*), max(t.c) FROM t JOIN u ON u.t_id = t.id GROUP BY u.w",
    # nothing moves ahead of a CROSS JOIN or LEFT JOIN item (the ones after
    # it may move ahead of it)
    "SELECT * FROM t CROSS JOIN u WHERE u.t_id = t.id",
    "SELECT * FROM t, u CROSS JOIN v WHERE v.id = u.w AND u.t_id = t.id",
    "SELECT * FROM t LEFT JOIN u ON u.t_id = t.id",
    "SELECT * FROM u LEFT JOIN t ON u.t_id = t.id",
    "SELECT * FROM t JOIN u ON u.t_id = t.id LEFT JOIN v ON v.id = u.w",
    "SELECT * FROM t LEFT JOIN u ON u.t_id = t.id JOIN v ON v.id = t.a",
    "SELECT * FROM v CROSS JOIN u JOIN t ON t.id = v.y",
    "SELECT * FROM u CROSS JOIN v JOIN t ON t.a = v.x WHERE v.id = u.w",
    # a WHERE comparison on the LEFT JOIN's table makes it an inner join
    "SELECT * FROM t LEFT JOIN u ON 1 WHERE u.t_id = t.id",
    "SELECT * FROM v LEFT JOIN u ON u.w = v.x, t WHERE t.id = u.t_id AND v.id = 3",
]


@pytest.mark.parametrize("seed", range(3))
def test_join_order_plans_and_rows_match_sqlite(seed):
    want, got = run_both(SCHEMA, _data(seed), JOINS)
    for (q, wplan, wrows), (_, gplan, grows) in zip(want, got):
        assert gplan == wplan, q
        assert grows == wrows, q


def test_text_column_index_is_not_used_for_a_numeric_comparison():
    # t0.c1 = t1.c1 compares as numbers (INT against TEXT): the TEXT index
    # does not order by that, so it cannot find the matches.
    schema = ["CREATE TABLE t0(c0 INTEGER PRIMARY KEY, c1 TEXT)",
              "CREATE UNIQUE INDEX t0_c1 ON t0(c1)",
              "CREATE TABLE t1(c0 INTEGER PRIMARY KEY, c1 INT)"]
    data = [("INSERT INTO t0 VALUES (?, ?)", (i, str(i % 7))) for i in range(1, 8)] + \
        [("INSERT INTO t1 VALUES (?, ?)", (i, i % 5)) for i in range(1, 6)]
    queries = ["SELECT * FROM t0, t1 WHERE t0.c1 = t1.c1",
               "SELECT * FROM t1, t0 WHERE t0.c1 = t1.c1"]
    want, got = run_both(schema, data, queries)
    for (q, _, wrows), (_, _, grows) in zip(want, got):
        assert sorted(grows) == sorted(wrows), q


TYPES = ["INT", "INTEGER", "TEXT", "REAL", "", "VARCHAR(30)"]


def _random_join(seed):
    rnd = random.Random(seed)
    stmts, data, tables = [], [], []
    for k in range(rnd.randint(2, 3)):
        name = f"t{k}"
        ncol = rnd.randint(2, 4)
        cols = [f"c{j} {rnd.choice(TYPES)}".strip() for j in range(ncol)]
        ipk = rnd.random() < 0.6
        if ipk:
            cols[0] = "c0 INTEGER PRIMARY KEY"
        stmts.append(f"CREATE TABLE {name}({', '.join(cols)})")
        for i in range(rnd.randint(0, 2)):
            on = rnd.sample(range(1, ncol), rnd.randint(1, min(2, ncol - 1)))
            unique = "UNIQUE " if rnd.random() < 0.2 else ""
            stmts.append(f"CREATE {unique}INDEX {name}_i{i} ON {name}"
                         f"({', '.join('c%d' % x for x in on)})")
        for _ in range(rnd.randint(0, 12)):
            row = [rnd.randint(0, 5) if rnd.random() < .9 else None for _ in range(ncol)]
            if ipk:
                row[0] = None
            data.append((f"INSERT INTO {name} VALUES ({', '.join('?' * ncol)})", tuple(row)))
        tables.append((name, ncol))
    preds = []
    for k in range(1, len(tables)):
        a, b = tables[rnd.randrange(k)], tables[k]
        preds.append(f"{a[0]}.c{rnd.randrange(a[1])} = {b[0]}.c{rnd.randrange(b[1])}")
    if rnd.random() < 0.4:
        name, ncol = rnd.choice(tables)
        preds.append(f"{name}.c{rnd.randrange(ncol)} {rnd.choice(['=', '>', '<'])} "
                     f"{rnd.randint(0, 5)}")
    rnd.shuffle(tables)
    shape = rnd.random()
    names = [t[0] for t in tables]
    where = " AND ".join(preds)
    if shape < 0.4:
        q = f"SELECT * FROM {', '.join(names)} WHERE {where}"
    elif shape < 0.7:
        q = f"SELECT * FROM {names[0]}" + "".join(f" JOIN {n}" for n in names[1:]) + \
            f" ON {where}"
    elif shape < 0.85:
        q = f"SELECT * FROM {names[0]}" + "".join(
            f" {rnd.choice(['JOIN', 'LEFT JOIN', 'CROSS JOIN'])} {n} ON 1" for n in names[1:]) + \
            f" WHERE {where}"
    else:
        q = f"SELECT * FROM {names[0]}" + "".join(
            f" LEFT JOIN {n} ON {p}" for n, p in zip(names[1:], preds))
    return stmts, data, q


def test_random_joins_choose_as_sqlite():
    """Random schemas and join shapes: always the same rows; the same plan as
    sqlite3's in nearly every case, and then the rows in the same order.
    SQLite builds automatic indexes for some (minisql never does: those
    are left out), and propagates constants and picks among equal costs
    in ways minisql does not follow for a few."""
    same = differ = 0
    for seed in range(400):
        stmts, data, q = _random_join(seed)
        try:
            [(_, wplan, wrows)], [(_, gplan, grows)] = run_both(stmts, data, [q])
        except sqlite3.OperationalError:
            continue            # an ON clause naming a table to its right
        assert sorted(map(repr, grows)) == sorted(map(repr, wrows)), (seed, q)
        if any("AUTOMATIC" in line or "BLOOM" in line for line in wplan):
            continue
        if gplan == wplan:
            same += 1
            assert grows == wrows, (seed, q)
        else:
            differ += 1
    assert same > 200 and differ * 12 <= same, (same, differ)


# -- ORDER BY delivered by the scan ----------------------------------------------

ORDER_SCHEMA = SCHEMA + [
    "CREATE TABLE s(x, y TEXT COLLATE NOCASE, z)",
    "CREATE INDEX s_xy ON s(x, y DESC)",
    "CREATE INDEX s_y ON s(y)",
]


def _order_data(seed):
    rnd = random.Random(seed)
    out = []
    for i in range(1, 60):
        out.append(("INSERT INTO t VALUES (?, ?, ?, ?)",
                    (i * 7 % 101, rnd.choice([None, 1, 2, 3, 4, 5, 2.5, "x"]),
                     rnd.choice([None, "a", "B", "b", "c", "zz"]), rnd.random())))
        out.append(("INSERT INTO u VALUES (?, ?, ?)", (i, rnd.randint(0, 100), rnd.randint(0, 5))))
        out.append(("INSERT INTO s VALUES (?, ?, ?)",
                    (rnd.choice([None, 1, 2, 3]), rnd.choice(["a", "A", "b", "B", None]), i)))
    return out


ORDERED = [
    # an index scan instead of a sort, forward and backward
    "SELECT * FROM t ORDER BY a",
    "SELECT * FROM t ORDER BY a DESC",
    "SELECT * FROM t ORDER BY a DESC LIMIT 3",
    "SELECT a FROM t ORDER BY a DESC LIMIT 3",
    "SELECT a FROM t ORDER BY a, id",
    "SELECT * FROM t ORDER BY a DESC, id DESC",
    "SELECT a AS k FROM t ORDER BY k DESC",
    "SELECT * FROM t ORDER BY a LIMIT 3",
    "SELECT * FROM t WHERE a > 1 ORDER BY a LIMIT 2 OFFSET 1",
    # the rowid order of the table itself
    "SELECT * FROM t ORDER BY id",
    "SELECT * FROM t ORDER BY id DESC",
    "SELECT b FROM t ORDER BY id DESC",
    "SELECT * FROM t WHERE id BETWEEN 10 AND 50 ORDER BY id DESC",
    "SELECT * FROM t WHERE id < 30 ORDER BY id DESC",
    # SQLite's costs: a one-sided range and a sort lose to the ordered scan,
    # a two-sided range or an equality seek and a sort win
    "SELECT * FROM t WHERE id > 5 ORDER BY a",
    "SELECT * FROM t WHERE a > 3 ORDER BY b",
    "SELECT * FROM t WHERE b > 'a' ORDER BY a",
    "SELECT * FROM t WHERE c > 0.5 ORDER BY a",
    "SELECT * FROM t WHERE id > 5 AND id < 60 ORDER BY a",
    "SELECT * FROM t WHERE a = 1 ORDER BY b",
    # a seek that delivers the order: the equality fixes a, then the rowid
    "SELECT * FROM t WHERE a = 5 ORDER BY id DESC",
    "SELECT * FROM t WHERE a = 2 ORDER BY id",
    "SELECT * FROM t WHERE a IN (1, 2) ORDER BY a",
    "SELECT * FROM t WHERE a > 2 ORDER BY a DESC",
    "SELECT * FROM t WHERE a BETWEEN 2 AND 4 ORDER BY a DESC",
    "SELECT * FROM t WHERE a < 3 ORDER BY a DESC",
    "SELECT * FROM t WHERE a >= 3 ORDER BY a",
    # collations and DESC index columns
    "SELECT a, b FROM t ORDER BY a COLLATE NOCASE",
    "SELECT * FROM t ORDER BY b",
    "SELECT * FROM t ORDER BY b COLLATE NOCASE",
    "SELECT * FROM s ORDER BY x",
    "SELECT * FROM s ORDER BY x, y DESC",
    "SELECT * FROM s ORDER BY x DESC, y",
    "SELECT * FROM s ORDER BY y",
    "SELECT * FROM s ORDER BY y COLLATE BINARY",
    "SELECT * FROM s WHERE x = 2 ORDER BY y DESC",
    "SELECT * FROM s WHERE y = 'a' ORDER BY y COLLATE BINARY",
    # the outer table of a join delivers the order; the join order weighs
    # an ordered outer loop against a sort
    "SELECT * FROM t, u WHERE t.id = u.t_id ORDER BY u.t_id",
    "SELECT * FROM u, t WHERE t.id = u.t_id ORDER BY u.id DESC",
    "SELECT * FROM t, u WHERE t.id = u.t_id ORDER BY t.a",
    "SELECT * FROM t, u WHERE t.id = u.t_id ORDER BY t.a LIMIT 5",
    "SELECT * FROM t, u WHERE t.id = u.t_id ORDER BY u.w",
    "SELECT * FROM t, u WHERE t.a = u.w ORDER BY u.id",
    # NOT INDEXED: the table's own order, then a sort
    "SELECT a FROM t NOT INDEXED ORDER BY a",
    "SELECT a FROM t NOT INDEXED ORDER BY id DESC",
]


@pytest.mark.parametrize("seed", range(2))
def test_order_by_plans_and_rows_match_sqlite(seed):
    want, got = run_both(ORDER_SCHEMA, _order_data(seed), ORDERED)
    for (q, wplan, wrows), (_, gplan, grows) in zip(want, got):
        assert gplan == wplan, q
        assert grows == wrows, q


def test_limit_stops_an_ordered_scan_early():
    con = minisql.connect(":memory:")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INT)")
    con.execute("CREATE INDEX t_a ON t(a)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, i % 97) for i in range(3000)])
    steps = []
    con.set_progress_handler(lambda: steps.append(1), 10)
    assert con.execute("SELECT a FROM t ORDER BY a DESC LIMIT 2").fetchall() == [(96,), (96,)]
    few = len(steps)
    steps.clear()
    con.execute("SELECT a FROM t ORDER BY a + 0 DESC LIMIT 2").fetchall()
    assert few * 20 < len(steps)


GROUPED = [
    # GROUP BY walks an index: no temp b-tree; the groups come out in the
    # index's order and each shows the row the walk met (bare columns)
    "SELECT b, count(*) FROM t GROUP BY b",
    "SELECT b, sum(c) FROM t GROUP BY b",
    "SELECT a, b FROM t GROUP BY a",
    "SELECT a, max(c), b FROM t GROUP BY a",
    "SELECT a, count(*) FROM t WHERE a > 2 GROUP BY a",
    "SELECT y, count(*) FROM s GROUP BY y",
    "SELECT x, y, count(*) FROM s GROUP BY x, y",
    "SELECT y, x, count(*) FROM s GROUP BY y, x",
    "SELECT count(*) FROM t GROUP BY b COLLATE NOCASE",
    # an ORDER BY identical to the GROUP BY: no sort of its own; backward
    # when it says DESC (sum() then adds in that order)
    "SELECT b, count(*) FROM t GROUP BY b ORDER BY b",
    "SELECT b, sum(c) FROM t GROUP BY b ORDER BY b DESC",
    "SELECT b, count(*) FROM t GROUP BY b ORDER BY b DESC LIMIT 2",
    "SELECT x, y, count(*) FROM s GROUP BY x, y ORDER BY x, y",
    "SELECT x, y, count(*) FROM s GROUP BY x, y ORDER BY x DESC, y DESC",
    "SELECT x, y, count(*) FROM s GROUP BY x, y ORDER BY x, y DESC",
    "SELECT a, count(*) FROM t GROUP BY a ORDER BY count(*)",
    "SELECT a % 3 AS g, count(*) FROM t GROUP BY g ORDER BY g DESC",
    "SELECT b AS g, count(*) FROM t GROUP BY 1 ORDER BY 1",
    # over a join, the outer table's index groups
    "SELECT t.b, count(*) FROM t JOIN u ON u.t_id = t.id GROUP BY t.b",
    "SELECT t.a, count(*) FROM t JOIN u ON u.t_id = t.id GROUP BY t.a",
    "SELECT DISTINCT t.b FROM t, u WHERE t.id = u.t_id",
    # DISTINCT over an index that delivers it
    "SELECT DISTINCT b FROM t",
    "SELECT DISTINCT x FROM s",
    "SELECT DISTINCT x, y FROM s",
]


@pytest.mark.parametrize("seed", range(2))
def test_group_by_and_distinct_plans_and_rows_match_sqlite(seed):
    want, got = run_both(ORDER_SCHEMA, _order_data(seed), GROUPED)
    for (q, wplan, wrows), (_, gplan, grows) in zip(want, got):
        assert gplan == wplan, q
        assert grows == wrows, q


ORS = [
    # x = a OR x = b on one column: SQLite's rewrite to x IN (a, b)
    "SELECT * FROM t WHERE a = 1 OR a = 5",
    "SELECT * FROM t WHERE id = 3 OR id = 14",
    "SELECT * FROM t WHERE a = 1 OR 5 = a OR a = 2",
    "SELECT * FROM t WHERE b = 'b' OR b = 'c'",
    "SELECT * FROM t WHERE a = '1' OR a = 2",
    "SELECT * FROM t WHERE b = 1 OR b = 2",
    "SELECT * FROM t WHERE a = 1 OR a = 2.5 OR a = 'x'",
    "SELECT * FROM t WHERE (a = 1 OR a = 2) AND b = 'b'",
    "SELECT * FROM t WHERE a = 1 OR a = 2 ORDER BY a DESC",
    "SELECT * FROM t WHERE a = 1 OR a = 2 ORDER BY id",
    "SELECT * FROM s WHERE y = 'a' OR y = 'B'",
    "SELECT * FROM t, u WHERE t.a = u.w OR t.a = u.t_id",
    # an unindexed column among the ORs: a scan
    "SELECT * FROM t WHERE a = 1 OR c > 0.5",
    # MULTI-INDEX OR: each part's seek in turn, each row once
    "SELECT * FROM t WHERE a = 1 OR b = 'b'",
    "SELECT * FROM t WHERE a IN (1, 2) OR b = 'b'",
    "SELECT * FROM t WHERE a = 1 OR id = 5",
    "SELECT * FROM t WHERE (a = 1 AND c > 0.2) OR b = 'b'",
    "SELECT * FROM t WHERE a < 1 OR b > 'b'",
    "SELECT * FROM t WHERE id = 1 OR id > 50",
    "SELECT * FROM t WHERE a = 2 OR b = 'b' OR id < 10",
    "SELECT count(*) FROM t WHERE a = 2 OR b = 'c'",
    "SELECT * FROM t WHERE a = 1 OR b = 'b' ORDER BY a",
    "SELECT * FROM t WHERE a = 1 OR b = 'b' ORDER BY id DESC",
    "SELECT b FROM t WHERE a = 1 OR b = 'b' GROUP BY b",
    "SELECT * FROM u, t WHERE t.a = u.w OR t.b = u.t_id",
]


def test_or_of_equalities_plans_and_rows_match_sqlite():
    want, got = run_both(ORDER_SCHEMA, _order_data(0), ORS)
    for (q, wplan, wrows), (_, gplan, grows) in zip(want, got):
        assert gplan == wplan, q
        assert grows == wrows, q


def test_multi_index_or_in_update_and_delete():
    stmts = ["UPDATE t SET c = -1 WHERE a = 2 OR b = 'b'",
             "DELETE FROM t WHERE a = 3 OR b = 'c' OR id = 14"]
    out = []
    for m in (sqlite3, minisql):
        con = m.connect(":memory:")
        for sql in ORDER_SCHEMA:
            con.execute(sql)
        for sql, params in _order_data(1):
            con.execute(sql, params)
        plans = [[r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql)] for sql in stmts]
        for sql in stmts:
            con.execute(sql)
        out.append((plans, con.execute("SELECT * FROM t ORDER BY id").fetchall()))
    assert out[1] == out[0]


def test_range_after_an_equality_on_a_desc_index():
    # The range compares in its own column's order, not the first column's
    # (which is DESC here).
    schema = ["CREATE TABLE t(a, b)", "CREATE INDEX i ON t(a DESC, b)"]
    data = [("INSERT INTO t VALUES (?, ?)", (a, b)) for a in (1, 2) for b in range(10)]
    queries = ["SELECT * FROM t WHERE a = 1 AND b > 5", "SELECT * FROM t WHERE a = 1 AND b < 3",
               "SELECT * FROM t WHERE a = 1 AND b < 3 ORDER BY b DESC",
               "SELECT * FROM t WHERE a = 2 AND b BETWEEN 3 AND 5 ORDER BY b DESC"]
    want, got = run_both(schema, data, queries)
    assert got == want


def test_grouping_and_ordering_without_a_from_clause():
    # (The rows only: SQLite drops constant GROUP BY terms from its plan,
    # which minisql's EXPLAIN does not follow yet.)
    queries = ["SELECT 1 GROUP BY 1", "SELECT 5 AS x, count(*) GROUP BY x ORDER BY x DESC",
               "SELECT DISTINCT 1 ORDER BY 1"]
    want, got = run_both([], [], queries)
    assert [rows for _, _, rows in got] == [rows for _, _, rows in want]
