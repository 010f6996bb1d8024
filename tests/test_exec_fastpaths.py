"""The executor's fast paths against the stdlib sqlite3 module: aggregates
fed in batches (engine/aggexec.py, aggregates.py ``feed``), scans a leaf
page at a time (planner.table_pages, TableCursor.rows(pages=True)), records
decoded by header (record.decode_records).  The same data and queries run
on both engines; rows, value types and errors must agree."""

import random
import sqlite3

import pytest

import minisql
from minisql.engine import aggexec
from minisql.storage import record as R

from util import typed_result

BIG = 1 << 62


def _values(rng, i):
    """A column of every storage class, NULLs and numbers near the int64 edge."""
    return rng.choice([None, i, -i, i * 0.5, float(i), str(i), f"T{i % 7}", f"t{i % 7}",
                       bytes([i % 256]), BIG, -BIG, (1 << 53) + i, 0, 1, 2.5])


def _rows(seed, n):
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        out.append((i, rng.randrange(-50, 50) if rng.random() < 0.9 else None,
                    _values(rng, i), rng.random() * 100 if rng.random() < 0.8 else i,
                    f"w{i % 13}" + "x" * (i % 5) if rng.random() < 0.95 else None,
                    rng.choice(["a", "A", "b", "B", "a ", None])))
    return out


SCHEMA = ("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, m, c REAL, b TEXT, "
          "n TEXT COLLATE NOCASE)",
          "CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, w INTEGER)",
          "CREATE INDEX u_t ON u(t_id)")


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    d = tmp_path_factory.mktemp("fastpaths")
    rows = _rows(7, 3000)
    # A few records that spill to overflow pages.
    rows += [(3001 + k, k, "y" * 5000, 1.0, "z" * (3000 + k), "a") for k in range(3)]
    urows = [(j, (j * 7919) % 3500 + 1, j % 17 if j % 11 else None) for j in range(1, 2001)]
    cons = []
    for mod, name in ((sqlite3, "s.db"), (minisql, "m.db")):
        con = mod.connect(str(d / name))
        for stmt in SCHEMA:
            con.execute(stmt)
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO u VALUES (?, ?, ?)", urows)
        con.commit()
        cons.append(con)
    yield cons
    for con in cons:
        con.close()


_run = typed_result


def _agree(engines, sql, params=()):
    want = _run(engines[0], sql, params)
    got = _run(engines[1], sql, params)
    assert got == want, sql


RANGE_QUERIES = [
    "SELECT count(*), sum(a), avg(c), max(b), min(b), total(a) FROM t WHERE id >= ? AND id < ?",
    "SELECT count(m), min(m), max(m), sum(c), avg(a) FROM t WHERE id >= ? AND id < ?",
    "SELECT max(n), min(n), count(n), max(b COLLATE NOCASE) FROM t WHERE id >= ? AND id < ?",
    "SELECT id, b, max(a) FROM t WHERE id >= ? AND id < ?",
    "SELECT id, b, min(m) FROM t WHERE id >= ? AND id < ?",
    "SELECT c, max(c), a FROM t WHERE id > ? AND id <= ?",
    "SELECT count(DISTINCT a), sum(DISTINCT a), count(DISTINCT n), avg(DISTINCT c) "
    "FROM t WHERE id >= ? AND id < ?",
    "SELECT count(*), sum(a % 7), max(length(b)), min(coalesce(b, 'zz')) FROM t "
    "WHERE id >= ? AND id < ? AND a > 0",
    "SELECT count(*), sum(a) FROM t WHERE id >= ? AND id < ? AND b",
    "SELECT count(*), max(b) FROM t WHERE id >= ? AND id < ? AND b LIKE 'W1%'",
    "SELECT count(*), min(n) FROM t WHERE id >= ? AND id < ? AND n GLOB '[ab]*' "
    "AND b NOT LIKE '%!x%' ESCAPE '!'",
    "SELECT sum(a) FILTER (WHERE a > 0), count(*) FROM t WHERE id >= ? AND id < ?",
    "SELECT sum(a), max(b) FROM t WHERE id >= ? AND id < ? HAVING count(*) > 10",
]
RANGES = [(1, 3010), (1, 2), (500, 500), (2000, 1000), (17, 1500), (-5, 40), (2990, 4000),
          (1.5, 7.5), ("a", "b")]


@pytest.mark.parametrize("sql", RANGE_QUERIES)
def test_range_aggregates(engines, sql):
    for lo, hi in RANGES:
        _agree(engines, sql, (lo, hi))


