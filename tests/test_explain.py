"""EXPLAIN QUERY PLAN: SQLite's wording and tree, compared with sqlite3.

SQLite numbers the nodes by bytecode address, which minisql has no reason to
imitate, so the comparison is of the trees: each node's detail and children,
in order.  The queries are ones where both engines choose the same plan; the
plan choice itself (which index, which join order) is the planner's business.
"""
import sqlite3

import pytest

import util

SCHEMA = """
CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT);
CREATE INDEX tb ON t(b);
CREATE TABLE u(x, y);
CREATE UNIQUE INDEX ux ON u(x);
CREATE TABLE w(p, q);
"""

QUERIES = [
    "SELECT * FROM t",
    "SELECT * FROM t WHERE a = 1",
    "SELECT * FROM t WHERE a > 1 AND a < 5",
    "SELECT * FROM t WHERE b = 1",
    "SELECT * FROM t WHERE b > 1",
    "SELECT * FROM t ORDER BY c",
    "SELECT * FROM t, u WHERE t.b = u.x",
    "SELECT * FROM t LEFT JOIN u ON t.b = u.x",
    "SELECT * FROM t LEFT JOIN w ON 1",
    "SELECT * FROM t WHERE c IN (SELECT y FROM u)",
    "SELECT * FROM t WHERE b IN (1, 2, 3)",
    "SELECT * FROM t WHERE a IN (1, 2, 3)",
    "SELECT * FROM u WHERE x IN (SELECT p FROM w)",
    "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.b)",
    "SELECT (SELECT y FROM u WHERE x = t.c), (SELECT 1) FROM t",
    "SELECT count(*) FROM t GROUP BY c",
    "SELECT c, count(*) FROM t GROUP BY c ORDER BY 2",
    "SELECT DISTINCT c FROM t",
    "SELECT c FROM t EXCEPT SELECT y FROM u",
    "SELECT c FROM t UNION ALL SELECT y FROM u ORDER BY 1",
    "SELECT 1",
    "VALUES (1), (2)",
    "SELECT * FROM (VALUES (1), (2))",
    "SELECT * FROM (SELECT c, count(*) FROM t GROUP BY c) WHERE c > 1",
    "UPDATE t SET c = 1 WHERE a = 5",
    "DELETE FROM t WHERE b = 3",
    # Tables are named by their alias, else their name, as written.
    "SELECT * FROM T AS T1 WHERE a = 1",
    "SELECT * FROM t t1, u AS u1 WHERE t1.b = u1.x",
    "SELECT * FROM T",
    "UPDATE T AS z SET c = 1",
]


def tree(rows):
    """Rows (id, parent, notused, detail) as nested (detail, [children])."""
    nodes = {0: ("", [])}
    for node_id, parent, _, detail in rows:
        nodes[node_id] = (detail, [])
        nodes[parent][1].append(nodes[node_id])
    return nodes[0][1]


@pytest.mark.parametrize("engine", util.ENGINES)
@pytest.mark.parametrize("sql", QUERIES)
def test_explain_query_plan_tree(engine, sql, tmp_path):
    module = util.engine_module(engine)
    ref = sqlite3.connect(":memory:")
    got = module.connect(str(tmp_path / "x.db"))
    for con in (ref, got):
        con.executescript(SCHEMA)
    want = tree(ref.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    cur = got.execute("EXPLAIN QUERY PLAN " + sql)
    assert [d[0] for d in cur.description] == ["id", "parent", "notused", "detail"]
    assert tree(cur.fetchall()) == want
    got.close()


@pytest.mark.parametrize("engine", util.ENGINES)
def test_explain_ids_form_a_tree(engine, tmp_path):
    con = util.engine_module(engine).connect(str(tmp_path / "x.db"))
    con.executescript(SCHEMA)
    rows = con.execute("EXPLAIN QUERY PLAN SELECT b FROM t UNION SELECT x FROM u "
                       "UNION SELECT p FROM w ORDER BY 1").fetchall()
    ids = [r[0] for r in rows]
    assert len(set(ids)) == len(ids) and all(i > 0 for i in ids)
    assert all(r[1] == 0 or r[1] in ids[:k] for k, r in enumerate(rows))
    con.close()