@pytest.mark.parametrize("sql", [
    "SELECT count(*), sum(a), avg(c), max(b), min(m), max(m), total(m) FROM t",
    "SELECT sum(m) FROM t",                              # integer overflow
    "SELECT sum(m) FROM t WHERE typeof(m) = 'integer'",
    "SELECT sum(m), total(m), avg(m) FROM t WHERE typeof(m) IN ('integer', 'real')",
    "SELECT sum(x) FROM (SELECT a * 1000000000000000 AS x FROM t)",
    "SELECT count(*), min(a), max(a) FROM t WHERE a IS NULL",
    "SELECT count(*), sum(a), max(b) FROM t WHERE 0",
    "SELECT max(a), b, id FROM t",
    "SELECT min(n), n, id FROM t",
])
def test_whole_table_aggregates(engines, sql):
    _agree(engines, sql)


@pytest.mark.parametrize("sql", [
    "SELECT a % 10 AS g, count(*), sum(c), min(b), max(length(b)) FROM t GROUP BY g ORDER BY g",
    "SELECT a % 10 AS g, count(*), sum(c), min(b), max(length(b)) FROM t GROUP BY g",
    "SELECT m, count(*) FROM t GROUP BY m",                  # 1 and 1.0, text, blobs, NULL
    "SELECT n, count(*), max(id), min(b) FROM t GROUP BY n",  # NOCASE groups
    "SELECT n, b, max(a) FROM t GROUP BY n",                  # bare columns follow max()
    "SELECT n, b, min(c) FROM t GROUP BY n ORDER BY n DESC",
    "SELECT a, n, count(*), sum(c) FROM t GROUP BY a, n HAVING count(*) > 3 "
    "ORDER BY 3 DESC, 1, 2",
    "SELECT a % 3, sum(m) FROM t GROUP BY 1",                 # overflow in a group
    "SELECT a % 5, count(DISTINCT n), sum(DISTINCT a) FROM t GROUP BY 1",
    "SELECT b IS NULL, total(a), avg(c) FROM t WHERE a > 10 GROUP BY 1 HAVING avg(c) > 1",
    "SELECT a, count(*) FROM t WHERE a IS NULL GROUP BY a",
    "SELECT a, count(*) FROM t WHERE 0 GROUP BY a",
    "SELECT upper(n) AS k, count(*) FROM t GROUP BY k ORDER BY k",
])
def test_group_by(engines, sql):
    _agree(engines, sql)


@pytest.mark.parametrize("sql", [
    "SELECT count(*), sum(t.c), sum(u.w) FROM u JOIN t ON t.id = u.t_id",
    "SELECT count(*), sum(t.a % 1000), sum(u.w) FROM t CROSS JOIN u ON u.t_id = t.id "
    "WHERE t.id >= 100 AND t.id < 2500",
    "SELECT count(*), sum(u.w), max(t.b) FROM t JOIN u ON u.t_id = t.id WHERE t.id < 0",
    "SELECT count(*), count(u.id), sum(u.w), min(t.b) FROM t LEFT JOIN u ON u.t_id = t.id "
    "WHERE t.id < 1000",
    "SELECT t.n, count(u.id), sum(u.w) FROM t LEFT JOIN u ON u.t_id = t.id "
    "GROUP BY t.n ORDER BY 1",
    "SELECT u.w, count(*), max(t.m) FROM u JOIN t ON t.id = u.t_id GROUP BY u.w",
])
def test_join_aggregates(engines, sql):
    _agree(engines, sql)


@pytest.mark.parametrize("divisor", ["3", "1", "100", "-3", "-1", "+7", "0"])
def test_mod_by_constant(engines, divisor):
    for x in [0, 1, -1, 7, -7, 100, -100, 2**63 - 1, -2**63, 5.5, -5.5, "12", "x", None, b"3"]:
        _agree(engines, f"SELECT ? % {divisor}", (x,))
    _agree(engines, f"SELECT sum(a % {divisor}), sum(m % {divisor}) FROM t WHERE typeof(m) != 'blob'")


def test_batches_are_used(engines):
    """The benchmarked shapes take the batched path (the tests above would
    pass on the row-at-a-time path too)."""
    con = engines[1]
    seen = []
    real = aggexec._feeder

    def spy(aggs, driver):
        seen.append(len(aggs))
        return real(aggs, driver)
    aggexec._feeder = spy
    try:
        for sql in ("SELECT count(*), sum(a), avg(c), max(b) FROM t WHERE id >= 5 AND id < 7",
                    "SELECT a % 100 AS g, count(*), max(length(b)) FROM t GROUP BY g"):
            con.execute(sql).fetchall()
    finally:
        aggexec._feeder = real
    assert seen == [4, 2]


def test_user_function_keeps_row_order(engines):
    """An aggregate over a user function is stepped row by row: its calls
    interleave with the other aggregates' exactly as sqlite3's do."""
    calls = {}
    for name, con in zip(("sqlite3", "minisql"), engines):
        log = calls[name] = []

        def f(x, log=log):
            log.append(x)
            if x == 40:
                raise ValueError("boom")
            return x
        con.create_function("f", 1, f)
    _agree(engines, "SELECT count(*), sum(f(id)) FROM t WHERE id < 100")
    assert calls["minisql"] == calls["sqlite3"]


def test_user_collation(engines):
    """A user collation is user code: stepped row by row, same answers."""
    for con in engines:
        con.create_collation("rev", lambda a, b: (a < b) - (a > b))
    _agree(engines, "SELECT max(b COLLATE rev), min(n COLLATE rev), count(*) FROM t "
                    "WHERE id < 500 AND b COLLATE rev > 'w5'")
    _agree(engines, "SELECT b COLLATE rev AS k, count(*) FROM t WHERE id < 300 GROUP BY k")


def test_progress_handler_interrupts_batched_scan(engines):
    for con in engines:
        con.set_progress_handler(lambda: 1, 100)
    try:
        _agree(engines, "SELECT count(*), sum(a) FROM t")
        _agree(engines, "SELECT a % 10, count(*) FROM t GROUP BY 1")
    finally:
        for con in engines:
            con.set_progress_handler(None, 0)


def test_changes_between_pages_are_seen(tmp_path):
    """A batched scan holds one page's rows at a time: a table changed by
    another statement between executions is read afresh."""
    for mod in (sqlite3, minisql):
        con = mod.connect(str(tmp_path / f"{mod.__name__}.db"))
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, i) for i in range(1, 2001)])
        first = con.execute("SELECT count(*), sum(a) FROM t WHERE id > 10").fetchall()
        con.execute("DELETE FROM t WHERE id % 3 = 0")
        second = con.execute("SELECT count(*), sum(a) FROM t WHERE id > 10").fetchall()
        con.close()
        if mod is sqlite3:
            want = (first, second)
        else:
            assert (first, second) == want


# -- record.decode_records ------------------------------------------------------------

def _random_record(rng):
    vals = [rng.choice([None, 0, 1, rng.randrange(-2**63, 2**63), rng.randrange(-300, 300),
                        rng.randrange(-2**23, 2**23), rng.randrange(-2**47, 2**47),
                        rng.random() * 1e6, 2.0, "é" * rng.randrange(30),
                        bytes(rng.randrange(30)), "x" * 200])
            for _ in range(rng.randrange(0, 6))]
    return R.encode_record(vals)


def _decode_each(buf, spans, n):
    out = []
    for s, e in spans:
        try:
            out.append(R.decode_record(buf, s, e) if n is None
                       else R.decode_record_prefix(buf, n, s, e))
        except Exception as exc:
            out.append((type(exc), str(exc)))
    return out


def _decode_batch(buf, spans, n):
    out = []
    for span in spans:        # one at a time, to line errors up with records
        try:
            out.extend(R.decode_records(buf, [span[0]], [span[1]], n))
        except Exception as exc:
            out.append((type(exc), str(exc)))
    return out


@pytest.mark.parametrize("n", [None, 1, 2, 4])
def test_decode_records_matches_decode_record(n):
    rng = random.Random(n or 0)
    recs = [_random_record(rng) for _ in range(300)] * 12     # headers seen often
    buf = bytearray(b"".join(recs))
    spans, o = [], 0
    for r in recs:
        spans.append((o, o + len(r)))
        o += len(r)
    starts, ends = [s for s, e in spans], [e for s, e in spans]
    assert R.decode_records(buf, starts, ends, n) == _decode_each(buf, spans, n)
    # Damaged spans: too short, too long, a header past its payload.
    bad = [(s, e - 1) for s, e in spans[:200]] + [(s, e + 1) for s, e in spans[:200]] + \
        [(s, s + 1) for s, e in spans[:50]]
    bad = bad * 10
    assert _decode_batch(buf, bad, n) == _decode_each(buf, bad, n)
